"""One log format: JSON lines that never interleave when threads and processes share stderr, stdlib loggers
(gunicorn, Flask) in the same format, one line per error with its traceback, LOG_LEVEL honoured."""
from __future__ import annotations

import json
import logging
import multiprocessing
import os
import threading

import pytest

import config
import logs

THREADS, PROCESSES, LINES = 8, 4, 400
PADDING = "x" * 600                      # long lines make a split write likely if writes were not one per line


def _write_lines(tag: str) -> None:
    log = logs.get("load")
    std = logging.getLogger("gunicorn.error")
    for n in range(LINES):
        if n % 100 == 0:
            try:
                raise ValueError("boom")
            except ValueError:
                log.exception("job failed", tag=tag, n=n)
        elif n % 2:
            std.warning("stdlib line %s %s %s", tag, n, PADDING)
        else:
            log.info("structlog line", tag=tag, n=n, padding=PADDING)


def _child(path: str, tag: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_APPEND)
    logs.configure(production=True, fd=fd)
    _write_lines(tag)
    os._exit(0)


@pytest.fixture
def restore_logging():
    yield
    logs.configure(production=False)


def test_json_lines_from_threads_and_processes_never_interleave(tmp_path, restore_logging):
    """8 threads and 4 processes write 400 lines each (some tracebacks, some stdlib) to one file: every line is
    one JSON object, none is lost, each error is one line carrying its traceback."""
    path = str(tmp_path / "app.log")
    open(path, "w").close()
    fd = os.open(path, os.O_WRONLY | os.O_APPEND)
    logs.configure(production=True, fd=fd)
    ctx = multiprocessing.get_context("fork")
    children = [ctx.Process(target=_child, args=(path, f"p{i}")) for i in range(PROCESSES)]
    for child in children:
        child.start()
    threads = [threading.Thread(target=_write_lines, args=(f"t{i}",)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for child in children:
        child.join()
        assert child.exitcode == 0
    os.close(fd)
    with open(path, encoding="utf-8") as handle:
        lines = handle.read().splitlines()
    records = [json.loads(line) for line in lines]          # raises on a glued or torn line
    assert len(records) == (THREADS + PROCESSES) * LINES
    errors = [r for r in records if r.get("event") == "job failed"]
    assert len(errors) == (THREADS + PROCESSES) * (LINES // 100)
    assert all("Traceback" in r["exception"] and "ValueError: boom" in r["exception"] for r in errors)
    stdlib = [r for r in records if str(r.get("event", "")).startswith("stdlib line")]
    assert stdlib and all(r["logger"] == "gunicorn.error" and r["level"] == "warning" for r in stdlib)
    assert all("timestamp" in r for r in records)


def test_log_level_filters_both_kinds_and_a_bad_level_is_refused(tmp_path, restore_logging):
    """LOG_LEVEL=WARNING drops info lines from structlog and the stdlib alike; an unknown level stops start-up."""
    path = str(tmp_path / "app.log")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    logs.configure(production=True, level="WARNING", fd=fd)
    logs.get("x").info("hidden")
    logging.getLogger("flask.app").info("hidden too")
    logs.get("x").warning("shown")
    os.close(fd)
    with open(path, encoding="utf-8") as handle:
        events = [json.loads(line)["event"] for line in handle]
    assert events == ["shown"]
    with pytest.raises(config.ConfigError, match="LOG_LEVEL"):
        config.load({"LOG_LEVEL": "chatty"})
