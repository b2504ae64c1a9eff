"""The scheduler: the JOBS table (`scheduler.jobs`), the lease-holding runner, and its CLI.

    flask --app app scheduler run      the one scheduler process (a second one started waits as standby)
    flask --app app scheduler jobs     list JOBS with their ids and triggers
    flask --app app scheduler push     run the publications push once, in the foreground (operators, tests)
"""
from __future__ import annotations

import signal

import click
from flask import current_app
from flask.cli import AppGroup

scheduler_cli = AppGroup("scheduler", help="The scheduler process and its jobs.")


def start_in_background(app):
    """Run the scheduler inside this process (the development `dev` command)."""
    from scheduler.runner import start_in_background as start
    return start(app)


@scheduler_cli.command("run")
def run() -> None:
    """Run the scheduler until SIGTERM/SIGINT; acts only while it holds the lease."""
    from scheduler.runner import Runner

    runner = Runner(current_app._get_current_object())
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: runner.stopping.set())
    runner.run()


@scheduler_cli.command("jobs")
def jobs() -> None:
    """List every periodic job with its stable id."""
    from scheduler.jobs import JOBS

    for job in JOBS:
        trigger = ", ".join(f"{k}={v}" for k, v in job.trigger.items() if k != "timezone")
        click.echo(f"{job.id:32} {trigger}")


@scheduler_cli.command("push")
def push() -> None:
    """Send what is due now and finish interrupted sends, once, in the foreground (SIGTERM stops cleanly)."""
    from threading import Event, Thread

    import logs
    from scheduler.jobs import push_publications

    stop = Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    # Logged from a thread, not the handler (the log sink's lock is not reentrant); once this line is out, no
    # worker claims another row (the SIGTERM tests wait for it before letting in-flight sends finish).
    Thread(target=lambda: stop.wait() and logs.get(__name__).info("push stopping"), daemon=True).start()
    push_publications(current_app._get_current_object(), stop=stop)


def init_app(app) -> None:
    app.cli.add_command(scheduler_cli)
