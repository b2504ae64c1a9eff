"""The composition root: `create_app(config=None)` reads as the table of contents of the application.

    gunicorn 'app:create_app()'            the web app (any number of workers and hosts)
    flask --app app scheduler run          the one scheduler process
    flask --app app dev                    everything on embedded defaults, for a laptop
"""
from __future__ import annotations

import threading
from collections.abc import Mapping

from flask import Flask

import config as settings
import logs
from extensions import db, migrate, redis

log = logs.get(__name__)


def create_app(config: Mapping[str, object] | None = None) -> Flask:
    app = Flask(__name__, instance_path=str(settings.INSTANCE))
    app.config.update(settings.load(config))
    app.json.ensure_ascii = False

    db.init_app(app)
    migrate.init_app(app, db, directory=str(settings.ROOT / "migrations"), render_as_batch=True)
    redis.init_app(app)
    import models  # noqa: F401  (registers every table)
    adopt(app)

    import bot
    import cli
    import console
    import health
    import metrics
    import proxy
    import scheduler
    import sim

    bot.init_app(app)          # /wechat, the outbound client and sender, `menu push`
    console.init_app(app)      # /console pages and /api
    scheduler.init_app(app)    # `scheduler run`, the JOBS table
    sim.init_app(app)          # `sim serve`, `sim chat`
    cli.init_app(app)          # `seed`, `dev`
    health.init_app(app)       # /healthz (load balancers), /healthz/scheduler (monitoring)
    metrics.init_app(app)      # /metrics (Prometheus)
    proxy.init_app(app)        # PROXY_COUNT: client address, scheme and host from the proxy's headers

    _warn_embedded(app)
    return app


def adopt(app: Flask) -> None:
    """Set what the whole process shares from `app`'s settings: the log format and level, the Redis client used
    outside an app context, and how many Q&A ranking tables to keep. `create_app` calls it; so does a test suite
    that keeps one app for many tests, after a test built another app with other settings."""
    logs.configure(production=app.config["APP_ENV"] == "production", level=app.config["LOG_LEVEL"])
    redis.bind(app)
    from services import faq_snapshot
    faq_snapshot.keep_tables(int(app.config["FAQ_TABLES_KEPT"]))   # Q&A ranking tables this process keeps


def warm_up(app: Flask) -> threading.Thread:
    """Load the Q&A index in the background, so a worker's first question does not pay for jieba and the index
    (seconds) against WeChat's 5-second limit. Called by gunicorn.conf.py for each worker and by `flask dev`."""
    def run() -> None:
        from services import faq
        with app.app_context():
            try:
                faq.loaded()
                log.info("warm-up done")
            except Exception as exc:  # noqa: BLE001 - a cold index is slower, not broken
                log.warning("warm-up failed", error=type(exc).__name__)
    thread = threading.Thread(target=run, daemon=True, name="warm-up")
    thread.start()
    return thread


def _warn_embedded(app: Flask) -> None:
    if app.config["TESTING"]:
        return
    if redis.embedded:
        log.warning("REDIS_URL unset: using an in-process Redis stand-in; run a single process only")
    if app.config["WECHAT_TOKEN_IS_DEFAULT"]:
        log.warning("WECHAT_TOKEN unset: using the development token", token=app.config["WECHAT_TOKEN"])
