"""The values of publication delivery: its settings, the message as each channel shows it, a send's outcome and a
run's progress. No database, no transport."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta


@dataclass(frozen=True)
class Settings:
    """Delivery settings (and the publication policy read with them), from the PUBLICATION_* settings."""

    workers: int = 32
    rate: float = 0.0                   # messages/s for the whole publication; 0 = as fast as the workers go
    template_id: str = "TPL_PUBLICATION"
    max_attempts: int = 5
    backoff: float = 1.0                # seconds; doubled per attempt, capped at 60
    grace: timedelta = timedelta(hours=6)
    self_approval: bool = False
    preview_openids: tuple[str, ...] = ()
    processes: int = 1                  # delivery processes per publication, this one included (rate: shared)
    article_base: str = ""              # PUBLIC_BASE_URL: where /articles/<id> is served to followers

    @classmethod
    def of(cls, config: Mapping[str, object]) -> Settings:
        return cls(workers=int(str(config["PUBLICATION_WORKERS"])), rate=float(str(config["PUBLICATION_RATE"])),
                   processes=max(1, int(str(config.get("PUBLICATION_PROCESSES") or 1))),
                   template_id=str(config["PUBLICATION_TEMPLATE_ID"]),
                   grace=timedelta(seconds=int(str(config["PUBLICATION_GRACE_SECONDS"]))),
                   self_approval=bool(config["PUBLICATION_SELF_APPROVAL"]),
                   article_base=str(config.get("PUBLIC_BASE_URL") or "").rstrip("/"),
                   preview_openids=tuple(o.strip() for o in str(config["PUBLICATION_PREVIEW_OPENIDS"]).split(",")
                                         if o.strip()))


@dataclass(frozen=True)
class Message:
    """What a publication looks like on each channel."""

    kind: str
    title: str
    summary: str
    url: str
    image: str

    @classmethod
    def of(cls, pub) -> Message:
        return cls(kind=pub.kind_label, title=pub.title, summary=pub.summary or "", url=pub.link or "",
                   image=pub.cover or "")

    def text(self) -> str:
        tail = f"\n\n详情：{self.url}" if self.url else ""
        return f"【{self.kind}】{self.title}\n\n{self.summary}{tail}".strip()

    def template_data(self) -> dict[str, str]:
        return {"kind": self.kind, "title": self.title, "summary": self.summary[:100]}


@dataclass
class Outcome:
    id: int
    status: str
    channel: str
    msgid: str | None = None
    errcode: int | None = None
    reason: str | None = None


@dataclass
class Progress:
    sent: int = 0
    failed: int = 0
    filtered: int = 0
    retried: int = 0
    stopped: bool = False
    counts: dict[str, int] = field(default_factory=dict)
