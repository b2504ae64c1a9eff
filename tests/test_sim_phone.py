"""The sim's phone-like chat page talks to the bot exactly as the terminal chat does."""
import requests

from tests.support.wechat import APP_ID, TOKEN


def test_phone_page_serves_menu(sim):
    """The page renders the contract's menu, offline (no external assets)."""
    html = requests.get(f"{sim.url}/sim/phone", timeout=5).text
    assert "我要投诉" in html and "http://" not in html.replace("http://127.0.0.1", "")


def test_phone_say_posts_signed_push_to_bot(sim, live_app):
    """A follow from the page reaches the bot signed like WeChat and shows the welcome."""
    sim.configure(bot={"url": live_app, "token": TOKEN, "app_id": APP_ID})
    answer = requests.post(f"{sim.url}/sim/say", json={"openid": "o_page", "kind": "follow"}, timeout=10).json()
    assert answer["status"] == 200 and "欢迎" in answer["text"]
