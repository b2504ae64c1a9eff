"""Every setting, read from the environment in one place: `SETTINGS` declares each variable (name, type, default,
meaning, check), and README.md's table lists them all (tests/test_config.py keeps the two in step).

`load(overrides)` builds the settings from `os.environ` plus an optional mapping (tests pass one instead of
touching the environment). A value of the wrong type stops the start with one line naming the variable
(`OUTBOUND_WORKERS must be an integer, not 'abc'`). Development gets embedded defaults: SQLite under `instance/`,
an in-process Redis stand-in, the `sim/` WeChat API. Production refuses to start with a missing secret or an embedded store, naming it.
"""
from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

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


class ConfigError(click.ClickException, RuntimeError):
    """A setting is missing or unusable; the message names it. A click exception, so `flask ...` prints the one line
    ("Error: OUTBOUND_WORKERS must be an integer, not 'abc'") and exits 1 instead of a traceback; gunicorn checks the
    settings in its master before any worker starts (gunicorn.conf.py `on_starting`)."""


FLAG_WORDS = {"1": True, "true": True, "yes": True, "on": True, "0": False, "false": False, "no": False, "off": False}
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


@dataclass(frozen=True)
class Setting:
    """One environment variable: its type, its default (a value, or a function of APP_ENV), what it means.

    Unset or empty means the default. `key` is the Flask config key when it differs from the variable's name;
    `clean` normalises a parsed value; `check` returns why a value is unusable (the message names the variable)."""
    name: str
    type: type
    default: object
    doc: str
    key: str | None = None
    clean: Callable[[Any], Any] | None = None
    check: Callable[[Any], str | None] | None = None

    @property
    def config_key(self) -> str:
        return self.key or self.name

    def parse(self, raw: object, app_env: str) -> object:
        if raw is None or raw == "":
            value = self.default(app_env) if callable(self.default) else self.default
        else:
            value = _parse(self.name, self.type, raw)
        if value is not None and self.clean is not None:
            value = self.clean(value)
        if value is not None and self.check is not None and (problem := self.check(value)):
            raise ConfigError(problem)
        return value


def _parse(name: str, kind: type, raw: object) -> object:
    if kind is bool:
        if isinstance(raw, bool):
            return raw
        flag = FLAG_WORDS.get(str(raw).strip().lower())
        if flag is None:
            raise ConfigError(f"{name} must be a flag (1/0, true/false, yes/no, on/off), not {raw!r}")
        return flag
    if kind in (int, float):
        if isinstance(raw, (int, float)) and not isinstance(raw, bool) and (kind is float or isinstance(raw, int)):
            return kind(raw)
        try:
            return kind(str(raw).strip())
        except ValueError:
            raise ConfigError(f"{name} must be {'an integer' if kind is int else 'a number'}, not {raw!r}") from None
    return str(raw)


def _dev_or(production: object, development: object) -> Callable[[str], object]:
    return lambda app_env: production if app_env == "production" else development


def _one_of(name: str, choices: Sequence[str], message: str | None = None) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        return None if value in choices else message or f"{name} must be {' or '.join(choices)}, not {value!r}"
    return check


def _aes_key(value: str) -> str | None:
    return None if len(value) == 43 else "WECHAT_AES_KEY must be exactly 43 characters"


# Every setting read from the environment, in the order README.md's table lists them. The names are the runtime
# contract (shared DESIGN.md §3): extend, never rename.
SETTINGS: tuple[Setting, ...] = (
    Setting("APP_ENV", str, "development", "development or production; production refuses to start with a missing "
            "secret or an embedded store", check=_one_of("APP_ENV", ("development", "production"))),
    Setting("WECHAT_TOKEN", str, DEV_TOKEN, "the server-config Token"),
    Setting("WECHAT_APP_ID", str, DEV_APP_ID, "the account's AppID"),
    Setting("WECHAT_APP_SECRET", str, DEV_APP_SECRET, "the account's AppSecret"),
    Setting("WECHAT_AES_KEY", str, None, "43-char EncodingAESKey; unset: plaintext", check=_aes_key),
    Setting("WECHAT_AES_KEY_PREVIOUS", str, None, "the key before a rotation, still accepted"),
    # In development the sim/ fake API answers here; an operator sets the official host.
    Setting("WECHAT_API_BASE", str, _dev_or(OFFICIAL_API_BASE, f"http://127.0.0.1:{SIM_PORT}"),
            "root URL of the WeChat API; every outbound call goes here"),
    Setting("WECHAT_HTTP_TIMEOUT", float, 5.0, "seconds to wait for the WeChat API's answer; a one-by-one send "
            "that got none is counted unconfirmed and never resent"),
    Setting("DATABASE_URL", str, f"sqlite:///{INSTANCE / 'bot.sqlite3'}", "SQLAlchemy URL",
            key="SQLALCHEMY_DATABASE_URI"),
    Setting("REDIS_URL", str, None, "Redis URL; unset: in-process fakeredis, single process only"),
    Setting("SECRET_KEY", str, lambda _env: secrets.token_hex(32), "staff-session signing key"),
    Setting("OUTBOUND_WORKERS", int, 4, "threads per process sending customer-service messages"),
    Setting("TESTING", bool, False, "Flask's testing mode (the test suite)"),
    Setting("PROXY_COUNT", int, 0, "reverse proxies in front (nginx: 1)"),
    Setting("POLL_RESULT_TEMPLATE_ID", str, None,
            "你点我检: template message for a voter outside the 48-hour window (unset: told at their next message)"),
    Setting("WECHAT_TEMPLATE_CASE_STATUS", str, "",
            "template message for case status changes outside the 48-hour window (empty: next message)"),
    Setting("WECHAT_SUBSCRIPTION_CASE_STATUS", str, "",
            "subscription notice for the same, when no template is configured or it fails"),
    Setting("PUBLICATION_GRACE_SECONDS", int, 6 * 3600, "how late a push that fell due while the scheduler was down "
            "may still go out"),
    Setting("PUBLICATION_SELF_APPROVAL", bool, False, "let an author approve their own publication"),
    Setting("PUBLICATION_PREVIEW_OPENIDS", str, "", "comma-separated openids always in the preview test group"),
    # A publication with 正文 and no 详情链接 links to PUBLIC_BASE_URL/articles/<id> (WeChat cards and templates need a
    # URL); unset, no link is added.
    Setting("PUBLIC_BASE_URL", str, "", "https://host followers reach this server at",
            clean=lambda value: value.rstrip("/")),
    Setting("PUBLICATION_TEMPLATE_ID", str, "TPL_PUBLICATION", "template for one-by-one publication delivery"),
    Setting("PUBLICATION_WORKERS", int, 32, "one-by-one delivery: threads per process"),
    Setting("PUBLICATION_RATE", float, 0.0, "messages/s across workers; 0 = unlimited"),
    Setting("PUBLICATION_PROCESSES", int, 1, "delivery processes sharing one publication"),
    Setting("SCHEDULER_LEASE_SECONDS", int, 30, "a standby scheduler takes over at most this long after the active "
            "one dies"),
    # Staff console: a session lasts at most CONSOLE_SESSION_HOURS and ends after CONSOLE_IDLE_MINUTES idle.
    Setting("CONSOLE_SESSION_HOURS", int, 8, "longest staff session"),
    Setting("CONSOLE_IDLE_MINUTES", int, 30, "a staff session ends after this long idle"),
    Setting("API_TOKEN_HOURS", int, 12, "lifetime of an API token"),
    # HTTPS-only session cookie in production; an http-only intranet sets SESSION_COOKIE_SECURE=0.
    Setting("SESSION_COOKIE_SECURE", bool, _dev_or(True, False), "HTTPS-only staff cookie"),
    # Operations (issue 18): log level, health-check deadlines, when a periodic job counts as overdue.
    Setting("LOG_LEVEL", str, "INFO", "DEBUG, INFO, WARNING or ERROR", clean=str.upper,
            check=_one_of("LOG_LEVEL", LOG_LEVELS, "LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR")),
    Setting("HEALTH_TIMEOUT_SECONDS", float, 1.5, "deadline of each store probe in /healthz and /metrics"),
    Setting("SCHEDULER_OVERDUE_SECONDS", int, 300, "/healthz/scheduler answers 503 when a periodic job is this late"),
    # Authenticated pushes (issue 12, bot/pushauth.py): the timestamp window in seconds; plaintext accepted with an
    # AES key only when explicitly allowed; ToUserName checked against the account's 原始ID when set.
    Setting("WECHAT_TIMESTAMP_WINDOW", int, 300, "seconds a push's timestamp may differ from this server's clock"),
    Setting("WECHAT_ALLOW_PLAINTEXT", bool, False, "accept plaintext pushes although WECHAT_AES_KEY is set"),
    Setting("WECHAT_ACCOUNT_ID", str, "", "the account's 原始ID (gh_…); unset: not checked"),
    # A reply finished this many seconds after its push goes by customer-service message (bot/late.py).
    Setting("WECHAT_LATE_AFTER", float, 4.0, "seconds after a push when a finished reply goes by customer-service "
            "message"),
    # Overload (issue 12): a push that already waited this long in the front proxy's queue (X-Request-Start) is
    # answered at once with a short "稍后回复" and handled in the background (bot/late.py); 0 = never.
    Setting("WECHAT_SHED_AFTER", float, 2.5, "overload: answer 稍后回复 to a push that queued this long; 0 = never"),
    # Every store call bounded inside WeChat's 5 s (issue 12, bounds.py); seconds, 0 = no limit where noted.
    Setting("REDIS_SOCKET_TIMEOUT", float, 0.5, "seconds one Redis call may take"),
    Setting("REDIS_CONNECT_TIMEOUT", float, 0.3, "seconds to connect to Redis"),
    Setting("DB_CONNECT_TIMEOUT", int, 2, "seconds to connect to PostgreSQL (libpq's minimum is 2)"),
    Setting("DB_STATEMENT_TIMEOUT", float, 3.0, "PostgreSQL statement_timeout in seconds; 0 = none"),
    Setting("DB_LOCK_TIMEOUT", float, 1.0, "PostgreSQL lock_timeout in seconds; 0 = none"),
    Setting("DB_POOL_TIMEOUT", float, 1.0, "seconds to wait for a pooled connection"),
    Setting("DB_BUSY_TIMEOUT", float, 3.0, "SQLite's busy timeout (the embedded database)"),
    Setting("WEBHOOK_DB_DEADLINE", float, 3.0, "seconds after a push arrives when its database work is cut"),
    Setting("FAQ_TABLES_KEPT", int, 1, "Q&A ranking tables a process keeps for knowledge bases it saw before"),
    # 人工值守 (issue 15): the notice a follower outside the 48-hour window gets for a staff reply (template, else
    # subscription; neither: shown at their next message), and the template that reaches staff on their phones.
    Setting("INBOX_REPLY_TEMPLATE_ID", str, "", "人工值守: template for a staff reply outside the 48-hour window"),
    Setting("INBOX_REPLY_SUBSCRIPTION_ID", str, "", "人工值守: subscription notice for the same"),
    Setting("STAFF_ALERT_TEMPLATE_ID", str, "", "template that reaches bound staff on their phones"),
)
BY_NAME = {setting.name: setting for setting in SETTINGS}
# Flask settings that are not read from the environment.
FIXED: dict[str, object] = {
    "MAX_CONTENT_LENGTH": 64 * 1024,  # WeChat bodies are small; anything larger is refused with 413
    "SESSION_COOKIE_SAMESITE": "Lax",
}


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
    """Return the settings as a flat dict of Flask config keys: each declared setting from `os.environ` (or
    `overrides`, which tests pass instead of touching the environment), then the derived ones. Overrides of keys that
    are not declared (WTF_CSRF_ENABLED, CLOCK) are passed through unless the environment has them."""
    env: dict[str, object] = dict(os.environ)
    env.update(overrides or {})
    app_env = str(BY_NAME["APP_ENV"].parse(env.get("APP_ENV"), "development"))
    if app_env == "production":
        missing = [name for name in PRODUCTION_REQUIRED if not env.get(name)]
        if missing:
            raise ConfigError("production needs " + ", ".join(missing))
        if str(env["DATABASE_URL"]).startswith("sqlite"):
            raise ConfigError("production needs DATABASE_URL on a database server, not SQLite")

    INSTANCE.mkdir(exist_ok=True)
    settings: dict[str, object] = {s.config_key: s.parse(env.get(s.name), app_env) for s in SETTINGS}
    settings.update(FIXED)
    settings["WECHAT_TOKEN_IS_DEFAULT"] = not env.get("WECHAT_TOKEN")
    settings["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(str(settings["SQLALCHEMY_DATABASE_URI"]), settings)
    for key, value in (overrides or {}).items():
        if key.isupper() and key not in settings and key not in os.environ:
            settings[key] = value
    return settings
