"""The staff console (/console, server-rendered Jinja) and its JSON API (/api, flask-smorest, OpenAPI 3).

Features move in through `console.registry`: a feature module builds one `Feature` (pages, API, nav entries,
dashboard widgets, CLI commands) and calls `register_feature` when imported. `FEATURE_MODULES` lists those modules;
`init_app` imports them and wires every registered feature into the app. See docs/console.md.
"""
from __future__ import annotations

import importlib
from datetime import timedelta

from flask import current_app, request
from flask_wtf.csrf import CSRFError, CSRFProtect

from console.registry import Feature, NavItem, Widget, register_feature  # noqa: F401  (the features' API)

# Console modules that register a feature, in navigation order. A feature adds its line here.
FEATURE_MODULES: list[str] = [
    "console.core",
    "console.complaints",
    "console.polls",
    "console.disposals",
    "console.surveys",
    "console.campaigns",
    "console.publications",
    "console.kb",
    "console.messages",
]

csrf = CSRFProtect()
CSRF_FAILED = "页面已过期或来源不明，请刷新页面后重试"


def init_app(app) -> None:
    from console import api as api_module
    from console import auth, cli, errors, pages
    from console.registry import FEATURES

    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)  # /wechat and bearer /api carry no session cookie
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)      # valid for the session, which itself expires
    app.permanent_session_lifetime = timedelta(hours=int(app.config["CONSOLE_SESSION_HOURS"]))
    csrf.init_app(app)
    app.before_request(_protect_forms)
    app.before_request(auth.load_api_caller)
    app.after_request(_console_headers)
    app.register_error_handler(CSRFError, _csrf_failed)

    for module in FEATURE_MODULES:
        importlib.import_module(module)
    api = api_module.make_api(app)
    app.extensions["console_api"] = api
    errors.init_app(app)
    pages.init_app(app)
    for feature in FEATURES.values():
        if feature.pages is not None:
            app.register_blueprint(feature.pages, url_prefix=f"/console/{feature.name}")
        if feature.api is not None:
            api.register_blueprint(feature.api, url_prefix=f"/api/{feature.name}")
        for command in feature.commands:
            app.cli.add_command(command)
    from console import articles, survey_page
    app.register_blueprint(articles.bp, url_prefix="/articles")      # public: the 正文 followers open
    app.register_blueprint(survey_page.bp, url_prefix="/survey")     # public: a survey by a follower's signed link
    _check_endpoints(app, FEATURES.values())
    cli.init_app(app)


def _check_endpoints(app, features) -> None:
    """Fail at start, naming the feature, rather than on every page render."""
    for feature in features:
        for endpoint in [i.endpoint for i in feature.nav] + [w.endpoint for w in feature.widgets if w.endpoint]:
            if endpoint not in app.view_functions:
                raise RuntimeError(f"console feature {feature.name!r} links to unknown endpoint {endpoint!r}")


def _protect_forms() -> None:
    """CSRF on every state-changing /console request (forms carry `csrf_token`). A view that takes a file upload
    declares its own body limit (`upload_limit`, bytes) over the app's 64 KiB; it must apply before CSRF reads the
    form."""
    view = current_app.view_functions.get(request.endpoint or "")
    limit = getattr(view, "upload_limit", None)
    if limit:
        request.max_content_length = limit
    if request.path.startswith("/console") and current_app.config.get("WTF_CSRF_ENABLED", True):
        csrf.protect()


# No inline script or style anywhere in the console: everything comes from /console/static.
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")


def _console_headers(response):
    """Console pages and /api are never framed (clickjacking), sniffed or cached (personal data on shared office PCs),
    and run only our own static script and style (CSP)."""
    path = request.path
    if (path.startswith("/console") and not path.startswith("/console/static")) or path == "/api" \
            or path.startswith("/api/"):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def _csrf_failed(err: CSRFError):
    """Refused form: logged with the reason (a missing session cookie — Secure cookie over plain http — reads
    differently from a referrer that does not match the host — a proxy not passing Host/X-Forwarded-Proto)."""
    import logs
    import metrics
    from console.errors import error_page
    metrics.rejected("csrf")
    logs.get(__name__).warning("csrf rejected", reason=err.description, path=request.path,
                               client=request.remote_addr, scheme=request.scheme, host=request.host)
    return error_page(400, CSRF_FAILED)
