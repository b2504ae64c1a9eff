"""Who is asking, and may they: sessions for pages, bearer tokens for /api, and the checks features use.

    from console.auth import login_required, require_role, current_staff

    @bp.get("/")
    @login_required                      # anonymous: pages redirect to login, /api answers 401
    def index(): ...

    @bp.post("/<int:case_id>/assign")
    @require_role("admin", "staff")      # wrong role: 403 with the reason (page or JSON)
    def assign(case_id): ...

A session ends after CONSOLE_IDLE_MINUTES without a request, CONSOLE_SESSION_HOURS after login, when the
password changes, when the account is deactivated, or at logout — on the server: the cookie's random `sid` is
recorded as ended (services.console_sessions), so a copied cookie stops working too. Every check is on the server;
the navigation only hides.

Every /api route except the public ones (PUBLIC_API) needs a caller before anything else runs: an anonymous
request gets 401 even when its arguments are also wrong (`require_api_caller`).
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import wraps

from flask import abort, current_app, flash, g, redirect, request, session, url_for

from extensions import db
from models import Staff
from models.staff import Role
from models.staff import ROLE_LABELS
from services import api_tokens, console_sessions
from services.clock import utcnow

LOGIN_NEEDED = "请先登录"
SESSION_EXPIRED = "登录已超时，请重新登录"
ROLE_NEEDED = "需要以下角色之一：{roles}（您当前是{role}）"
PUBLIC_API = {"/api/auth/login", "/api/openapi.json"}
TOKEN_NEEDED = "缺少或无效的访问令牌：请先 POST /api/auth/login，再以 Authorization: Bearer <token> 调用"
READ_ONLY = "只读账号不能修改数据"

WRITERS = (Role.ADMIN, Role.STAFF)


def is_api_request() -> bool:
    return request.path == "/api" or request.path.startswith("/api/")


def _stamp(person: Staff) -> str:
    """Changes when the password changes, ending every older session."""
    return hashlib.sha256(person.password_hash.encode()).hexdigest()[:16]


def session_fields(person: Staff) -> dict:
    """What a signed-in session holds (also used by the tests' `logged_in` fixture)."""
    now = int(utcnow().timestamp())
    return {"staff_id": person.id, "stamp": _stamp(person), "login_at": now, "seen": now,
            "sid": console_sessions.new_sid()}


def login_user(person: Staff) -> None:
    session.clear()
    session.permanent = True
    session.update(session_fields(person))
    g.staff = person


def logout_user() -> None:
    """End this session on the server (audited) and clear the cookie; the caller commits."""
    console_sessions.end(sid=session.get("sid"), person=current_staff(), ip=request.remote_addr or "",
                         now=utcnow())
    session.clear()
    g.staff = None


def _from_session() -> Staff | None:
    staff_id = session.get("staff_id")
    if staff_id is None:
        return None
    now = int(utcnow().timestamp())
    idle = int(current_app.config["CONSOLE_IDLE_MINUTES"]) * 60
    lifetime = int(current_app.config["CONSOLE_SESSION_HOURS"]) * 3600
    person = db.session.get(Staff, staff_id)
    sid = session.get("sid")
    if (now - int(session.get("seen", 0)) > idle or now - int(session.get("login_at", 0)) > lifetime
            or person is None or not person.active or session.get("stamp") != _stamp(person)
            or not sid or console_sessions.is_ended(sid)):
        session.clear()
        g.session_expired = True
        return None
    if now - int(session["seen"]) >= 30:   # refresh the idle clock without rewriting the cookie every request
        session["seen"] = now
    return person


def _from_bearer() -> Staff | None:
    header = request.headers.get("Authorization", "")
    scheme, _, plain = header.partition(" ")
    if scheme.lower() != "bearer" or not plain.strip():
        return None
    g.bearer = plain.strip()
    person = api_tokens.resolve(plain=g.bearer, now=utcnow())
    if db.session.dirty:
        db.session.commit()   # last_used_at, before the view opens its own unit of work
    return person


def load_api_caller():
    """Resolve the bearer token first thing in an /api request (its last-use write commits on its own), and refuse
    an anonymous caller before any argument is parsed: 401, never a 422 that probes the API without a token."""
    if is_api_request():
        if (current_staff() is None and request.path not in PUBLIC_API and request.method != "OPTIONS"
                and request.routing_exception is None):
            return deny(401, TOKEN_NEEDED)
    return None


def current_staff() -> Staff | None:
    """The signed-in staff member (session for pages, bearer token for /api), or None."""
    if "staff" not in g:
        g.staff = _from_bearer() if is_api_request() else _from_session()
    return g.staff


def deny(status: int, reason: str):
    """Refuse: 401 → JSON for /api, a redirect to the login page otherwise; 403 → JSON or the 403 page."""
    if status == 401 and not is_api_request():
        if g.get("session_expired"):
            flash(SESSION_EXPIRED, "warn")
        return redirect(url_for("console.login", next=request.full_path.rstrip("?")))
    abort(status, description=reason)


def login_required(view: Callable) -> Callable:
    @wraps(view)
    def wrapped(*args, **kwargs):
        if current_staff() is None:
            return deny(401, TOKEN_NEEDED if is_api_request() else LOGIN_NEEDED)
        return view(*args, **kwargs)
    return wrapped


def require_role(*roles: str) -> Callable[[Callable], Callable]:
    """Allow only these roles (login implied). The 403 names the roles needed and the caller's role."""
    allowed = tuple(Role(r) for r in roles)

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            person = current_staff()
            if person is None:
                return deny(401, TOKEN_NEEDED if is_api_request() else LOGIN_NEEDED)
            if person.role not in allowed:
                return deny(403, ROLE_NEEDED.format(
                    roles="、".join(ROLE_LABELS[r] for r in allowed), role=ROLE_LABELS[Role(person.role)]))
            return view(*args, **kwargs)
        return wrapped
    return decorate


writer_required = require_role(*WRITERS)


def shows_personal_data(person: Staff | None) -> bool:
    """Viewers (and anonymous callers) get personal fields masked."""
    return person is not None and person.role in WRITERS
