"""`flask staff create NAME --role admin|staff|viewer [--department D]` (password prompted, or --password-stdin)
and `staff list`."""
from __future__ import annotations

import sys

import click
from flask.cli import AppGroup
from sqlalchemy import select

from extensions import db
from models import Staff
from services import DomainError
from services import staff as staff_service
from services.clock import utcnow

staff_cli = AppGroup("staff", help="Staff accounts of the console.")


@staff_cli.command("create")
@click.argument("username")
@click.option("--password", default=None,
              help="at least 10 characters; omit it to be asked (keeps it out of the shell history and ps)")
@click.option("--password-stdin", is_flag=True, help="read the password from the first line of standard input")
@click.option("--role", required=True, help="admin, staff or viewer")
@click.option("--department", default=None, help="department name or id")
@click.option("--name", "display_name", default="", help="display name")
def create(username: str, password: str | None, password_stdin: bool, role: str, department: str | None,
           display_name: str) -> None:
    """Create a staff account (the first admin: `staff create NAME --role admin`, then type the password)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    elif password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        person = staff_service.create(username=username, password=password, role=role, department=department,
                                      display_name=display_name, actor="cli", now=utcnow())
        db.session.commit()
    except DomainError as err:
        db.session.rollback()
        raise click.ClickException(err.message) from None
    click.echo(f"created staff {person.username} (id {person.id}, {person.role})")


@staff_cli.command("list")
def list_staff() -> None:
    """Print every account: username, role, department, active."""
    for person in db.session.scalars(select(Staff).order_by(Staff.username)):
        dept = person.department.name if person.department else "-"
        click.echo(f"{person.username}\t{person.role}\t{dept}\t{'active' if person.active else 'inactive'}")


def init_app(app) -> None:
    app.cli.add_command(staff_cli)
