"""Command-line tasks: `flask users create`, `flask demo seed`, `flask backup`."""

from pathlib import Path

import click
import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from flask_babel import force_locale
from sqlalchemy.exc import IntegrityError

from . import accounts, backup, demo
from .database import writes
from .extensions import db
from .models import Organisation, Role, User

users_cli = AppGroup("users", help="Manage accounts.")
demo_cli = AppGroup("demo", help="Demo data for trying Treffpunkt out.")

MIN_PASSWORD_LENGTH = accounts.MIN_PASSWORD_LENGTH


def init_app(app) -> None:
    app.cli.add_command(users_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(backup_database)
    from .privacy import commands as privacy_commands

    privacy_commands.init_app(app)


def _check_email(email: str) -> str:
    """A syntactically valid address, lower-cased; no one else may have it in any case."""
    email = User.normalise_email(email)
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError as error:
        raise click.BadParameter(str(error), param_hint="--email") from None
    if User.by_email(email) is not None:
        raise click.ClickException(f"An account with the e-mail address {email} already exists.")
    return email


def _find_organisation(role: Role, name: str | None) -> Organisation | None:
    """Partners belong to an existing organisation; staff to none."""
    if role != Role.PARTNER:
        if name:
            raise click.UsageError("--organisation is only for partner accounts.")
        return None
    if not name:
        raise click.UsageError("A partner account needs --organisation NAME.")
    organisation = db.session.scalar(sa.select(Organisation).where(Organisation.name == name.strip()))
    if organisation is None:
        known = db.session.scalars(sa.select(Organisation.name).order_by(Organisation.name)).all()
        hint = f" Known organisations: {', '.join(known)}." if known else " There are no organisations yet."
        raise click.ClickException(f"There is no organisation called {name!r}.{hint}")
    return organisation


def _check_password(password: str, email: str) -> str:
    """The same rules as in the browser: long enough, not common, not the address."""
    problems = accounts.password_problems(password, email)
    if problems:
        with force_locale("en"):
            raise click.ClickException(" ".join(str(p) for p in problems))
    return password


@users_cli.command("create")
@click.option("--email", required=True, help="Login address; stored lower-case.")
@click.option("--name", required=True, help="The person's full name.")
@click.option(
    "--role", required=True, type=click.Choice([r.value for r in Role]), help="What the account may do."
)
@click.option("--organisation", help="The partner's organisation (exact name).")
@click.option("--password", help=f"At least {MIN_PASSWORD_LENGTH} characters; asked for when left out.")
@writes
def create_user(email: str, name: str, role: str, organisation: str | None, password: str | None) -> None:
    """Create an account, for instance the first admin."""
    role = Role(role)
    name = name.strip()
    if not name or len(name) > 120:
        raise click.BadParameter("Give a name of 1 to 120 characters.", param_hint="--name")
    email = _check_email(email)
    found = _find_organisation(role, organisation)
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    _check_password(password, email)

    user = User(email=email, name=name, role=role, organisation=found)
    user.set_password(password, method=current_app.config["PASSWORD_HASH_METHOD"])
    db.session.add(user)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise click.ClickException(f"An account with the e-mail address {email} already exists.") from None
    where = f" of {found.name}" if found else ""
    click.echo(f"Created the {role} account {email} ({name}){where}.")


@demo_cli.command("seed")
@click.option("--first-run", is_flag=True, help="Seed only into a database without any accounts.")
@writes
def seed_demo(first_run: bool) -> None:
    """Add the demo rooms, groups, accounts and a fortnight of bookings; safe to repeat."""
    if first_run and demo.has_users(db.session):
        click.echo("The database already has accounts; left the data alone.")
        return
    report = demo.seed(db.session, password_method=current_app.config["PASSWORD_HASH_METHOD"])
    db.session.commit()
    if not report.added:
        click.echo("The demo data is already there; nothing added.")
        return
    click.echo(
        f"Added {report.resources} resources, {report.organisations} organisations, "
        f"{report.users} accounts and {report.bookings} bookings."
    )
    if report.skipped:
        click.echo(f"Left out {report.skipped} bookings whose slot was already taken.")
    accounts = ", ".join(spec.email for spec in demo.ACCOUNTS)
    click.echo(f"Demo accounts ({accounts}) share the password {demo.DEMO_PASSWORD!r}.")


@click.command("backup")
@click.option(
    "--keep", type=click.IntRange(min=1), help="How many backups to keep; default BACKUP_KEEP (14)."
)
@with_appcontext
def backup_database(keep: int | None) -> None:
    """Copy the SQLite database to instance/backups/, check the copy, keep the newest N.

    Safe while the app runs. The file name is the time the backup began, in UTC.
    """
    keep = current_app.config["BACKUP_KEEP"] if keep is None else keep
    folder = Path(current_app.instance_path) / "backups"
    try:
        made = backup.make_backup(current_app.config["SQLALCHEMY_DATABASE_URI"], folder, keep)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from None
    bookings = "1 booking" if made.bookings == 1 else f"{made.bookings} bookings"
    click.echo(f"Wrote {made.path} ({bookings}) in {made.seconds:.2f} s; it passed the integrity check.")
    if made.removed:
        older = "older backup" if len(made.removed) == 1 else "older backups"
        click.echo(f"Removed {len(made.removed)} {older}; kept the newest {keep}.")
