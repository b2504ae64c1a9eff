"""The console's own features, registered the same way every other feature is: accounts, departments, audit
trail, bureau settings, API tokens, QR scenes."""
from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import func, select

from console.pages import account as account_pages
from console.pages import audit as audit_pages
from console.pages import calendar as calendar_pages
from console.pages import departments as department_pages
from console.pages import scenes as scene_pages
from console.pages import settings as settings_pages
from console.pages import staff as staff_pages
from console.pages import tokens as token_pages
from console.registry import Feature, NavItem, Widget, register_feature
from console.rest import admin as rest_admin
from console.rest import auth as rest_auth
from extensions import db
from models import AuditEvent, Department, Follower, Staff
from models.staff import ROLE_LABELS
from services.clock import china_today, from_china, utcnow


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def _staff_by_role(_me) -> list[tuple[str, int]]:
    counts = dict(db.session.execute(select(Staff.role, func.count()).where(Staff.active).group_by(Staff.role)).all())
    return [(label, counts.get(role.value, 0)) for role, label in ROLE_LABELS.items()]


def _per_day(column, *, days: int = 7, where=()) -> list[tuple[str, int]]:
    """Rows per China-time day for the last `days` days, oldest first."""
    today = china_today(utcnow())
    series = []
    for back in range(days - 1, -1, -1):
        day = today - timedelta(days=back)
        start = from_china(datetime.combine(day, time()))
        n = db.session.scalar(select(func.count()).where(column >= start, column < start + timedelta(days=1),
                                                         *where)) or 0
        series.append((f"{day.month}月{day.day}日", n))
    return series


def _followers(_me) -> int:
    return db.session.scalar(select(func.count(Follower.id)).where(Follower.subscribed)) or 0


register_feature(Feature(name="auth", api=rest_auth.blp))
register_feature(Feature(
    name="overview",
    widgets=[Widget(title="关注人数", count=_followers, order=1,
                    empty="还没有关注者：在公众号后台「服务器配置」填入本系统的 /wechat 地址，用户关注后即计入"),
             Widget(title="近 7 天新增关注", chart=lambda me: _per_day(Follower.subscribed_at), order=2,
                    empty="近 7 天没有新增关注。可在活动现场张贴公众号二维码")],
))
register_feature(Feature(
    name="staff", pages=staff_pages.bp, api=rest_admin.staff_blp,
    nav=[NavItem("用户管理", "staff.index", roles=("admin",), order=900)],
    widgets=[Widget(title="在岗工作人员", chart=_staff_by_role, roles=("admin",), endpoint="staff.index", order=900,
                    empty="还没有工作人员账号：到「用户管理」新建，或运行 flask --app app staff create")],
))
register_feature(Feature(
    name="departments", pages=department_pages.bp, api=rest_admin.departments_blp,
    nav=[NavItem("部门", "departments.index", order=910)],
    widgets=[Widget(title="部门", count=lambda me: _count(Department), endpoint="departments.index", order=910,
                    empty="还没有部门：运行 flask --app app seed 载入本县默认部门")],
))
register_feature(Feature(
    name="audit", pages=audit_pages.bp, api=rest_admin.audit_blp,
    nav=[NavItem("操作记录", "audit.index", roles=("admin", "viewer"), order=920)],
    widgets=[Widget(title="近 7 天操作记录", chart=lambda me: _per_day(AuditEvent.at), roles=("admin", "viewer"), order=920,
                    empty="近 7 天没有操作记录")],
))
register_feature(Feature(
    name="calendar", pages=calendar_pages.bp, commands=[calendar_pages.calendar_cli],
    nav=[NavItem("工作日日历", "calendar.index", order=915)],
    widgets=[Widget(title="待录入放假安排的年份", count=calendar_pages.years_to_enter_count, endpoint="calendar.index",
                    order=0, empty="今明两年的放假安排均已录入")],
))
register_feature(Feature(name="scenes", pages=scene_pages.bp,
                         nav=[NavItem("二维码场景", "scenes.index", order=925)]))
register_feature(Feature(name="settings", pages=settings_pages.bp,
                         nav=[NavItem("单位设置", "settings.index", roles=("admin",), order=930)]))
register_feature(Feature(name="tokens", pages=token_pages.bp, api=rest_auth.tokens_blp))
register_feature(Feature(name="account", pages=account_pages.bp,
                         nav=[NavItem("我的账号", "account.index", order=950)]))
