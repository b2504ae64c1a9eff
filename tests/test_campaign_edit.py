"""Editing a campaign in the console: an admin corrects its name, dates and departments (audited with what changed,
the report follows the new dates); a refused edit says why and changes nothing; only admins may edit."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from extensions import db
from models import AuditEvent
from models.campaign import Campaign


def _campaign(admin, departments, name: str = "2027年3·15") -> int:
    made = admin.post("/console/campaigns/", data={"name": name, "starts_on": "2027-03-10", "ends_on": "2027-03-20",
                                                   "department_ids": [departments["城关市场监督管理所"]]})
    assert made.status_code == 302
    return int(made.headers["Location"].rstrip("/").rsplit("/", 1)[1])


def _edits(app, campaign_id: int) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "campaign.update",
                                                                AuditEvent.object_id == str(campaign_id))))


def test_an_admin_corrects_name_dates_and_departments(app, client, staff_factory, logged_in, departments):
    """The edit saves all three, the audit record holds only what changed (before and after), the report shows it."""
    admin = logged_in(client, staff_factory(role="admin"))
    campaign_id = _campaign(admin, departments)
    page = admin.get(f"/console/campaigns/{campaign_id}").get_data(as_text=True)
    assert 'id="edit-form"' in page and 'value="2027-03-10"' in page
    other = departments["食品安全股"] if "食品安全股" in departments else sorted(departments.values())[-1]
    done = admin.post(f"/console/campaigns/{campaign_id}/edit", data={
        "name": "2027年3·15 消费维权月", "starts_on": "2027-03-01", "ends_on": "2027-03-31",
        "department_ids": [departments["城关市场监督管理所"], other]})
    assert done.status_code == 302
    report = admin.get(done.headers["Location"]).get_data(as_text=True)
    assert "已修改活动信息" in report and "2027年3·15 消费维权月 活动情况" in report
    assert "活动时间：2027-03-01 至 2027-03-31" in report
    with app.app_context():
        campaign = db.session.get(Campaign, campaign_id)
        assert (campaign.name, campaign.starts_on, campaign.ends_on) == ("2027年3·15 消费维权月", date(2027, 3, 1),
                                                                         date(2027, 3, 31))
        assert campaign.department_ids == sorted([departments["城关市场监督管理所"], other])
    [event] = _edits(app, campaign_id)
    assert event.before == {"name": "2027年3·15", "starts_on": "2027-03-10", "ends_on": "2027-03-20",
                            "departments": [departments["城关市场监督管理所"]]}
    assert event.after["name"] == "2027年3·15 消费维权月" and event.after["ends_on"] == "2027-03-31"
    again = admin.post(f"/console/campaigns/{campaign_id}/edit", data={
        "name": "2027年3·15 消费维权月", "starts_on": "2027-03-01", "ends_on": "2027-03-31",
        "department_ids": [departments["城关市场监督管理所"], other]})
    assert again.status_code == 302 and len(_edits(app, campaign_id)) == 1        # nothing changed: no record


def test_an_end_before_the_start_is_refused_and_changes_nothing(app, client, staff_factory, logged_in, departments):
    """End before start → 422 with 「结束日期不能早于开始日期」, the form open with the typed dates, nothing saved or audited;
    a name another campaign has → 409; a malformed date → 422."""
    admin = logged_in(client, staff_factory(role="admin"))
    campaign_id = _campaign(admin, departments)
    _campaign(admin, departments, name="2027年食品安全宣传周")
    bad = admin.post(f"/console/campaigns/{campaign_id}/edit", data={
        "name": "改过的名字", "starts_on": "2027-03-20", "ends_on": "2027-03-01"})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "结束日期不能早于开始日期" in html
    assert 'id="edit-campaign" open' in html and 'value="改过的名字"' in html
    taken = admin.post(f"/console/campaigns/{campaign_id}/edit", data={
        "name": "2027年食品安全宣传周", "starts_on": "2027-03-10", "ends_on": "2027-03-20"})
    assert taken.status_code == 409 and "已有同名活动" in taken.get_data(as_text=True)
    garbled = admin.post(f"/console/campaigns/{campaign_id}/edit", data={
        "name": "x", "starts_on": "三月一日", "ends_on": "2027-03-20"})
    assert garbled.status_code == 422 and "日期格式应为" in garbled.get_data(as_text=True)
    with app.app_context():
        campaign = db.session.get(Campaign, campaign_id)
        assert (campaign.name, campaign.starts_on, campaign.ends_on) == ("2027年3·15", date(2027, 3, 10),
                                                                         date(2027, 3, 20))
    assert _edits(app, campaign_id) == []


def test_only_admins_edit_a_campaign(app, client, staff_factory, logged_in, departments):
    """A clerk and a viewer get 403 and see no edit form; the campaign stays as it was."""
    admin = logged_in(client, staff_factory(role="admin"))
    campaign_id = _campaign(admin, departments)
    for role in ("staff", "viewer"):
        user = logged_in(app.test_client(), staff_factory(role=role, username=f"edit_{role}"))
        assert 'id="edit-form"' not in user.get(f"/console/campaigns/{campaign_id}").get_data(as_text=True)
        refused = user.post(f"/console/campaigns/{campaign_id}/edit", data={
            "name": "x", "starts_on": "2027-01-01", "ends_on": "2027-01-02"})
        assert refused.status_code == 403
    assert _edits(app, campaign_id) == []
