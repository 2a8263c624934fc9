"""`flask retention run`: the nightly clean-up (deploy/systemd/treffpunkt-retention.timer)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from ..clock import now
from ..database import writes
from ..extensions import db
from . import retention

retention_cli = AppGroup("retention", help="Erase and delete what the house no longer needs to keep.")


@retention_cli.command("run")
@writes
def run() -> None:
    """Erase inactive accounts and groups' contact data, delete old sessions, keys, links and e-mails."""
    config = current_app.config
    report = retention.run(db.session, at=now(), months=config["RETENTION_MONTHS"],
                           keep_days=config["OUTBOX_KEEP_DAYS"], session_days=config["LOGIN_SESSION_DAYS"])
    db.session.commit()
    click.echo(
        f"Erased {report.accounts} inactive account(s) and the contact data of {report.organisations} "
        f"inactive group(s) (inactive for {config['RETENTION_MONTHS']} months). Deleted {report.sessions} "
        f"ended login session(s), {report.submissions} sent-form key(s), {report.links} expired link(s) and "
        f"{report.messages} e-mail(s) handled more than {config['OUTBOX_KEEP_DAYS']} days ago."
    )


def init_app(app) -> None:
    app.cli.add_command(retention_cli)
