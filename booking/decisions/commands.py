"""`flask offers expire`: close the requests whose counter-offer ran out unanswered."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from ..clock import now
from ..database import writes
from ..extensions import db
from . import offers

offers_cli = AppGroup("offers", help="Counter-offers made to partner groups.")


@offers_cli.command("expire")
@writes
def expire() -> None:
    """Close every request whose offer expired; running it again changes nothing."""
    closed = offers.expire_due(db.session, now())
    db.session.commit()
    click.echo(str(closed))
