"""The terminal chat: type as a consumer would on a phone and see what WeChat would show.

Commands start with a slash; anything else is sent as a text message.
"""
from __future__ import annotations

import time

import click
import requests

from handlers.menu import DEFAULT_MENU
from sim.client import Answer, SimUser, http_transport

HELP = """/follow [scene]   关注公众号          /unfollow        取消关注
/menu             显示菜单            /click KEY       点菜单（如 /click COMPLAINT）
/loc 纬度 经度 [名称]  发送位置          /photo           发送一张照片
/voice 文字        发送语音（带识别结果） /quit            退出
其他内容直接作为文字消息发送。"""


def _menu_text() -> str:
    lines = []
    for top in DEFAULT_MENU["button"]:
        items = "  ".join(f"{b['name']}[{b['key']}]" for b in top["sub_button"])
        lines.append(f"【{top['name']}】 {items}")
    return "\n".join(lines)


def _show(answer: Answer, seen_before: int, user: SimUser) -> int:
    if answer.status != 200:
        click.secho(f"(HTTP {answer.status}: {answer.body})", fg="red")
    elif answer.type == "text":
        click.secho(answer.text, fg="green")
    elif answer.type == "news":
        for a in answer.articles:
            click.secho(f"[图文] {a.get('Title')}\n{a.get('Description')}\n{a.get('Url')}", fg="green")
    elif answer.type == "transfer_customer_service":
        click.secho("(已转接人工客服，请等待工作人员回复)", fg="yellow")
    # Follow-ups arrive by customer-service message through the fake API; show what is new.
    time.sleep(0.3)
    try:
        inbox = user.inbox()
    except requests.RequestException:
        return seen_before
    for item in inbox[seen_before:]:
        body = item.get("body") or item.get("data") or {}
        click.secho(f"[{item['kind']}] {body.get('content', body)}", fg="cyan")
    return len(inbox)


def run(*, url: str, openid: str, token: str, app_id: str, aes_key: str | None, api_base: str) -> None:
    user = SimUser(http_transport(url), token=token, app_id=app_id, openid=openid, aes_key=aes_key,
                   mode="safe" if aes_key else "plain", api_base=api_base)
    click.echo(f"以 {openid} 的身份和公众号聊天（{url}）。输入 /help 查看命令。\n{_menu_text()}")
    seen = 0
    while True:
        try:
            line = input("我> ").strip()
        except (EOFError, KeyboardInterrupt):
            break
        if not line:
            continue
        cmd, _, arg = line.partition(" ")
        try:
            if cmd == "/quit":
                break
            if cmd == "/help":
                click.echo(HELP)
                continue
            if cmd == "/menu":
                click.echo(_menu_text())
                continue
            if cmd == "/follow":
                answer = user.follow(arg or None)
            elif cmd == "/unfollow":
                answer = user.unfollow()
            elif cmd == "/click":
                answer = user.click(arg.strip().upper())
            elif cmd == "/loc":
                parts = arg.split()
                answer = user.location(float(parts[0]), float(parts[1]), " ".join(parts[2:]))
            elif cmd == "/photo":
                answer = user.image()
            elif cmd == "/voice":
                answer = user.voice(arg)
            else:
                answer = user.say(line)
        except (ValueError, IndexError):
            click.secho("命令格式不对，输入 /help 查看用法。", fg="red")
            continue
        except requests.RequestException as exc:
            click.secho(f"连不上公众号后台（{url}）：{type(exc).__name__}。先运行 make run。", fg="red")
            continue
        seen = _show(answer, seen, user)
