"""Domain rules shared by handlers, the console and the scheduler. No Flask request, no XML, no transport.

The error tree, drawn once::

    DomainError                 a rule refused the request; its message is safe to show a user (Chinese)
    ├── NotFound                the object does not exist or is not visible to the caller
    ├── Invalid                 a value is malformed; `.field` names it
    ├── Conflict                the object's state does not allow it (illegal transition, duplicate, closed poll)
    ├── PermissionDenied        the caller may not do this
    └── QuotaExceeded           a WeChat or local quota would be exceeded

    DeliveryError               an outbound message could not be delivered (raised by a Sender)
    ├── OutsideWindow           45015: no customer-service window (48 h) — use a template/subscription message
    ├── NotFollowing            43004: the follower unsubscribed
    ├── QuotaExhausted          45028 / 45047 / 45009: a WeChat quota is used up
    └── TransientError          -1 / no connection: retry later with backoff (counts an attempt)
        ├── NotSent             failed before the request left (token unreadable: Redis down): nothing was sent
        └── MaybeSent           the request left but no answer came (read timeout, dropped): WeChat may have it

Handlers turn DomainError into a friendly Chinese reply, the console into a form error, the API into 4xx JSON.
"""
from __future__ import annotations


class DomainError(Exception):
    """A domain rule refused the request. `str(err)` is user-facing Chinese."""

    code = "domain_error"
    status = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(DomainError):
    code, status = "not_found", 404


class Invalid(DomainError):
    code, status = "invalid", 422


class Conflict(DomainError):
    code, status = "conflict", 409


class PermissionDenied(DomainError):
    code, status = "forbidden", 403


class QuotaExceeded(DomainError):
    code, status = "quota_exceeded", 409


class DeliveryError(Exception):
    """An outbound WeChat message failed; `errcode` is WeChat's code when there is one."""

    def __init__(self, message: str = "", *, errcode: int | None = None) -> None:
        super().__init__(message or f"errcode {errcode}")
        self.errcode = errcode


class OutsideWindow(DeliveryError):
    """45015: the 48-hour customer-service window is closed."""


class NotFollowing(DeliveryError):
    """43004: the follower does not follow the account."""


class QuotaExhausted(DeliveryError):
    """45028 / 45047 / 45009: a WeChat quota is used up."""


class TransientError(DeliveryError):
    """-1 system busy, a rate limit, or a network failure: retry later."""


class NotSent(TransientError):
    """The request never left this process (e.g. the access token could not be read): safe to send again."""


class MaybeSent(TransientError):
    """The request left but no answer came back (a read timeout, a dropped connection): WeChat may have delivered
    it. A mass batch may be resent (its clientmsgid dedups); a one-by-one send must not be (no dedup there)."""
