"""工作日日历: everyone reads a year's days off and 调休 days and the calendar's history; an admin imports a year's
official 放假安排 (file upload) or corrects a single day. `flask --app app calendar import FILE | show YEAR` does the
same from a shell. The rules live in `services.work_calendar`; this module is the page and the command."""
from __future__ import annotations

from datetime import date

import click
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask.cli import AppGroup

from console.auth import current_staff, login_required, require_role
from extensions import db
from services import DomainError, Invalid, deadlines, work_calendar
from services.calendar_files import parse
from services.clock import china_today, utcnow

bp = Blueprint("calendar", __name__)
calendar_cli = AppGroup("calendar", help="The working-day calendar: import a year's official schedule, show a year.")

IMPORTED = "已导入{year}年放假安排：放假{off}天，调休上班{working}天；重新计算估算案件{recomputed}件，其中{moved}件期限变动，已通知消费者。"
DAY_SAVED = "已将 {day} 设为{what}"
DAY_REMOVED = "已撤销 {day} 的更正"
NO_FILE = "请选择放假安排文件（YAML 或 CSV），或把内容粘贴到文本框"
BAD_DAY = "日期格式应为 2027-02-05"
NEEDS_ENTRY = "{year}年的放假安排尚未录入：国务院办公厅每年秋季公布下一年放假安排，请在此导入；在此之前跨入该年的期限按法定节日规则估算。"
SOURCES = {"import": "已导入官方放假安排", "library": "chinese-calendar 收录的官方安排", "rule": "未录入：按法定节日规则估算（不含调休）"}
ORIGINS = {"import": "导入", "staff": "人工更正", "library": "内置", "rule": "规则估算"}


def _sender():
    return current_app.extensions["outbound"].sender


def _year() -> int:
    try:
        year = int(request.args.get("year", ""))
    except ValueError:
        year = china_today(utcnow()).year
    return min(max(year, 2004), 2100)


def _page(year: int, error: str | None = None, status: int = 200):
    today = china_today(utcnow())
    origin, row = work_calendar.source_of(year)
    return render_template(
        "calendar/index.html", year=year, origin=origin, source_label=SOURCES[origin], imported=row,
        days=work_calendar.days_of(year), origins=ORIGINS, error=error, history=work_calendar.history(),
        warnings=[NEEDS_ENTRY.format(year=y) for y in work_calendar.years_to_enter(today)],
        weekdays="一二三四五六日"), status


def years_to_enter_count(_me) -> int:
    """The dashboard card: how many years staff should import now (this year unknown; next year from October)."""
    return len(work_calendar.years_to_enter(china_today(utcnow())))


@bp.get("/")
@login_required
def index():
    return _page(_year())


@bp.post("/import")
@require_role("admin")
def import_file():
    upload = request.files.get("file")
    text = upload.read().decode("utf-8-sig", errors="replace") if upload and upload.filename else \
        request.form.get("text", "")
    try:
        if not text.strip():
            raise Invalid(NO_FILE, field="file")
        schedule = parse(text, filename=upload.filename if upload else "", source=request.form.get("source", ""))
        result = work_calendar.import_and_notify(schedule, actor=current_staff(), now=utcnow(), sender=_sender())
    except DomainError as err:
        db.session.rollback()
        return _page(_year(), error=err.message, status=err.status)
    flash(IMPORTED.format(year=schedule.year, off=len(schedule.off), working=len(schedule.working),
                          recomputed=result.recomputed, moved=len(result.moved)), "ok")
    return redirect(url_for("calendar.index", year=schedule.year))


def _form_day() -> date:
    try:
        return date.fromisoformat(request.form.get("day", "").strip())
    except ValueError:
        raise Invalid(BAD_DAY, field="day") from None


@bp.post("/day")
@require_role("admin")
def set_day():
    try:
        day = _form_day()
        working = request.form.get("working") == "1"
        work_calendar.set_day(day=day, working=working, note=request.form.get("note", ""), actor=current_staff(),
                              now=utcnow())
        db.session.commit()
    except DomainError as err:
        db.session.rollback()
        return _page(_year(), error=err.message, status=err.status)
    flash(DAY_SAVED.format(day=day, what="上班日" if working else "休息日"), "ok")
    return redirect(url_for("calendar.index", year=day.year))


@bp.post("/day/remove")
@require_role("admin")
def remove_day():
    try:
        day = _form_day()
        work_calendar.remove_day(day=day, actor=current_staff(), now=utcnow())
        db.session.commit()
    except DomainError as err:
        db.session.rollback()
        return _page(_year(), error=err.message, status=err.status)
    flash(DAY_REMOVED.format(day=day), "ok")
    return redirect(url_for("calendar.index", year=day.year))


# --- the command line ---------------------------------------------------------------------------------------------

@calendar_cli.command("import")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--source", default="", help="the notice it comes from, e.g. 国办发明电〔2026〕7号")
def import_command(path: str, source: str) -> None:
    """Import a year's official schedule (YAML or CSV); recomputes cases marked 估算 and tells consumers."""
    try:
        with open(path, encoding="utf-8-sig") as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError) as err:
        raise click.ClickException(f"cannot read {path}: {type(err).__name__}") from None
    try:
        schedule = parse(text, filename=path, source=source)
        result = work_calendar.import_and_notify(schedule, actor="cli", now=utcnow(), sender=_sender())
    except DomainError as err:
        db.session.rollback()
        raise click.ClickException(err.message) from None
    click.echo(f"imported {schedule.year}: {len(schedule.off)} days off, {len(schedule.working)} make-up working "
               f"days; {result.recomputed} estimated cases recomputed, {len(result.moved)} moved and told")


@calendar_cli.command("show")
@click.argument("year", type=click.IntRange(2004, 2100))
def show_command(year: int) -> None:
    """Print every day of YEAR that differs from Monday–Friday, and where the year's days come from."""
    origin, row = work_calendar.source_of(year)
    click.echo(f"{year}: {origin}" + (f" ({row.source}, {row.imported_at:%Y-%m-%d} by {row.imported_by})"
                                      if row else "") + (" - estimated" if origin == "rule" else ""))
    for item in work_calendar.days_of(year):
        click.echo(f"{item.day.isoformat()}\t{'班' if item.working else '休'}\t{item.name}\t{item.origin}")
    if not deadlines.calendar_known(date(year, 1, 1)):
        click.echo(deadlines.UNKNOWN_YEAR_WARNING.format(year=year))
