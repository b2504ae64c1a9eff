"""A browser chat page that looks like a phone: type or tap the menu as a consumer and see what WeChat would show.

Served by the sim server at /sim/phone. The page posts to /sim/say; the sim signs the push like WeChat (with the
bot's token, given by `flask dev` through /sim/config {"bot": {...}}) and posts it to the bot's /wechat.
"""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template, request

from sim.client import SimUser, http_transport

bp = Blueprint("phone", __name__, template_folder="templates")


@bp.get("/sim/phone")
def phone():
    from handlers.menu import DEFAULT_MENU
    return render_template("phone.html", menu=DEFAULT_MENU["button"])


@bp.post("/sim/say")
def say():
    bot = current_app.config["SIM_STATE"].bot
    if not bot:
        return jsonify({"error": "bot not configured: start it with `flask --app app dev`"}), 409
    body = request.get_json(force=True, silent=True) or {}
    openid = str(body.get("openid") or "o_phone_user")[:64]
    user = SimUser(http_transport(bot["url"]), token=bot["token"], app_id=bot["app_id"], openid=openid,
                   aes_key=bot.get("aes_key"), mode="safe" if bot.get("aes_key") else "plain",
                   api_base=request.host_url.rstrip("/"))
    kind, value = body.get("kind", "text"), str(body.get("value", ""))
    if kind == "click":
        answer = user.click(value)
    elif kind == "follow":
        answer = user.follow()
    elif kind == "location":
        answer = user.location(39.9, 116.4, value or "城关镇")
    elif kind == "photo":
        answer = user.image()
    else:
        answer = user.say(value)
    return jsonify({"status": answer.status, "type": answer.type, "text": answer.text,
                    "articles": [{"title": a.get("Title"), "description": a.get("Description"), "url": a.get("Url")}
                                 for a in answer.articles]})
