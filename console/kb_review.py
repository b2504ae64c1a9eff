"""维权问答 four eyes in the console: the list of changes waiting for review, one change shown as a diff against
what the bot says now (approve / send back), an entry's versions compared with the one before, and rollback to an
earlier version (itself a change for review). Rules are in services.faq_review; views parse and render."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from console.auth import current_staff, login_required, writer_required
from console.forms import ConfirmForm
from console.kb import pages
from extensions import db
from services import DomainError, faq_review
from services.clock import utcnow

APPROVED = "已审核通过：「{slug}」的新内容已生效"
REJECTED = "已退回，条目保持原样"
ROLLBACK_PROPOSED = "已提交回滚到该版本的申请，须由另一位同事审核通过后生效"
KINDS = {"create": "新建条目", "edit": "修改", "rollback": "回滚到旧版本"}


@pages.get("/review")
@login_required
def review():
    return render_template("kb/review.html", rows=faq_review.pending(), kinds=KINDS)


def _proposal_page(proposal_id: int, error: str | None = None, status: int = 200):
    row = faq_review.get(proposal_id)
    live = faq_review.live_content(row.slug)
    me = current_staff()
    return render_template("kb/proposal.html", row=row, live=live, changes=faq_review.diff(live, row.content),
                           kinds=KINDS, error=error, confirm=ConfirmForm(),
                           can_decide=me.role != "viewer" and me.username != row.proposed_by), status


@pages.get("/proposals/<int:proposal_id>")
@login_required
def proposal(proposal_id: int):
    return _proposal_page(proposal_id)


@pages.post("/proposals/<int:proposal_id>/<decision>")
@writer_required
def decide(proposal_id: int, decision: str):
    if decision not in {"approve", "reject"} or not ConfirmForm().validate_on_submit():
        return _proposal_page(proposal_id, error="请求无效，请刷新页面后重试", status=400)
    try:
        if decision == "approve":
            entry = faq_review.approve(proposal_id=proposal_id, by=current_staff(), now=utcnow())
            db.session.commit()
            flash(APPROVED.format(slug=entry.slug), "ok")
            return redirect(url_for("kb.edit", slug=entry.slug))
        row = faq_review.reject(proposal_id=proposal_id, by=current_staff(), now=utcnow(),
                                note=request.form.get("note", ""))
        db.session.commit()
    except DomainError as err:
        db.session.rollback()
        return _proposal_page(proposal_id, error=err.message, status=err.status)
    flash(REJECTED, "ok")
    return redirect(url_for("kb.proposal", proposal_id=row.id))


@pages.get("/entries/<slug>/versions/<int:revision_id>")
@login_required
def version(slug: str, revision_id: int):
    row, before = faq_review.version(slug, revision_id)
    return render_template("kb/version.html", slug=slug, row=row, changes=faq_review.diff(before, row.snapshot),
                           first=before is None, confirm=ConfirmForm())


@pages.post("/entries/<slug>/versions/<int:revision_id>/rollback")
@writer_required
def rollback(slug: str, revision_id: int):
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("kb.version", slug=slug, revision_id=revision_id))
    try:
        row = faq_review.propose_rollback(slug=slug, revision_id=revision_id, by=current_staff(), now=utcnow())
        db.session.commit()
    except DomainError as err:
        db.session.rollback()
        flash(err.message, "error")
        return redirect(url_for("kb.version", slug=slug, revision_id=revision_id))
    flash(ROLLBACK_PROPOSED, "ok")
    return redirect(url_for("kb.proposal", proposal_id=row.id))
