"""`flask outbox run` (the long-running worker) and `flask outbox send` (what is due, once)."""

from __future__ import annotations

import fcntl
import signal
from contextlib import contextmanager
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from ..extensions import db
from . import worker

outbox_cli = AppGroup("outbox", help="Send the e-mails waiting in the outbox.")


@contextmanager
def _one_worker_on_sqlite():
    """SQLite has one writer: one worker at a time keeps it free for the web requests."""
    if db.engine.dialect.name != "sqlite":
        yield
        return
    path = Path(current_app.instance_path) / "outbox-worker.lock"
    with path.open("w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise click.ClickException("Another outbox worker is running on this SQLite database.") from None
        yield


@outbox_cli.command("send")
def send() -> None:
    """Send what is due now (reminders and digests included), then stop: for cron or a timer."""
    with _one_worker_on_sqlite():
        click.echo(str(worker.send_due()))


@outbox_cli.command("run")
@click.option("--poll", type=float, default=None, help="Seconds between passes (OUTBOX_POLL_SECONDS).")
def run(poll: float | None) -> None:
    """Keep sending until stopped (SIGTERM or Ctrl-C ends it after the message in hand)."""
    stopping = []
    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, lambda *_: stopping.append(True))
    with _one_worker_on_sqlite():
        click.echo("The outbox worker is running.")
        worker.run(poll or current_app.config["OUTBOX_POLL_SECONDS"], stop=lambda: bool(stopping), log=click.echo)


def init_app(app) -> None:
    app.cli.add_command(outbox_cli)
