"""/api for issue 17 through HTTP with bearer tokens: 核查处置 cases (list, one, record a step, department-scoped,
viewers read-only), campaigns (the report's figures equal the page's, admins correct the dates) and surveys (results
per question, nothing that names a respondent). Refusals are the API's 4xx JSON with the reason."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from extensions import db
from models import AuditEvent
from models.disposal import Disposal
from models.poll import PollStatus, Verdict
from models.survey import QuestionKind, SurveyStatus
from services import departments as departments_service
from services import sampling, surveys
from services.clock import utcnow
from tests.support.complaints import china
from tests.support.polls import make_poll
from tests.support.sampling import add_batch, failing_eggs


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _disposals(app) -> dict[str, int]:
    """Two 不合格 results published: 鲜鸡蛋 in 城关所 (by its town), 散装白酒 in 食品安全股."""
    poll_id = make_poll(app, status=PollStatus.SAMPLING, allow_suggestion=False)
    opened_at = china(2026, 3, 16, 10, 0)
    with app.app_context():
        food = departments_service.by_name("食品安全股")
        add_batch(poll_id, now=opened_at, results=[
            failing_eggs(poll_id),
            {"sample_name": "散装白酒", "place": "某小作坊", "verdict": Verdict.FAIL, "failing_item": "甲醇",
             "hazard_note": "甲醇超标可致失明。", "department_id": food.id}])
        sampling.publish(poll_id=poll_id, by="tester", now=opened_at)
        db.session.commit()
        return {c.result.sample_name: c.id for c in db.session.scalars(select(Disposal))}


def test_disposals_are_listed_shown_and_stepped_through_the_api(app, client, departments, staff_factory, api_token):
    """A 城关所 clerk lists only their case, reads it with its clock and next steps, records 送达检验报告 (the 复检
    window is set, audited); the other department's case is 404; a repeated step 409; a bad step 422; no token 401."""
    cases = _disposals(app)
    clerk = api_token(staff_factory(department="城关市场监督管理所"))
    listed = client.get("/api/disposals/", headers=_auth(clerk)).get_json()
    assert listed["total"] == 1 and listed["items"][0]["sample_name"] == "鲜鸡蛋"
    assert listed["items"][0]["number"] == f"HC{cases['鲜鸡蛋']:05d}" and listed["items"][0]["opened_at"].endswith("+00:00")
    one = client.get(f"/api/disposals/{cases['鲜鸡蛋']}", headers=_auth(clerk)).get_json()
    assert one["result"]["failing_item"] == "恩诺沙星" and one["clock"]["name"] == "sampling_disposal"
    assert one["next_steps"][0] == "serve_report" and one["steps"] == [] and one["due_on"] == "2026-06-15"
    assert client.get(f"/api/disposals/{cases['散装白酒']}", headers=_auth(clerk)).status_code == 404

    served = client.post(f"/api/disposals/{cases['鲜鸡蛋']}/steps", headers=_auth(clerk),
                         json={"step": "serve_report", "on": "2026-03-18", "note": "已当面送达"})
    body = served.get_json()
    assert served.status_code == 200 and body["served_on"] == "2026-03-18" and body["recheck_due_on"]
    assert body["steps"][0]["label"] == "送达检验报告" and "serve_report" not in body["next_steps"]
    again = client.post(f"/api/disposals/{cases['鲜鸡蛋']}/steps", headers=_auth(clerk),
                        json={"step": "serve_report", "on": "2026-03-18"})
    assert again.status_code == 409 and "不能重复记录" in again.get_json()["error"]["message"]
    bad = client.post(f"/api/disposals/{cases['鲜鸡蛋']}/steps", headers=_auth(clerk),
                      json={"step": "fly", "on": "2026-03-18"})
    assert bad.status_code == 422 and bad.get_json()["error"]["field"] == "step"
    no_outcome = client.post(f"/api/disposals/{cases['鲜鸡蛋']}/steps", headers=_auth(clerk),
                             json={"step": "close", "on": "2026-03-19"})
    assert no_outcome.status_code == 422 and "处置结果" in no_outcome.get_json()["error"]["message"]
    assert client.get("/api/disposals/").status_code == 401
    with app.app_context():
        assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.action == "disposal.serve_report"))

    admin = api_token(staff_factory(role="admin", username="api_admin"))
    assert client.get("/api/disposals/?status=open", headers=_auth(admin)).get_json()["total"] == 2
    assert client.get("/api/disposals/?from=2026-03-17", headers=_auth(admin)).get_json()["total"] == 0
    assert client.get("/api/disposals/?status=lost", headers=_auth(admin)).status_code == 422
    viewer = api_token(staff_factory(role="viewer", username="api_viewer"))
    assert client.get(f"/api/disposals/{cases['散装白酒']}", headers=_auth(viewer)).status_code == 200
    refused = client.post(f"/api/disposals/{cases['散装白酒']}/steps", headers=_auth(viewer),
                          json={"step": "serve_report", "on": "2026-03-18"})
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "forbidden"


def test_campaign_figures_equal_the_report_page_and_admins_correct_dates(app, client, departments, staff_factory,
                                                                         logged_in, api_token):
    """The API's figures for a campaign are the numbers its report page prints; PUT with the end before the start is
    422 with the reason and changes nothing; a good PUT moves the period (audited); a clerk's PUT is 403."""
    _disposals(app)
    admin = staff_factory(role="admin", username="report_api_admin")
    page_user = logged_in(client, admin)
    made = page_user.post("/console/campaigns/", data={"name": "2026年3·15", "starts_on": "2026-03-10",
                                                      "ends_on": "2026-03-20"})
    campaign_id = int(made.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    page = page_user.get(f"/console/campaigns/{campaign_id}").get_data(as_text=True)
    printed = dict(re.findall(r'data-figure="([^"]+)">([^<]*)<', page))
    token = api_token(admin)
    api = app.test_client()
    found = api.get(f"/api/campaigns/{campaign_id}", headers=_auth(token)).get_json()
    from_api = {f"{s['heading']}:{i['label']}": i["value"] for s in found["sections"] for i in s["items"]}
    assert from_api == printed and printed["抽检与核查处置:开启核查处置"] == "2"
    assert found["figures"]["disposals"] == 2 and found["figures"]["failed"] == 2
    assert found["figures"]["disposals_by_status"][0] == {"label": "核查处置中", "count": 2}
    listed = api.get("/api/campaigns/", headers=_auth(token)).get_json()
    assert listed["total"] == 1 and listed["items"][0]["starts_on"] == "2026-03-10"

    backwards = api.put(f"/api/campaigns/{campaign_id}", headers=_auth(token),
                        json={"name": "2026年3·15", "starts_on": "2026-03-20", "ends_on": "2026-03-10"})
    error = backwards.get_json()["error"]
    assert backwards.status_code == 422 and error["message"] == "结束日期不能早于开始日期" and error["field"] == "ends_on"
    moved = api.put(f"/api/campaigns/{campaign_id}", headers=_auth(token),
                    json={"name": "2026年3·15", "starts_on": "2026-03-17", "ends_on": "2026-03-31"})
    assert moved.status_code == 200 and moved.get_json()["figures"]["disposals"] == 0   # opened 3-16: now outside
    with app.app_context():
        [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "campaign.update")).all()
        assert event.before == {"starts_on": "2026-03-10", "ends_on": "2026-03-20"}
    clerk = api_token(staff_factory(username="report_api_clerk"))
    assert api.put(f"/api/campaigns/{campaign_id}", headers=_auth(clerk),
                   json={"name": "x", "starts_on": "2026-03-01", "ends_on": "2026-03-02"}).status_code == 403
    assert api.get("/api/campaigns/999999", headers=_auth(token)).status_code == 404


def test_survey_results_through_the_api_name_no_respondent(app, client, wechat, staff_factory, api_token):
    """After a follower answers in chat, the list counts one response and the results give the chosen option, the
    rating average and the text with its phone number masked — and no openid anywhere."""
    now = utcnow()
    with app.app_context():
        survey = surveys.create(
            title="网购满意度", intro="", anonymous=False, opens_at=now - timedelta(minutes=1),
            closes_at=now + timedelta(days=1), by="tester", now=now,
            questions=[surveys.QuestionSpec(QuestionKind.SINGLE, "常用平台？", ["甲", "乙"]),
                       surveys.QuestionSpec(QuestionKind.RATING, "满意度？"),
                       surveys.QuestionSpec(QuestionKind.TEXT, "建议？")])
        surveys.transition(survey_id=survey.id, to=SurveyStatus.OPEN, by="tester", now=now)
        db.session.commit()
        survey_id = survey.id
    wechat.follow()
    for text in ("调查", "2", "4", "请回电13812345678"):
        wechat.say(text)
    assert "感谢您参加" in wechat.say("确认").text
    token = api_token(staff_factory(role="viewer"))
    listed = client.get("/api/surveys/", headers=_auth(token)).get_json()
    assert listed["items"][0]["responses"] == 1 and listed["items"][0]["status"] == "open"
    res = client.get(f"/api/surveys/{survey_id}", headers=_auth(token))
    body = res.get_json()
    choice, rating, text = body["results"]
    assert choice["counts"] == [{"label": "甲", "count": 0}, {"label": "乙", "count": 1}]
    assert rating["average"] == 4.0 and rating["counts"][1] == {"label": "4分", "count": 1}
    assert text["texts"] and "13812345678" not in text["texts"][0]
    assert wechat.openid not in res.get_data(as_text=True)
    assert client.get("/api/surveys/999999", headers=_auth(token)).get_json()["error"]["code"] == "not_found"
    assert body["closes_at"].endswith("+00:00") and body["anonymous"] is False
