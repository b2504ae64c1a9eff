"""Publications: writing and approval, a scheduled push reaching each follower once, 退订, the mass quota, chat."""
from __future__ import annotations

import time
from datetime import timedelta

import pytest
import requests

from extensions import db
from models import Delivery, KindPreference, MassJob, Publication
from models.publication import DeliveryStatus, Status
from services import PermissionDenied, QuotaExceeded, publications
from services.clock import utcnow
from services.delivery import Settings

from tests.support.publications import FAST, approved, follow, push, received, send_now, titles


def test_author_cannot_approve_own_publication(app):
    """The approver must not be the author unless self-approval is configured."""
    with app.app_context():
        pub = publications.create(author="writer", now=utcnow(), kind="warning", title="标题")
        publications.submit(pub.id, by="writer", now=utcnow())
        with pytest.raises(PermissionDenied):
            publications.approve(pub.id, by="writer", now=utcnow(), settings=FAST)
        allowed = Settings(self_approval=True)
        assert publications.approve(pub.id, by="writer", now=utcnow(), settings=allowed).status == Status.APPROVED


def test_scheduled_push_reaches_each_follower_once(app, sim, consumer):
    """A publication scheduled for later goes out when due, one message per follower, and never again."""
    consumer("o_d").say("你好")                                     # opens o_d's 48-hour window
    with app.app_context():
        follow(sim, "o_a", "o_b", "o_c")
        pub = approved()
        at = utcnow() + timedelta(minutes=10)
        publications.schedule(pub.id, by="checker", at=at, now=utcnow())
        db.session.commit()
        assert push(app) == 0                                       # not yet due
        assert push(app, now=at + timedelta(seconds=5)) == 4
        assert push(app, now=at + timedelta(seconds=30)) == 0       # a second poll sends nothing
        for openid in ("o_a", "o_b", "o_c"):
            assert [m["kind"] for m in sim.inbox(openid)] == ["template"]
        assert [m["kind"] for m in sim.inbox("o_d")] == ["custom:text", "custom:news"][-len(sim.inbox("o_d")):]
        assert len(received(sim, "o_d", "custom:news")) == 1        # inside the 48-hour window: a CS message
        assert db.session.get(Publication, pub.id).status == Status.SENT
        assert publications.report(pub.id) == {"sent": 4}


def test_push_that_fell_due_while_down_goes_out_within_grace_once(app, sim):
    """A push due while no scheduler ran goes out when one returns within the grace period; later it is missed."""
    with app.app_context():
        follow(sim, "o_a", "o_b")
        on_time, too_late = approved(title="晚了一点"), approved(title="晚了太多")
        now = utcnow()
        publications.schedule(on_time.id, by="checker", at=now + timedelta(minutes=1), now=now)
        publications.schedule(too_late.id, by="checker", at=now + timedelta(minutes=2), now=now)
        db.session.commit()
        back = now + timedelta(minutes=2) + FAST.grace + timedelta(seconds=30)
        db.session.get(Publication, on_time.id).scheduled_at = back - FAST.grace + timedelta(minutes=5)
        db.session.commit()
        assert push(app, now=back) == 2
        assert push(app, now=back + timedelta(minutes=1)) == 0
        assert db.session.get(Publication, too_late.id).status == Status.MISSED
        assert [m["template_id"] for m in received(sim, "o_a")] == ["TPL_PUB"]


def test_recurring_publication_sends_once_per_occurrence(app, sim):
    """A cron publication (every year on 3月10日 9:00) sends one child per occurrence, each once."""
    from services.clock import from_china
    from datetime import datetime
    with app.app_context():
        follow(sim, "o_a", "o_b")
        pub = approved(title="3·15前提醒")
        publications.schedule(pub.id, by="checker", at=utcnow(), now=utcnow(), recurrence="0 9 10 3 *")
        db.session.commit()
        march = from_china(datetime(utcnow().year + 1, 3, 10, 9, 0, 30))
        assert push(app, now=march - timedelta(hours=1)) == 0
        assert push(app, now=march) == 2
        assert push(app, now=march + timedelta(minutes=1)) == 0
        next_year = from_china(datetime(utcnow().year + 2, 3, 10, 9, 1))
        assert push(app, now=next_year) == 2
        assert len(received(sim, "o_a")) == 2
        assert db.session.get(Publication, pub.id).status == Status.SCHEDULED


def test_unsubscribe_is_honoured(app, sim, consumer):
    """A follower who replies 退订 警示 gets no 消费警示 push but still gets 典型案例; 订阅 警示 restores it. The
    replies and the pushed template name the kind by its label (stored as a code)."""
    with app.app_context():
        follow(sim, "o_a", "o_b")
    quiet = consumer("o_a")
    assert "已退订：消费警示。" in quiet.say("退订 警示").text
    assert "消费警示已经是退订" in quiet.say("退订 消费警示").text
    assert "当前：警示退订" in quiet.say("退订").text
    with app.app_context():
        approved()
        approved(kind="case", title="装修纠纷案例")
        for pub in Publication.query.all():
            send_now(pub)
        push(app)
        assert titles(sim, "o_a") == ["装修纠纷案例"]
        assert sorted(titles(sim, "o_b")) == ["装修纠纷案例", "预付卡消费警示"]
        assert sorted(m["data"]["kind"]["value"] for m in received(sim, "o_b", "template")) == ["典型案例", "消费警示"]
        assert Delivery.query.filter_by(openid="o_a", status=DeliveryStatus.FILTERED).count() == 1
    assert "已订阅" in quiet.say("订阅 警示").text


def test_a_question_starting_with_tuiding_is_answered_not_taken_as_a_command(app, kb, consumer):
    """"退订短信回了TD还是天天发" and "订阅号天天给我推广告" are questions for 维权问答, not an unknown push kind, and
    change no preference; "退订警示" glued, "退订：案例" with a colon and "退订 警告" mistyped are still the command."""
    asker = consumer("o_q")
    spam = asker.say("退订短信回了TD 还是天天发").text
    assert "这类推送" not in spam and "依据" in spam
    assert "这类推送" not in asker.say("订阅号天天给我推广告").text
    with app.app_context():
        assert KindPreference.query.count() == 0
    assert "已退订：消费警示。" in asker.say("退订警示").text
    assert "已退订：典型案例。" in asker.say("退订：案例").text
    assert "没有“警告”这类推送" in asker.say("退订 警告").text


def test_cancelling_a_subscription_in_everyday_words_is_the_unsubscribe_command(app, kb, consumer):
    """"取消订阅 警示" unsubscribes from 消费警示 as "退订 警示" does, and "取消订阅" alone lists the choices; "取消订阅" had
    got "这个问题我还答不好" and was queued for staff."""
    asker = consumer("o_c")
    assert "当前：全部接收" in asker.say("取消订阅").text
    assert "已退订：消费警示。" in asker.say("取消订阅 警示").text
    assert "当前：警示退订" in asker.say("取消推送").text


@pytest.mark.parametrize("said", ["不要再给我发了", "别推送了"])
def test_not_wanting_the_pushes_in_ones_own_words_lists_the_choices(app, kb, consumer, said):
    """"不要再给我发了" or "别推送了" gets the 退订 choices (it had got "这个问题我帮不上忙"); "商家别给我发短信了" is still
    a question about a shop's texts, not a 退订."""
    asker = consumer("o_stop")
    assert "当前：全部接收" in asker.say(said).text
    assert "当前：" not in consumer("o_sms").say("商家别给我发短信了").text


def test_mass_send_batches_with_clientmsgid_and_counts_quota(app, sim, wechat):
    """A mass send goes in batches with a deterministic clientmsgid; MASSSENDJOBFINISH counts are recorded."""
    with app.app_context():
        follow(sim, "o_a", "o_b", "o_c")
        pub = approved(strategy="mass")
        send_now(pub)
        assert push(app) == 3
        job = MassJob.query.one()
        assert job.client_msg_id == f"pub{pub.id}-b1" and job.msg_id
        assert [m["kind"] for m in sim.inbox("o_b")] == ["mass"]
        msg_id = job.msg_id
    answer = wechat.event("MASSSENDJOBFINISH", MsgID=msg_id, Status="send success", TotalCount=3, FilterCount=3,
                          SentCount=3, ErrorCount=0)
    assert answer.text == ""
    with app.app_context():
        assert MassJob.query.one().sent_count == 3


def test_mass_quota_exhausted_refuses_before_sending(app, sim):
    """When every follower already got 4 mass messages this month, scheduling a 5th mass send is refused."""
    with app.app_context():
        follow(sim, "o_a", "o_b")
        for n in range(4):
            pub = approved(strategy="mass", title=f"第{n + 1}条")
            send_now(pub)
            push(app)
        fifth = approved(strategy="mass", title="第5条")
        meter = publications.quota_meter(fifth.id, now=utcnow())
        assert (meter.audience, meter.with_quota) == (2, 0)
        with pytest.raises(QuotaExceeded, match="额度已用完"):
            publications.send_now(fifth.id, by="checker", now=utcnow())
        assert len(received(sim, "o_a", "mass")) == 4
        each = approved(strategy="each", title="逐个发送不占群发额度")
        send_now(each)
        assert push(app) == 2


def test_a_send_without_an_answer_is_unconfirmed_and_never_sent_again(make_app, sim):
    """A send whose request reached WeChat but got no answer within WECHAT_HTTP_TIMEOUT counts as unconfirmed: no
    run sends it again, so the follower has it once when WeChat delivers it late (the SIGTERM-restart double)."""
    app = make_app(WECHAT_HTTP_TIMEOUT=0.3)
    followers = [f"o_late_{n}" for n in range(5)]
    with app.app_context():
        follow(sim, *followers)
        pub = approved(title="没等到回答也不重发")
        send_now(pub)
        sim.configure(hold_sends_after=3)               # sends past the third wait: WeChat slower than our timeout
        try:
            assert push(app) == 3
        finally:
            requests.post(f"{sim.url}/sim/sends/release", timeout=5).raise_for_status()
        deadline = time.monotonic() + 30
        while sum(len(sim.inbox(o)) for o in followers) < len(followers) and time.monotonic() < deadline:
            time.sleep(0.01)                            # polling for WeChat's late delivery of the held sends
        report = publications.report(pub.id)
        assert report == {"sent": 3, "unconfirmed": 2}
        assert push(app) == 0                           # a later run resends nothing
        assert publications.report(pub.id) == report
    assert {o: titles(sim, o) for o in followers} == {o: ["没等到回答也不重发"] for o in followers}


def test_transient_errors_back_off_and_retry(app, sim):
    """-1 and 45009 from WeChat are retried after a backoff; every follower still gets exactly one message."""
    with app.app_context():
        follow(sim, "o_a", "o_b", "o_c")
        sim.configure(fail={"message/template/send": [45009, -1, -1, -1, 45009]})
        pub = approved()
        send_now(pub)
        push(app, clock=utcnow)
        assert all(len(sim.inbox(o)) == 1 for o in ("o_a", "o_b", "o_c"))
        assert publications.report(pub.id) == {"sent": 3}


def test_warnings_searched_with_the_kind_last_or_in_a_phrase_of_several_words(app, kb, sim, wechat):
    """"预付卡警示" searches the warnings as "警示 预付卡" does (it had got a menu), and "警示 理发店预付卡" finds the
    预付卡 warning by its parts when no warning holds the whole phrase (it had found none)."""
    with app.app_context():
        follow(sim, "o_a")
        for title, tags in [("预付卡跑路风险", "预付卡"), ("双十一网购提醒", "网购")]:
            send_now(approved(title=title, tags=tags))
            push(app)
    assert wechat.say("预付卡警示").articles[0]["Title"] == "预付卡跑路风险"
    assert wechat.say("警示 理发店预付卡").articles[0]["Title"] == "预付卡跑路风险"


def test_warnings_menu_and_keyword_search(app, sim, wechat, consumer):
    """最新警示 shows the latest warnings as articles; `警示 预付卡` finds older ones by keyword."""
    assert "还没有发布消费警示" in wechat.click("WARNINGS").text
    with app.app_context():
        follow(sim, "o_a", "o_b")
        for title, tags in [("预付卡跑路风险", "预付卡"), ("双十一网购提醒", "网购"), ("春节食品安全", "食品")]:
            pub = approved(title=title, tags=tags)
            send_now(pub)
            push(app)
    clicked = wechat.click("WARNINGS").articles
    assert len(clicked) == 3 and clicked[0]["Title"] == "春节食品安全"
    typed = wechat.say("警示").articles
    assert len(typed) == 1
    assert wechat.say("警示 预付卡").articles[0]["Title"] == "预付卡跑路风险"
    assert "没有找到" in wechat.say("警示 汽车").text
    # another follower: two taps by one follower in the same second share WeChat's event dedup key
    assert "还没有发布典型案例" in consumer("o_other").click("CASES").text


def test_seeded_demo_answers_the_menu(app, consumer):
    """After `flask seed`'s demo publications, 最新警示 and `警示 预付卡` answer with them; seeding twice adds none."""
    from services import publication_seed
    with app.app_context():
        publication_seed.seed_demo()
        assert publication_seed.seed_demo() == "0 demo publications"
        db.session.commit()                  # as `flask seed` does after each seed
    reader = consumer("o_reader")
    assert len(reader.click("WARNINGS").articles) == 2
    assert "预付卡" in reader.say("警示 预付卡").articles[0]["Title"]
