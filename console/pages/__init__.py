"""The console shell: login, logout, the dashboard, and what every template sees (nav, me, bureau name)."""
from __future__ import annotations

import json

from flask import Blueprint, flash, redirect, render_template, request, url_for

import logs
from console import registry
from console.auth import current_staff, login_required, login_user, logout_user, shows_personal_data
from console.charts import bar_chart
from console.forms import LoginForm
from extensions import db
from services import DomainError, bureau
from services import staff as staff_service
from services.audit import MASKERS
from services.clock import to_china, utcnow

log = logs.get(__name__)

bp = Blueprint("console", __name__, url_prefix="/console", template_folder="../templates",
               static_folder="../static", static_url_path="/static")

SIGNED_OUT = "您已退出登录"
WELCOME = "欢迎，{name}"


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "GET" and current_staff() is not None:
        return redirect(_safe_next(request.args.get("next")))
    form = LoginForm()
    error, status = None, 200
    if form.validate_on_submit():
        try:
            person = staff_service.authenticate(username=form.username.data, password=form.password.data,
                                                ip=request.remote_addr or "", now=utcnow())
        except DomainError as err:
            db.session.commit()                 # the failure record counts, though the login does not
            error, status = err.message, err.status
        else:
            login_user(person)
            db.session.commit()
            flash(WELCOME.format(name=person.name), "ok")
            return redirect(_safe_next(request.args.get("next")))
    elif form.errors:
        status = 400
    return render_template("login.html", form=form, error=error), status


def _safe_next(target: str | None) -> str:
    """Only same-site console paths: never an open redirect."""
    if target and target.startswith("/console") and not target.startswith("//"):
        return target
    return url_for("console.dashboard")


@bp.post("/logout")
def logout():
    logout_user()
    db.session.commit()
    flash(SIGNED_OUT, "ok")
    return redirect(url_for("console.login"))


@bp.get("/")
@login_required
def dashboard():
    me = current_staff()
    cards = []
    for widget in registry.widgets(me.role):
        card = {"widget": widget, "count": None, "chart": None, "empty": False, "failed": False}
        try:
            if widget.count is not None:
                card["count"] = widget.count(me)
                card["empty"] = card["count"] == 0
            if widget.chart is not None:
                series = list(widget.chart(me))
                card["empty"] = not any(value for _, value in series)
                card["chart"] = None if card["empty"] else bar_chart(series, title=widget.title)
        except Exception:  # noqa: BLE001 - one feature's broken widget must not take the dashboard down
            db.session.rollback()
            log.exception("dashboard widget failed", widget=widget.title)
            card.update(failed=True, empty=False, count=None, chart=None)
        cards.append(card)
    return render_template("dashboard.html", cards=cards)


@bp.get("")
def root():
    return redirect(url_for("console.dashboard"))


def _template_context() -> dict:
    me = current_staff()
    return {"me": me, "nav": registry.nav_items(me.role) if me else [], "bureau": bureau.profile()}


def china_time(moment) -> str:
    return to_china(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def personal(value, kind: str, *, always_mask: bool = False) -> str:
    """`{{ case.phone|personal("phone") }}`: masked for viewers (or when always_mask, e.g. in lists)."""
    if value in (None, ""):
        return ""
    if always_mask or not shows_personal_data(current_staff()):
        return MASKERS[kind](value)
    return str(value)


def tojson_pretty(value) -> str:
    return json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True)


def init_app(app) -> None:
    app.register_blueprint(bp)
    app.context_processor(_template_context)
    app.add_template_filter(china_time, "china_time")
    app.add_template_filter(tojson_pretty, "tojson_pretty")
    app.add_template_filter(personal, "personal")
