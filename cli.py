"""CLI commands that belong to no single feature: `seed` and `dev`.

`SEEDS` lists each feature's idempotent seed of reference data ("module:function"), called in order by `flask seed`;
`DEMO_SEEDS` adds made-up content (an open 你点我检 poll, 消费警示 and a 典型案例 published under the bureau's name)
only with `flask seed --demo` and in `flask dev` — never on a production install by accident.
A feature adds one line here; its own commands live with its console module.
"""
from __future__ import annotations

import importlib

import click
import requests
from flask import current_app
from flask.cli import with_appcontext

import config as settings
from extensions import db

SEEDS: list[str] = [
    "services.departments:seed_defaults",
    "services.deadlines:seed_clocks",
    "services.faq:seed",
]
DEMO_SEEDS: list[str] = [
    "services.poll_seed:seed_demo",
    "services.publication_seed:seed_demo",
]


@click.command("seed")
@click.option("--demo", is_flag=True, help="also add the demo poll and publications (development, training)")
@with_appcontext
def seed(demo: bool = False) -> None:
    """Load departments, statutory clocks and the knowledge base; with --demo also demo content (safe to rerun)."""
    for target in SEEDS + (DEMO_SEEDS if demo else []):
        module, _, fn = target.partition(":")
        result = getattr(importlib.import_module(module), fn)()
        db.session.commit()                      # the edge commits (services/tx.py)
        click.echo(f"seeded {module}: {result}")


@click.command("dev")
@click.option("--port", default=5000, show_default=True)
@with_appcontext
def dev(port: int) -> None:
    """Run everything on embedded defaults: migrate, seed, the sim WeChat API, the scheduler and the bot."""
    from flask_migrate import upgrade

    import scheduler
    from sim import serve_in_thread

    app = current_app._get_current_object()
    upgrade(directory=str(settings.ROOT / "migrations"), revision="head")
    seed.callback(demo=True)
    _, sim_url = serve_in_thread(settings.SIM_PORT)
    cfg = app.config
    requests.post(f"{sim_url}/sim/config", timeout=5, json={
        "callback": f"http://127.0.0.1:{port}/wechat", "token": cfg["WECHAT_TOKEN"],
        "bot": {"url": f"http://127.0.0.1:{port}", "token": cfg["WECHAT_TOKEN"], "app_id": cfg["WECHAT_APP_ID"],
                "aes_key": cfg["WECHAT_AES_KEY"]}})
    from app import warm_up
    warm_up(app)
    if hasattr(scheduler, "start_in_background"):
        scheduler.start_in_background(app)
    click.echo(f"WeChat stand-in: {sim_url}   phone: {sim_url}/sim/phone   bot: http://127.0.0.1:{port}/wechat   console: "
               f"http://127.0.0.1:{port}/console/\nChat with it:  make chat   (or: .venv/bin/flask --app app sim chat)")
    from werkzeug.serving import run_simple   # Flask ignores app.run() inside the flask CLI

    run_simple("127.0.0.1", port, app, threaded=True, use_reloader=False)


def init_app(app) -> None:
    app.cli.add_command(seed)
    app.cli.add_command(dev)
