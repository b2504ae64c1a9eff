"""Exactly once: WeChat re-sends 确认 up to 3 more times; however the deliveries interleave, one case is filed."""
from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import requests

from extensions import db
from models import Case
from services import complaints
from services.clock import utcnow
from sim.client import SimUser, http_transport
from tests.support.complaints import file_case
from tests.support.wechat import APP_ID, TOKEN


def test_four_concurrent_deliveries_of_confirm_file_one_case(app, live_app, sim):
    """The same signed 确认 posted 4 times at once over HTTP files one case, and every answer names it."""
    user = SimUser(http_transport(live_app), token=TOKEN, app_id=APP_ID, openid="o_race", api_base=sim.url)
    for text in ["投诉", "同意", "好又多超市", "城关镇人民路88号", "买到过期牛奶", "完成", "58", "4", "跳过", "张三"]:
        user.say(text)
    assert "请核对" in user.say("13812345678").text
    body, params = user.build({"MsgType": "text", "Content": "确认"})
    user.report("message")

    def deliver(_):
        res = requests.post(f"{live_app}/wechat", params=params, data=body, timeout=20,
                            headers={"Content-Type": "text/xml"})
        return res.status_code, res.text

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(deliver, range(4)))
    assert all(status == 200 for status, _ in results)
    with app.app_context():
        cases = db.session.query(Case).filter_by(openid="o_race").all()
        assert len(cases) == 1
        number = cases[0].number
    answered = [re.search(r"TS\d{8}-\d{4}", text) for _, text in results if text not in ("", "success")]
    assert answered and all(m and m.group(0) == number for m in answered)


def test_same_intake_token_files_once_even_without_redis_dedup(app):
    """Filing the same intake twice (as when Redis dedup is unavailable) returns the first case, backed by the DB."""
    with app.app_context():
        first = file_case(now=utcnow(), token="tok-1")
        again = file_case(now=utcnow(), token="tok-1")
        other = file_case(now=utcnow(), token="tok-2")
        assert again.id == first.id and other.id != first.id
        assert db.session.query(Case).count() == 2
        assert complaints.find_intake(openid="o_consumer_1", intake_token="tok-1").number == first.number
        assert other.number.endswith("-0002")


def test_concurrent_filings_get_distinct_numbers_and_one_case_per_intake(app):
    """Eight intakes filed at once (two deliveries each, no Redis lock) make eight cases numbered -0001..-0008."""
    from threading import Barrier

    barrier = Barrier(16)
    now = utcnow()

    def one(i: int) -> str:
        with app.app_context():
            barrier.wait(timeout=10)
            number = file_case(now=now, openid=f"o_{i % 8}", token=f"tok-{i % 8}").number
            db.session.remove()
            return number

    with ThreadPoolExecutor(max_workers=16) as pool:
        numbers = list(pool.map(one, range(16)))
    assert len(set(numbers)) == 8
    assert all(numbers[i] == numbers[i + 8] for i in range(8))
    assert sorted(n[-4:] for n in set(numbers)) == [f"{i:04d}" for i in range(1, 9)]
    with app.app_context():
        assert db.session.query(Case).count() == 8
