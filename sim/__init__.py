"""`sim/`: WeChat in a box. A fake API server (sim.server), a client that signs and encrypts like WeChat
(sim.client), and a terminal chat (sim.chat). CLI: `flask --app app sim serve | chat`.

Two ways to serve the fake API: `serve_in_thread` (werkzeug, for tests and the dev command) and `serve_keepalive`
(gunicorn, HTTP/1.1 keep-alive, for benchmarks: werkzeug's server answers HTTP/1.0, one TCP connection per call)."""
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


def serve_keepalive(bind: str, *, threads: int = 128) -> None:
    """Serve the fake API in the foreground with keep-alive connections, as WeChat's API does: gunicorn, ONE
    gthread worker (the sim's state lives in that process's memory) with `threads` threads, never recycled.
    `bind` is gunicorn's: "127.0.0.1:8399", or "fd://3" for a socket the caller already listens on (so it can
    connect at once). No config file is read (the project's gunicorn.conf.py is for the bot)."""
    from gunicorn.app.base import BaseApplication

    class SimServer(BaseApplication):
        def load_config(self) -> None:
            for name, value in {"bind": [bind], "workers": 1, "worker_class": "gthread",
                                "threads": threads, "worker_connections": max(1000, threads * 2), "keepalive": 75,
                                "max_requests": 0, "timeout": 120, "loglevel": "warning"}.items():
                self.cfg.set(name, value)

        def load(self):
            return create_sim_app()

    SimServer().run()


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
