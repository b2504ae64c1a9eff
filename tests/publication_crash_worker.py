"""Run by tests/test_publication_crash.py in a child process: deliver what is due with a sender that SIGKILLs this
process right after its Nth successful send — the worst moment: WeChat has the message, our row is not yet marked.

    python -m tests.publication_crash_worker N     (settings come from the environment, as in production)
"""
from __future__ import annotations

import os
import signal
import sys

from app import create_app
from services import publications
from services.clock import utcnow
from services.delivery import Settings


class KillAfter:
    """The real sender, except that the process dies hard after `n` delivered messages."""

    def __init__(self, sender, n: int) -> None:
        self.sender, self.n, self.count = sender, n, 0

    def __getattr__(self, name):
        return getattr(self.sender, name)

    def _after_send(self) -> None:
        self.count += 1
        if self.count >= self.n:
            os.kill(os.getpid(), signal.SIGKILL)

    def template(self, openid, **kwargs):
        msgid = self.sender.template(openid, **kwargs)
        self._after_send()
        return msgid

    def mass_text(self, **kwargs):
        msg_id = self.sender.mass_text(**kwargs)
        self._after_send()
        return msg_id


def main(n: int) -> None:
    app = create_app()
    with app.app_context():
        sender = KillAfter(app.extensions["outbound"].sender, n)
        publications.push_due(now=utcnow(), sender=sender, settings=Settings.of(app.config), clock=utcnow)


if __name__ == "__main__":
    main(int(sys.argv[1]))
