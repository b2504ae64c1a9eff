"""Follow, contact details and 转人工 as a consumer meets them."""
from datetime import datetime

import pytest

from extensions import db
from services import bureau
from services.clock import from_china
from sim.client import SimUser
from tests.support.wechat import APP_ID, TOKEN, FakeClock, transport_for


@pytest.fixture
def user_at(make_app):
    clock = FakeClock()
    app = make_app(CLOCK=clock)
    user = SimUser(transport_for(app), token=TOKEN, app_id=APP_ID, openid="o_menu")

    def at(when: str) -> SimUser:
        clock.now = from_china(datetime.fromisoformat(when))
        return user
    at.app = app
    return at


def test_welcome_explains_what_the_account_does(wechat):
    """The welcome names the account's services and how to reach them."""
    text = wechat.follow().text
    for word in ("投诉", "举报", "查询", "投票", "警示", "菜单"):
        assert word in text


def test_contact_uses_the_bureau_settings(user_at):
    """CONTACT shows the address, phone and office hours staff saved in the console settings, and how to reach a
    person here (人工; the card had not said so)."""
    with user_at.app.app_context():
        bureau.update_profile(now=datetime(2026, 11, 1), name="示范县市场监督管理局", phone="0471-1234567",
                              address="示范县人民路1号")
        db.session.commit()
    text = user_at("2026-11-27 10:00").click("CONTACT").text
    assert "示范县市场监督管理局" in text and "0471-1234567" in text and "人民路1号" in text and "“人工”" in text


def _use_wechat_kf(app) -> None:
    from services import inbox
    with app.app_context():
        inbox.update_settings(by="test", now=datetime(2026, 11, 1), sla_minutes=30, handback_minutes=15,
                              wechat_kf=True)
        db.session.commit()


def test_transfer_to_human_in_office_hours(user_at):
    """With WeChat's own 客服 chosen in the settings, 人工 on a working day at 10:00 hands the conversation there."""
    _use_wechat_kf(user_at.app)
    answer = user_at("2026-11-27 10:00").say("人工")      # a Friday
    assert answer.type == "transfer_customer_service"


def test_human_in_office_hours_goes_to_the_inbox_by_default(user_at):
    """Without a roster, office hours are duty hours: 人工 at 10:00 on a Friday says someone is on duty."""
    answer = user_at("2026-11-27 10:00").say("人工")
    assert answer.type == "text" and "现在有工作人员值班" in answer.text


def test_transfer_outside_office_hours_says_when(user_at):
    """人工 on a Sunday says when staff are next available and offers to leave a message."""
    answer = user_at("2026-11-29 10:00").say("转人工")    # a Sunday
    assert answer.type == "text" and "11月30日 08:30" in answer.text and "留言" in answer.text


def test_transfer_on_a_holiday_make_up_saturday_counts_as_working_day(user_at):
    """A 调休 Saturday is a working day: 人工 at 10:00 on 2026-10-10 reaches staff."""
    import chinese_calendar
    from datetime import date
    if not chinese_calendar.is_workday(date(2026, 10, 10)):
        pytest.skip("chinese-calendar does not list 2026-10-10 as a make-up working day")
    _use_wechat_kf(user_at.app)
    assert user_at("2026-10-10 10:00").say("人工").type == "transfer_customer_service"


def test_scan_with_scene_greets_existing_follower(wechat):
    """An existing follower who scans a parametric QR code is welcomed back, never shown the code's raw key."""
    wechat.follow()
    answer = wechat.push({"MsgType": "event", "Event": "SCAN", "EventKey": "market-315", "Ticket": "T"})
    assert answer.text.startswith("欢迎回来！") and "market-315" not in answer.text
