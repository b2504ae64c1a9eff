"""/api/auth: log in for a bearer token, log out (revoke it), who am I; /api/tokens: list and revoke tokens."""
from __future__ import annotations

from flask import current_app, g, request
from flask.views import MethodView

from console.api import Blueprint, page_schema, paginate
from console.auth import current_staff, login_required
from console.rest.schemas import LoginSchema, StaffSchema, TokenInfoSchema, TokenQuery, TokenSchema
from extensions import db
from services import DomainError, api_tokens, audit
from services import staff as staff_service
from services.clock import utcnow

blp = Blueprint("auth_api", __name__, description="登录与令牌")
tokens_blp = Blueprint("tokens_api", __name__, description="访问令牌")


@blp.route("/login")
class Login(MethodView):
    @blp.doc(security=[])
    @blp.arguments(LoginSchema)
    @blp.response(200, TokenSchema)
    @blp.alt_response(403, description="wrong username or password, or the account is inactive")
    @blp.alt_response(429, description="locked after repeated failures (account or IP)")
    def post(self, body):
        """Exchange username and password for a bearer token (throttled per account and per IP)."""
        now = utcnow()
        try:
            person = staff_service.authenticate(username=body["username"], password=body["password"],
                                                ip=request.remote_addr or "", now=now)
        except DomainError:
            db.session.commit()                 # the failure record counts, though the login does not
            raise
        token, plain = api_tokens.issue(staff=person, now=now, hours=int(current_app.config["API_TOKEN_HOURS"]),
                                        label="api login")
        db.session.commit()
        return {"token": plain, "expires_at": token.expires_at}


@blp.route("/logout")
class Logout(MethodView):
    @blp.response(204)
    @login_required
    def post(self):
        """Revoke the token used for this request (audited as a logout)."""
        now = utcnow()
        api_tokens.revoke_plain(plain=g.bearer, now=now)
        audit.record(actor=current_staff(), action="auth.logout", obj_type="staff", obj_id=current_staff().id,
                     after={"ip": request.remote_addr or ""}, now=now)
        db.session.commit()


@blp.route("/me")
class Me(MethodView):
    @blp.response(200, StaffSchema)
    @login_required
    def get(self):
        """The staff member behind the token."""
        return current_staff()


@tokens_blp.route("/")
class Tokens(MethodView):
    @tokens_blp.arguments(TokenQuery, location="query")
    @tokens_blp.response(200, page_schema(TokenInfoSchema))
    @login_required
    def get(self, args):
        """Tokens, newest first: the caller's own; an admin sees everyone's (or one person's with `staff_id`)."""
        me = current_staff()
        if me.is_admin:
            return paginate(api_tokens.all_query(args.get("staff_id")), args)
        return paginate(api_tokens.for_staff_query(me.id), args)


@tokens_blp.route("/<int:token_id>/revoke")
class Revoke(MethodView):
    @tokens_blp.response(200, TokenInfoSchema)
    @login_required
    def post(self, token_id: int):
        """Revoke a token: one's own, or anyone's for an admin."""
        token = api_tokens.revoke(token_id=token_id, actor=current_staff(), now=utcnow())
        db.session.commit()
        return token
