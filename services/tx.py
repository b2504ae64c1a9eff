"""The transaction rule: services change and flush; the edges commit.

An edge is where a unit of work starts and ends: the webhook dispatch (`bot/`), a console page or API view
(`console/`), a CLI command (`cli.py`, `console/cli.py`, `scheduler/__init__.py`) and a scheduler job
(`scheduler/jobs.py`). The edge calls the service, then `db.session.commit()` once; on an exception the request or
app context ends and the session rolls back, so a refused action never leaves half a record.

A service therefore never calls `db.session.commit()`. It `flush()`es when it needs ids or a constraint checked now.
Two exceptions, both through `commit()` below so they are easy to find:

- an action that must make its change durable *before* it tells someone outside the database (a WeChat message,
  a template notice) says so in its name: `accept_and_notify`, `publish_and_notify`. It commits, then sends;
- the delivery engine (`services/delivery*.py`), whose exactly-once guarantee is a sequence of commits
  (claim → send → mark), documented in `services/delivery.py`.

`tests/test_lint.py` keeps the rule: it fails on a `.commit(` under services/ anywhere else. Modules
not converted yet are listed there with their count, which may only go down.
"""
from __future__ import annotations

from extensions import db


def commit() -> None:
    """Make the work so far durable now (only for `..._and_notify` actions and the delivery engine)."""
    db.session.commit()
