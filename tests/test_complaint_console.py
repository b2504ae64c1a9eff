"""The console and API side of complaints: queues and the case page per role, actions through forms and the API,
another department's case hidden, viewers read-only and masked, the Excel export masked."""
from __future__ import annotations

from io import BytesIO

from openpyxl import load_workbook

from extensions import db
from models import AuditEvent, Case
from services.clock import utcnow
from tests.support.complaints import file_case


def _case(app, **kwargs) -> tuple[int, str]:
    with app.app_context():
        case = file_case(now=utcnow(), **kwargs)
        return case.id, case.number


def test_department_staff_handle_a_case_through_the_console(app, client, departments, staff_factory, logged_in,
                                                             sim):
    """Staff of the routed 所 see the case in full, accept it, note, reply and close it; each step is audited."""
    case_id, number = _case(app)
    clerk = staff_factory(role="staff", department="城关市场监督管理所")
    user = logged_in(client, clerk)
    listing = user.get("/console/complaints/").get_data(as_text=True)
    assert number in listing
    page = user.get(f"/console/complaints/{case_id}").get_data(as_text=True)
    assert "13812345678" in page and "张三" in page and "受理" in page
    assert user.post(f"/console/complaints/{case_id}/accept").status_code == 302
    assert user.post(f"/console/complaints/{case_id}/note", {"text": "已电话联系商家"}).status_code == 302
    assert user.post(f"/console/complaints/{case_id}/reply", {"text": "商家同意退款"}).status_code == 302
    bad = user.post(f"/console/complaints/{case_id}/close", {"outcome": "终止", "reason": ""})
    assert bad.status_code == 422 and "请填写理由" in bad.get_data(as_text=True)
    illegal = user.post(f"/console/complaints/{case_id}/file")
    assert illegal.status_code == 409 and "不能改为" in illegal.get_data(as_text=True)
    assert user.post(f"/console/complaints/{case_id}/close", {"outcome": "调解成功"}).status_code == 302
    history = user.get(f"/console/complaints/{case_id}").get_data(as_text=True)
    assert "已电话联系商家" in history and "内部" in history and "已办结" in history
    with app.app_context():
        assert db.session.get(Case, case_id).status == "closed"
        actions = [e.action for e in db.session.query(AuditEvent).filter_by(object_id=number).order_by(AuditEvent.id)]
        assert actions == ["complaint.accept", "complaint.note", "complaint.reply", "complaint.close"]


def test_staff_of_another_department_get_404(app, client, departments, staff_factory, logged_in):
    """A case routed to 城关所 does not exist for 新华所 staff: not in their queue, 404 to view or act."""
    case_id, number = _case(app)
    other = staff_factory(role="staff", department="新华市场监督管理所")
    user = logged_in(client, other)
    assert number not in user.get("/console/complaints/").get_data(as_text=True)
    assert user.get(f"/console/complaints/{case_id}").status_code == 404
    assert user.post(f"/console/complaints/{case_id}/accept").status_code == 404
    with app.app_context():
        assert db.session.get(Case, case_id).status == "submitted"


def test_viewer_reads_masked_and_cannot_act(app, client, departments, staff_factory, logged_in):
    """A viewer sees the case with name and phone masked and is refused any action (403)."""
    case_id, _ = _case(app)
    viewer = staff_factory(role="viewer")
    user = logged_in(client, viewer)
    page = user.get(f"/console/complaints/{case_id}").get_data(as_text=True)
    assert "138****5678" in page and "13812345678" not in page and "张三" not in page
    assert user.post(f"/console/complaints/{case_id}/accept").status_code == 403


def test_reporter_identity_only_for_admins(app, client, departments, staff_factory, logged_in):
    """A 举报人's name and phone are hidden from the department handling it and shown to an admin."""
    from models.complaint import Kind
    case_id, _ = _case(app, kind=Kind.REPORT)
    clerk = logged_in(client, staff_factory(role="staff", department="城关市场监督管理所"))
    page = clerk.get(f"/console/complaints/{case_id}").get_data(as_text=True)
    assert "13812345678" not in page and "仅管理员可见" in page
    admin = logged_in(app.test_client(), staff_factory(role="admin"))
    assert "13812345678" in admin.get(f"/console/complaints/{case_id}").get_data(as_text=True)


def test_api_lists_and_acts_with_the_same_rules(app, client, departments, staff_factory, api_token, sim):
    """The API: 401 without a token, queues limited to the department, actions 403 for viewers, 404 elsewhere."""
    case_id, number = _case(app)
    assert client.get("/api/complaints/").status_code == 401
    clerk = {"Authorization": f"Bearer {api_token(staff_factory(role='staff', department='城关市场监督管理所'))}"}
    other = {"Authorization": f"Bearer {api_token(staff_factory(role='staff', department='新华市场监督管理所'))}"}
    viewer = {"Authorization": f"Bearer {api_token(staff_factory(role='viewer'))}"}
    assert [c["number"] for c in client.get("/api/complaints/", headers=clerk).get_json()["items"]] == [number]
    assert client.get("/api/complaints/", headers=other).get_json()["total"] == 0
    assert client.get(f"/api/complaints/{case_id}", headers=other).status_code == 404
    masked = client.get(f"/api/complaints/{case_id}", headers=viewer).get_json()
    assert masked["consumer"]["phone"] == "138****5678"
    assert client.post(f"/api/complaints/{case_id}/actions/accept", json={}, headers=viewer).status_code == 403
    assert client.post(f"/api/complaints/{case_id}/actions/accept", json={}, headers=other).status_code == 404
    done = client.post(f"/api/complaints/{case_id}/actions/accept", json={}, headers=clerk)
    assert done.status_code == 200 and done.get_json()["status"] == "accepted"
    again = client.post(f"/api/complaints/{case_id}/actions/accept", json={}, headers=clerk)
    assert again.status_code == 409 and "不能改为" in again.get_json()["error"]["message"]
    reason = client.post(f"/api/complaints/{case_id}/actions/close", json={"outcome": "终止"}, headers=clerk)
    assert reason.status_code == 422 and reason.get_json()["error"]["field"] == "reason"


def test_clock_edit_is_for_admins(app, client, departments, staff_factory, api_token):
    """Admins edit a statutory clock through the API; staff are refused."""
    admin = {"Authorization": f"Bearer {api_token(staff_factory(role='admin'))}"}
    clerk = {"Authorization": f"Bearer {api_token(staff_factory(role='staff', department='便民服务中心'))}"}
    body = {"days": 7, "unit": "working", "basis": "《消费者权益保护法》第46条"}
    assert client.put("/api/complaints/clocks/complaint_acceptance", json=body, headers=clerk).status_code == 403
    res = client.put("/api/complaints/clocks/complaint_acceptance", json=body, headers=admin)
    assert res.status_code == 200 and res.get_json()["basis"] == "《消费者权益保护法》第46条"
    names = {c["name"] for c in client.get("/api/complaints/clocks", headers=clerk).get_json()}
    assert {"complaint_acceptance", "complaint_mediation", "report_verification"} <= names


def test_export_masks_personal_data(app, client, departments, staff_factory, logged_in):
    """The Excel export has the statistics sheet and one masked row per case, for 活动情况上报."""
    _, number = _case(app)
    user = logged_in(client, staff_factory(role="admin"))
    res = user.get("/console/complaints/export.xlsx")
    assert res.status_code == 200
    book = load_workbook(BytesIO(res.data))
    assert book.sheetnames == ["统计", "案件清单"]
    rows = list(book["案件清单"].values)
    assert rows[1][0] == number and rows[1][10] == "张*" and rows[1][11] == "138****5678"
    flat = [str(v) for row in book["统计"].values for v in row if v is not None]
    assert "案件总数" in flat and "按期率(%)" in flat and "城关市场监督管理所" in flat


def test_no_case_action_can_be_made_to_500(app, client, departments, staff_factory, logged_in):
    """Every case action, given odd ids and odd values, answers below 500 and leaves the case as it was."""
    from console.complaints import DONE
    case_id, _ = _case(app)
    admin = logged_in(client, staff_factory(role="admin"))
    odd = [{}, {"department_id": "99999999999999999999", "assignee_id": "99999999999999999999", "reason": "\x00",
                "outcome": "赢了", "text": "x" * 5000, "number_12315": "☎" * 50, "sector": "火星", "days": "-1"}]
    for ident in (str(case_id), "99999999999999999999"):
        for action in [*DONE, "nonsense"]:
            for data in odd:
                res = admin.post(f"/console/complaints/{ident}/{action}", data=data)
                assert res.status_code < 500, (ident, action, data, res.status_code)
    for data in odd + [{"name": "complaint_acceptance", "days": "99999999999999999999", "unit": "x"}]:
        assert admin.post("/console/complaints/clocks", data=data).status_code < 500
    assert admin.get("/console/complaints/export.xlsx?start=2026-13-01").status_code == 400
    assert admin.get("/console/complaints/?department_id=99999999999999999999&page=99999999999999").status_code < 500


def test_clocks_page_warns_about_unknown_years(app, client, staff_factory, logged_in):
    """The 法定期限 page lists the three clocks with their basis and warns that next year's holidays are unknown."""
    from datetime import date

    from services import deadlines
    from services.clock import china_today
    user = logged_in(client, staff_factory(role="viewer"))
    page = user.get("/console/complaints/clocks").get_data(as_text=True)
    assert "投诉受理决定" in page and "第46条" in page and "第18条" in page
    with app.app_context():
        unknown = deadlines.unknown_years(china_today(utcnow()))
        assert all(f"{y}年的放假安排尚未录入" in page for y in unknown)
        assert not deadlines.calendar_known(date(2031, 1, 1))


def test_export_statistics_count_on_time_and_satisfaction(app, wechat, sim):
    """On-time rate counts decisions made after the due date as late; satisfaction counts 3 and above."""
    from services import case_actions, complaint_export
    from tests.support.complaints import china, make_office

    wechat.say("你好")
    with app.app_context():
        office = make_office(china(2026, 11, 1, 9, 0))
        sender = app.extensions["outbound"].sender
        on_time = file_case(now=china(2026, 11, 2, 9, 0))
        late = file_case(now=china(2026, 11, 2, 10, 0))
        case_actions.accept_and_notify(case_id=on_time.id, by=office.chengguan, now=china(2026, 11, 4, 9, 0), sender=sender)
        case_actions.accept_and_notify(case_id=late.id, by=office.chengguan, now=china(2026, 11, 20, 9, 0), sender=sender)
        for case in (on_time, late):
            case_actions.close_and_notify(case_id=case.id, outcome="调解成功", reason="", by=office.chengguan,
                                          now=china(2026, 11, 21, 9, 0), sender=sender)
        from services import complaints
        complaints.rate(openid="o_consumer_1", number=on_time.number, score=5, comment="", now=utcnow())
        complaints.rate(openid="o_consumer_1", number=late.number, score=2, comment="太慢", now=utcnow())
        db.session.commit()
        stats = complaint_export.statistics(complaint_export.cases_in(viewer=office.admin, start=china(2026, 11, 1,
                                                                      12, 0).date(), end=china(2026, 11, 30, 12, 0).date()))
        assert stats["total"] == 2 and stats["by_kind"]["投诉"] == 2
        assert stats["on_time_rate"] == 50.0 and stats["satisfaction_rate"] == 50.0
        assert stats["by_department"]["城关市场监督管理所"]["late"] == 1
