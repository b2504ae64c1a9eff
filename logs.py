"""Structured logging with structlog: JSON lines in production, readable lines in development.

Context (the inbound message id, the request path) is bound once per request with `bind()` and cleared after.
Never log message text, phone numbers, names or addresses: log ids and counts.
"""
from __future__ import annotations

import logging
import sys

import structlog
from structlog.contextvars import bind_contextvars, clear_contextvars, merge_contextvars

bind = bind_contextvars
clear = clear_contextvars


def configure(*, production: bool, level: int = logging.INFO) -> None:
    renderer = structlog.processors.JSONRenderer(ensure_ascii=False) if production \
        else structlog.dev.ConsoleRenderer(colors=False)
    structlog.configure(
        processors=[
            merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=False,
    )


def get(name: str):
    return structlog.get_logger(name)
