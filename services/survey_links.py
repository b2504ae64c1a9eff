"""The per-follower link to a survey's mobile page (/survey/?t=…), for surveys too long to answer comfortably in chat.

Guarantee: the link names one follower and one survey, and nobody can forge or alter it — the token is Fernet
(AES-128-CBC + HMAC-SHA256, keyed from SECRET_KEY), so it is both signed and opaque: the openid inside is not
readable from the URL, an access log or a forwarded message. A token whose signature does not verify is refused
(`BadLink`, 403); a verified one older than `LINK_HOURS` is refused as expired (`LinkExpired`, 410), and the follower
sends 调查 again for a fresh one. The page files through `surveys.submit`, the chat's own exactly-once path, so a
response filed in chat and on the page, or submitted twice, is one response. No database, no Flask.
"""
from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.fernet import Fernet, InvalidToken

from services import PermissionDenied

LINK_HOURS = 48           # a follower who comes back later sends 调查 again; the survey's own close still applies
PATH = "/survey/"

BAD_LINK = "链接无效或已被改动，请在公众号发送“调查”重新获取链接。"
EXPIRED = "链接已过期（有效期{hours}小时），请在公众号发送“调查”重新获取链接。"


class BadLink(PermissionDenied):
    """The token does not verify: altered, truncated, or made with another key."""


class LinkExpired(PermissionDenied):
    """The token verifies but was issued more than LINK_HOURS ago."""

    code, status = "expired", 410


@dataclass(frozen=True)
class Invitation:
    survey_id: int
    openid: str


def _seconds(moment: datetime) -> int:
    return int(moment.replace(tzinfo=UTC).timestamp())


@dataclass(frozen=True)
class Links:
    """Makes and reads survey links. `base` is PUBLIC_BASE_URL (empty: chat offers no link)."""

    base: str
    secret: str

    @classmethod
    def of(cls, config: Mapping[str, object]) -> Links:
        return cls(base=str(config.get("PUBLIC_BASE_URL") or "").rstrip("/"), secret=str(config["SECRET_KEY"]))

    def _fernet(self) -> Fernet:
        key = hashlib.sha256(f"survey-link:{self.secret}".encode()).digest()
        return Fernet(base64.urlsafe_b64encode(key))

    def token(self, *, survey_id: int, openid: str, now: datetime) -> str:
        payload = json.dumps({"s": survey_id, "o": openid}, separators=(",", ":")).encode()
        return self._fernet().encrypt_at_time(payload, _seconds(now)).decode()

    def url(self, *, survey_id: int, openid: str, now: datetime) -> str | None:
        """The follower's link, or None when no public address is configured."""
        if not self.base:
            return None
        return f"{self.base}{PATH}?t={self.token(survey_id=survey_id, openid=openid, now=now)}"

    def read(self, token: str, *, now: datetime) -> Invitation:
        """Whose link this is; raises BadLink (403) or LinkExpired (410) with the reason to show."""
        fernet = self._fernet()
        try:
            payload = json.loads(fernet.decrypt(token.strip().encode("ascii")))
            issued = fernet.extract_timestamp(token.strip().encode("ascii"))
            invitation = Invitation(survey_id=int(payload["s"]), openid=str(payload["o"]))
        except (InvalidToken, UnicodeError, ValueError, KeyError, TypeError) as exc:
            raise BadLink(BAD_LINK) from exc
        if _seconds(now) - issued > LINK_HOURS * 3600:
            raise LinkExpired(EXPIRED.format(hours=LINK_HOURS))
        return invitation
