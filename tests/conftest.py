"""Fixtures as in Flask's tutorial, factories as in Indico's room booking.

Each test gets a database built by the real migrations: on SQLite a fresh copy of a
migrated file, on PostgreSQL (DATABASE_URL set) the migrated schema with every table
emptied. No test sees another's rows.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask.globals import _cv_app
from flask.testing import FlaskClient
from flask_migrate import upgrade

from booking import create_app
from booking.clock import to_utc, today
from booking.extensions import db
from booking.models import (
    Booking,
    Organisation,
    OrganisationKind,
    Resource,
    ResourceKind,
    Role,
    Status,
    User,
)

PASSWORD = "richtig-gutes-passwort"
POSTGRES_URL = os.environ.get("DATABASE_URL", "")
ON_POSTGRES = POSTGRES_URL.startswith("postgres")


def base_config(instance: Path, database_url: str) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-only",
        "DATABASE_URL": database_url,
        "INSTANCE_PATH": str(instance),
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "WTF_CSRF_ENABLED": False,
        "DEVELOPMENT": True,
        "PUBLIC_URL": "http://localhost",  # where the links in e-mails point
    }


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory) -> str:
    """Run the migrations once: into a template SQLite file, or into the PostgreSQL database."""
    if ON_POSTGRES:
        engine = sa.create_engine(create_app_url(POSTGRES_URL))
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
        engine.dispose()
        url = POSTGRES_URL
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('template') / 'template.sqlite'}"
    app = create_app(base_config(tmp_path_factory.mktemp("instance"), url))
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            for table in SEEDED_BY_MIGRATIONS:
                MIGRATION_ROWS[table] = [dict(row) for row in conn.execute(sa.text(f"SELECT * FROM {table}")).mappings()]
        db.engine.dispose()
    return url


# Rows the migrations themselves insert (the house's default opening hours); restored after
# each PostgreSQL test's TRUNCATE, as a fresh SQLite copy of the template has them anyway.
SEEDED_BY_MIGRATIONS = ("opening_hours", "purpose")
MIGRATION_ROWS: dict[str, list[dict]] = {}


def create_app_url(url: str) -> str:
    from booking.config import database_url

    return database_url(url)


@pytest.fixture
def database_url(migrated_database, tmp_path) -> str:
    """A clean database for one test."""
    if ON_POSTGRES:
        engine = sa.create_engine(create_app_url(migrated_database))
        with engine.begin() as conn:
            tables = conn.scalars(
                sa.text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'")
            ).all()
            conn.execute(sa.text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
            for table, rows in MIGRATION_ROWS.items():
                if rows:
                    conn.execute(sa.table(table, *(sa.column(c) for c in rows[0])).insert(), rows)
                    conn.execute(sa.text(  # the ids were given: move the sequence past them
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))
        engine.dispose()
        return migrated_database
    template = Path(migrated_database.removeprefix("sqlite:///"))
    copy = tmp_path / "test.sqlite"
    shutil.copyfile(template, copy)
    return f"sqlite:///{copy}"


@pytest.fixture
def app_config(database_url, tmp_path) -> dict:
    """Override keys here (e.g. app_config["WTF_CSRF_ENABLED"] = True) before using `app`."""
    instance = tmp_path / "instance"
    instance.mkdir()
    return base_config(instance, database_url)


@pytest.fixture
def app(app_config):
    app = create_app(app_config)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


class FreshRequestClient(FlaskClient):
    """Each request starts with an empty `g`, as in production, although the test keeps the
    app context open (Flask would otherwise share it, with the logged-in user and language)."""

    def open(self, *args, **kwargs):
        app_ctx = _cv_app.get(None)
        if app_ctx is not None:
            app_ctx.g.__dict__.clear()
        return super().open(*args, **kwargs)


@pytest.fixture
def client(app):
    app.test_client_class = FreshRequestClient
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def future_day(weekday: int = 1, weeks: int = 2) -> date:
    """A date some weeks ahead on the given weekday (0 = Monday): always bookable."""
    start = today() + timedelta(weeks=weeks)
    return start + timedelta(days=(weekday - start.weekday()) % 7)


def at(day: date, hhmm: str) -> datetime:
    """A local wall-clock time in the house as a UTC instant."""
    hours, minutes = map(int, hhmm.split(":"))
    return to_utc(day, time(hours, minutes))


@dataclass
class Factory:
    """Create rows with sensible defaults; every call commits, as the app would have."""

    app: object
    counter: int = 0

    def _n(self) -> int:
        self.counter += 1
        return self.counter

    def organisation(self, name: str | None = None, **kw) -> Organisation:
        org = Organisation(
            name=name or f"Verein {self._n()}",
            kind=kw.pop("kind", OrganisationKind.ASSOCIATION),
            contact_name=kw.pop("contact_name", "Erika Muster"),
            email=kw.pop("email", f"kontakt{self._n()}@verein.example"),
            phone=kw.pop("phone", "03741 123456"),
            **kw,
        )
        db.session.add(org)
        db.session.commit()
        return org

    def user(self, role: Role = Role.PARTNER, organisation: Organisation | None = None, **kw) -> User:
        if role == Role.PARTNER and organisation is None:
            organisation = self.organisation()
        user = User(
            email=kw.pop("email", f"person{self._n()}@example.org"),
            name=kw.pop("name", "Person"),
            role=role,
            organisation=organisation,
            **kw,
        )
        user.set_password(PASSWORD, method=self.app.config["PASSWORD_HASH_METHOD"])
        db.session.add(user)
        db.session.commit()
        return user

    def resource(self, name: str | None = None, kind: ResourceKind = ResourceKind.ROOM, **kw) -> Resource:
        resource = Resource(
            name=name or f"Raum {self._n()}",
            kind=kind,
            capacity=kw.pop("capacity", 20 if kind == ResourceKind.ROOM else None),
            quantity=kw.pop("quantity", 1),
            **kw,
        )
        db.session.add(resource)
        db.session.commit()
        return resource

    def booking(
        self,
        resource: Resource,
        organisation: Organisation | None = None,
        day: date | None = None,
        start: str = "10:00",
        end: str = "12:00",
        status: Status = Status.PENDING,
        **kw,
    ) -> Booking:
        day = day or future_day()
        if organisation is None:
            organisation = self.organisation()
        requested_by = kw.pop("requested_by", None) or next(
            (u for u in organisation.members if u.role == Role.PARTNER), None
        ) or self.user(Role.PARTNER, organisation)
        booking = Booking(
            resource=resource,
            organisation=organisation,
            requested_by=requested_by,
            title=kw.pop("title", "Treffen"),
            attendees=kw.pop("attendees", 10),
            note=kw.pop("note", ""),
            units=kw.pop("units", 1),
            starts_at=at(day, start),
            ends_at=at(day, end),
            status=status,
            **kw,
        )
        db.session.add(booking)
        db.session.commit()
        return booking


@pytest.fixture
def make(app) -> Factory:
    return Factory(app)


class Auth:
    """Log a test client in and out through the real login form."""

    def __init__(self, client):
        self.client = client

    def login(self, user: User, password: str = PASSWORD):
        return self.client.post("/login", data={"email": user.email, "password": password})

    def logout(self):
        return self.client.post("/logout")


@pytest.fixture
def auth(client) -> Auth:
    return Auth(client)


CSRF_TOKEN = re.compile(r'(name="csrf_token"[^>]*value="|"X-CSRFToken": ")[^"]+')


def without_tokens(html: str) -> str:
    """A page with its CSRF tokens blanked: they carry the second they were made in."""
    return CSRF_TOKEN.sub(r"\1TOKEN", html)


def count_rows(model, *where) -> int:
    """Count committed rows through a connection of its own, so nothing unsaved is counted."""
    with db.engine.connect() as conn:
        return conn.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def committed(statement):
    """Run a SELECT on a connection of its own: what another request would see."""
    with db.engine.connect() as conn:
        return conn.execute(statement).all()
