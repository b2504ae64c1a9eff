"""The transaction rule: services change and flush; the edges commit.

An edge is where a unit of work starts and ends: the webhook dispatch (`bot/`), a console page or API view
(`console/`), a CLI command (`cli.py`, `console/cli.py`, `scheduler/__init__.py`) and a scheduler job
(`scheduler/jobs.py`). The edge calls the service, then `db.session.commit()` once; on an exception the request or
app context ends and the session rolls back, so a refused action never leaves half a record.

A service therefore never calls `db.session.commit()`. It `flush()`es when it needs ids or a constraint checked now.
Three exceptions, all through `commit()` below so they are easy to find:

- an action that must make its change durable *before* it tells someone outside the database (a WeChat message,
  a template notice) says so in its name: `accept_and_notify`, `publish_and_notify`. It commits, then sends;
- a change that must learn now whether the database took it, because if it did not it is queued in Redis instead
  and applied later, says so in its name: `subscribe_or_queue` (a follow during a database outage,
  `services/follow_queue.py`; WeChat does not re-send a follow we answered). It commits inside its `try`;
- the delivery engine (`services/delivery*.py`), whose exactly-once guarantee is a sequence of commits
  (claim → send → mark), documented in `services/delivery.py`.

A service whose change must be announced outside the database once it is durable (the knowledge base bumps its
index version in Redis, so other processes rebuild from the committed rows) registers the announcement with
`after_commit(...)`: it runs right after the edge's commit succeeds, and is dropped if the edge rolls back.

`tests/test_lint.py` keeps the rule: it fails on a `.commit(` under services/ anywhere else. Modules
not converted yet are listed there with their count, which may only go down.
"""
from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from extensions import db

_AFTER_COMMIT = "tx.after_commit"


def commit() -> None:
    """Make the work so far durable now (only for `..._and_notify` and `..._or_queue` actions and the delivery
    engine)."""
    db.session.commit()


def after_commit(callback: Callable[[], None]) -> None:
    """Run `callback` once, right after the session's next successful commit; dropped on rollback. Registering the
    same callback twice in one transaction runs it once."""
    session = db.session()                              # the request's or job's own Session
    if not session.in_transaction():
        session.begin()                                 # so that a rollback before any query still drops it
    pending = session.info.setdefault(_AFTER_COMMIT, [])
    if callback not in pending:
        pending.append(callback)


@event.listens_for(Session, "after_commit")
def _run_after_commit(session: Session) -> None:
    if session.get_nested_transaction() is not None:    # a savepoint released: the work is not durable yet
        return
    for callback in session.info.pop(_AFTER_COMMIT, []):
        callback()


@event.listens_for(Session, "after_soft_rollback")
def _forget_after_rollback(session: Session, previous_transaction: SessionTransaction) -> None:
    if previous_transaction.parent is None:             # the whole transaction, not a savepoint inside it
        session.info.pop(_AFTER_COMMIT, None)
