"""Structured logging with structlog: one JSON object per line in production, readable lines in development.

One format for everything on stderr: our structlog events and the standard-library loggers (gunicorn, Flask,
APScheduler, SQLAlchemy, Alembic) go through the same processors and renderer. Each line — traceback included, as
the `exception` field — is written with a single `os.write`, so lines from threads and processes sharing stderr
(gunicorn workers, PYTHONUNBUFFERED=1) never interleave. `LOG_LEVEL` (DEBUG/INFO/WARNING/ERROR) filters both.

Context (the inbound message id, the request path) is bound once per request with `bind()` and cleared after.
Never log message text, phone numbers, names, addresses or openids: log ids and counts. Security events (refused
signatures, CSRF, failed logins) carry the client address as `client`.
"""
from __future__ import annotations

import logging
import os
import sys
import threading

import structlog
from structlog.contextvars import bind_contextvars, clear_contextvars, merge_contextvars

bind = bind_contextvars
clear = clear_contextvars

LEVELS = {"DEBUG": logging.DEBUG, "INFO": logging.INFO, "WARNING": logging.WARNING, "ERROR": logging.ERROR}


class LineWriter:
    """A file-like sink that writes each line with one os.write (atomic for lines under PIPE_BUF on a pipe, and
    for O_APPEND files; longer lines are still never split by another writer of this process)."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self._lock = threading.Lock()

    def write_line(self, line: str) -> None:
        data = (line.rstrip("\n") + "\n").encode("utf-8", "replace")
        with self._lock:
            while data:
                written = os.write(self.fd, data)
                data = data[written:]


class _LineLogger:
    """structlog logger over a LineWriter (structlog's PrintLogger writes the text and the newline separately)."""

    def __init__(self, writer: LineWriter) -> None:
        self._writer = writer

    def msg(self, message: str) -> None:
        self._writer.write_line(message)

    log = debug = info = warn = warning = error = critical = exception = fatal = msg


class _LineHandler(logging.Handler):
    def __init__(self, writer: LineWriter) -> None:
        super().__init__()
        self._writer = writer

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self._writer.write_line(self.format(record))
        except Exception:  # noqa: BLE001 - logging must never raise into the caller
            self.handleError(record)


def _shared() -> list:
    return [merge_contextvars, structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True)]


def configure(*, production: bool, level: str | int = logging.INFO, fd: int | None = None) -> None:
    """Set up structlog and the standard-library root logger to write one format to stderr (or `fd`)."""
    if isinstance(level, str):
        level = LEVELS[level.upper()]
    if fd is None:
        try:
            fd = sys.stderr.fileno()
        except (AttributeError, OSError, ValueError):   # a replaced stderr (click's test runner): the real one
            fd = 2
    writer = LineWriter(fd)
    # JSON needs exc_info turned into a string first; the console renderer formats exceptions itself (plain
    # traceback) and warns if format_exc_info ran before it.
    if production:
        render = [structlog.processors.format_exc_info, structlog.processors.JSONRenderer(ensure_ascii=False)]
    else:
        render = [structlog.dev.ConsoleRenderer(colors=False, exception_formatter=structlog.dev.plain_traceback)]
    structlog.configure(
        processors=[*_shared(), *render],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=lambda *_: _LineLogger(writer),
        cache_logger_on_first_use=False,
    )
    handler = _LineHandler(writer)
    handler.setFormatter(structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[structlog.stdlib.add_logger_name, *_shared()],
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *render]))
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _LineHandler)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    _quiet_jieba(level)
    for name in ("gunicorn.error", "gunicorn.access", "werkzeug", "apscheduler", "flask.app", "jieba"):
        logger = logging.getLogger(name)
        logger.handlers.clear()          # one handler (root's), so each record is written once
        logger.propagate, logger.disabled = True, False


def _quiet_jieba(level: int) -> None:
    """jieba adds its own stderr handler (another format) and DEBUG level when imported: import it now, so the
    loop above removes that handler, and give it our level."""
    try:
        import jieba
    except ImportError:
        return
    jieba.default_logger.setLevel(max(level, logging.INFO))


def get(name: str):
    return structlog.get_logger(name)
