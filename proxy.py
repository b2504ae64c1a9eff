"""Behind a reverse proxy (PROXY_COUNT=1 for nginx): trust exactly that many hops of X-Forwarded-For/-Proto/-Host.

What goes wrong without the headers, and what this module does about it:
- no X-Forwarded-For: every client has nginx's address, so one script's failed logins lock every staff member out
  (the throttle counts per address);
- X-Forwarded-Proto https without the original Host: Flask-WTF's HTTPS referrer check compares the browser's
  Referer with the upstream host name and refuses every console form (「页面已过期或来源不明」).
`deploy/nginx/consumer-bot.conf` sets all of them. A request through the proxy that lacks one is logged once per
process (`proxy header missing`), so the cause is in the log, not guessed from a refused login.
"""
from __future__ import annotations

from flask import Flask, request
from werkzeug.middleware.proxy_fix import ProxyFix

import logs

log = logs.get(__name__)

NEEDED = ("X-Forwarded-For", "X-Forwarded-Proto")
UPSTREAM_HOSTS = ("127.0.0.1", "localhost", "[::1]")


def _problems(headers) -> list[str]:
    """The proxy headers this request lacks: a missing X-Forwarded-*, or a Host that is gunicorn's own address
    (nginx's default `proxy_set_header Host $proxy_host`) with no X-Forwarded-Host."""
    missing = [name for name in NEEDED if not headers.get(name)]
    host = (headers.get("X-Forwarded-Host") or headers.get("Host") or "").rsplit(":", 1)[0]
    if host in UPSTREAM_HOSTS or not host:
        missing.append("Host")
    return missing


def init_app(app: Flask) -> None:
    hops = int(app.config["PROXY_COUNT"])
    if not hops:
        return
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    warned: set[str] = set()

    def check_headers() -> None:
        environ = request.environ
        headers = {"X-Forwarded-For": environ.get("HTTP_X_FORWARDED_FOR"),
                   "X-Forwarded-Proto": environ.get("HTTP_X_FORWARDED_PROTO"),
                   "X-Forwarded-Host": environ.get("HTTP_X_FORWARDED_HOST"),
                   "Host": environ.get("werkzeug.proxy_fix.orig", {}).get("HTTP_HOST")}
        for name in _problems(headers):
            if name not in warned:
                warned.add(name)
                log.warning("proxy header missing", header=name, proxy_count=hops, path=request.path,
                            client=request.remote_addr)

    app.before_request(check_headers)
