"""Command-line tasks: `flask users create`, `flask demo seed`."""

import click
from flask.cli import AppGroup

users_cli = AppGroup("users", help="Manage accounts.")
demo_cli = AppGroup("demo", help="Demo data for trying Treffpunkt out.")


def init_app(app) -> None:
    app.cli.add_command(users_cli)
    app.cli.add_command(demo_cli)
