"""gunicorn settings for the web app: `gunicorn 'app:create_app()'` picks this file up from the project root.

The layout is the one measured best on a 2-core machine (docs/BENCHMARKS.md); override with GUNICORN_CMD_ARGS.
"""
import os

bind = os.environ.get("BIND", "127.0.0.1:8000")
# 2 x cores + 1 (gunicorn's rule of thumb; measured best on 2 cores): sync workers also wait on Redis and PostgreSQL
workers = int(os.environ.get("WEB_WORKERS") or 2 * (os.cpu_count() or 1) + 1)
worker_class = "sync"
timeout = 30               # WeChat gives up after 5 s; anything slower is already lost to a re-send
graceful_timeout = 20
max_requests = 20000       # recycle workers now and then; jitter avoids recycling them together
max_requests_jitter = 2000


def post_worker_init(worker):
    """Warm each worker's Q&A index before its first question (jieba + index take seconds)."""
    from app import warm_up
    if hasattr(worker.wsgi, "app_context"):     # only our Flask app (the benchmark also serves plain WSGI refs)
        warm_up(worker.wsgi)
