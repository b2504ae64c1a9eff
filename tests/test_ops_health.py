"""Health and metrics: /healthz stays "this process can serve" with the version and scheduler state in its body;
/healthz/scheduler answers 503 without a lease holder or with an overdue job; /metrics exposes the alert figures."""
from __future__ import annotations

import random
import time
from datetime import timedelta, timezone

from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from extensions import db
from scheduler import lease
from scheduler.runner import JOBSTORE_TABLE, Runner
from sim.client import sign, to_xml
from services.clock import utcnow
from tests.support.complaints import file_case
from tests.support.wechat import TOKEN
from version import __version__


def _samples(client) -> dict[tuple[str, tuple], float]:
    res = client.get("/metrics")
    assert res.status_code == 200 and res.mimetype == "text/plain"
    out = {}
    for family in text_string_to_metric_families(res.get_data(as_text=True)):
        for sample in family.samples:
            out[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return out


def test_scheduler_check_is_503_without_a_lease_holder_while_healthz_stays_200(client):
    """No scheduler running: monitoring's check says 503 and why; the load balancer's /healthz still says 200."""
    health = client.get("/healthz")
    assert health.status_code == 200
    assert health.json == {"db": "ok", "redis": "ok", "version": __version__, "scheduler": "down"}
    check = client.get("/healthz/scheduler")
    assert check.status_code == 503
    assert check.json["holder"] is None and check.json["ok"] is False


def test_scheduler_check_is_200_with_a_holder_and_503_when_a_job_is_overdue(app, client):
    """A running scheduler holding the lease passes; a job whose next run is an hour past fails the check by name."""
    runner = Runner(app, holder="test-host:1:abc")
    try:
        assert runner.tick()
        check = client.get("/healthz/scheduler")
        assert check.status_code == 200, check.json
        assert check.json["holder"] == "test-host:1:abc" and check.json["jobs"] >= 5
        assert client.get("/healthz").json["scheduler"] == "running"
        runner._stop()                          # the lease stays, the jobs stop: a stuck scheduler
        with app.app_context():
            db.session.execute(text(f"UPDATE {JOBSTORE_TABLE} SET next_run_time = :t WHERE id = 'polls.open_due'"),
                               {"t": _epoch(utcnow() - timedelta(hours=1))})
            db.session.commit()
        check = client.get("/healthz/scheduler")
        assert check.status_code == 503 and check.json["overdue"] == ["polls.open_due"]
        assert client.get("/healthz").status_code == 200
    finally:
        with app.app_context():
            lease.release(holder="test-host:1:abc")
            db.session.execute(text(f"DROP TABLE IF EXISTS {JOBSTORE_TABLE}"))   # APScheduler's, not a model
            db.session.commit()


def _epoch(naive_utc) -> float:
    return naive_utc.replace(tzinfo=timezone.utc).timestamp()


def test_metrics_expose_the_figures_an_office_alerts_on(app, client, wechat, staff_factory, logged_in, monkeypatch):
    """After a chat, a refused signature, a refused form and an overdue case, /metrics shows each figure."""
    before = _samples(client)
    wechat.say("你好")
    assert client.post("/wechat?signature=bad&timestamp=1&nonce=1", data=b"<xml/>").status_code == 403
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    user = logged_in(app.test_client(), staff_factory(role="admin"))
    assert user.client.post("/console/calendar/day", data={"day": "2027-01-04"}).status_code == 400
    with app.app_context():
        file_case(now=utcnow() - timedelta(days=30))
    after = _samples(client)

    def grew(name, **labels):
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0) - before.get(key, 0)
    assert grew("cp_webhook_seconds_count") >= 1
    assert grew("cp_webhook_responses_total", status="200") >= 1
    assert grew("cp_webhook_responses_total", status="403") == 1
    assert grew("cp_security_rejections_total", kind="signature") == 1
    assert grew("cp_security_rejections_total", kind="csrf") == 1
    assert ("cp_webhook_slow_replies_total", ()) in after
    assert after[("cp_cases", (("due", "overdue"),))] == 1
    assert ("cp_unanswered_questions", ()) in after
    assert after[("cp_store_up", (("store", "db"),))] == 1 and after[("cp_store_up", (("store", "redis"),))] == 1
    assert after[("cp_scheduler_lease_held", ())] == 0
    assert ("cp_build_info", (("version", __version__),)) in after
    assert ("cp_store_errors_total", (("store", "redis"),)) in after
    assert after[("cp_publication_deliveries", (("status", "unconfirmed"),))] == 0


def _push(app, openid: str, *, queued: float | None = None):
    """One signed text push as WeChat sends it; `queued`: seconds it waited in nginx (X-Request-Start)."""
    stamp, nonce = str(int(time.time())), str(random.randint(10**8, 10**9))
    body = to_xml({"ToUserName": "gh_sim0000000315", "FromUserName": openid, "CreateTime": int(time.time()),
                   "MsgType": "text", "Content": "你好", "MsgId": random.randint(1, 10**12)}).encode()
    headers = {"X-Request-Start": f"t={time.time() - queued:.3f}"} if queued is not None else {}
    res = app.test_client().post("/wechat", query_string={"signature": sign(TOKEN, stamp, nonce), "timestamp": stamp,
                                                          "nonce": nonce}, data=body, headers=headers)
    app.extensions["outbound"].drain()
    assert res.status_code == 200
    return res


def test_queue_time_and_store_failures_reach_the_counters(make_app, client):
    """A push that waited past WeChat's 5 s in nginx counts as a slow reply, one past WECHAT_SHED_AFTER as deferred,
    and a request that finds Redis down counts one Redis error."""
    before = _samples(client)
    _push(make_app(WECHAT_SHED_AFTER=0), "o_metrics_slow", queued=6)
    _push(make_app(), "o_metrics_deferred", queued=3)
    _push(make_app(REDIS_URL="redis://127.0.0.1:1/0"), "o_metrics_no_redis")   # nothing listens on port 1
    after = _samples(client)

    def grew(name, **labels):
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0) - before.get(key, 0)
    assert grew("cp_webhook_slow_replies_total") == 1
    assert grew("cp_webhook_deferred_total") == 1
    assert grew("cp_store_errors_total", store="redis") >= 1
