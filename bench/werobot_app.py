"""Reference 2: WeRoBot 1.13.1 answering a fixed reply (its own signature check and crypto). Used by
bench_webhook.py."""
import os

from werobot import WeRoBot

robot = WeRoBot(token=os.environ["WECHAT_TOKEN"], encoding_aes_key=os.environ["WECHAT_AES_KEY"],
                app_id=os.environ["WECHAT_APP_ID"], SESSION_STORAGE=False)
robot.config["SESSION_STORAGE"] = False


@robot.handler
def fixed(message):
    return "您好，已收到。"


app = robot.wsgi
