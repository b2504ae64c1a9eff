"""Staff accounts and their API tokens.

A staff member has one role (admin, staff, viewer) and belongs to one department. Failed logins are counted on
the account (`failed_logins`, `locked_until`) so a lock survives a Redis restart; the per-IP throttle lives in
Redis (`services/keys.py`). API tokens are stored as SHA-256 digests: the plain token is shown once.
"""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db


class Role(StrEnum):
    ADMIN = "admin"      # everything: user management, settings, every department
    STAFF = "staff"      # their department's work
    VIEWER = "viewer"    # read-only, personal data masked


ROLE_LABELS = {Role.ADMIN: "管理员", Role.STAFF: "工作人员", Role.VIEWER: "只读"}


class Staff(db.Model):
    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(String(16))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    # Unique: at most one head per department. Set only through services.departments.set_head.
    head_of_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), unique=True)
    active: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]
    created_at: Mapped[datetime]

    department = relationship("Department", foreign_keys=[department_id])

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(Role(self.role), self.role)

    @property
    def name(self) -> str:
        return self.display_name or self.username

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    def __repr__(self) -> str:
        return f"<Staff {self.id} {self.role}>"


class ApiToken(db.Model):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)   # sha256 hex of the plain token
    label: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]

    staff = relationship("Staff")

    def usable(self, now: datetime) -> bool:
        return self.revoked_at is None and self.expires_at > now

    def __repr__(self) -> str:
        return f"<ApiToken {self.id} staff={self.staff_id}>"


class EndedSession(db.Model):
    """A console session ended by logout: its cookie is refused from then on, wherever it was copied to.

    Sessions are signed cookies carrying a random `sid`; a row here outlives the longest session
    (CONSOLE_SESSION_HOURS), after which the cookie has expired anyway and the row may be purged."""
    __tablename__ = "ended_sessions"

    sid: Mapped[str] = mapped_column(String(43), primary_key=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)
    ended_at: Mapped[datetime] = mapped_column(index=True)
