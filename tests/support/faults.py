"""The fault suites' private servers (tests/faults) listen on ports the kernel hands out, not fixed ones, so two runs of
the suite can share a machine (.ci/run runs the embedded and the real-services pass side by side) and a server left
over by an interrupted run can never answer in place of this run's own."""
from __future__ import annotations

import socket


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now (the kernel's choice for an ephemeral bind)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def assert_ours(process, what: str) -> None:
    """The server that answered is the one we started: had the port been taken, ours would have exited."""
    if process.poll() is not None:
        raise RuntimeError(f"our {what} exited (code {process.returncode}); something else answers on its port")
