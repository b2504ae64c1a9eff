"""The app starts on embedded defaults and answers health checks and a first message."""


def test_healthz_reports_both_stores(client):
    """/healthz answers 200 with db and redis ok when both answer."""
    res = client.get("/healthz")
    assert res.status_code == 200
    body = res.get_json()
    assert (body["db"], body["redis"]) == ("ok", "ok") and body["version"]


def test_follow_gets_welcome(wechat):
    """Following the account gets a welcome that says what it does."""
    answer = wechat.follow()
    assert answer.status == 200
    assert "投诉" in answer.text and "欢迎" in answer.text
