"""Helper processes for one-by-one delivery: more sends per second than one Python process's GIL allows.

`PUBLICATION_PROCESSES=n` (n > 1): the process running `delivery.run` starts n − 1 helpers once it has resolved
interrupted sends and sent the mass batches. Helper k builds the app afresh (spawned, not forked: the scheduler
has threads and open connections) and runs the claim → send → mark loop over the pending rows with id ≡ k (mod n);
the parent takes k = 0. Nothing else changes: a row is sent only by the process whose conditional claim won it.

The parent forwards its stop (SIGTERM, lease lost) to the helpers, which stop claiming and finish what is in
flight, as a single process would. A helper also stops when its parent disappears. When every helper has exited,
the parent marks what a dead helper left `sending` unconfirmed (never resent, as after a crash).
"""
from __future__ import annotations

import multiprocessing
import os
import secrets
import signal
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import update

import logs
from extensions import db
from models import Delivery
from models.publication import DeliveryStatus

log = logs.get(__name__)

PLAIN = (str, int, float, bool, type(None))


def app_config(config: Mapping[str, Any]) -> tuple[tuple[str, object], ...]:
    """The settings a helper process builds its app from: this app's plain settings, and its database."""
    plain = {k: v for k, v in config.items() if k.isupper() and isinstance(v, PLAIN)}
    if "SQLALCHEMY_DATABASE_URI" in config:
        plain["DATABASE_URL"] = config["SQLALCHEMY_DATABASE_URI"]
    return tuple(sorted(plain.items()))


@dataclass
class Helpers:
    """The helper processes started for one publication."""

    publication_id: int
    n: int
    processes: list[Any] = field(default_factory=list)
    run_ids: list[str] = field(default_factory=list)
    results: Any = None

    @property
    def shard(self) -> tuple[int, int]:
        return (0, self.n)

    def join(self, *, stop: threading.Event, progress) -> None:
        """Wait for every helper; on `stop`, tell them to stop (SIGTERM). Add their counts to `progress`, then mark
        what a helper that died left `sending` as unconfirmed."""
        while any(p.is_alive() for p in self.processes):
            if stop.wait(0.2):
                for p in self.processes:
                    if p.is_alive():
                        p.terminate()
                for p in self.processes:
                    p.join()
        while not self.results.empty():
            counts = self.results.get()
            for name in ("sent", "failed", "filtered", "retried"):
                setattr(progress, name, getattr(progress, name) + counts[name])
        lost = db.session.execute(update(Delivery).where(
            Delivery.publication_id == self.publication_id, Delivery.claim.in_(self.run_ids),
            Delivery.status == DeliveryStatus.SENDING).values(status=DeliveryStatus.UNCONFIRMED)).rowcount
        db.session.commit()
        codes = [p.exitcode for p in self.processes]
        log.info("delivery helpers done", publication=self.publication_id, exitcodes=codes)
        if lost:
            log.warning("a helper's interrupted sends marked unconfirmed, not resent",
                        publication=self.publication_id, n=lost)


def start(publication_id: int, *, settings) -> Helpers:
    """Start `settings.processes − 1` helpers on `publication_id`; the caller takes shard 0."""
    context = multiprocessing.get_context("spawn")
    helpers = Helpers(publication_id, settings.processes, results=context.SimpleQueue())
    for k in range(1, settings.processes):
        run_id = secrets.token_hex(8)
        process = context.Process(target=_helper, name=f"pub{publication_id}-helper{k}", daemon=True,
                                  args=(settings, publication_id, (k, settings.processes), run_id,
                                        helpers.results, os.getpid()))
        process.start()
        helpers.processes.append(process)
        helpers.run_ids.append(run_id)
    log.info("delivery helpers started", publication=publication_id, n=settings.processes - 1)
    return helpers


def _helper(settings, publication_id: int, shard: tuple[int, int], run_id: str, results, parent: int) -> None:
    """A helper process: deliver `shard` of the publication's pending rows, report the counts, exit."""
    from app import create_app              # a helper is a fresh process: it builds the app like any entry point
    from models import Publication
    from services import delivery
    from services.clock import utcnow

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, signal.SIG_IGN)         # Ctrl-C reaches the parent, which forwards its stop

    def watch_parent() -> None:
        while not stop.wait(1.0):
            if os.getppid() != parent:
                stop.set()
    threading.Thread(target=watch_parent, daemon=True).start()

    app = create_app(dict(settings.app_config))
    with app.app_context():
        progress = delivery.Progress()
        delivery.run_each(db.session.get(Publication, publication_id), sender=app.extensions["outbound"].sender,
                           settings=settings, clock=utcnow, progress=progress, stop=stop, shard=shard,
                           run_id=run_id)
    results.put({"sent": progress.sent, "failed": progress.failed, "filtered": progress.filtered,
                 "retried": progress.retried})
