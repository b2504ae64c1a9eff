"""Helper processes for one-by-one delivery: more sends per second than one Python process's GIL allows.

`PUBLICATION_PROCESSES=n` (n > 1): the process running `delivery.run` starts n − 1 helpers once it has resolved
interrupted sends and sent the mass batches, through the `Launch` its entry point handed down
(`scheduler/delivery_helpers.py`: spawned, not forked — the scheduler has threads and open connections — and the
helper builds its app as any entry point does; services never build it). Helper k runs `work`: the claim → send →
mark loop over the pending rows with id ≡ k (mod n); the parent takes k = 0. A row is sent only by the process
whose conditional claim won it.

The parent forwards its stop (SIGTERM, lease lost) to the helpers, which stop claiming and finish what is in
flight, as a single process would. A helper also stops when its parent disappears. When every helper has exited,
the parent marks what a dead helper left `sending` unconfirmed (never resent, as after a crash).
"""
from __future__ import annotations

import os
import secrets
import threading
from dataclasses import dataclass, field
from typing import Any, Protocol

import logs
from extensions import db
from models import Delivery
from services.delivery_reports import resolve_interrupted

log = logs.get(__name__)


class Launch(Protocol):
    """How the entry point starts one helper process (`scheduler/delivery_helpers.py`)."""

    def results(self) -> Any:
        """A queue the helpers put their counts on."""

    def __call__(self, *, name: str, settings, publication_id: int, shard: tuple[int, int], run_id: str,
                 results: Any, parent: int) -> Any:
        """Start the helper; returns its (started) process."""


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
        lost = resolve_interrupted(Delivery.publication_id == self.publication_id, Delivery.claim.in_(self.run_ids))
        db.session.commit()
        codes = [p.exitcode for p in self.processes]
        log.info("delivery helpers done", publication=self.publication_id, exitcodes=codes)
        if lost:
            log.warning("a helper's interrupted sends marked unconfirmed, not resent",
                        publication=self.publication_id, n=lost)


def start(publication_id: int, *, settings, launch: Launch) -> Helpers:
    """Start `settings.processes − 1` helpers on `publication_id`; the caller takes shard 0."""
    helpers = Helpers(publication_id, settings.processes, results=launch.results())
    for k in range(1, settings.processes):
        run_id = secrets.token_hex(8)
        helpers.processes.append(launch(name=f"pub{publication_id}-helper{k}", settings=settings,
                                        publication_id=publication_id, shard=(k, settings.processes),
                                        run_id=run_id, results=helpers.results, parent=os.getpid()))
        helpers.run_ids.append(run_id)
    log.info("delivery helpers started", publication=publication_id, n=settings.processes - 1)
    return helpers


def work(publication_id: int, *, sender, settings, shard: tuple[int, int], run_id: str,
         stop: threading.Event) -> dict[str, int]:
    """A helper's share: deliver `shard` of the publication's pending rows; returns the counts."""
    from models import Publication
    from services import delivery
    from services.clock import utcnow

    progress = delivery.Progress()
    delivery.run_each(db.session.get(Publication, publication_id), sender=sender, settings=settings, clock=utcnow,
                      progress=progress, stop=stop, shard=shard, run_id=run_id)
    return {"sent": progress.sent, "failed": progress.failed, "filtered": progress.filtered,
            "retried": progress.retried}
