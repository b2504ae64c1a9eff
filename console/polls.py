"""你点我检 in the console: define a poll, move it through its statuses, watch live ranked results (SVG bars),
export them, look at anomalies, enter sampling results and publish them (which tells each voter). The JSON API is
`console.polls_api`.

Every change goes through services.polls / services.sampling, which audit it; views only parse forms and render.
"""
from __future__ import annotations

from datetime import date, datetime

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for

from console.auth import current_staff, login_required, writer_required
from console.charts import bar_chart
from console.registry import Feature, NavItem, Widget, register_feature
from extensions import db
from models.poll import Poll, PollStatus, Verdict
from services import DomainError, Invalid, audit, ballots, departments, poll_reports, polls, sampling
from services.clock import from_china, to_china, utcnow

pages = Blueprint("polls", __name__)

QUESTION_SLOTS = 4
SUGGESTIONS_PER_PAGE = 30
LIST_PER_PAGE = 30
MOVES = {PollStatus.SCHEDULED: "排期（到开始时间自动开始）", PollStatus.OPEN: "立即开始投票", PollStatus.DRAFT: "退回草稿",
         PollStatus.CLOSED: "结束投票", PollStatus.SAMPLING: "进入抽检",
         PollStatus.ARCHIVED: "归档（从公众号撤下）"}
SAVED = "已保存"
MOVED = "投票状态已改为「{label}」"
BATCH_ADDED = "已新建批次「{title}」"
RESULT_ADDED = "已录入「{name}」"
RESULT_REMOVED = "已删除这条结果"
PUBLISHED = "已公布 {batches} 个批次，{notices} 位投票人将收到所选项目的结果（已通知 {told} 位，其余稍后自动发送）" \
            "；开启核查处置 {disposals} 件"
BAD_TIME = "时间格式应为 2027-03-01 09:00"
BAD_NUMBER = "第{n}题的可选项数和抽检名次应为数字"
BAD_DATE = "抽样日期格式应为 2027-03-20"
FIELD_LABELS = {"title": "标题", "opens_at": "开始时间", "closes_at": "结束时间"}


def _time(name: str) -> datetime:
    raw = request.form.get(name, "").strip().replace("T", " ")
    try:
        return from_china(datetime.fromisoformat(raw))
    except ValueError as exc:
        raise Invalid(BAD_TIME, field=name) from exc


def _questions() -> list[polls.QuestionSpec]:
    specs = []
    for n in range(1, QUESTION_SLOTS + 1):
        text = request.form.get(f"q{n}_text", "").strip()
        options = [line.strip() for line in request.form.get(f"q{n}_options", "").splitlines() if line.strip()]
        if not text and not options:
            continue
        try:
            max_picks, top_n = int(request.form.get(f"q{n}_max") or 1), int(request.form.get(f"q{n}_top") or 1)
        except ValueError as exc:
            raise Invalid(BAD_NUMBER.format(n=n), field="questions") from exc
        specs.append(polls.QuestionSpec(text=text, options=options, max_picks=max_picks, top_n=top_n))
    return specs


def _definition() -> dict:
    return {"title": request.form.get("title", ""), "description": request.form.get("description", ""),
            "questions": _questions(), "opens_at": _time("opens_at"), "closes_at": _time("closes_at"),
            "allow_suggestion": request.form.get("allow_suggestion") == "1"}


def _form_values(poll: Poll | None) -> dict:
    """What the edit form shows: the posted values after an error, else the poll's, else blanks."""
    if request.method == "POST":
        return dict(request.form)
    if poll is None:
        return {"allow_suggestion": "1", "q1_max": "3", "q1_top": "3"}
    values = {"title": poll.title, "description": poll.description,
              "opens_at": f"{to_china(poll.opens_at):%Y-%m-%dT%H:%M}",
              "closes_at": f"{to_china(poll.closes_at):%Y-%m-%dT%H:%M}",
              "allow_suggestion": "1" if poll.allow_suggestion else ""}
    for n, q in enumerate(poll.questions, start=1):
        values.update({f"q{n}_text": q.text, f"q{n}_options": "\n".join(o.label for o in q.options),
                       f"q{n}_max": str(q.max_picks), f"q{n}_top": str(q.top_n)})
    return values


def _edit_page(poll: Poll | None, error: DomainError | None = None):
    status = error.status if error else 200
    return render_template("polls/edit.html", poll=poll, values=_form_values(poll), slots=QUESTION_SLOTS,
                           error=error.message if error else None, error_field=error.field if error else None,
                           field_labels=FIELD_LABELS), status


@pages.get("/")
@login_required
def index():
    everything = polls.listing()
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    rows = [(p, polls.STATUS_LABELS[PollStatus(p.status)])
            for p in everything[(page - 1) * LIST_PER_PAGE:page * LIST_PER_PAGE]]
    return render_template("polls/index.html", rows=rows, page=page, per_page=LIST_PER_PAGE, total=len(everything))


@pages.route("/new", methods=["GET", "POST"])
@writer_required
def new():
    if request.method == "GET":
        return _edit_page(None)
    try:
        poll = polls.create(**_definition(), by=current_staff(), now=utcnow())
        db.session.commit()
    except DomainError as err:
        db.session.rollback()
        return _edit_page(None, err)
    flash(SAVED, "ok")
    return redirect(url_for("polls.show", poll_id=poll.id))


@pages.route("/<int:poll_id>/edit", methods=["GET", "POST"])
@writer_required
def edit(poll_id: int):
    poll = polls.get(poll_id)
    if request.method == "GET":
        return _edit_page(poll)
    try:
        polls.update(poll_id=poll_id, **_definition(), by=current_staff(), now=utcnow())
        db.session.commit()
    except DomainError as err:
        db.session.rollback()
        return _edit_page(polls.get(poll_id), err)
    flash(SAVED, "ok")
    return redirect(url_for("polls.show", poll_id=poll_id))


def _show_page(poll_id: int, error: str | None = None, status: int = 200):
    poll, now = polls.get(poll_id), utcnow()
    tally = polls.tallies(poll_id=poll_id, now=now)
    charts = {q.question_id: bar_chart([(o.label, o.count) for o in q.options], title=q.text)
              for q in tally.questions}
    moves = [(to, MOVES[to]) for to in sorted(polls.ALLOWED[PollStatus(poll.status)], key=list(PollStatus).index)
             if to in MOVES]
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    ideas, ideas_total = poll_reports.suggestions(poll_id=poll_id, page=page, per_page=SUGGESTIONS_PER_PAGE)
    return render_template("polls/show.html", poll=poll, tally=tally, charts=charts, moves=moves, error=error,
                           ideas=ideas, ideas_total=ideas_total, page=page, per_page=SUGGESTIONS_PER_PAGE,
                           label=polls.STATUS_LABELS[PollStatus(poll.status)], editable=poll.status in polls.EDITABLE,
                           chain=ballots.verify(poll_id=poll_id)), status


@pages.get("/<int:poll_id>")
@login_required
def show(poll_id: int):
    return _show_page(poll_id)


@pages.post("/<int:poll_id>/status")
@writer_required
def move(poll_id: int):
    try:
        to = PollStatus(request.form.get("to", ""))
        polls.transition(poll_id=poll_id, to=to, by=current_staff(), now=utcnow())
        db.session.commit()
    except ValueError:
        return _show_page(poll_id, error=polls.BAD_MOVE.format(now="", to=request.form.get("to", "")), status=400)
    except DomainError as err:
        db.session.rollback()
        return _show_page(poll_id, error=err.message, status=err.status)
    if to == PollStatus.CLOSED:
        polls.reconcile(poll_id=poll_id, now=utcnow())
    flash(MOVED.format(label=polls.STATUS_LABELS[to]), "ok")
    return redirect(url_for("polls.show", poll_id=poll_id))


@pages.get("/<int:poll_id>/export.<fmt>")
@login_required
def export(poll_id: int, fmt: str):
    poll, now = polls.get(poll_id), utcnow()
    if fmt not in {"xlsx", "csv"}:
        return redirect(url_for("polls.show", poll_id=poll_id))
    tally = polls.tallies(poll_id=poll_id, now=now)
    ideas, _ = poll_reports.suggestions(poll_id=poll_id)
    audit.record(actor=current_staff(), action="poll.export", obj_type="poll", obj_id=poll_id,
                 after={"format": fmt, "ip": request.remote_addr or ""}, now=now)
    db.session.commit()
    name = f"poll-{poll_id}-{to_china(now):%Y%m%d%H%M}.{fmt}"
    if fmt == "csv":
        body, mimetype = poll_reports.export_csv(tally, ideas), "text/csv; charset=utf-8"
    else:
        body = poll_reports.export_xlsx(tally, title=poll.title, now=now, ideas=ideas)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f"attachment; filename={name}"})


@pages.get("/<int:poll_id>/anomalies")
@login_required
def anomalies(poll_id: int):
    report = poll_reports.anomalies(poll_id=poll_id)
    chart = bar_chart([(m.label, m.ballots) for m in report.minutes[-60:]], title="每分钟投票数")
    return render_template("polls/anomalies.html", poll=polls.get(poll_id), report=report, chart=chart)


def _sampling_page(poll_id: int, error: DomainError | None = None):
    poll = polls.get(poll_id)
    options = [(o.id, f"{q.text[:12]}：{o.label}") for q in poll.questions for o in q.options]
    return render_template("polls/sampling.html", poll=poll, batches=sampling.batches(poll_id), options=options,
                           departments=departments.all_departments(),
                           verdicts=sampling.VERDICT_LABELS, error=error.message if error else None,
                           values=dict(request.form) if error else {},
                           label=polls.STATUS_LABELS[PollStatus(poll.status)]), error.status if error else 200


@pages.get("/<int:poll_id>/sampling")
@login_required
def sampling_page(poll_id: int):
    return _sampling_page(poll_id)


def _sampling_action(poll_id: int, action, done: str):
    try:
        action()
        db.session.commit()
    except DomainError as err:
        db.session.rollback()
        return _sampling_page(poll_id, err)
    flash(done, "ok")
    return redirect(url_for("polls.sampling_page", poll_id=poll_id))


@pages.post("/<int:poll_id>/batches")
@writer_required
def add_batch(poll_id: int):
    title = request.form.get("title", "")
    return _sampling_action(poll_id, lambda: sampling.add_batch(poll_id=poll_id, title=title, by=current_staff(),
                                                                now=utcnow()), BATCH_ADDED.format(title=title))


def _result_spec() -> sampling.ResultSpec:
    try:
        sampled_on = date.fromisoformat(request.form.get("sampled_on", "").strip())
    except ValueError as exc:
        raise Invalid(BAD_DATE, field="sampled_on") from exc
    verdict = Verdict.FAIL if request.form.get("verdict") == Verdict.FAIL else Verdict.PASS
    return sampling.ResultSpec(
        sample_name=request.form.get("sample_name", ""), brand=request.form.get("brand", ""),
        producer=request.form.get("producer", ""), place=request.form.get("place", ""), sampled_on=sampled_on,
        verdict=verdict, failing_item=request.form.get("failing_item", ""),
        hazard_note=request.form.get("hazard_note", ""),
        option_ids=[int(v) for v in request.form.getlist("option_ids") if v.isdigit()],
        department_id=int(department) if (department := request.form.get("department_id", "")).isdigit() else None)


@pages.post("/<int:poll_id>/batches/<int:batch_id>/results")
@writer_required
def add_result(poll_id: int, batch_id: int):
    name = request.form.get("sample_name", "")
    return _sampling_action(poll_id, lambda: sampling.add_result(batch_id=batch_id, spec=_result_spec(),
                                                                 by=current_staff(), now=utcnow()),
                            RESULT_ADDED.format(name=name))


@pages.post("/<int:poll_id>/results/<int:result_id>/delete")
@writer_required
def remove_result(poll_id: int, result_id: int):
    return _sampling_action(poll_id, lambda: sampling.remove_result(result_id=result_id, by=current_staff(),
                                                                    now=utcnow()), RESULT_REMOVED)


@pages.post("/<int:poll_id>/publish")
@writer_required
def publish(poll_id: int):
    now = utcnow()
    try:
        outcome = sampling.publish(poll_id=poll_id, by=current_staff(), now=now)
        db.session.commit()                     # published before any voter is told
    except DomainError as err:
        db.session.rollback()
        return _sampling_page(poll_id, err)
    told = sampling.notify_voters(now=now, sender=current_app.extensions["outbound"].sender, poll_id=poll_id,
                                  limit=200, template_id=current_app.config.get("POLL_RESULT_TEMPLATE_ID"))
    flash(PUBLISHED.format(batches=outcome.batches, notices=outcome.notices, told=told, disposals=outcome.disposals),
          "ok")
    return redirect(url_for("polls.sampling_page", poll_id=poll_id))


def _open_ballots(me) -> int:
    poll = polls.for_followers(now=utcnow())
    return polls.tallies(poll_id=poll.id, now=utcnow()).ballots if poll and poll.status == PollStatus.OPEN else 0


from console import polls_api  # noqa: E402  (the API blueprint lives beside the pages)

register_feature(Feature(
    name="polls",
    pages=pages,
    api=polls_api.api,
    nav=[NavItem("你点我检", "polls.index", order=20)],
    widgets=[Widget("你点我检 当前投票人数", count=_open_ballots, endpoint="polls.index",
                    empty="当前没有进行中的投票。在「你点我检」新建投票并开始后，这里显示实时人数。", order=20)],
))
