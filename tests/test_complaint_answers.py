"""Answers as people give them: several demands, 其他 in their own words, amounts in Chinese numerals, a story told
over several messages, circled and full-width numbers."""
from __future__ import annotations

import pytest

from extensions import db
from models import Case


def _to_story(user):
    user.say("投诉")
    user.say("同意")
    user.say("好又多超市")
    user.say("城关镇人民路88号")


def _to_wish(user, amount="58"):
    _to_story(user)
    user.say("牛奶过期")
    user.say("完成")
    return user.say(amount)


def _file(user):
    user.say("跳过")
    user.say("张三")
    summary = user.say("13812345678").text
    user.say("确认")
    return summary


@pytest.mark.parametrize("answer", ["4 5", "4，5", "④⑤", "４、５", "退款和赔偿", "退款 赔偿"])
def test_several_demands(wechat, app, answer):
    """Several remedies at once — numbers in any form or the words — are all kept."""
    _to_wish(wechat)
    assert "照片" in wechat.say(answer).text
    assert "诉求：退款、赔偿" in _file(wechat)
    with app.app_context():
        assert db.session.query(Case).one().wish == "退款、赔偿"


def test_other_demand_asks_what(wechat, app):
    """Choosing 其他 asks what they want, and keeps their words with it."""
    _to_wish(wechat)
    assert "您选了“其他”" in wechat.say("4 6").text
    assert "照片" in wechat.say("赔礼道歉").text
    assert "诉求：退款、其他（赔礼道歉）" in _file(wechat)


def test_demand_out_of_range_is_asked_again(wechat, app):
    """A number that is not on the list re-asks the question and stores nothing."""
    _to_wish(wechat)
    assert "1 到 6" in wechat.say("4 9").text
    assert "照片" in wechat.say("4").text


@pytest.mark.parametrize("typed, shown", [("一百", "100.00元"), ("一百五十块", "150.00元"), ("1千2", "1200.00元"),
                                          ("￥58.5", "58.50元"), ("五十八块五", "58.50元")])
def test_amounts_in_chinese_numerals(wechat, app, typed, shown):
    """Amounts in Chinese numerals and words, with ￥ or 块, are understood."""
    assert "怎么解决" in _to_wish(wechat, amount=typed).text
    wechat.say("4")
    assert f"金额：{shown}" in _file(wechat)


def test_a_story_in_three_messages(wechat, app):
    """What happened can be told over several messages until 完成; all of it is filed, in order."""
    _to_story(wechat)
    assert "已记下" in wechat.say("11月20日在好又多买了一箱牛奶。").text
    assert "已记下" in wechat.say("回家发现已经过期三天。").text
    assert "说完了请回复“完成”" in wechat.say("找超市退货，店员不理。" + "详" * 1200).text
    assert "多少钱" in wechat.say("完成").text
    wechat.say("58")
    wechat.say("4")
    _file(wechat)
    with app.app_context():
        story = db.session.query(Case).one().story
    assert story.startswith("11月20日在好又多买了一箱牛奶。\n回家发现已经过期三天。\n找超市退货") and len(story) > 1200


def test_done_before_any_story_is_asked_again(wechat, app):
    """完成 with nothing told yet asks for the story instead of filing an empty one."""
    _to_story(wechat)
    assert "还没有收到事情经过" in wechat.say("完成").text


def test_edit_by_circled_number(wechat, app):
    """The 修改 list answers to circled and full-width numbers too; out of range is asked again."""
    _to_wish(wechat)
    wechat.say("4")
    wechat.say("跳过")
    wechat.say("张三")
    wechat.say("13812345678")
    wechat.say("修改")
    assert "没有第9项" in wechat.say("9").text
    assert "第1步" in wechat.say("①").text
    assert "商家名称：华联超市" in wechat.say("华联超市").text


def test_a_photo_sent_while_telling_the_story_is_kept_as_evidence(wechat, app):
    """A receipt photo sent at the story step is kept as evidence, the story question asked again; the case has it."""
    from models import EvidencePhoto

    _to_story(wechat)
    assert wechat.image(b"\xff\xd8\xff\xe0 receipt").text == \
        "收到，已记入“照片”。\n" + COMPLAINT_FORM_ASK_STORY
    wechat.say("牛奶过期")
    wechat.say("完成")
    wechat.say("58")
    wechat.say("4")
    wechat.say("完成")                                          # the photos step: already one
    wechat.say("张三")
    assert "照片：1张" in wechat.say("13812345678").text
    wechat.say("确认")
    with app.app_context():
        case = db.session.query(Case).one()
        assert db.session.query(EvidencePhoto).one().case_id == case.id


def test_a_location_sent_for_the_business_gives_its_name_and_address(wechat, app):
    """A location sent where the business name is asked gives the name and the address at once (it had been refused
    with "这一步请用文字回复"), so the story is asked next; a location with no name in it asks for the name."""
    wechat.say("投诉")
    wechat.say("同意")
    assert "看不出商家的名字" in wechat.location(26.08, 117.6, "").text
    assert wechat.location(26.08, 117.6, "好又多超市").text.startswith("第3步：")
    for answer in ("牛奶过期了", "完成", "58", "4", "跳过", "张三"):
        wechat.say(answer)
    summary = wechat.say("13812345678").text
    assert "商家名称：好又多超市" in summary and "商家地址：好又多超市" in summary


COMPLAINT_FORM_ASK_STORY = ("第3步：请说说事情经过：买了什么或接受了什么服务、什么时候、出了什么问题。可以分几条发，"
                            "说完了请回复“完成”。")


@pytest.mark.parametrize("answer, wish", [("退钱 再赔点", "退款、赔偿"), ("给换个新的", "换货"), ("修好就行", "维修"),
                                          ("不要赔偿 只要退钱", "退款")])
def test_demands_typed_in_ones_own_words(wechat, app, answer, wish):
    """A remedy typed in a hurry ("退钱 再赔点") is understood as the remedies it names, not re-asked as a number;
    one the consumer says they do not want is left out."""
    _to_wish(wechat)
    assert "照片" in wechat.say(answer).text
    assert f"诉求：{wish}" in _file(wechat)


def test_words_that_name_no_remedy_are_asked_again(wechat, app):
    """"我也不知道" names no remedy: the question is asked again and nothing is stored."""
    _to_wish(wechat)
    assert "1 到 6" in wechat.say("我也不知道").text
    assert "照片" in wechat.say("4").text


@pytest.mark.parametrize("answer, wish", [("十倍赔偿", "诉求：赔偿（十倍）"), ("退一赔三", "诉求：退款、赔偿（退一赔三）"),
                                          ("道歉", "诉求：其他（道歉）"), ("全退", "诉求：退款")])
def test_a_wish_keeps_its_claim_and_words_that_name_no_remedy_are_other(wechat, app, answer, wish):
    """"十倍赔偿" keeps its multiple for staff (it had been stored as plain 赔偿, and "退一赔三" lost the refund);
    "道歉", which names none of the five, is 其他 with the word (it had been refused); "全退" is a refund."""
    _to_wish(wechat)
    wechat.say(answer)
    for reply in ("跳过", "张三"):
        wechat.say(reply)
    assert wish in wechat.say("13800138000").text
