"""Starting a publication's helper delivery processes (PUBLICATION_PROCESSES > 1): an entry point, so it builds the app.

`Launcher.of(app)` is handed to `publications.push_due` by the job and the `scheduler push` command. Each helper is
spawned (not forked: the scheduler has threads and open connections), builds its app from the parent's plain
settings, and runs `services.delivery_pool.work` on its shard. SIGTERM (forwarded by the parent) stops its claims;
it also stops when its parent disappears.
"""
from __future__ import annotations

import multiprocessing
import os
import signal
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

PLAIN = (str, int, float, bool, type(None))


def app_config(config: Mapping[str, Any]) -> tuple[tuple[str, object], ...]:
    """The settings a helper process builds its app from: this app's plain settings, and its database."""
    plain = {k: v for k, v in config.items() if k.isupper() and isinstance(v, PLAIN)}
    if "SQLALCHEMY_DATABASE_URI" in config:
        plain["DATABASE_URL"] = config["SQLALCHEMY_DATABASE_URI"]
    return tuple(sorted(plain.items()))


@dataclass(frozen=True)
class Launcher:
    """`services.delivery_pool.Launch` for this deployment: spawn a process that builds the app from `config`."""

    config: tuple[tuple[str, object], ...]

    @classmethod
    def of(cls, app) -> Launcher:
        return cls(app_config(app.config))

    def results(self):
        return multiprocessing.get_context("spawn").SimpleQueue()

    def __call__(self, *, name: str, settings, publication_id: int, shard: tuple[int, int], run_id: str,
                 results, parent: int):
        process = multiprocessing.get_context("spawn").Process(
            target=_main, name=name, daemon=True,
            args=(self.config, settings, publication_id, shard, run_id, results, parent))
        process.start()
        return process


def _main(config, settings, publication_id: int, shard: tuple[int, int], run_id: str, results, parent: int) -> None:
    """A helper process: build the app, deliver the shard, report the counts, exit."""
    from app import create_app
    from services import delivery_pool

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, signal.SIG_IGN)         # Ctrl-C reaches the parent, which forwards its stop

    def watch_parent() -> None:
        while not stop.wait(1.0):
            if os.getppid() != parent:
                stop.set()
    threading.Thread(target=watch_parent, daemon=True).start()

    app = create_app(dict(config))
    with app.app_context():
        counts = delivery_pool.work(publication_id, sender=app.extensions["outbound"].sender, settings=settings,
                                    shard=shard, run_id=run_id, stop=stop)
    results.put(counts)
