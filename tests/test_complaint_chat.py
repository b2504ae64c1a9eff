"""投诉 and 举报 intake through the webhook, as WeChat delivers it: the whole flow, 修改, 取消, validation re-asks,
photos via the media API, and the case number told only after the case is committed."""
from __future__ import annotations

import re
from datetime import date

import pytest

from bot import form
from extensions import db
from models import Case, EvidencePhoto
from models.complaint import Kind, Status
from services import departments

NUMBER = re.compile(r"(TS|JB)\d{8}-\d{4}")


def _file_up_to_summary(user, *, phone="13812345678"):
    assert "同意" in user.click("COMPLAINT").text
    assert "商家的名称" in user.say("同意").text
    assert "地址" in user.say("好又多超市").text
    assert "事情经过" in user.say("城关镇人民路88号").text
    assert "说完了请回复“完成”" in user.say("11月20日买的牛奶已过期，喝了肚子疼").text
    assert "多少钱" in user.say("完成").text
    assert "怎么解决" in user.say("58.5").text
    assert "照片" in user.say("5").text
    assert "第 1 张" in user.image(b"\xff\xd8\xff\xe0 receipt").text
    assert "姓名" in user.say("完成").text
    assert "电话" in user.say("张三").text
    return user.say(phone)


def _at_the_amount(user, *, shop="东街超市", address="城关镇东街8号") -> None:
    """A complaint opened by the menu, consented to and told up to its amount question (the story: 牛奶过期了)."""
    assert "同意" in user.click("COMPLAINT").text
    for answer in ("同意", shop, address, "牛奶过期了", "完成"):
        user.say(answer)


def _answer_after_the_story(user, *, amount="58", wish="4") -> str:
    """From the amount question on (no photos): the summary's text."""
    for reply in (amount, wish, "跳过", "张三"):
        user.say(reply)
    return user.say("13812345678").text


def test_full_complaint_flow_files_one_case(wechat, app):
    """A consumer answers every question, confirms, and gets the case number and the acceptance date in words."""
    with app.app_context():
        departments.seed_defaults()
        db.session.commit()
    summary = _file_up_to_summary(wechat)
    assert "好又多超市" in summary.text and "58.50元" in summary.text and "赔偿" in summary.text
    assert "1张" in summary.text and "确认" in summary.text
    answer = wechat.say("确认")
    number = NUMBER.search(answer.text).group(0)
    assert number.startswith("TS")
    assert re.search(r"我们会在\d+月\d+日前告知您是否受理", answer.text)
    with app.app_context():
        case = db.session.query(Case).one()
        assert case.number == number and case.status == Status.SUBMITTED and case.kind == Kind.COMPLAINT
        assert case.name == "张三" and case.phone == "13812345678" and str(case.amount) == "58.50"
        assert departments.get(case.department_id).name == "城关市场监督管理所"
        photo = db.session.query(EvidencePhoto).one()
        assert photo.case_id == case.id and photo.data == b"\xff\xd8\xff\xe0 receipt"


def test_edit_redoes_one_field_and_returns_to_summary(wechat, app):
    """修改 lets the consumer redo one field; the next answer goes straight back to the summary."""
    _file_up_to_summary(wechat)
    listing = wechat.say("修改")
    assert "1. 商家名称" in listing.text and "8. 电话" in listing.text
    assert "电话" in wechat.say("8").text
    back = wechat.say("0471-6543210")
    assert "请核对" in back.text and "0471-6543210" in back.text
    assert "第1步" not in back.text
    wechat.say("修改")
    wechat.say("1")
    again = wechat.say("华联超市")
    assert "华联超市" in again.text and "好又多" not in again.text
    assert NUMBER.search(wechat.say("确认").text)
    with app.app_context():
        case = db.session.query(Case).one()
        assert case.business_name == "华联超市" and case.phone == "0471-6543210"



def test_a_slip_noticed_at_the_next_question_asks_the_last_one_again(wechat, app):
    """"不对 是西街那家" at the address question corrects the shop's name: the name is asked again and the words are
    stored nowhere; "上一步" after the story, then 完成, keeps the story told; "不对" at the summary lists what to change."""
    wechat.click("COMPLAINT")
    wechat.say("同意")
    wechat.say("东街好又多超市")
    back = wechat.say("不对 是西街那家")
    assert "上一步" in back.text and "第1步" in back.text
    assert "地址" in wechat.say("西街好又多超市").text
    wechat.say("城关镇西街12号")
    assert "已记下" in wechat.say("说错了 是前天买的牛奶 已经过期了").text     # inside the story: part of it
    assert "多少钱" in wechat.say("完成").text
    assert "第3步" in wechat.say("上一步").text
    assert "多少钱" in wechat.say("完成").text
    wechat.say("58.5")
    wechat.say("5")
    wechat.say("跳过")
    wechat.say("张三")
    summary = wechat.say("13812345678").text
    assert "西街好又多超市" in summary and "东街" not in summary and "不对" not in summary
    assert "说错了 是前天买的牛奶" in summary
    assert "1. 商家名称" in wechat.say("不对").text
    wechat.say("2")
    assert "城关镇西街18号" in wechat.say("城关镇西街18号").text
    assert NUMBER.search(wechat.say("确认").text)
    with app.app_context():
        case = db.session.query(Case).one()
        assert (case.business_name, case.business_address) == ("西街好又多超市", "城关镇西街18号")
        assert case.story == "说错了 是前天买的牛奶 已经过期了"


def test_a_back_command_is_never_stored_as_an_answer(wechat, app):
    """"上一步" at the first question says there is nothing before it; typed during the story it goes back to the
    address (the story told so far is kept); while redoing one item from the summary it returns to the summary
    unchanged — and the words are stored nowhere."""
    wechat.click("COMPLAINT")
    wechat.say("同意")
    first = wechat.say("上一步").text
    assert "第一步" in first and "第1步" in first
    assert "这是商家名称吗" in wechat.say("不知道叫啥名 就是东街口那家卖手机的").text
    assert "第一步" in wechat.say("返回上一步").text            # the pending guess is dropped, not saved
    wechat.say("东街口手机店")
    wechat.say("城关镇东街口")
    wechat.say("上个月买的手机 充不进电")
    assert "第2步" in wechat.say("上一步").text
    assert "事情经过" in wechat.say("城关镇东街口8号").text
    assert "多少钱" in wechat.say("完成").text
    _answer_after_the_story(wechat, amount="1999", wish="2")
    wechat.say("修改")
    wechat.say("1")
    summary = wechat.say("上一步").text
    assert "请核对" in summary and "东街口手机店" in summary and "上一步" not in summary
    assert NUMBER.search(wechat.say("确认").text)
    with app.app_context():
        case = db.session.query(Case).one()
        assert (case.business_name, case.business_address) == ("东街口手机店", "城关镇东街口8号")
        assert case.story == "上个月买的手机 充不进电"


@pytest.mark.parametrize("word", ["重新填", "重新开始", "从头来"])
def test_starting_over_mid_form_clears_what_was_typed(wechat, app, word):
    """"重新填" in the middle of a form is never stored as an answer: the form starts again at its first question
    (consent already given is kept: the notice had been shown again, with 同意 asked once more), and only what is
    typed after it is filed."""
    wechat.click("COMPLAINT")
    wechat.say("同意")
    wechat.say("东街好又多超市")
    again = wechat.say(word).text
    assert "从头开始" in again and "个人信息告知" not in again and "商家的名称" in again
    wechat.say("好又多超市")
    wechat.say("城关镇人民路88号")
    wechat.say("买的牛奶已过期")
    wechat.say("完成")
    summary = _answer_after_the_story(wechat, amount="58.5", wish="5")
    assert "请核对" in summary and "东街" not in summary and word not in summary
    assert NUMBER.search(wechat.say("确认").text)
    with app.app_context():
        assert db.session.query(Case).one().business_name == "好又多超市"


@pytest.mark.parametrize("message, slip", [("不对", True), ("刚才填错了", True), ("上一步", True), ("说错了 是西街那家", True),
                                           ("不对外公开吧", False), ("不对劲", False), ("对的", False)])
def test_only_a_slip_reads_as_a_correction(message, slip):
    """The correction words are read at the start of a message only, and "不对外公开" or "不对劲" is not one."""
    assert bool(form.CORRECTION.match(message)) is slip

def test_cancel_at_any_step_files_nothing(wechat, app):
    """Replying 取消 ends the intake and files nothing, even at the summary."""
    wechat.say("投诉")
    wechat.say("同意")
    assert "已取消" in wechat.say("取消").text
    _file_up_to_summary(wechat)
    assert "已取消" in wechat.say("取消").text
    with app.app_context():
        assert db.session.query(Case).count() == 0


def test_validation_re_asks_with_the_reason(wechat, app):
    """A bad amount, remedy, name or phone is re-asked with what was wrong, and nothing advances."""
    wechat.say("投诉")
    assert "同意" in wechat.say("知道了").text
    wechat.say("同意")
    assert "不能为空" in wechat.say("   ").text
    wechat.say("某某餐厅")
    wechat.location(40.81, 111.65, "红旗镇 幸福街12号")
    wechat.say("吃饭吃出异物")
    wechat.say("完成")
    assert "金额请填数字" in wechat.say("很多钱").text
    assert "怎么解决" in wechat.say("无").text
    assert "1 到 6" in wechat.say("9").text
    wechat.say("退款")
    assert "完成" in wechat.say("随便").text
    wechat.say("跳过")
    assert "真实姓名" in wechat.say("张3").text
    wechat.say("李四")
    assert "电话号码不对" in wechat.say("12345").text
    assert "电话号码不对" in wechat.say("2381234567").text
    summary = wechat.say("13900001111")
    assert "红旗镇 幸福街12号" in summary.text and "金额：无" in summary.text
    wechat.say("确认")
    with app.app_context():
        case = db.session.query(Case).one()
        assert case.amount is None and case.latitude == 40.81 and case.wish == "退款"


def test_failed_photo_fetch_is_kept_and_retried(wechat, app, sim):
    """A photo the media API fails to return is stored as pending, shown as such, and fetched by the retry job."""
    from scheduler.jobs import JOBS

    wechat.say("举报")
    wechat.say("同意")
    wechat.say("无证小作坊")
    wechat.say("东风镇北街")
    wechat.say("无证生产月饼")
    wechat.say("完成")
    sim.configure(fail={"media/get": [-1, -1, -1]})   # busy past the client's own retries
    assert "自动重试" in wechat.image(b"evidence-bytes").text
    wechat.say("完成")
    summary = wechat.say("匿名")
    assert "举报人：匿名" in summary.text and "电话" not in summary.text
    assert NUMBER.search(wechat.say("确认").text).group(0).startswith("JB")
    with app.app_context():
        photo = db.session.query(EvidencePhoto).one()
        assert photo.status == "pending" and photo.case_id is not None and photo.last_error
    next(job for job in JOBS if job.id == "complaints.fetch_evidence").run(app)   # as the scheduler runs it
    with app.app_context():
        assert db.session.get(EvidencePhoto, photo.id).data == b"evidence-bytes"
        case = db.session.query(Case).one()
        assert case.anonymous and case.name is None and case.kind == Kind.REPORT


def test_report_acceptance_date_counts_working_days(wechat, app):
    """A 举报's reply names the date 15 working days after receipt."""
    from services import deadlines
    from services.clock import china_today, plain_date, utcnow

    wechat.say("举报")
    wechat.say("同意")
    wechat.say("某药店")
    wechat.say("新华镇")
    wechat.say("销售过期药品")
    wechat.say("完成")
    wechat.say("跳过")
    wechat.say("王五")
    wechat.say("跳过")
    answer = wechat.say("确认")
    with app.app_context():
        expected = deadlines.add_working_days(china_today(utcnow()), 15)
    assert isinstance(expected, date)
    assert f"{plain_date(expected)}前完成核查" in answer.text


def test_unsubscribe_keeps_filed_cases_and_drops_drafts(wechat, app):
    """A follower who leaves keeps their filed case (and its photo); photos of an unfinished intake are erased."""
    _file_up_to_summary(wechat)
    wechat.say("确认")
    wechat.say("投诉")
    wechat.say("同意")
    wechat.say("某店")
    wechat.say("城关镇")
    wechat.say("经过")
    wechat.say("完成")
    wechat.say("无")
    wechat.say("1")
    wechat.image(b"draft photo")
    with app.app_context():
        assert db.session.query(EvidencePhoto).count() == 2
    wechat.unfollow()
    with app.app_context():
        photos = db.session.query(EvidencePhoto).all()
        assert len(photos) == 1 and photos[0].case_id is not None
        assert db.session.query(Case).one().name == "张三"


def test_confirm_repeated_after_filing_does_not_file_again(wechat, app):
    """A 确认 sent again by the consumer after the case is filed files nothing new."""
    _file_up_to_summary(wechat)
    first = NUMBER.search(wechat.say("确认").text).group(0)
    wechat.say("确认")
    with app.app_context():
        assert db.session.query(Case).count() == 1
        assert db.session.query(Case).one().number == first


def test_a_bare_case_number_shows_the_case(wechat, app):
    """Sending just the number (or 查询 + number, any case) shows the follower's case; other 查询 text is not taken."""
    _file_up_to_summary(wechat)
    number = NUMBER.search(wechat.say("确认").text).group(0)
    assert "待受理" in wechat.say(number).text
    assert number in wechat.say(f"查询{number.lower()}").text
    assert "您的案件" not in wechat.say("查询商家信用怎么查").text


@pytest.mark.parametrize("give_up", ["算了 不投了", "不想填了", "算了！"])
def test_giving_up_in_ones_own_words_cancels_and_files_nothing(wechat, app, give_up):
    """"算了 不投了" at the consent question, or in the middle of the form, ends the intake like 取消 and files
    nothing, instead of asking for 同意 or storing the words as an answer."""
    wechat.say("投诉")
    assert "已取消" in wechat.say(give_up).text
    wechat.say("投诉")
    wechat.say("同意")
    wechat.say("东街好又多超市")
    assert "已取消" in wechat.say(give_up).text
    with app.app_context():
        assert db.session.query(Case).count() == 0


def test_a_story_that_says_it_gave_up_on_something_else_is_still_the_story(wechat, app):
    """Only a whole message that gives up cancels: "算了 他们已经退钱了" inside the story is part of the story."""
    wechat.say("投诉")
    wechat.say("同意")
    wechat.say("东街好又多超市")
    wechat.say("城关镇东街1号")
    assert "已取消" not in wechat.say("买的牛奶过期了 说是算了 他们不管").text


def test_form_words_typed_at_a_question_are_never_stored_as_its_answer(wechat, app):
    """"确认" or "修改" sent at a question before the summary is not the shop's name or the consumer's name: 确认 asks
    the same question again, 修改 goes back to the one before (at the first question: asks it again)."""
    wechat.say("投诉")
    wechat.say("同意")
    assert "第1步" in wechat.say("修改").text
    wechat.say("东街好又多超市")
    assert "还没有填完" in wechat.say("确认").text
    wechat.say("城关镇东街12号")
    wechat.say("牛奶过期了")
    wechat.say("完成")
    wechat.say("58")
    wechat.say("4")
    wechat.say("跳过")
    assert "第6步" in wechat.say("修改").text
    wechat.say("跳过")
    wechat.say("张三")
    summary = wechat.say("13812345678").text
    assert "商家名称：东街好又多超市" in summary and "姓名：张三" in summary
    assert "：修改" not in summary and "：确认" not in summary


@pytest.mark.parametrize("message, notice", [("想投诉一下", "投诉登记"), ("投述超市", "投诉登记"), ("我想举报", "举报登记"),
                                             ("我要举报他们", "举报登记")])
def test_the_wish_to_file_in_ones_own_words_starts_the_form(wechat, message, notice):
    """"想投诉一下", "投述超市" (a typo), "我想举报" start the form as 投诉 and 举报 do, even right after an answer,
    instead of a menu of how-to entries or a follow-up of the last answer."""
    wechat.say("超市卖过期面包")
    assert notice in wechat.say(message).text


@pytest.mark.parametrize("message", ["投诉要多久", "投诉电话多少", "举报有奖励吗"])
def test_a_question_about_filing_is_still_a_question(wechat, message):
    """A question about complaints or reports is answered, not taken as the wish to file one."""
    text = wechat.say(message).text
    assert "投诉登记" not in text and "举报登记" not in text


@pytest.mark.parametrize("message, notice", [("wo yao tousu", "投诉登记"), ("Tou Su", "投诉登记"),
                                             ("wo xiang jubao", "举报登记")])
def test_the_wish_to_file_typed_in_pinyin_starts_the_form(wechat, message, notice):
    """"wo yao tousu", typed in pinyin when the phone's input method fails, starts the complaint form as 我要投诉 does,
    instead of a menu of how-to entries."""
    text = wechat.say(message).text
    assert notice in text and "同意" in text and "您是不是想问" not in text


def test_changing_ones_mind_to_the_other_form_parks_this_one_and_stores_nothing(wechat, app):
    """"我不投诉了 我要举报" at the address question starts the report (the complaint kept as a draft, the words stored
    nowhere); "算了 还是投诉吧" in the report offers the complaint back, and 继续 asks the address again."""
    wechat.say("投诉")
    wechat.say("同意")
    wechat.say("好又多超市")
    switched = wechat.say("我不投诉了 我要举报").text
    assert "举报登记" in switched and "暂存" in switched
    wechat.say("同意")
    back = wechat.say("算了 还是投诉吧").text
    assert "未提交的投诉" in back
    assert "商家的地址" in wechat.say("继续").text
    wechat.say("城关镇人民路88号")
    wechat.say("买的牛奶过期了")
    wechat.say("完成")
    summary = _answer_after_the_story(wechat)
    assert "好又多超市" in summary and "城关镇人民路88号" in summary and "举报" not in summary


@pytest.mark.parametrize("refusal", ["我不想留名字", "不想让老板知道是我", "名字就不留了"])
def test_not_wanting_to_leave_a_name_in_ones_own_words(wechat, app, refusal):
    """In a 举报, not wanting to leave one's name in one's own words files it anonymously (it had been stored as the
    reporter's name); in a 投诉 it is never stored: the reply says a complaint needs a real name and that a report can
    be anonymous, and asks for the name again."""
    wechat.say("举报")
    wechat.say("同意")
    for step in ("无证小作坊", "东风镇北街", "无证生产月饼", "完成", "跳过"):
        wechat.say(step)
    summary = wechat.say(refusal).text
    assert "举报人：匿名" in summary and refusal not in summary
    assert NUMBER.search(wechat.say("确认").text)
    wechat.say("投诉")
    wechat.say("同意")
    for step in ("好又多超市", "城关镇人民路88号", "买的牛奶过期了", "完成", "58", "4", "跳过"):
        wechat.say(step)
    again = wechat.say(refusal).text
    assert "真实姓名" in again and "匿名" in again and "第7步" in again
    with app.app_context():
        case = db.session.query(Case).one()
        assert case.anonymous and case.name is None and case.kind == Kind.REPORT


@pytest.mark.parametrize("done", ["确认", "提交", "就这些吧", "下一步", "ok"])
def test_the_story_ends_on_what_a_hurried_consumer_types_instead_of_完成(wechat, app, done):
    """At the story, "确认", "提交", "就这些吧", "下一步" or "ok" ends it as 完成 does: the amount is asked next, and the
    word is not added to the story the case keeps."""
    assert "同意" in wechat.click("COMPLAINT").text
    wechat.say("同意")
    wechat.say("好又多超市")
    wechat.say("城关镇人民路88号")
    wechat.say("11月20日买的牛奶已过期，喝了肚子疼")
    with app.app_context():
        departments.seed_defaults()
        db.session.commit()
    assert "多少钱" in wechat.say(done).text
    _answer_after_the_story(wechat)
    assert NUMBER.search(wechat.say("确认").text)
    with app.app_context():
        assert db.session.query(Case).one().story == "11月20日买的牛奶已过期，喝了肚子疼"


@pytest.mark.parametrize("yes", ["好", "可以", "好的", "行", "同意👌", "好的同意"])
def test_a_plain_yes_to_the_privacy_notice_is_consent(wechat, yes):
    """"好", "可以", "好的" or "行" in reply to the notice's "同意请回复同意" starts the form; they had been asked for 同意
    again and again while the shop's name and the story went unrecorded."""
    assert "同意" in wechat.click("REPORT").text
    assert "第1步" in wechat.say(yes).text


@pytest.mark.parametrize("no", ["知道了", "村口小卖部"])
def test_anything_but_yes_to_the_privacy_notice_is_not_consent_and_says_it_was_not_kept(wechat, no):
    """No consent without a yes: "知道了" or a shop's name typed ahead gets the notice's question again, and the reply
    says what was sent was not recorded."""
    assert "同意" in wechat.click("COMPLAINT").text
    reply = wechat.say(no).text
    assert "第1步" not in reply and "还没有记下" in reply


@pytest.mark.parametrize("none", ["没照片", "没有图", "不用了"])
def test_no_photos_in_the_consumers_words_goes_on(wechat, none):
    """At the photos question, "没照片", "没有图" or "不用了" goes on to the name, as 跳过 does."""
    assert "同意" in wechat.click("REPORT").text
    for answer in ("好", "村口小卖部", "村口", "卖过期辣条给小孩", "完成"):
        wechat.say(answer)
    assert "姓名" in wechat.say(none).text


def test_a_name_and_a_phone_said_in_a_sentence_are_stored_as_the_name_and_the_phone(wechat, app):
    """"我叫张三" is the name 张三 and "我电话是138 0013 8000" the phone 13800138000 (it had been refused as a wrong
    number, and the name stored as "我叫张三")."""
    assert "同意" in wechat.click("COMPLAINT").text
    for answer in ("同意", "好又多超市", "城关镇人民路88号", "牛奶过期了", "完成", "58", "4", "跳过"):
        wechat.say(answer)
    assert "电话" in wechat.say("我叫张三").text
    summary = wechat.say("我电话是138 0013 8000").text
    assert "姓名：张三\n" in summary and "电话：13800138000" in summary


@pytest.mark.parametrize("wrong, answer, line", [("地址写错了", "城关镇人民路66号", "商家地址：城关镇人民路66号"),
                                                 ("改一下电话", "13900001111", "电话：13900001111")])
def test_an_item_said_to_be_wrong_at_the_summary_is_asked_again_at_once(wechat, wrong, answer, line):
    """At the summary, "地址写错了" or "改一下电话" asks that question again (not "请回复确认…" and not the numbered
    修改 list), and its new answer goes back to the summary."""
    assert "同意" in wechat.click("COMPLAINT").text
    for reply in ("同意", "好又多超市", "城关镇人民路88号", "牛奶过期了", "完成", "58", "4", "跳过", "张三"):
        wechat.say(reply)
    assert "请核对" in wechat.say("13800138000").text
    assert "第" in wechat.say(wrong).text
    summary = wechat.say(answer).text
    assert "请核对" in summary and line in summary


def test_an_item_named_at_the_edit_list_is_asked_not_another_features_word(wechat):
    """At the 修改 list, "电话" is the phone question, not the bureau's contact card (a keyword elsewhere)."""
    assert "同意" in wechat.click("COMPLAINT").text
    for reply in ("同意", "好又多超市", "城关镇人民路88号", "牛奶过期了", "完成", "58", "4", "跳过", "张三",
                  "13800138000"):
        wechat.say(reply)
    assert "要修改哪一项" in wechat.say("修改").text
    text = wechat.say("电话").text
    assert "联系电话" in text and "办公时间" not in text


@pytest.mark.parametrize("opening, kind, told", [
    ("我要投诉东街好运来超市卖过期面包", Kind.COMPLAINT, "东街好运来超市卖过期面包"),
    ("投诉 东街好运来超市卖过期面包", Kind.COMPLAINT, "东街好运来超市卖过期面包"),
    ("举报：村口小卖部卖过期辣条给小学生", Kind.REPORT, "村口小卖部卖过期辣条给小学生")])
def test_the_wish_to_file_and_what_happened_in_one_message_starts_the_form_with_the_story(wechat, app, opening,
                                                                                          kind, told):
    """"我要投诉 + what happened" in one message starts the form (it had got a 维权问答 answer ending "回复投诉", and the
    story had to be typed again); at the story question what was told is shown, more can be added, and the case keeps
    both."""
    with app.app_context():
        departments.seed_defaults()
        db.session.commit()
    notice = wechat.say(opening).text
    assert "个人信息告知" in notice and "事情经过" in notice
    for answer in ("同意", "好运来超市"):
        wechat.say(answer)
    story = wechat.say("城关镇东街").text
    assert told in story and "第3步" in story
    wechat.say("是昨天下午买的")
    wechat.say("完成")
    answers = ("12", "4", "跳过", "张三", "13800138000") if kind == Kind.COMPLAINT else ("跳过", "张三", "13800138000")
    for answer in answers:
        wechat.say(answer)
    assert NUMBER.search(wechat.say("确认").text)
    with app.app_context():
        case = db.session.query(Case).one()
        assert case.kind == kind and case.story == f"{told}\n是昨天下午买的"


@pytest.mark.parametrize("message, reply", [("投诉需要什么材料", "材料"), ("我想投诉 有用吗", None),
                                            ("我要投诉物业乱收费", "住建"),
                                            ("我想举报镇上超市卖过期东西 不留名字行不行", None),
                                            ("想投诉卖电动车的 电瓶鼓包了 不知道第一步该干啥", None)])
def test_a_question_about_filing_or_another_offices_matter_does_not_open_the_form(kb, wechat, message, reply):
    """A question about complaining ("投诉需要什么材料", "…不留名字行不行", "…不知道第一步该干啥") or another office's
    matter ("我要投诉物业乱收费": 住建) is answered by 维权问答, not with the complaint form's privacy notice."""
    text = wechat.say(message).text
    assert "个人信息告知" not in text
    assert reply is None or reply in text


def test_a_phone_and_a_name_typed_during_the_story_are_stored_and_not_asked_again(wechat, app):
    """A phone number or "我叫张三" typed while the story is told is stored as the phone and the name (it had been
    added to the story), the reply says so, and neither question is asked later."""
    assert "同意" in wechat.click("COMPLAINT").text
    for answer in ("同意", "好又多超市", "城关镇人民路88号", "牛奶过期了"):
        wechat.say(answer)
    phone = wechat.say("138 0013 8000").text
    assert "电话：13800138000" in phone and "第3步" in phone
    assert "姓名：张三" in wechat.say("我叫张三").text
    wechat.say("完成")
    wechat.say("58")
    wechat.say("4")
    summary = wechat.say("跳过").text
    assert "请核对" in summary and "姓名：张三" in summary and "电话：13800138000" in summary
    assert NUMBER.search(wechat.say("确认").text)
    with app.app_context():
        case = db.session.query(Case).one()
        assert case.story == "牛奶过期了" and case.name == "张三" and case.phone == "13800138000"


def test_an_earlier_item_said_to_be_wrong_mid_form_is_asked_again_then_the_form_goes_on(wechat, app):
    """"地址写错了" at the amount question asks the address again (it had been refused as an amount), and after the
    new address the amount is asked again; the case keeps the new address."""
    _at_the_amount(wechat, shop="好又多超市", address="城关镇人民路88号")
    again = wechat.say("地址写错了").text
    assert "第2步" in again and "地址" in again
    assert "第4步" in wechat.say("城关镇人民路66号").text
    summary = _answer_after_the_story(wechat)
    assert "商家地址：城关镇人民路66号" in summary
    assert NUMBER.search(wechat.say("确认").text)
    with app.app_context():
        assert db.session.query(Case).one().business_address == "城关镇人民路66号"


def test_saying_no_to_the_privacy_notice_ends_the_intake_and_says_what_can_be_done(wechat):
    """"不同意" to the notice ends the intake (it had been asked for 同意 again and again): nothing is kept, and the reply
    says a complaint needs a real name and that 举报 can be anonymous; the next message is not taken as consent."""
    assert "同意" in wechat.click("COMPLAINT").text
    reply = wechat.say("不同意").text
    assert "不登记了" in reply and "举报" in reply
    assert "第1步" not in wechat.say("好").text


@pytest.mark.parametrize("said", ["好的", "嗯", "谢谢", "😂"])
def test_an_acknowledgement_or_an_emoji_is_never_stored_as_an_answer(wechat, said):
    """"好的", "嗯", "谢谢" or an emoji at the address question (typed after a mid-form answer, as people do) asks the
    question again; it had been stored as the shop's address."""
    assert "同意" in wechat.click("COMPLAINT").text
    for answer in ("同意", "东街超市"):
        wechat.say(answer)
    again = wechat.say(said).text
    assert "第2步" in again and "地址" in again
    assert "第3步" in wechat.say("城关镇东街8号").text
    for answer in ("牛奶过期了", "完成"):
        wechat.say(answer)
    summary = _answer_after_the_story(wechat)
    assert "商家地址：城关镇东街8号" in summary


def test_an_item_said_to_be_wrong_at_its_own_question_is_asked_again(wechat):
    """"地址不对" at the address question asks for the address again; it had been stored as the address."""
    assert "同意" in wechat.click("COMPLAINT").text
    for answer in ("同意", "东街超市"):
        wechat.say(answer)
    assert "第2步" in wechat.say("地址不对").text
    assert "第3步" in wechat.say("城关镇东街8号").text


@pytest.mark.parametrize("words", ["算球", "拉倒吧", "不搞了", "太麻烦了"])
def test_giving_up_in_dialect_ends_the_form(wechat, words):
    """"算球", "拉倒吧", "不搞了" or "太麻烦了" mid-form ends it and keeps nothing (each had been stored as the address)."""
    assert "同意" in wechat.click("COMPLAINT").text
    for answer in ("同意", "东街超市"):
        wechat.say(answer)
    assert "已取消" in wechat.say(words).text


def test_a_final_full_stop_from_voice_input_changes_nothing(wechat, app):
    """Voice recognition ends each sentence with "。": spoken, "取消。" cancels (it had been stored as the shop's name),
    "200。" is the amount, "跳过。" skips the photos and the name and phone are stored without it; typed, "确认。" at
    the summary files the case (it had been asked again)."""
    assert "同意" in wechat.click("COMPLAINT").text
    wechat.voice("同意。")
    assert "已取消" in wechat.voice("取消。").text
    assert "同意" in wechat.click("COMPLAINT").text
    for answer in ("同意。", "东街超市。", "城关镇东街8号。", "牛奶过期了。", "完成。"):
        wechat.voice(answer)
    assert "怎么解决" in wechat.voice("200。").text
    wechat.voice("4。")
    assert "姓名" in wechat.voice("跳过。").text
    wechat.voice("张三。")
    summary = wechat.voice("13800138000。").text
    assert "商家名称：东街超市\n" in summary and "姓名：张三\n" in summary and "200.00元" in summary
    assert NUMBER.search(wechat.say("确认。").text)


@pytest.mark.parametrize("agreed", ["没问题", "对的", "没错"])
def test_agreeing_with_the_summary_in_ones_own_words_files_the_case(wechat, agreed):
    """"没问题", "对的" or "没错" at the summary files the case as 确认 does (each had been asked for 确认 again)."""
    _at_the_amount(wechat)
    assert "请核对" in _answer_after_the_story(wechat)
    assert NUMBER.search(wechat.say(agreed).text)


def test_a_spoken_command_with_its_full_stop_is_the_command(wechat):
    """"查询。" said by voice is 查询 (it had got a 您是不是想问 menu about how to check progress)."""
    assert "您还没有提交过投诉或举报" in wechat.voice("查询。").text


@pytest.mark.parametrize("typed", ["１３８００１３８０００", "138-0013-8000", "幺三八零零幺三八零零零", "13800138000 白天打"])
def test_a_phone_number_as_people_type_or_say_it_is_read(wechat, typed):
    """Full-width digits, dashes, digits said in words (voice input) or a note after the number are read as
    13800138000 (each had been refused as a wrong number)."""
    assert "同意" in wechat.click("COMPLAINT").text
    for answer in ("同意", "东街超市", "城关镇东街8号", "牛奶过期了", "完成", "58", "4", "跳过", "张三"):
        wechat.say(answer)
    assert "电话：13800138000" in wechat.say(typed).text


@pytest.mark.parametrize("typed, shown", [("两百来块", "200.00元"), ("大概两百多", "200.00元"), ("没花钱", "金额：无")])
def test_an_amount_said_roughly_or_none_spent_is_taken(wechat, typed, shown):
    """"两百来块" and "大概两百多" are taken at their round figure, and "没花钱" is 无 (each had been refused)."""
    _at_the_amount(wechat)
    assert "怎么解决" in wechat.say(typed).text
    for answer in ("4", "跳过", "张三"):
        wechat.say(answer)
    assert shown in wechat.say("13800138000").text


def test_a_name_and_a_phone_in_one_message_are_both_kept(wechat):
    """"张三 13800138000" at the name question stores both; the phone question is not asked (the name had been
    refused for holding digits)."""
    assert "同意" in wechat.click("COMPLAINT").text
    for answer in ("同意", "东街超市", "城关镇东街8号", "牛奶过期了", "完成", "58", "4", "跳过"):
        wechat.say(answer)
    summary = wechat.say("张三 13800138000").text
    assert "请核对" in summary and "姓名：张三\n" in summary and "电话：13800138000" in summary


@pytest.mark.parametrize("asked", ["超市卖过期的犯法不", "过期的能退不", "要多久能处理"])
def test_a_dialect_question_mid_form_is_not_stored_as_the_answer(wechat, asked):
    """A question without 吗 ("…犯法不", "…能退不", "要多久…") at the shop question is asked about ("这是商家名称
    吗"), not stored as the shop's name and the form moved on."""
    assert "同意" in wechat.click("COMPLAINT").text
    wechat.say("同意")
    text = wechat.say(asked).text
    assert "第2步" not in text and "这是商家名称吗" in text


def test_the_whole_story_typed_at_the_shop_question_is_kept_for_the_story(wechat, app):
    """A story longer than any shop's name typed at the first question is kept for the story question (it had been
    refused as too long, to be condensed and typed again), and the shop's name is asked again."""
    story = "昨天下午在东街超市买了两盒牛奶，回家给孩子喝了一盒，孩子说味道不对，我一看生产日期，已经过期五天了，" \
            "去找超市，店员说不是在他们家买的，我有小票，他们还是不认，后来经理出来说最多退钱，不赔，我想问问该怎么办，" \
            "孩子喝了以后有点拉肚子。"
    assert "同意" in wechat.click("COMPLAINT").text
    wechat.say("同意")
    again = wechat.say(story).text
    assert "已经记下" in again and "第1步" in again
    wechat.say("东街超市")
    shown = wechat.say("城关镇东街8号").text
    assert "第3步" in shown and story in shown
    wechat.say("完成")
    assert "怎么解决" in wechat.say("35").text
    for answer in ("4", "跳过", "张三", "13800138000"):
        wechat.say(answer)
    assert NUMBER.search(wechat.say("确认").text)
    with app.app_context():
        case = db.session.query(Case).one()
        assert case.story == story and case.business_name == "东街超市"


def test_the_photos_question_says_how_many_photos_came_earlier(wechat):
    """Photos sent while the story was told are counted at the photos question, which asks only for more; "照片刚才
    发过了" goes on."""
    assert "同意" in wechat.click("COMPLAINT").text
    for answer in ("同意", "东街超市", "城关镇东街8号", "牛奶过期了"):
        wechat.say(answer)
    wechat.image(b"\xff\xd8\xff\xe0 receipt")
    wechat.say("完成")
    wechat.say("35")
    asked = wechat.say("4").text
    assert "已收到您发的 1 张照片" in asked
    assert "姓名" in wechat.say("照片刚才发过了").text


def test_the_story_asked_again_shows_what_was_written(wechat):
    """Going back to the story (上一步 at the amount) shows the story already written and says a new one replaces it;
    完成 keeps it (it had been asked for as if nothing had been written)."""
    _at_the_amount(wechat)
    again = wechat.say("上一步").text
    assert "原来写的是：“牛奶过期了”" in again and "替换" in again
    assert "第4步" in wechat.say("完成").text


def test_wanting_to_report_anonymously_at_the_first_question_is_noted_not_stored_as_the_party(wechat, app):
    """"我要匿名举报" where the 举报 asks whom is reported notes the wish (name and phone are not asked) and asks
    whom again; it had been stored as the reported party."""
    assert "同意" in wechat.click("REPORT").text
    wechat.say("同意")
    again = wechat.say("我要匿名举报").text
    assert "匿名" in again and "第1步" in again
    for answer in ("村口小卖部", "村口", "卖过期辣条", "完成"):
        wechat.say(answer)
    summary = wechat.say("跳过").text
    assert "被举报对象：村口小卖部" in summary and "举报人：匿名" in summary
    assert NUMBER.search(wechat.say("确认").text)
    with app.app_context():
        case = db.session.query(Case).one()
        assert case.anonymous and case.name is None and case.business_name == "村口小卖部"


@pytest.mark.parametrize("fix, line", [("电话改成13900001111", "电话：13900001111"), ("金额不对 是三百", "金额：300.00元"),
                                       ("地址写错了 应该是西街18号", "商家地址：西街18号")])
def test_a_correction_with_the_right_value_at_the_summary_takes_it(wechat, app, fix, line):
    """At the summary, "电话改成13900001111" or "金额不对 是三百" takes the new value and shows the summary again (the
    question had been asked again as if no value were given); the case keeps it."""
    _at_the_amount(wechat)
    _answer_after_the_story(wechat)
    summary = wechat.say(fix).text
    assert "请核对" in summary and line in summary
    assert NUMBER.search(wechat.say("确认").text)


def test_a_correction_with_a_wrong_value_at_the_summary_asks_the_question(wechat):
    """"电话改成123" at the summary is no phone: the phone question is asked, nothing is stored."""
    _at_the_amount(wechat)
    _answer_after_the_story(wechat)
    asked = wechat.say("电话改成123").text
    assert "联系电话" in asked and "请核对" not in asked
    assert "电话：13812345678" in wechat.say("13812345678").text



@pytest.mark.parametrize("form, expected", [("COMPLAINT", "调解"), ("REPORT", "匿名")])
def test_asking_why_a_name_is_needed_at_the_notice_is_answered(wechat, form, expected):
    """"为啥要名字" at the privacy notice is answered (why a complaint needs it; that a report can be anonymous) and
    the notice's question asked again; it had got only "需要您先回复同意"."""
    wechat.click(form)
    text = wechat.say("为啥要名字").text
    assert expected in text and "同意" in text and "还没有记下" not in text
    assert "第1步" in wechat.say("同意").text


def test_the_wish_to_complain_naming_only_the_shop_fills_in_the_shop(wechat):
    """"我要投诉东街超市" opens the form with the shop filled in (it had got a menu of how-to answers); after 同意
    the address is asked, and the story question is the plain one."""
    assert "个人信息告知" in wechat.say("我要投诉东街超市").text
    filled = wechat.say("同意").text
    assert "商家名称“东街超市”" in filled and "第2步" in filled
    assert "已记下您说的" not in wechat.say("城关镇东街8号").text


def test_not_remembering_the_amount_is_asked_for_a_rough_figure_not_stored_as_none_spent(wechat):
    """"不记得了" at the amount question is not stored as 无 (which staff would read as nothing spent): the question
    says a rough figure will do, and "大概两百" is taken."""
    _at_the_amount(wechat)
    again = wechat.say("不记得了").text
    assert "大概的数" in again and "怎么解决" not in again
    assert "怎么解决" in wechat.say("大概两百").text
