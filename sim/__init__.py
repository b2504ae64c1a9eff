"""`sim/`: WeChat in a box. A fake API server (sim.server), a client that signs and encrypts like WeChat
(sim.client), and a terminal chat (sim.chat). CLI: `flask --app app sim serve | chat`."""
from __future__ import annotations

import threading

import click
from flask import current_app
from flask.cli import AppGroup
from werkzeug.serving import BaseWSGIServer, make_server

from sim.server import SimState, create_sim_app

sim_cli = AppGroup("sim", help="The local WeChat stand-in.")


def serve_in_thread(port: int = 0, state: SimState | None = None) -> tuple[BaseWSGIServer, str]:
    """Start the fake API on 127.0.0.1:`port` (0 = any free port) in a daemon thread; returns (server, base URL)."""
    server = make_server("127.0.0.1", port, create_sim_app(state), threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True, name="sim-api").start()
    return server, f"http://127.0.0.1:{server.server_port}"


@sim_cli.command("serve")
@click.option("--port", default=8315, show_default=True)
def serve(port: int) -> None:
    """Run the fake WeChat API server in the foreground."""
    from werkzeug.serving import run_simple   # Flask's app.run() is a no-op under the flask CLI

    run_simple("127.0.0.1", port, create_sim_app(), threaded=True)


@sim_cli.command("chat")
@click.option("--url", default="http://127.0.0.1:5000", show_default=True, help="Where the bot listens.")
@click.option("--openid", default="o_terminal_user", show_default=True)
def chat(url: str, openid: str) -> None:
    """Chat with the bot in the terminal as a consumer (menu keys, text, location, photos)."""
    from sim.chat import run

    cfg = current_app.config
    run(url=url, openid=openid, token=cfg["WECHAT_TOKEN"], app_id=cfg["WECHAT_APP_ID"],
        aes_key=cfg["WECHAT_AES_KEY"], api_base=cfg["WECHAT_API_BASE"])


def init_app(app) -> None:
    app.cli.add_command(sim_cli)
