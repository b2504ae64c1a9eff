"""Staff accounts: create and edit, passwords (argon2id, checked by zxcvbn), and login.

Login is throttled per (account, address) with backoff and loosely per address (`services.login_throttle`); every
answer to a failure is the same generic sentence, so it never reveals which accounts exist. Logins, failed logins
and logouts are audited with the client address. Services add to the session and audit; the caller commits (a
refused login leaves its failure record for the caller to commit too).
"""
from __future__ import annotations

import re
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from zxcvbn import zxcvbn

import logs
from extensions import db
from models import Department, Staff
from models.staff import Role
from services import Conflict, Invalid, NotFound, PermissionDenied, api_tokens, audit, login_throttle

MIN_PASSWORD_LENGTH = 10
MIN_PASSWORD_SCORE = 3                     # zxcvbn's 0–4 scale: 3 = "safely unguessable" against online attacks
USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9_.\-]{3,32}$")
CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")

BAD_USERNAME = "用户名须为 3–32 位字母、数字、下划线、点或连字符"
USERNAME_TAKEN = "用户名「{name}」已被使用"
SHORT_PASSWORD = f"密码至少 {MIN_PASSWORD_LENGTH} 位"
BAD_ROLE = "角色须为 admin、staff 或 viewer"
NO_DEPARTMENT = "部门「{name}」不存在"
NOT_FOUND = "工作人员不存在"
WRONG_CREDENTIALS = "用户名或密码错误"
TRY_LATER = "登录失败次数过多，请 {minutes} 分钟后再试"
WEAK_PASSWORD = "密码太容易被猜到（常见密码、键盘序列或含用户名），请换一个更长、不常见的密码"
INACTIVE = "账号已停用，请联系管理员"
LAST_ADMIN = "不能停用或降级最后一个管理员"

log = logs.get(__name__)
_hasher = PasswordHasher()
# Verified when the username is unknown, so a wrong username costs as much time as a wrong password.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


class BadCredentials(PermissionDenied):
    """Unknown username or wrong password (deliberately not saying which)."""
    code = "bad_credentials"
    status = 401


class Locked(PermissionDenied):
    """Too many failed logins for this account or IP."""
    code = "locked"
    status = 429


def hash_password(password: str) -> str:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise Invalid(SHORT_PASSWORD, field="password")
    return _hasher.hash(password)


def check_strength(password: str, *, username: str = "", display_name: str = "") -> None:
    """Refuse short, common or guessable passwords and ones built on the username (zxcvbn's dictionaries)."""
    password = password or ""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid(SHORT_PASSWORD, field="password")
    names = [n for n in (username, display_name) if n and len(n) >= 3]
    if any(n.lower() in password.lower() for n in names) \
            or zxcvbn(password[:100], user_inputs=names)["score"] < MIN_PASSWORD_SCORE:
        raise Invalid(WEAK_PASSWORD, field="password")


def _verify(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def check_password(person: Staff, password: str) -> bool:
    """True when `password` is this person's current password (no throttling: they are already signed in)."""
    return _verify(person.password_hash, password or "")


def get(staff_id: int) -> Staff:
    person = db.session.get(Staff, staff_id)
    if person is None:
        raise NotFound(NOT_FOUND, field="staff_id")
    return person


def by_username(username: str) -> Staff | None:
    return db.session.scalar(select(Staff).where(Staff.username == (username or "").strip()))


def snapshot(person: Staff) -> dict:
    return {"username": person.username, "display_name": person.display_name, "role": str(person.role),
            "department_id": person.department_id, "active": person.active}


def _role(role: str) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise Invalid(BAD_ROLE, field="role") from None


def resolve_department(department: int | str | None) -> Department | None:
    """A department by id or by name; None stays None."""
    if department in (None, ""):
        return None
    dept = db.session.get(Department, department) if isinstance(department, int) or str(department).isdigit() \
        else db.session.scalar(select(Department).where(Department.name == str(department).strip()))
    if dept is None:
        raise NotFound(NO_DEPARTMENT.format(name=department), field="department")
    return dept


def create(*, username: str, password: str, role: str, department: int | str | None = None,
           display_name: str = "", actor, now: datetime) -> Staff:
    """Add a staff account with an argon2id password hash and audit it (caller commits)."""
    username = (username or "").strip()
    if not USERNAME_PATTERN.match(username):
        raise Invalid(BAD_USERNAME, field="username")
    if by_username(username):
        raise Conflict(USERNAME_TAKEN.format(name=username), field="username")
    check_strength(password, username=username, display_name=display_name)
    person = Staff(username=username, display_name=(display_name or "").strip(), role=_role(role),
                   password_hash=hash_password(password), department=resolve_department(department),
                   active=True, failed_logins=0, created_at=now)
    db.session.add(person)
    db.session.flush()
    audit.record(actor=actor, action="staff.create", obj_type="staff", obj_id=person.id, after=snapshot(person),
                 now=now)
    return person


def _admins_left(excluding: Staff) -> int:
    return db.session.scalar(select(func.count(Staff.id)).where(
        Staff.role == Role.ADMIN, Staff.active, Staff.id != excluding.id)) or 0


def update(*, staff_id: int, role: str, department: int | str | None, active: bool, display_name: str = "",
           actor, now: datetime) -> Staff:
    """Change role, department, display name or active flag; the last active admin stays admin (caller commits)."""
    person = get(staff_id)
    new_role = _role(role)
    if person.role == Role.ADMIN and (new_role != Role.ADMIN or not active) and _admins_left(person) == 0:
        raise Conflict(LAST_ADMIN, field="role")
    before = snapshot(person)
    dept = resolve_department(department)
    if person.head_of_id and (dept is None or dept.id != person.head_of_id):
        person.head_of_id = None  # a head who moves away stops heading the old department
    person.role, person.department, person.active = new_role, dept, bool(active)
    person.display_name = (display_name or "").strip()
    if active and not before["active"]:
        person.failed_logins, person.locked_until = 0, None
    old, new = audit.changed(before, snapshot(person))
    if new:
        audit.record(actor=actor, action="staff.update", obj_type="staff", obj_id=person.id, before=old,
                     after=new, now=now)
    return person


def set_password(*, staff_id: int, password: str, actor, now: datetime) -> Staff:
    """Replace the password, clear any lock and revoke the person's API tokens (their console sessions end because
    the session stamp follows the hash); the record says it changed, never the value (caller commits)."""
    person = get(staff_id)
    check_strength(password, username=person.username, display_name=person.display_name)
    person.password_hash = hash_password(password)
    person.failed_logins, person.locked_until = 0, None
    api_tokens.revoke_all(staff_id=person.id, actor=actor, now=now)
    audit.record(actor=actor, action="staff.password", obj_type="staff", obj_id=person.id,
                 after={"password": "changed"}, now=now)
    return person


def unlock(*, staff_id: int, actor, now: datetime) -> Staff:
    person = get(staff_id)
    person.failed_logins, person.locked_until = 0, None
    audit.record(actor=actor, action="staff.unlock", obj_type="staff", obj_id=person.id, now=now)
    return person


def authenticate(*, username: str, password: str, ip: str, now: datetime) -> Staff:
    """The active account with this password, or Locked / BadCredentials with one generic Chinese reason.

    Every attempt is audited with the client address (never the password). A refusal leaves its failure record
    (audit row, failed-login count) flushed in the session: the caller commits it before answering the refusal, so a
    failed login counts even though the request fails, as it commits a success."""
    username = clean_text(username)[:64]
    wait = login_throttle.wait_seconds(username=username, ip=ip)
    if wait:
        _record_failure(username, ip, None, now, reason="throttled")
        raise Locked(TRY_LATER.format(minutes=(wait + 59) // 60))
    # Usernames are created matching USERNAME_PATTERN: anything else cannot exist (and a NUL never reaches SQL).
    person = by_username(username) if USERNAME_PATTERN.match(username) else None
    ok = _verify(person.password_hash if person else _DUMMY_HASH, password or "")
    if not ok or person is None:
        wait = login_throttle.failed(username=username, ip=ip)
        if person is not None:
            person.failed_logins += 1
        _record_failure(username, ip, person, now, reason="bad_credentials")
        if wait:
            raise Locked(TRY_LATER.format(minutes=(wait + 59) // 60))
        raise BadCredentials(WRONG_CREDENTIALS)
    if not person.active:
        _record_failure(username, ip, person, now, reason="inactive")
        raise PermissionDenied(INACTIVE)
    login_throttle.succeeded(username=username, ip=ip)
    person.failed_logins, person.locked_until, person.last_login_at = 0, None, now
    if _hasher.check_needs_rehash(person.password_hash):
        person.password_hash = _hasher.hash(password)
    audit.record(actor=person, action="auth.login", obj_type="staff", obj_id=person.id, after={"ip": ip}, now=now)
    log.info("staff logged in", staff_id=person.id)
    return person


def _record_failure(username: str, ip: str, person: Staff | None, now: datetime, *, reason: str) -> None:
    audit.record(actor=person.username if person else "anonymous", action="auth.login_failed", obj_type="staff",
                 obj_id=person.id if person else "", after={"username": username, "ip": ip, "reason": reason},
                 now=now)
    db.session.flush()
    log.info("staff login failed", staff_id=person.id if person else None, reason=reason, client=ip)


def clean_text(value: str | None) -> str:
    """Typed text without control characters (a NUL is refused by PostgreSQL), stripped."""
    return CONTROL_CHARS.sub("", value or "").strip()


def visible_departments(person: Staff) -> set[int] | None:
    """Department ids whose work this person may see; None means every department (admins, viewers)."""
    if person.role in (Role.ADMIN, Role.VIEWER):
        return None
    return {person.department_id} if person.department_id else set()
