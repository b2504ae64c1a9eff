"""A notice no WeChat channel can carry is shown once, at the follower's next message, before the answer."""
from datetime import timedelta

from extensions import db
from models import DeliveryAttempt
from services import notify
from services.clock import utcnow


def test_notice_outside_window_is_shown_at_next_message_once(app, wechat, sim):
    """Outside the 48-hour window with no template, the notice waits and leads the next reply, once."""
    wechat.follow()
    with app.app_context():
        later = utcnow() + timedelta(hours=49)
        channel = notify.reach(openid=wechat.openid, text="您的投诉已受理。", source="test:1", now=later,
                               sender=app.extensions["outbound"].sender)
        db.session.commit()
        assert channel == "deferred"
        assert [a.channel for a in db.session.query(DeliveryAttempt)] == ["deferred"]
    first = wechat.say("帮助")
    assert first.text.startswith("您的投诉已受理。")
    assert "投诉" in " ".join(m["body"].get("content", "") for m in sim.inbox(wechat.openid))  # the answer followed
    assert "已受理" not in wechat.say("帮助").text


def test_notice_inside_window_goes_by_customer_service(app, wechat, sim):
    """Inside the window the notice goes out at once as a customer-service message and is not repeated."""
    wechat.say("帮助")
    with app.app_context():
        channel = notify.reach(openid=wechat.openid, text="抽检结果：牛奶合格。", source="test:2", now=utcnow(),
                               sender=app.extensions["outbound"].sender)
        db.session.commit()
    assert channel == "custom"
    assert [m["body"]["content"] for m in sim.inbox(wechat.openid)] == ["抽检结果：牛奶合格。"]
    assert "抽检结果" not in wechat.say("帮助").text
