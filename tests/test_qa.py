"""维权问答 through the webhook, as WeChat delivers it: answers with the law, close calls with numbered choices,
honest "don't know" with the question queued for staff, and small talk that never gets a law article."""
from __future__ import annotations

import pytest
import yaml
from sqlalchemy import func, select

from extensions import db, redis
from models.faq import KnowledgeEntry, UnansweredQuestion
from services import faq, faq_store, keys
from services.clock import utcnow

SEVEN_DAY = "网购的东西不想要了，七天内能无理由退吗？"      # the standard question of return-7day-online


def _entry(app, slug: str) -> KnowledgeEntry:
    with app.app_context():
        entry = faq_store.get(slug)
        db.session.expunge(entry)
        return entry


def _offer(app, wechat) -> list[str]:
    """Say things until one is a close call; return the offered questions (numbered lines)."""
    for question in ("退款", "退货退款的事", "商家不给退钱", "退钱"):
        answer = wechat.say(question).text
        if answer.startswith("您是不是想问"):
            # each choice reads "N. question（gist of the answer）"; keep the question
            return [line.rsplit("（", 1)[0] for line in answer.splitlines() if line[:2] in {"1.", "2.", "3."}]
    pytest.fail("no close call among the probe questions")


def test_confident_question_gets_answer_citation_and_next_step(kb, wechat):
    """A question the knowledge base covers gets its answer, a 依据 line naming the law, and the next step."""
    entry = _entry(kb, "return-7day-online")
    text = wechat.say(SEVEN_DAY).text
    assert entry.answer in text
    assert "依据：《消费者权益保护法》第25条" in text
    assert entry.next_step in text


def test_slang_and_typos_reach_the_same_entry(kb, wechat):
    """Platform slang, full-width letters and a homophone typo still find 七日无理由退货."""
    entry = _entry(kb, "return-7day-online")
    assert entry.answer in wechat.say("ｔｂ上买的衣服不想要了，七天无礼由能退吗").text


def test_voice_recognition_is_answered_like_text(kb, wechat):
    """A voice message's recognised text is a question like any other."""
    entry = _entry(kb, "return-7day-online")
    assert entry.answer in wechat.voice(recognition=SEVEN_DAY).text


def test_close_call_offers_three_and_a_number_answers(kb, wechat):
    """A vague question offers 您是不是想问 with three numbered questions; replying 2 answers the second."""
    offered = _offer(kb, wechat)
    assert len(offered) == 3
    second = offered[1][3:]
    with kb.app_context():
        entry = db.session.scalar(select(KnowledgeEntry).where(KnowledgeEntry.question == second))
        answer = entry.answer
    assert answer in wechat.say("2").text


@pytest.mark.parametrize("reply", ["１", "第1个", "一", "我选1", "看第一个", "第一个吧"])
def test_full_width_and_spoken_choice_numbers_work(kb, wechat, reply):
    """Full-width digits, 第N个, Chinese numerals and a number typed in a hurry ("我选1", "第一个吧") pick a choice
    too ("我选2" had got "这个问题我帮不上忙")."""
    offered = _offer(kb, wechat)
    with kb.app_context():
        answer = db.session.scalar(select(KnowledgeEntry.answer).where(KnowledgeEntry.question == offered[0][3:]))
    assert answer in wechat.say(reply).text


@pytest.mark.parametrize("reply", ["5", "0", "第四个"])
def test_a_number_outside_the_offer_shows_the_choices_again(kb, wechat, reply):
    """A number the menu does not have re-prompts with the same choices (not 帮不上忙), and the offer stays open."""
    offered = _offer(kb, wechat)
    text = wechat.say(reply).text
    assert text.startswith("没有这个序号") and "1～3" in text
    assert "帮不上忙" not in text and "依据" not in text
    assert [line.rsplit("（", 1)[0] for line in text.splitlines() if line[:2] in {"1.", "2.", "3."}] == offered
    with kb.app_context():
        answer = db.session.scalar(select(KnowledgeEntry.answer).where(KnowledgeEntry.question == offered[1][3:]))
    assert answer in wechat.say("2").text


def test_a_number_without_an_offer_is_not_an_answer(kb, wechat):
    """A bare number with no open offer gets a friendly reply, not a law article."""
    assert "依据" not in wechat.say("2").text


def test_offer_expires_with_its_ttl(kb, wechat):
    """The numbered choices are kept in Redis with a short TTL."""
    _offer(kb, wechat)
    ttl = redis.ttl(keys.faq_offer(wechat.openid))
    assert 0 < ttl <= keys.FAQ_OFFER_TTL


def test_unknown_question_is_honest_and_queued_once_per_wording(kb, wechat, consumer):
    """Something we do not cover says so, offers 投诉/人工, and is counted in the staff queue without the openid."""
    question = "光伏板发电量不够"
    reply = wechat.say(question).text
    assert "投诉" in reply and "人工" in reply and "依据" not in reply
    consumer("o_someone_else").say(question + "？")
    with kb.app_context():
        rows = db.session.scalars(select(UnansweredQuestion)).all()
        assert len(rows) == 1 and rows[0].count == 2
        assert "o_" not in rows[0].text


@pytest.mark.parametrize("message", ["你好", "谢谢你们", "👍", "在吗？？", "你是机器人吗", "今天天气怎么样", "红烧肉怎么做才好吃",
                                     "你能陪我聊会天吗",
                                     "😀😀😀", "", "   ", "退" * 2000, "Привет, как дела?",
                                     "こんにちは、元気ですか", "hello world how are you"])
def test_small_talk_and_noise_never_get_a_law_article(kb, wechat, message):
    """Greetings, thanks, off-topic, emoji-only, empty, 2,000 characters and other scripts get a short friendly
    reply — never an entry, never an error."""
    answer = wechat.say(message)
    assert answer.status == 200
    assert answer.text and "依据" not in answer.text and "您是不是想问" not in answer.text


def test_menu_qa_key_explains_how_to_ask(kb, wechat):
    """The 维权问答 menu item answers with how to ask and example questions."""
    assert "网购衣服不想要了能退吗" in wechat.click("QA").text


def test_pinned_pattern_answers_without_ranking(kb, wechat):
    """A staff-pinned exact question answers its entry, whatever the ranking says."""
    with kb.app_context():
        faq_store.pin(pattern="七天", slug="return-7day-start-date", by="tester", now=utcnow(),
                      normalise=faq.text_tools().normalise)
        db.session.commit()                 # the test is the edge (services/tx.py)
    entry = _entry(kb, "return-7day-start-date")
    assert entry.answer in wechat.say("七天！").text


def test_unpublished_entry_is_not_answered_after_the_index_rebuilds(kb, wechat):
    """Unpublishing bumps the index version; the next question no longer gets that entry."""
    entry = _entry(kb, "return-7day-online")
    assert entry.answer in wechat.say(SEVEN_DAY).text
    with kb.app_context():
        faq_store.set_published(slug="return-7day-online", published=False, by="tester", now=utcnow())
        db.session.commit()                 # the test is the edge (services/tx.py)
    assert entry.answer not in wechat.say(SEVEN_DAY).text


def test_index_is_not_rebuilt_per_request(kb, wechat):
    """The same process keeps one index across questions while nothing changes."""
    wechat.say(SEVEN_DAY)
    with kb.app_context():
        first = faq.loaded()
    wechat.say("买到过期食品怎么赔")
    with kb.app_context():
        assert faq.loaded() is first


def _small_kb(directory, *, reviewed: str, extra_phrasing: str | None = None):
    """Two real entries (returns.yaml's first two) in a directory of their own, reviewed on `reviewed`, the first with
    a phrasing added."""
    entries = yaml.safe_load((faq_store.ENTRIES_DIR / "returns.yaml").read_text(encoding="utf-8"))[:2]
    for entry in entries:
        entry["related"] = []                   # the entries they name are not in this directory
        entry["reviewed"] = reviewed            # a new text needs a new review date
    if extra_phrasing:
        entries[0]["paraphrases"] = [*entries[0].get("paraphrases", []), extra_phrasing]
    directory.mkdir()
    (directory / "small.yaml").write_text(yaml.safe_dump(entries, allow_unicode=True), encoding="utf-8")
    return directory


@pytest.mark.parametrize("kept, reused", [(1, False), (2, True)])
def test_ranking_tables_of_a_knowledge_base_seen_before_are_kept_as_configured(make_app, tmp_path, kept, reused):
    """With FAQ_TABLES_KEPT=1 (production) a process keeps only the newest ranking tables, so going back to a
    knowledge base it saw before builds them again; with 2 it takes the earlier ones back."""
    app = make_app(FAQ_TABLES_KEPT=kept)
    with app.app_context():
        faq.import_dir(_small_kb(tmp_path / "a", reviewed="2026-01-01"))
        db.session.commit()
        first = faq.loaded().index
        faq.import_dir(_small_kb(tmp_path / "b", reviewed="2026-01-02", extra_phrasing="买了不想要了咋办"))
        db.session.commit()
        assert faq.loaded().index is not first
        faq.import_dir(_small_kb(tmp_path / "c", reviewed="2026-01-03"))      # a's phrasings again
        db.session.commit()
        assert (faq.loaded().index is first) is reused


def test_queue_holds_no_openid(kb, wechat):
    """The unanswered queue stores normalised text and counts only."""
    wechat.say("光伏板发电量不够")
    with kb.app_context():
        columns = set(UnansweredQuestion.__table__.columns.keys())
        assert "openid" not in columns
        assert db.session.scalar(select(func.count(UnansweredQuestion.id))) >= 1


def test_asked_whether_it_is_a_robot_it_says_so_once(kb, wechat):
    """"你是机器人吗" is answered with one introduction (the reply had said 我是…消费维权助手 twice in a row)."""
    text = wechat.say("你是机器人吗").text
    assert text.count("消费维权助手") == 1 and "机器人" in text


def test_asking_for_the_bureaus_phone_gets_the_number_itself(kb, wechat, app):
    """"你们电话多少" gets the bureau's phone number and address from its settings (the answer had only said where to
    tap to find them)."""
    from services import bureau
    with app.app_context():
        prof = bureau.profile()
    text = wechat.say("你们电话多少").text
    assert prof.phone and prof.phone in text and prof.address in text


@pytest.mark.parametrize("laugh", ["哈哈", "哈哈哈哈", "嘿嘿"])
def test_a_laugh_gets_a_friendly_close_not_cannot_help(kb, wechat, laugh):
    """"哈哈" gets a friendly closing line, not "这个问题我帮不上忙" (and nothing is queued for staff)."""
    text = wechat.say(laugh).text
    assert "帮不上忙" not in text and "答不好" not in text and "随时发给我" in text
