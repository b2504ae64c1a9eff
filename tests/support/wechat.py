"""The test WeChat account (token, app id, AES key), a transport over Flask's test client, and a fake clock."""
from __future__ import annotations

from datetime import timedelta

TOKEN = "testtoken315"
APP_ID = "wxtest00000000315"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"


def transport_for(app):
    """A sim transport over Flask's test client; drains follow-up messages after each post."""
    client = app.test_client()

    def post(path: str, params: dict[str, str], body: bytes) -> tuple[int, str]:
        res = client.post(path, query_string=params, data=body, content_type="text/xml")
        app.extensions["outbound"].drain()
        return res.status_code, res.get_data(as_text=True)
    return post


class FakeClock:
    """A controllable clock for the webhook (`CLOCK` setting): starts now, moves only when told."""

    def __init__(self):
        from services.clock import utcnow
        self.now = utcnow()

    def __call__(self):
        return self.now

    def advance(self, **delta):
        self.now += timedelta(**delta)
