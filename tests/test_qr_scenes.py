"""QR scenes: a scanned code's key is shown by the Chinese label staff gave it in the console, never raw; a scene
may start a form with the business filled in, or the poll."""
from __future__ import annotations

import pytest
from sqlalchemy import select

import handlers
from extensions import db
from models import AuditEvent, Case, QrScene
from models.scene import SceneAction
from services import Invalid, scenes
from services.clock import utcnow
from tests.support.polls import make_poll


def _scene(app, key="market_qr", label="城关农贸市场", action="greet", **fields) -> None:
    with app.app_context():
        scenes.create(key=key, label=label, action=action, actor="test", now=utcnow(), **fields)
        db.session.commit()


def _scan(user, key="market_qr"):
    return user.push({"MsgType": "event", "Event": "SCAN", "EventKey": key, "Ticket": "T"})


def test_unknown_scene_key_is_never_shown(wechat):
    """A scan of a code no one named greets the follower without showing its key."""
    wechat.follow()
    answer = _scan(wechat).text
    assert answer.startswith("欢迎回来！") and "market_qr" not in answer


def test_named_scene_shows_its_label(wechat, app):
    """A follower scanning a named code reads its Chinese label, not its key."""
    _scene(app)
    wechat.follow()
    answer = _scan(wechat).text
    assert "您扫描的是「城关农贸市场」的二维码" in answer and "market_qr" not in answer


def test_switched_off_scene_greets_without_label(wechat, app):
    """A scene staff switched off is treated like an unknown key: a plain greeting."""
    _scene(app, active=False)
    answer = wechat.follow("market_qr").text
    assert "欢迎关注" in answer and "城关农贸市场" not in answer and "market_qr" not in answer


def test_market_code_starts_a_complaint_with_the_business_filled_in(wechat, app):
    """Following through a market's complaint code starts the complaint; after 同意 the business is not asked and
    the filed case carries it."""
    _scene(app, label="城关农贸市场投诉码", action="complaint", business_name="城关农贸市场",
           business_address="城关镇人民路1号")
    first = wechat.follow("market_qr").text
    assert "欢迎关注" in first and "「城关农贸市场投诉码」" in first and "投诉登记 · 个人信息告知" in first
    asked = wechat.say("同意").text
    assert asked.startswith("已为您填好：商家名称“城关农贸市场”，商家地址“城关镇人民路1号”")
    assert "第3步：" in asked
    wechat.say("买的猪肉注水")
    for text in ["完成", "80", "5", "跳过", "张三"]:
        wechat.say(text)
    summary = wechat.say("13812345678").text
    assert "商家名称：城关农贸市场" in summary and "商家地址：城关镇人民路1号" in summary
    wechat.say("确认")
    with app.app_context():
        case = db.session.scalar(select(Case))
        assert (case.business_name, case.business_address) == ("城关农贸市场", "城关镇人民路1号")


def test_prefilled_business_can_be_edited_at_the_summary(wechat, app):
    """修改 at the summary lists the prefilled business too, and the consumer's answer replaces it."""
    _scene(app, action="complaint", business_name="城关农贸市场")
    wechat.follow("market_qr")
    assert "第2步：" in wechat.say("同意").text                    # only the name was filled in
    for text in ["城关镇人民路1号", "注水肉", "完成", "80", "5", "跳过", "张三", "13812345678", "修改"]:
        wechat.say(text)
    assert wechat.say("1").text.startswith("第1步：")
    assert "商家名称：王记肉铺" in wechat.say("王记肉铺").text


def test_scan_mid_form_parks_the_draft(wechat, app):
    """Scanning a form-starting code in the middle of a report parks the report (one line says so)."""
    _scene(app, action="complaint", business_name="城关农贸市场")
    wechat.follow()
    wechat.say("举报")
    wechat.say("同意")
    answer = _scan(wechat).text
    assert "您的举报已填到第1步（被举报对象），已为您暂存" in answer and "投诉登记 · 个人信息告知" in answer
    wechat.say("取消")
    assert "未提交的举报" in wechat.say("举报").text


def test_poll_code_starts_the_vote(wechat, app):
    """A poll scene goes straight into 你点我检."""
    make_poll(app)
    _scene(app, key="poll315", label="3·15 现场", action="poll")
    wechat.follow()
    answer = _scan(wechat, "poll315").text
    assert "「3·15 现场」" in answer and "第1题" in answer


def test_every_scene_action_names_a_flow():
    """Each action other than a plain greeting is the name of a conversation flow the router knows."""
    flows = {e.name for f in handlers.FEATURES for e in f.ENTRIES if hasattr(e, "steps")}
    assert {str(a) for a in SceneAction if a is not SceneAction.GREET} <= flows


@pytest.mark.parametrize(("key", "fields", "field"), [
    ("市场", {}, "key"),
    ("ok_key", {"label": ""}, "label"),
    ("ok_key", {"action": "greet", "business_name": "某店"}, "business_name"),
    ("ok_key", {"action": "launch"}, "action"),
])
def test_bad_scene_is_refused_with_the_field(app, key, fields, field):
    """A key with odd characters, no label, a business on a greeting, or an unknown action is refused by field."""
    with app.app_context():
        with pytest.raises(Invalid) as err:
            scenes.create(key=key, **{"label": "某市场", "action": "complaint", **fields}, actor="t", now=utcnow())
        assert err.value.field == field


def test_admin_names_a_scene_in_the_console(app, client, staff_factory, logged_in, wechat):
    """An admin adds a scene on the console page; it is audited, listed, and the chat shows its label."""
    admin = logged_in(client, staff_factory(role="admin"))
    res = admin.post("/console/scenes/new", data={"key": "market_qr", "label": "城关农贸市场", "action": "greet",
                                                   "active": "y"})
    assert res.status_code == 302
    assert "城关农贸市场" in admin.get("/console/scenes/").get_data(as_text=True)
    with app.app_context():
        scene = db.session.scalar(select(QrScene))
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "scene.create")) is not None
    res = admin.post(f"/console/scenes/{scene.id}", data={"label": "城关市场", "action": "greet", "active": "y"})
    assert res.status_code == 302
    wechat.follow()
    assert "「城关市场」" in _scan(wechat).text


def test_console_refuses_a_bad_key_and_saves_nothing(app, client, staff_factory, logged_in):
    """A key with Chinese characters is reported under the key field (400); no scene is saved."""
    admin = logged_in(client, staff_factory(role="admin"))
    res = admin.post("/console/scenes/new", data={"key": "城关市场", "label": "城关农贸市场", "action": "greet"})
    assert res.status_code == 400 and 'id="key-error">场景代码只能用' in res.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(QrScene)) is None


def test_staff_may_look_but_not_edit_scenes(client, staff_factory, logged_in):
    """A staff-role account sees the list but gets 403 on the new-scene form."""
    user = logged_in(client, staff_factory(role="staff"))
    assert user.get("/console/scenes/").status_code == 200
    assert user.post("/console/scenes/new", data={"key": "k", "label": "x", "action": "greet"}).status_code == 403


def test_resent_scan_starts_the_form_once(wechat, app):
    """A scan that starts a form, delivered twice by WeChat, answers both alike and starts one intake."""
    _scene(app, action="complaint", business_name="城关农贸市场")
    wechat.follow()
    body, params = wechat.build({"MsgType": "event", "Event": "SCAN", "EventKey": "market_qr", "Ticket": "T"})
    first, second = wechat.post(body, params), wechat.post(body, params)
    assert "个人信息告知" in first.text and first.text == second.text
    assert "第2步：" in wechat.say("同意").text


def test_admin_makes_the_scenes_permanent_code(app, client, staff_factory, logged_in, sim, wechat):
    """生成永久二维码 gets a permanent code from WeChat that carries the scene's key; the page links its image."""
    import requests

    _scene(app, label="城关农贸市场")
    admin = logged_in(client, staff_factory(role="admin"))
    with app.app_context():
        scene_id = db.session.scalar(select(QrScene.id))
    assert admin.post(f"/console/scenes/{scene_id}/qrcode").status_code == 302
    with app.app_context():
        ticket = db.session.scalar(select(QrScene.ticket))
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "scene.qrcode")) is not None
    assert "showqrcode?ticket=" in admin.get(f"/console/scenes/{scene_id}").get_data(as_text=True)
    scanned = requests.get(f"{sim.url}/sim/qrcode/{ticket}", timeout=5).json()
    assert scanned["scene"] == "market_qr"
    wechat.follow()
    assert "「城关农贸市场」" in _scan(wechat, scanned["scene"]).text


def test_wechat_refusing_the_code_is_told_and_nothing_kept(app, client, staff_factory, logged_in, sim):
    """When qrcode/create fails, the page says so in Chinese (409) and the scene keeps no ticket."""
    _scene(app)
    sim.configure(fail={"qrcode/create": [45009]})
    admin = logged_in(client, staff_factory(role="admin"))
    with app.app_context():
        scene_id = db.session.scalar(select(QrScene.id))
    res = admin.post(f"/console/scenes/{scene_id}/qrcode")
    assert res.status_code == 409 and "生成二维码失败" in res.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(QrScene.ticket)) is None


def test_staff_binding_keys_cannot_be_named(app):
    """A key in the staff-binding namespace (bind_…) is refused, so a consumer scene never shadows a binding."""
    with app.app_context():
        with pytest.raises(Invalid) as err:
            scenes.create(key="bind_abc", label="某市场", action="greet", actor="t", now=utcnow())
        assert err.value.field == "key"


def test_survey_code_starts_the_survey(wechat, app):
    """A survey scene goes on into 消费调查 (here: none is open, and the survey says so under the label)."""
    _scene(app, key="survey315", label="3·15 调查点", action="survey")
    wechat.follow()
    answer = _scan(wechat, "survey315").text
    assert "「3·15 调查点」" in answer and "目前没有正在进行的消费调查" in answer


def test_scan_with_the_database_down_still_greets(make_app, sim):
    """With PostgreSQL unreachable, a scan is queued and greeted plainly (no apology, no key)."""
    from sim.client import SimUser
    from tests.support.wechat import APP_ID, TOKEN, transport_for

    app = make_app(DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:1/unreachable")
    user = SimUser(transport_for(app), token=TOKEN, app_id=APP_ID, openid="o_db_down")
    answer = _scan(user).text
    assert answer.startswith("欢迎回来！") and "market_qr" not in answer


def test_starting_over_keeps_the_business_the_code_filled_in(wechat, app):
    """"重新填" in a complaint started from a market's code clears what the consumer typed but keeps the business the
    code filled in (and the consent given): the form goes on at the story, and the summary shows the market."""
    _scene(app, action="complaint", business_name="城关农贸市场", business_address="城关镇人民路1号")
    wechat.follow("market_qr")
    wechat.say("同意")
    wechat.say("买的猪肉注水")
    asked = wechat.say("重新填").text
    assert "从头开始" in asked and "城关农贸市场" in asked and "第3步：" in asked
    for text in ["买的牛肉注水", "完成", "80", "5", "跳过", "张三"]:
        wechat.say(text)
    summary = wechat.say("13812345678").text
    assert "商家名称：城关农贸市场" in summary and "猪肉" not in summary
