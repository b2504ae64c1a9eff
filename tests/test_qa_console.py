"""维权问答 for staff: the console pages, the /api/kb endpoints, the unanswered queue and `flask kb import`."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from extensions import db
from models import AuditEvent
from models.faq import EntryRevision, KnowledgeEntry, UnansweredQuestion
from services import faq, faq_review, faq_store

UNKNOWN = "光伏板发电量不够"


def _approve(app, user, proposal_url: str):
    """POST 审核通过 on a proposal page as `user` (a ConsoleUser)."""
    return user.post(proposal_url.replace("http://localhost", "") + "/approve")


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_entry_list_and_edit_page_show_review_and_author(kb, client, staff_factory, logged_in):
    """The list shows each entry's review date; an edit waits for a colleague's approval, then records who changed
    which fields and who approved it."""
    clerk = staff_factory(role="staff")
    user = logged_in(client, clerk)
    assert "return-7day-online" in user.get("/console/kb/").get_data(as_text=True)
    page = user.get("/console/kb/entries/return-7day-online").get_data(as_text=True)
    assert "审核日期" in page
    with kb.app_context():
        entry = faq_store.get("return-7day-online")
        form = {"topic": entry.topic, "question": entry.question, "paraphrases": "\n".join(entry.paraphrases),
                "keywords": " ".join(entry.keywords), "answer": entry.answer + "（已复核）",
                "citations": "\n".join(entry.citations), "related": " ".join(entry.related),
                "next_step": entry.next_step}
    res = user.post("/console/kb/entries/return-7day-online", data=form)
    assert res.status_code == 302 and "/console/kb/proposals/" in res.headers["Location"]
    with kb.app_context():
        assert not faq_store.get("return-7day-online").answer.endswith("（已复核）")
    checker = staff_factory(role="staff")
    assert _approve(kb, logged_in(kb.test_client(), checker), res.headers["Location"]).status_code == 302
    with kb.app_context():
        entry = faq_store.get("return-7day-online")
        assert entry.answer.endswith("（已复核）") and entry.updated_by == clerk.username
        revision = db.session.scalars(select(EntryRevision).where(EntryRevision.entry_id == entry.id)
                                      .order_by(EntryRevision.id.desc())).first()
        assert revision.by == clerk.username and revision.fields[0] == "answer"
        assert revision.approved_by == checker.username and revision.snapshot["answer"].endswith("（已复核）")
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "kb_entry.edited"))


def test_edit_with_empty_answer_is_refused_with_a_reason(kb, client, staff_factory, logged_in):
    """An empty answer is a form error in Chinese; nothing is saved."""
    user = logged_in(client, staff_factory(role="staff"))
    res = user.post("/console/kb/entries/return-7day-online", data={"topic": "x", "question": "y", "answer": ""})
    assert res.status_code == 400 and "必填" in res.get_data(as_text=True)


def test_viewer_cannot_unpublish(kb, client, staff_factory, logged_in):
    """A read-only account may look but not unpublish."""
    user = logged_in(client, staff_factory(role="viewer"))
    assert user.get("/console/kb/").status_code == 200
    assert user.post("/console/kb/entries/return-7day-online/unpublish").status_code == 403


def test_unpublish_from_console_stops_the_bot_answering(kb, client, wechat, staff_factory, logged_in):
    """Unpublishing in the console takes effect on the bot's next question."""
    question = "网购的东西不想要了，七天内能无理由退吗？"
    with kb.app_context():
        answer = faq_store.get("return-7day-online").answer
    assert answer in wechat.say(question).text
    user = logged_in(client, staff_factory(role="admin"))  # withdrawing an entry is an admin's act
    assert user.post("/console/kb/entries/return-7day-online/unpublish").status_code == 302
    assert answer not in wechat.say(question).text


def test_queue_question_becomes_a_paraphrase(kb, client, wechat, staff_factory, logged_in):
    """An unanswered question shows in the queue with its count and, added as a paraphrase, is answered next time."""
    wechat.say(UNKNOWN)
    wechat.say(UNKNOWN)
    user = logged_in(client, staff_factory(role="staff"))
    page = user.get("/console/kb/queue").get_data(as_text=True)
    assert "光伏板发电量不够" in page
    with kb.app_context():
        row = db.session.scalar(select(UnansweredQuestion))
        assert row.count == 2
        row_id = row.id
    res = user.post(f"/console/kb/queue/{row_id}/paraphrase", data={"slug": "quality-not-as-described"})
    assert res.status_code == 302
    with kb.app_context():
        assert db.session.get(UnansweredQuestion, row_id).status == "paraphrase"
        answer = faq_store.get("quality-not-as-described").answer
    assert answer in wechat.say(UNKNOWN).text


def test_queue_question_becomes_a_new_entry(kb, client, wechat, staff_factory, logged_in):
    """"新建条目" from the queue prefills the question; submitting closes the question, and the entry answers once a
    colleague approves it."""
    wechat.say(UNKNOWN)
    user = logged_in(client, staff_factory(role="staff"))
    with kb.app_context():
        row_id = db.session.scalar(select(UnansweredQuestion.id))
    assert UNKNOWN in user.get(f"/console/kb/new?queue_id={row_id}").get_data(as_text=True)
    res = user.post("/console/kb/new", data={
        "queue_id": row_id, "slug": "solar-output-short", "topic": "质量问题", "question": "光伏板发电量不够怎么办？",
        "answer": "发电量达不到合同或说明书承诺的，属于质量不符合约定，可以要求修理、更换或退货。",
        "citations": "《消费者权益保护法》第24条", "next_step": "回复“投诉”直接投诉。"})
    assert res.status_code == 302
    with kb.app_context():
        assert db.session.get(UnansweredQuestion, row_id).status == "new_entry"
    assert _approve(kb, logged_in(kb.test_client(), staff_factory(role="staff")), res.headers["Location"]).status_code == 302
    with kb.app_context():
        assert faq_store.get("solar-output-short").updated_by
    assert "发电量达不到合同" in wechat.say("光伏板发电量不够怎么办").text


def test_try_box_shows_the_ranking_with_scores(kb, client, staff_factory, logged_in):
    """The try box shows the decision and each ranked entry's scores, and records nothing."""
    user = logged_in(client, staff_factory(role="viewer"))
    page = user.get("/console/kb/try?q=tb买的衣服不想要了能退吗").get_data(as_text=True)
    assert "return-7day-online" in page and "覆盖率" in page
    with kb.app_context():
        assert db.session.scalar(select(UnansweredQuestion)) is None


def test_api_lists_edits_publishes_and_tries(kb, client, staff_factory, api_token):
    """/api/kb: list, propose an edit (202) that another admin approves, unpublish and try with a bearer token;
    viewers may read but not write."""
    token = api_token(staff_factory(role="admin"))
    listing = client.get("/api/kb/entries?per_page=5", headers=_bearer(token)).get_json()
    assert listing["total"] >= 150 and len(listing["items"]) == 5
    res = client.patch("/api/kb/entries/return-7day-online", json={"next_step": "回复“投诉”，我们帮您登记。"},
                       headers=_bearer(token))
    assert res.status_code == 202 and res.get_json()["status"] == "pending"
    proposal = res.get_json()["id"]
    assert client.post(f"/api/kb/proposals/{proposal}/approve", headers=_bearer(token)).status_code == 403
    other = api_token(staff_factory(role="admin"))
    approved = client.post(f"/api/kb/proposals/{proposal}/approve", headers=_bearer(other))
    assert approved.status_code == 200 and approved.get_json()["next_step"] == "回复“投诉”，我们帮您登记。"
    assert client.post("/api/kb/entries/return-7day-online/unpublish", headers=_bearer(token)).get_json()[
        "published"] is False
    tried = client.get("/api/kb/try", query_string={"q": "买到过期食品怎么赔"}, headers=_bearer(token)).get_json()
    assert tried["hits"] and tried["hits"][0]["coverage"] > 0
    viewer = api_token(staff_factory(role="viewer"))
    assert client.post("/api/kb/entries/food-expired/unpublish", headers=_bearer(viewer)).status_code == 403


def test_api_errors_are_4xx_with_a_reason(kb, client, staff_factory, api_token):
    """Unknown entries are 404, an invalid edit 422 with the field, a duplicate id 409."""
    token = api_token(staff_factory(role="staff"))
    assert client.get("/api/kb/entries/no-such-entry", headers=_bearer(token)).status_code == 404
    res = client.patch("/api/kb/entries/food-expired", json={"related": ["no-such-entry"]}, headers=_bearer(token))
    assert res.status_code == 422 and res.get_json()["error"]["field"] == "related"
    body = {"id": "food-expired", "topic": "x", "question": "y", "answer": "z"}
    assert client.post("/api/kb/entries", json=body, headers=_bearer(token)).status_code == 409


def test_cli_import_reports_counts(app, runner, tmp_path):
    """`flask kb import FILE` imports a valid file and prints the counts."""
    path = tmp_path / "one.yaml"
    path.write_text(
        "- id: cli-entry\n  topic: 测试\n  question: 测试问题？\n  paraphrases: [测试问法]\n  keywords: [测试]\n"
        "  answer: 测试答案。\n  citations: []\n  related: []\n  next_step: ''\n  reviewed: 2026-11-28\n",
        encoding="utf-8")
    res = runner.invoke(args=["kb", "import", str(path)])
    assert res.exit_code == 0 and "created 1" in res.output


@pytest.mark.parametrize("content, reason", [
    ("- id: [unclosed\n", "YAML 格式错误"),
    ("- id: a\n  topic: t\n", "缺少字段"),
    ("just text", "顶层应当是条目列表"),
])
def test_cli_import_bad_file_is_one_line_and_writes_nothing(app, runner, tmp_path, content, reason):
    """A bad file exits 1 with a one-line reason and imports nothing — not even its good entries."""
    good = ("- id: good-one\n  topic: t\n  question: q？\n  paraphrases: []\n  keywords: []\n  answer: a。\n"
            "  citations: []\n  related: []\n  next_step: ''\n  reviewed: 2026-11-28\n")
    (tmp_path / "a_good.yaml").write_text(good, encoding="utf-8")
    (tmp_path / "b_bad.yaml").write_text(content, encoding="utf-8")
    res = runner.invoke(args=["kb", "import", str(tmp_path)])
    assert res.exit_code == 1
    assert reason in res.output and len(res.output.strip().splitlines()) == 1
    with app.app_context():
        assert db.session.scalar(select(KnowledgeEntry)) is None


def test_cli_import_missing_file(app, runner):
    """A path that does not exist is a one-line error, exit 1."""
    res = runner.invoke(args=["kb", "import", "/nonexistent/kb.yaml"])
    assert res.exit_code == 1 and "找不到文件" in res.output


def test_changed_text_with_same_review_date_is_refused(app, tmp_path):
    """SCHEMA.md's review rule: new text needs a new reviewed date."""
    entry = ("- id: rule-one\n  topic: t\n  question: q？\n  paraphrases: []\n  keywords: []\n  answer: {answer}\n"
             "  citations: []\n  related: []\n  next_step: ''\n  reviewed: 2026-11-28\n")
    path = tmp_path / "kb.yaml"
    path.write_text(entry.format(answer="旧答案。"), encoding="utf-8")
    with app.app_context():
        faq.import_file(path)
        db.session.commit()
        path.write_text(entry.format(answer="新答案。"), encoding="utf-8")
        with pytest.raises(faq_store.Invalid, match="reviewed"):
            faq.import_file(path)
        db.session.rollback()
        assert faq_store.get("rule-one").answer == "旧答案。"


def test_entry_list_is_paginated_and_flags_entries_due_for_review(kb, client, staff_factory, logged_in):
    """The list shows 50 entries a page with a pager; an entry reviewed over a year ago is marked 待复审 and the
    待复审 filter lists exactly those."""
    from datetime import date
    with kb.app_context():
        total = db.session.query(KnowledgeEntry).count()
        old = faq_store.get("return-7day-online")
        old.reviewed = date(2020, 1, 1)
        for entry in db.session.scalars(select(KnowledgeEntry).where(KnowledgeEntry.slug != old.slug)):
            entry.reviewed = date.today()
        db.session.commit()
    user = logged_in(client, staff_factory(role="staff"))
    page = user.get("/console/kb/").get_data(as_text=True)
    assert page.count('href="/console/kb/entries/') == min(total, 50)
    if total > 50:
        assert f"共 {total} 条" in page and "下一页" in page
    due = user.get("/console/kb/?state=due").get_data(as_text=True)
    assert due.count('href="/console/kb/entries/') == 1 and "return-7day-online" in due and "待复审" in due
    assert '<p class="count">1</p>' in user.get("/console/").get_data(as_text=True).split("知识库 待复审条目")[1]


def _edit_form(entry, answer: str) -> dict:
    return {"topic": entry.topic, "question": entry.question, "paraphrases": "\n".join(entry.paraphrases),
            "keywords": " ".join(entry.keywords), "answer": answer, "citations": "\n".join(entry.citations),
            "related": " ".join(entry.related), "next_step": entry.next_step}


def test_kb_four_eyes_diff_and_rollback(kb, client, wechat, staff_factory, logged_in):
    """A clerk's edit leaves the bot's answer unchanged and cannot be approved by the clerk; the reviewer sees the
    change as a diff; after approval the old version can be compared and rolled back, again only through a
    colleague's review."""
    clerk, checker = staff_factory(role="staff"), staff_factory(role="staff")
    author, reviewer = logged_in(client, clerk), logged_in(kb.test_client(), checker)
    with kb.app_context():
        entry = faq_store.get("return-7day-online")
        original = entry.answer
        form = _edit_form(entry, original + "平台应当在七日内退款。")
    proposal = author.post("/console/kb/entries/return-7day-online", data=form).headers["Location"]
    assert "须由另一位同事审核" in author.get(proposal).get_data(as_text=True)
    refused = author.post(proposal + "/approve")
    assert refused.status_code == 403 and "提交人以外" in refused.get_data(as_text=True)
    page = reviewer.get(proposal).get_data(as_text=True)
    assert "<ins>平台应当在七日内退款。</ins>" in page and "审核通过" in page
    assert "平台应当在七日内退款" not in wechat.say("网购七天无理由退货").text
    assert '<p class="count">1</p>' in reviewer.get("/console/").get_data(as_text=True).split("知识库 待审核修改")[1]
    assert reviewer.post(proposal + "/approve").status_code == 302
    with kb.app_context():
        assert faq_store.get("return-7day-online").answer.endswith("平台应当在七日内退款。")
        versions = faq_review.versions("return-7day-online")
        newest, older = versions[0].id, versions[1].id
    version_page = reviewer.get(f"/console/kb/entries/return-7day-online/versions/{newest}").get_data(as_text=True)
    assert "<ins>平台应当在七日内退款。</ins>" in version_page
    rollback = reviewer.post(f"/console/kb/entries/return-7day-online/versions/{older}/rollback").headers["Location"]
    assert "<del>平台应当在七日内退款。</del>" in author.get(rollback).get_data(as_text=True)
    assert author.post(rollback + "/approve").status_code == 302
    with kb.app_context():
        assert faq_store.get("return-7day-online").answer == original
