"""Every setting, read from the environment in one place.

`load(overrides)` builds the settings from `os.environ` plus an optional mapping (tests pass one instead of
touching the environment). Development gets embedded defaults: SQLite under `instance/`, an in-process Redis
stand-in, the `sim/` WeChat API. Production refuses to start with a missing secret or an embedded store, naming it.
"""
from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parent
INSTANCE = ROOT / "instance"

OFFICIAL_API_BASE = "https://api.weixin.qq.com"
DEV_TOKEN = "devtoken315"
DEV_APP_ID = "wxdev0000000000315"
DEV_APP_SECRET = "devsecret"
SIM_PORT = 8315

# Required in production; every one of them must come from the environment there.
PRODUCTION_REQUIRED = (
    "WECHAT_TOKEN", "WECHAT_APP_ID", "WECHAT_APP_SECRET", "DATABASE_URL", "REDIS_URL", "SECRET_KEY",
)


class ConfigError(RuntimeError):
    """A setting is missing or unusable; the message names it."""


def _flag(value: str | bool | None) -> bool:
    if isinstance(value, bool):
        return value
    return str(value or "").strip().lower() in {"1", "true", "yes", "on"}


def engine_options(url: str, settings: Mapping[str, object]) -> dict[str, object]:
    """SQLAlchemy engine options for `url`: connect, statement, lock and pool timeouts (bounds.py does the rest)."""
    if url.startswith("sqlite"):
        return {"pool_pre_ping": True, "connect_args": {"timeout": float(str(settings["DB_BUSY_TIMEOUT"]))}}
    options: dict[str, object] = {"pool_timeout": float(str(settings["DB_POOL_TIMEOUT"]))}
    if not url.startswith("postgresql"):
        return {**options, "pool_pre_ping": True}
    statement_ms = int(float(str(settings["DB_STATEMENT_TIMEOUT"])) * 1000)
    lock_ms = int(float(str(settings["DB_LOCK_TIMEOUT"])) * 1000)
    return {**options,
            "pool_pre_ping": False,    # bounds.py pings at checkout, once its watchdog covers the connection
            "connect_args": {"connect_timeout": max(2, int(str(settings["DB_CONNECT_TIMEOUT"]))),
                             "options": f"-c statement_timeout={statement_ms} -c lock_timeout={lock_ms}"}}


def load(overrides: Mapping[str, object] | None = None) -> dict[str, object]:
    """Return the settings as a flat dict of Flask config keys."""
    env: dict[str, object] = dict(os.environ)
    env.update(overrides or {})
    app_env = str(env.get("APP_ENV") or "development")
    if app_env not in {"development", "production"}:
        raise ConfigError(f"APP_ENV must be development or production, not {app_env!r}")
    if app_env == "production":
        missing = [name for name in PRODUCTION_REQUIRED if not env.get(name)]
        if missing:
            raise ConfigError("production needs " + ", ".join(missing))
        if str(env["DATABASE_URL"]).startswith("sqlite"):
            raise ConfigError("production needs DATABASE_URL on a database server, not SQLite")

    aes_key = str(env.get("WECHAT_AES_KEY") or "") or None
    if aes_key is not None and len(aes_key) != 43:
        raise ConfigError("WECHAT_AES_KEY must be exactly 43 characters")

    INSTANCE.mkdir(exist_ok=True)
    settings: dict[str, object] = {
        "APP_ENV": app_env,
        "WECHAT_TOKEN": str(env.get("WECHAT_TOKEN") or DEV_TOKEN),
        "WECHAT_TOKEN_IS_DEFAULT": not env.get("WECHAT_TOKEN"),
        "WECHAT_APP_ID": str(env.get("WECHAT_APP_ID") or DEV_APP_ID),
        "WECHAT_APP_SECRET": str(env.get("WECHAT_APP_SECRET") or DEV_APP_SECRET),
        "WECHAT_AES_KEY": aes_key,
        "WECHAT_AES_KEY_PREVIOUS": str(env.get("WECHAT_AES_KEY_PREVIOUS") or "") or None,
        # In development the sim/ fake API answers here; an operator sets the official host.
        "WECHAT_API_BASE": str(env.get("WECHAT_API_BASE")
                               or (OFFICIAL_API_BASE if app_env == "production" else f"http://127.0.0.1:{SIM_PORT}")),
        "SQLALCHEMY_DATABASE_URI": str(env.get("DATABASE_URL") or f"sqlite:///{INSTANCE / 'bot.sqlite3'}"),
        "REDIS_URL": str(env.get("REDIS_URL") or "") or None,
        "SECRET_KEY": str(env.get("SECRET_KEY") or secrets.token_hex(32)),
        "MAX_CONTENT_LENGTH": 64 * 1024,  # WeChat bodies are small; anything larger is refused with 413
        "OUTBOUND_WORKERS": int(str(env.get("OUTBOUND_WORKERS") or 4)),
        "TESTING": _flag(env.get("TESTING")),
        "PROXY_COUNT": int(str(env.get("PROXY_COUNT") or 0)),   # reverse proxies in front (nginx: 1)
        # 你点我检: template message for a voter outside the 48-hour window (unset: told at their next message).
        "POLL_RESULT_TEMPLATE_ID": str(env.get("POLL_RESULT_TEMPLATE_ID") or "") or None,
        # Template message for case status changes outside the 48-hour window; empty: deferred to the next message.
        "WECHAT_TEMPLATE_CASE_STATUS": str(env.get("WECHAT_TEMPLATE_CASE_STATUS") or ""),
        # Subscription-notification template for the same, used when no template message is configured or it fails.
        "WECHAT_SUBSCRIPTION_CASE_STATUS": str(env.get("WECHAT_SUBSCRIPTION_CASE_STATUS") or ""),
        # Publications and the scheduler (issue 7)
        "PUBLICATION_GRACE_SECONDS": int(str(env.get("PUBLICATION_GRACE_SECONDS") or 6 * 3600)),  # misfire grace
        "PUBLICATION_SELF_APPROVAL": _flag(env.get("PUBLICATION_SELF_APPROVAL")),
        "PUBLICATION_PREVIEW_OPENIDS": str(env.get("PUBLICATION_PREVIEW_OPENIDS") or ""),  # comma-separated
        # https://host of this server as followers reach it: a publication with 正文 and no 详情链接 links to
        # PUBLIC_BASE_URL/articles/<id> (WeChat cards and templates need a URL); unset, no link is added
        "PUBLIC_BASE_URL": str(env.get("PUBLIC_BASE_URL") or "").rstrip("/"),
        "PUBLICATION_TEMPLATE_ID": str(env.get("PUBLICATION_TEMPLATE_ID") or "TPL_PUBLICATION"),
        "PUBLICATION_WORKERS": int(str(env.get("PUBLICATION_WORKERS") or 32)),
        "PUBLICATION_RATE": float(str(env.get("PUBLICATION_RATE") or 0)),  # messages/s across workers; 0 = unlimited
        "PUBLICATION_PROCESSES": int(str(env.get("PUBLICATION_PROCESSES") or 1)),  # delivery processes per publication
        "SCHEDULER_LEASE_SECONDS": int(str(env.get("SCHEDULER_LEASE_SECONDS") or 30)),
        # Staff console: a session lasts at most CONSOLE_SESSION_HOURS and ends after CONSOLE_IDLE_MINUTES idle.
        "CONSOLE_SESSION_HOURS": int(str(env.get("CONSOLE_SESSION_HOURS") or 8)),
        "CONSOLE_IDLE_MINUTES": int(str(env.get("CONSOLE_IDLE_MINUTES") or 30)),
        "API_TOKEN_HOURS": int(str(env.get("API_TOKEN_HOURS") or 12)),
        # HTTPS-only session cookie in production; an http-only intranet sets SESSION_COOKIE_SECURE=0.
        "SESSION_COOKIE_SECURE": _flag(env.get("SESSION_COOKIE_SECURE", app_env == "production")),
        "SESSION_COOKIE_SAMESITE": "Lax",
        # Operations (issue 18): log level, health-check deadlines, when a periodic job counts as overdue.
        "LOG_LEVEL": str(env.get("LOG_LEVEL") or "INFO").upper(),
        "HEALTH_TIMEOUT_SECONDS": float(str(env.get("HEALTH_TIMEOUT_SECONDS") or 1.5)),
        "SCHEDULER_OVERDUE_SECONDS": int(str(env.get("SCHEDULER_OVERDUE_SECONDS") or 300)),
        # Authenticated pushes (issue 12, bot/pushauth.py): the timestamp window in seconds; plaintext accepted with
        # an AES key only when explicitly allowed; ToUserName checked against the account's 原始ID when set.
        "WECHAT_TIMESTAMP_WINDOW": int(str(env.get("WECHAT_TIMESTAMP_WINDOW") or 300)),
        "WECHAT_ALLOW_PLAINTEXT": _flag(env.get("WECHAT_ALLOW_PLAINTEXT")),
        "WECHAT_ACCOUNT_ID": str(env.get("WECHAT_ACCOUNT_ID") or ""),
        # A reply finished this many seconds after its push goes by customer-service message (bot/late.py).
        "WECHAT_LATE_AFTER": float(str(late)) if (late := env.get("WECHAT_LATE_AFTER")) not in (None, "") else 4.0,
        # Overload (issue 12): a push that already waited this long in the front proxy's queue (X-Request-Start)
        # is answered at once with a short "稍后回复" and handled in the background (bot/late.py); 0 = never.
        "WECHAT_SHED_AFTER": float(str(shed)) if (shed := env.get("WECHAT_SHED_AFTER")) not in (None, "") else 2.5,
        # Every store call bounded inside WeChat's 5 s (issue 12, bounds.py); seconds, 0 = no limit where noted.
        "REDIS_SOCKET_TIMEOUT": float(str(env.get("REDIS_SOCKET_TIMEOUT") or 0.5)),
        "REDIS_CONNECT_TIMEOUT": float(str(env.get("REDIS_CONNECT_TIMEOUT") or 0.3)),
        "DB_CONNECT_TIMEOUT": int(str(env.get("DB_CONNECT_TIMEOUT") or 2)),        # libpq's minimum is 2
        "DB_STATEMENT_TIMEOUT": float(str(env.get("DB_STATEMENT_TIMEOUT") or 3)),   # 0 = none (long migrations)
        "DB_LOCK_TIMEOUT": float(str(env.get("DB_LOCK_TIMEOUT") or 1)),
        "DB_POOL_TIMEOUT": float(str(env.get("DB_POOL_TIMEOUT") or 1)),
        "DB_BUSY_TIMEOUT": float(str(env.get("DB_BUSY_TIMEOUT") or 3)),             # SQLite
        "WEBHOOK_DB_DEADLINE": float(str(env.get("WEBHOOK_DB_DEADLINE") or 3)),     # cut a push's DB work after
        # 人工值守 (issue 15): the notice a follower outside the 48-hour window gets for a staff reply (template, else
        # subscription; neither: shown at their next message), and the template that reaches staff on their phones.
        "INBOX_REPLY_TEMPLATE_ID": str(env.get("INBOX_REPLY_TEMPLATE_ID") or ""),
        "INBOX_REPLY_SUBSCRIPTION_ID": str(env.get("INBOX_REPLY_SUBSCRIPTION_ID") or ""),
        "STAFF_ALERT_TEMPLATE_ID": str(env.get("STAFF_ALERT_TEMPLATE_ID") or ""),
    }
    if settings["LOG_LEVEL"] not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        raise ConfigError("LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR")
    settings["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(str(settings["SQLALCHEMY_DATABASE_URI"]), settings)
    for key, value in (overrides or {}).items():
        if key.isupper() and key not in settings and key not in os.environ:
            settings[key] = value
    return settings
