"""gunicorn settings for the web app: `gunicorn 'app:create_app()'` picks this file up from the project root.

The layout is the one measured best on a 2-core machine (docs/BENCHMARKS.md); override with GUNICORN_CMD_ARGS.
"""
import os
import shutil
import sys
import tempfile

from gunicorn import glogging

bind = os.environ.get("BIND", "127.0.0.1:8000")
# 2 x cores + 1 (gunicorn's rule of thumb; measured best on 2 cores): sync workers also wait on Redis and PostgreSQL
workers = int(os.environ.get("WEB_WORKERS") or 2 * (os.cpu_count() or 1) + 1)
worker_class = "sync"
timeout = 30               # WeChat gives up after 5 s; anything slower is already lost to a re-send
graceful_timeout = 20
max_requests = 20000       # recycle workers now and then; jitter avoids recycling them together
max_requests_jitter = 2000
# When an access log is switched on (--access-logfile), log the path without the query string: WeChat's carries
# signatures and the follower's openid (issue 12).
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'


def when_ready(server):
    """Build the Q&A text tools (jieba's dictionary, the user dictionary, the synonym table: most of a worker's Q&A
    memory) once in the master, before any worker is forked: every worker then shares those pages instead of building
    its own copy. gc.freeze() keeps the collector from touching them, so they stay shared. Measured with
    bench/bench_worker_memory.py (docs/BENCHMARKS.md). Nothing here opens a connection."""
    import gc

    from services import faq_snapshot
    faq_snapshot.text_tools()
    gc.freeze()


def on_reload(server):
    """A reload (HUP: `systemctl reload`, the documented upgrade) must give the new workers the new code. The master
    imported the project's modules for when_ready, and a forked worker would reuse them from sys.modules: forget
    them (and the frozen objects) first, then build the text tools again from the code now on disk."""
    import gc

    gc.unfreeze()
    root = os.path.dirname(os.path.abspath(__file__)) + os.sep
    for name, module in list(sys.modules.items()):
        path = getattr(module, "__file__", None) or ""
        if path.startswith(root) and not path.startswith(os.path.join(root, ".venv")) and \
                os.path.basename(path) != "gunicorn.conf.py":
            del sys.modules[name]
    gc.collect()
    when_ready(server)


def post_worker_init(worker):
    """Warm each worker's Q&A index before its first question (jieba + index take seconds)."""
    from app import warm_up
    if hasattr(worker.wsgi, "app_context"):     # only our Flask app (the benchmark also serves plain WSGI refs)
        warm_up(worker.wsgi)


# One log format (logs.py): gunicorn's own messages as JSON lines like the app's. No access log here: nginx keeps
# one without query strings (WeChat puts the follower's openid in /wechat's query), see deploy/nginx.
accesslog = None
errorlog = "-"


def _settings() -> dict:
    """The app's settings, checked once in the master before any worker starts: a bad one is one line naming it and
    exit status 1, not a traceback from every worker."""
    import config
    try:
        return config.load()
    except config.ConfigError as err:
        print(f"Error: {err.message}", file=sys.stderr)
        sys.exit(1)


class JsonLogger(glogging.Logger):
    def setup(self, cfg):
        super().setup(cfg)
        import logs
        settings = _settings()
        logs.configure(production=settings["APP_ENV"] == "production", level=str(settings["LOG_LEVEL"]))


logger_class = JsonLogger


def on_starting(server):
    """prometheus_client's multiprocess mode: every worker writes its counters to a fresh directory."""
    path = os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", os.path.join(tempfile.gettempdir(), "cp-metrics"))
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path, exist_ok=True)


def child_exit(server, worker):
    from prometheus_client import multiprocess
    multiprocess.mark_process_dead(worker.pid)
