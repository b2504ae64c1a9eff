"""Staff accounts: create and edit, passwords (argon2id), and login with throttling.

Login is throttled twice: per account (counted on the staff row, so a lock survives a Redis restart) and per
client IP (a Redis counter, `keys.login_failures_ip`). A locked account or IP is told so, with when to retry.
Services add to the session and audit; the caller commits (a failed login commits its own counter).
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select

import logs
from extensions import db, redis
from models import Department, Staff
from models.staff import Role
from services import Conflict, Invalid, NotFound, PermissionDenied, audit, keys
from services.clock import to_china

MIN_PASSWORD_LENGTH = 10
MAX_FAILED_LOGINS = 5                      # per account, then locked for LOCK_MINUTES
LOCK_MINUTES = 15
USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9_.\-]{3,32}$")

BAD_USERNAME = "用户名须为 3–32 位字母、数字、下划线、点或连字符"
USERNAME_TAKEN = "用户名「{name}」已被使用"
SHORT_PASSWORD = f"密码至少 {MIN_PASSWORD_LENGTH} 位"
BAD_ROLE = "角色须为 admin、staff 或 viewer"
NO_DEPARTMENT = "部门「{name}」不存在"
NOT_FOUND = "工作人员不存在"
WRONG_CREDENTIALS = "用户名或密码错误"
WRONG_CREDENTIALS_LEFT = "用户名或密码错误，再错 {left} 次账号将被锁定 {minutes} 分钟"
ACCOUNT_LOCKED = "账号因多次密码错误已被锁定，请于 {until} 后再试，或联系管理员解锁"
IP_LOCKED = "此网络登录失败次数过多，请 {minutes} 分钟后再试"
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
    """Replace the password and clear any lock; the record says it changed, never the value (caller commits)."""
    person = get(staff_id)
    person.password_hash = hash_password(password)
    person.failed_logins, person.locked_until = 0, None
    audit.record(actor=actor, action="staff.password", obj_type="staff", obj_id=person.id,
                 after={"password": "changed"}, now=now)
    return person


def unlock(*, staff_id: int, actor, now: datetime) -> Staff:
    person = get(staff_id)
    person.failed_logins, person.locked_until = 0, None
    audit.record(actor=actor, action="staff.unlock", obj_type="staff", obj_id=person.id, now=now)
    return person


def authenticate(*, username: str, password: str, ip: str, now: datetime) -> Staff:
    """The active account with this password, or Locked / PermissionDenied with a Chinese reason.

    Commits the failure counters itself (a failed login must count even though the request fails)."""
    ip_key = keys.login_failures_ip(ip or "unknown")
    ip_failures = int(redis.get(ip_key) or 0)
    if ip_failures >= keys.LOGIN_IP_MAX:
        minutes = max(1, (redis.ttl(ip_key) + 59) // 60)
        log.warning("staff login refused", reason="ip_throttled", failures=ip_failures, client=ip)
        raise Locked(IP_LOCKED.format(minutes=minutes))
    person = by_username(username)
    if person is not None and person.locked_until and person.locked_until > now:
        log.warning("staff login refused", reason="account_locked", staff_id=person.id, client=ip)
        raise Locked(ACCOUNT_LOCKED.format(until=to_china(person.locked_until).strftime("%H:%M")))
    ok = _verify(person.password_hash if person else _DUMMY_HASH, password or "")
    if not ok or person is None:
        _count_ip_failure(ip_key)
        log.info("staff login failed", staff_id=person.id if person else None, client=ip)
        if person is None:
            raise BadCredentials(WRONG_CREDENTIALS)
        return _fail(person, now)
    if not person.active:
        log.info("staff login refused", reason="inactive", staff_id=person.id, client=ip)
        raise PermissionDenied(INACTIVE)
    person.failed_logins, person.locked_until, person.last_login_at = 0, None, now
    if _hasher.check_needs_rehash(person.password_hash):
        person.password_hash = _hasher.hash(password)
    db.session.commit()
    log.info("staff logged in", staff_id=person.id)
    return person


def _count_ip_failure(ip_key: str) -> None:
    pipe = redis.pipeline()
    pipe.incr(ip_key)
    pipe.expire(ip_key, keys.LOGIN_IP_WINDOW, nx=True)
    pipe.execute()


def _fail(person: Staff, now: datetime) -> Staff:
    person.failed_logins += 1
    left = MAX_FAILED_LOGINS - person.failed_logins
    if left <= 0:
        person.failed_logins, person.locked_until = 0, now + timedelta(minutes=LOCK_MINUTES)
        audit.record(actor=person, action="staff.locked", obj_type="staff", obj_id=person.id,
                     after={"locked_until": person.locked_until}, now=now)
        db.session.commit()
        log.warning("staff account locked", staff_id=person.id, minutes=LOCK_MINUTES)
        raise Locked(ACCOUNT_LOCKED.format(until=to_china(person.locked_until).strftime("%H:%M")))
    db.session.commit()
    if left <= 2:
        raise BadCredentials(WRONG_CREDENTIALS_LEFT.format(left=left, minutes=LOCK_MINUTES))
    raise BadCredentials(WRONG_CREDENTIALS)


def visible_departments(person: Staff) -> set[int] | None:
    """Department ids whose work this person may see; None means every department (admins, viewers)."""
    if person.role in (Role.ADMIN, Role.VIEWER):
        return None
    return {person.department_id} if person.department_id else set()
