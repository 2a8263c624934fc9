"""`flask garden move-on`: offers that ran out go to the next group on the list (for cron)."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from .. import database
from ..clock import now
from ..extensions import db
from . import domain
from .models import GardenSeason

garden_cli = AppGroup("garden", help="The garden season round.")


@garden_cli.command("move-on")
@database.writes
def move_on() -> None:
    """Let offers that ran out lapse and offer each plot to the next on the waiting list."""
    at = now()
    lapsed = 0
    for season in db.session.scalars(sa.select(GardenSeason)).all():
        lapsed += domain.move_on(db.session, season, at)
    db.session.commit()
    click.echo(str(lapsed))
