"""WeChat protocol edge: webhook, parsing, conversations, routing, outbound client and the `menu push` command."""
from __future__ import annotations

import logging

import click
from flask import current_app
from flask.cli import AppGroup

import logs
from extensions import redis

log = logs.get(__name__)


def init_app(app) -> None:
    from bot import webhook
    from bot.client import Outbound, WeChatAPI, WeChatSender
    from services import survey_links

    app.register_blueprint(webhook.bp)
    if not any(isinstance(f, webhook.NoQueryStrings) for f in logging.getLogger("werkzeug").filters):
        logging.getLogger("werkzeug").addFilter(webhook.NoQueryStrings())
    if app.config["APP_ENV"] == "production" and not app.config["WECHAT_ACCOUNT_ID"]:
        log.warning("WECHAT_ACCOUNT_ID unset: pushes are not checked against the account's ToUserName")
    app.session_interface = webhook.SessionlessWebhook()
    api = WeChatAPI(app_id=app.config["WECHAT_APP_ID"], secret=app.config["WECHAT_APP_SECRET"],
                    api_base=app.config["WECHAT_API_BASE"], redis=redis,
                    timeout=float(app.config["WECHAT_HTTP_TIMEOUT"]))
    app.extensions["wechat_api"] = api
    templates = {"case_status": app.config.get("WECHAT_TEMPLATE_CASE_STATUS"),
                 "case_status_subscription": app.config.get("WECHAT_SUBSCRIPTION_CASE_STATUS")}
    app.extensions["outbound"] = Outbound(sender=WeChatSender(api, templates),
                                          workers=int(app.config["OUTBOUND_WORKERS"]),
                                          survey_links=survey_links.Links.of(app.config))
    app.cli.add_command(menu_cli)
    _check_menu()


def _check_menu() -> None:
    """Fail at start, naming the key, if the default menu and the features disagree (handlers.menu_keys)."""
    import handlers
    from handlers import menu, menu_keys
    menu_keys.check(menu.DEFAULT_MENU, handlers.FEATURES)


menu_cli = AppGroup("menu", help="The account's custom menu.")


@menu_cli.command("push")
def menu_push() -> None:
    """Create the contract's default menu on the account."""
    from wechatpy.exceptions import WeChatClientException

    from handlers.menu import DEFAULT_MENU

    api = current_app.extensions["wechat_api"]
    try:
        api.post("menu/create", data=DEFAULT_MENU)
    except (WeChatClientException, Exception) as exc:  # noqa: BLE001 - a CLI reports any failure in one line
        raise click.ClickException(f"menu push failed: {exc}") from exc
    click.echo("menu pushed: " + ", ".join(b["name"] for b in DEFAULT_MENU["button"]))
