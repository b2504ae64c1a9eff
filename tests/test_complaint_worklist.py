"""The complaint work list a clerk lives in (issue 16 §3): search by business, consumer, phone, address and number;
sort by deadline; 责任人 column; bulk assign; a transfer that lands on the queue and warns about an unstaffed
department; 办理记录 naming who acted; the printable 投诉处理单."""
from __future__ import annotations

from extensions import db
from models import Case, Staff
from services import case_actions, departments
from services.clock import utcnow
from tests.support.complaints import file_case, make_office


def _office_with_case(app, **kwargs):
    with app.app_context():
        office = make_office(utcnow())
        case = file_case(now=utcnow(), **kwargs)
        db.session.commit()
        return office.chengguan.username, office.viewer.username, case.id, case.number


def _login(client, logged_in, app, username):
    from tests.support.console import StaffLogin
    with app.app_context():
        person = db.session.query(Staff).filter_by(username=username).one()
        return logged_in(client, StaffLogin(person, "correct horse 315"))


def test_search_finds_a_case_by_business_phone_address_and_number(app, client, logged_in):
    """Typing a business name, the consumer's phone, part of the address or the number finds the case."""
    clerk, _, _, number = _office_with_case(app)
    user = _login(client, logged_in, app, clerk)
    for text in ("好又多", "13812345678", "人民路", number[-6:], "张三"):
        assert number in user.get(f"/console/complaints/?q={text}").get_data(as_text=True), text
    assert number not in user.get("/console/complaints/?q=沃尔玛").get_data(as_text=True)


def test_viewer_cannot_find_a_case_by_phone(app, client, logged_in):
    """A viewer (who sees phones masked) searching by a phone number finds nothing; by business name, the case."""
    _, viewer, _, number = _office_with_case(app)
    user = _login(client, logged_in, app, viewer)
    assert number not in user.get("/console/complaints/?q=13812345678").get_data(as_text=True)
    assert number in user.get("/console/complaints/?q=好又多").get_data(as_text=True)


def test_work_list_shows_the_assignee_and_sorts_by_deadline(app, client, logged_in):
    """The list has a 责任人 column with the person's name, and sort=due orders by deadline."""
    clerk, _, case_id, number = _office_with_case(app)
    with app.app_context():
        person = db.session.query(Staff).filter_by(username=clerk).one()
        case_actions.assign(case_id=case_id, department_id=person.department_id, assignee_id=person.id, by=person,
                            now=utcnow())
        db.session.commit()
    user = _login(client, logged_in, app, clerk)
    page = user.get("/console/complaints/?sort=due").get_data(as_text=True)
    assert "<th>责任人</th>" in page and clerk in page and number in page


def test_transfer_lands_on_the_queue_and_warns_about_an_unstaffed_department(app, client, logged_in):
    """Transferring a case to a department with no staff redirects to the list (not 页面不存在) and says no one is
    there to receive it."""
    clerk, _, case_id, _ = _office_with_case(app)
    with app.app_context():
        empty = departments.by_name("价格监督检查股").id
    user = _login(client, logged_in, app, clerk)
    res = user.post(f"/console/complaints/{case_id}/assign", data={"department_id": str(empty)},
                    follow_redirects=True)
    page = res.get_data(as_text=True)
    assert res.status_code == 200 and "页面不存在" not in page and "找不到" not in page
    assert "已交办给「价格监督检查股」" in page and "没有在岗工作人员" in page
    with app.app_context():
        assert db.session.get(Case, case_id).department_id == empty


def _clerk_with_two_cases(app, client, logged_in):
    """A clerk logged in, with their department and two filed cases: (client, staff row, department id, case ids)."""
    clerk, _, first, _ = _office_with_case(app)
    with app.app_context():
        second = file_case(now=utcnow(), openid="o_consumer_2").id
        db.session.commit()
        person = db.session.query(Staff).filter_by(username=clerk).one()
        dept = person.department_id
    return _login(client, logged_in, app, clerk), person, dept, first, second


def test_bulk_assign_moves_every_ticked_case(app, client, logged_in):
    """Ticking two cases and choosing a department assigns both, each audited."""
    user, person, dept, first, second = _clerk_with_two_cases(app, client, logged_in)
    res = user.post("/console/complaints/bulk-assign", data={"case_ids": [str(first), str(second)],
                                                             "department_id": str(dept),
                                                             "assignee_id": str(person.id)}, follow_redirects=True)
    assert "已交办 2 件" in res.get_data(as_text=True)
    with app.app_context():
        assert {db.session.get(Case, i).assignee_id for i in (first, second)} == {person.id}


def test_bulk_assign_keeps_the_cases_assigned_before_a_refused_one(app, client, logged_in):
    """A case the clerk may not assign (here one that does not exist) is counted as refused; the cases before and
    after it stay assigned (each case is its own transaction)."""
    user, person, dept, first, second = _clerk_with_two_cases(app, client, logged_in)
    res = user.post("/console/complaints/bulk-assign", data={"case_ids": [str(first), "999999", str(second)],
                                                             "department_id": str(dept),
                                                             "assignee_id": str(person.id)}, follow_redirects=True)
    assert "已交办 2 件" in res.get_data(as_text=True)
    with app.app_context():
        assert {db.session.get(Case, i).assignee_id for i in (first, second)} == {person.id}


def test_history_names_who_acted_and_print_view_is_a_handling_sheet(app, client, logged_in):
    """After a clerk's note the case history names the clerk, and the print view is a 投诉处理单 with that step."""
    clerk, _, case_id, number = _office_with_case(app)
    user = _login(client, logged_in, app, clerk)
    assert user.post(f"/console/complaints/{case_id}/note", data={"text": "已电话联系商家"}).status_code == 302
    page = user.get(f"/console/complaints/{case_id}").get_data(as_text=True)
    assert "已电话联系商家" in page and f'<span class="who">{clerk}</span>' in page
    sheet = user.get(f"/console/complaints/{case_id}/print").get_data(as_text=True)
    assert "投诉处理单" in sheet and number in sheet and "已电话联系商家" in sheet and clerk in sheet
    assert 'class="nav' not in sheet


def test_api_transfer_answers_the_result_not_404(app, client, api_token):
    """Through /api a clerk's transfer to another department answers 200 with the new department, masked personal
    fields and both notices (moved out of the queue, no staff there); a later read is then 404."""
    with app.app_context():
        office = make_office(utcnow())
        case = file_case(now=utcnow())
        db.session.commit()
        case_id, empty = case.id, departments.by_name("价格监督检查股").id
        clerk = db.session.get(Staff, office.chengguan.id)
    headers = {"Authorization": f"Bearer {api_token(clerk)}"}
    res = client.post(f"/api/complaints/{case_id}/actions/assign", headers=headers, json={"department_id": empty})
    assert res.status_code == 200, res.json
    assert res.json["department_id"] == empty and res.json["consumer"]["phone"] != "13812345678"
    assert any("已交办给「价格监督检查股」" in n for n in res.json["notices"])
    assert any("没有在岗工作人员" in n for n in res.json["notices"])
    assert client.get(f"/api/complaints/{case_id}", headers=headers).status_code == 404


def test_dashboard_cards_lead_to_my_cases_due_soon_and_reviews(app, client, logged_in):
    """The dashboard shows 我的案件, 即将到期 and 待复核 as cards linking to the filtered list; 我的案件 counts the
    clerk's open case and its link lists it."""
    clerk, _, case_id, number = _office_with_case(app)
    with app.app_context():
        person = db.session.query(Staff).filter_by(username=clerk).one()
        case_actions.assign(case_id=case_id, department_id=person.department_id, assignee_id=person.id, by=person,
                            now=utcnow())
        db.session.commit()
    user = _login(client, logged_in, app, clerk)
    page = user.get("/console/").get_data(as_text=True)
    for title, link in (("我的案件", "assignee=me&amp;open=1"), ("即将到期", "due=soon"), ("待复核", "review=1")):
        assert f'{link}">{title}</a>' in page, title
    mine = page.split('open=1">我的案件</a></h2>')[1].split("</section>")[0]
    assert '<p class="count">1</p>' in mine
    assert number in user.get("/console/complaints/?assignee=me&open=1").get_data(as_text=True)


def test_unknown_case_action_is_404_on_page_and_api(app, client, logged_in, api_token):
    """An action name outside the table answers 404 naming it (page and /api alike), never 500."""
    clerk, _, case_id, _ = _office_with_case(app)
    user = _login(client, logged_in, app, clerk)
    assert user.post(f"/console/complaints/{case_id}/explode").status_code == 404
    with app.app_context():
        person = db.session.query(Staff).filter_by(username=clerk).one()
    res = client.post(f"/api/complaints/{case_id}/actions/explode", json={},
                      headers={"Authorization": f"Bearer {api_token(person)}"})
    assert res.status_code == 404 and "未知的操作" in res.get_json()["error"]["message"]
