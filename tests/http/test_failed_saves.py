"""When the database cannot save (issue 9): a clear answer, nothing half-written, and the
next request works again.

A full disk answers 503 with "the house's server cannot save right now; nothing was saved",
as a page and as htmx's fragment. An error page never reads through a session whose
transaction has failed: it rolls back first, so it shows instead of failing itself.
"""

from __future__ import annotations

import html
import sqlite3

import psycopg
import pytest
import sqlalchemy as sa
from flask import url_for
from flask_babel import force_locale, gettext
from sqlalchemy.exc import IntegrityError

from booking import database
from booking.extensions import db
from booking.models import AuditEvent, Booking, Organisation, Role, Status
from tests.conftest import ON_POSTGRES, count_rows, future_day


def request_data(room_id: int, title: str) -> dict:
    return {
        "resource_id": str(room_id),
        "date": future_day().isoformat(),
        "start": "18:00",
        "end": "20:00",
        "purpose_id": "7", "title": title,
        "attendees": "12",
        "units": "1",
        "note": "x" * 1000,
    }


def german(text: str) -> str:
    with force_locale("de"):
        return gettext(text)


CANNOT_SAVE = "The house's server cannot save right now."
NOTHING_SAVED = "Nothing was saved. Please try again later, and tell the house if it keeps happening."


@pytest.fixture
def partner(make, auth):
    user = make.user(Role.PARTNER)
    auth.login(user)
    return user


@pytest.fixture
def room_id(make) -> int:
    return make.resource("Saal", capacity=40).id


def fill_bookings_to_the_limit(database_url: str, like_booking: int) -> int:
    """Fill the bookings' pages until a booking with a long note no longer fits in the file's
    present size; return that size in pages (the limit to hold the app to)."""
    conn = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
    try:
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {pages}")
        columns = [row[1] for row in conn.execute("PRAGMA table_info(booking)") if row[1] not in ("id", "note")]
        copy = (f"INSERT INTO booking ({', '.join(columns)}, note) "
                f"SELECT {', '.join(columns)}, ? FROM booking WHERE id = ?")
        for _ in range(1000):
            try:
                conn.execute(copy, ("y" * 1000, like_booking))
            except sqlite3.OperationalError as error:
                assert error.sqlite_errorcode == sqlite3.SQLITE_FULL
                return pages
        raise AssertionError("the database never filled up")
    finally:
        conn.close()


@pytest.fixture
def page_limit(app):
    """The most pages every connection of the app may grow the database file to; None: no limit."""
    limit = {"pages": None}

    @sa.event.listens_for(db.engine, "checkout")
    def _hold_to_limit(dbapi_connection, record, proxy):
        dbapi_connection.execute(f"PRAGMA max_page_count = {limit['pages'] or 1073741823}")

    db.session.commit()  # the connection goes back to the pool: the next checkout is held to the limit
    yield limit
    sa.event.remove(db.engine, "checkout", _hold_to_limit)


@pytest.mark.skipif(ON_POSTGRES, reason="SQLite's page limit stands in for a full disk")
def test_a_full_disk_answers_503_saves_nothing_and_the_next_request_works(
    app, app_config, client, partner, room_id, make, page_limit
):
    filler = make.booking(make.resource("Lager"), title="Füllung").id
    pages = fill_bookings_to_the_limit(app_config["DATABASE_URL"], filler)
    bookings, events = count_rows(Booking), count_rows(AuditEvent)
    page_limit["pages"] = pages

    page = client.post("/requests/new", data=request_data(room_id, "Chorprobe"))
    fragment = client.post("/requests/new", data=request_data(room_id, "Chorprobe"), headers={"HX-Request": "true"})

    for response in (page, fragment):
        assert response.status_code == 503
        assert response.headers["Retry-After"]
        text = html.unescape(response.get_data(as_text=True))
        assert german(CANNOT_SAVE) in text and german(NOTHING_SAVED) in text
    assert "<html" in page.get_data(as_text=True)
    assert "<html" not in fragment.get_data(as_text=True)
    assert fragment.headers["HX-Retarget"] == "#flashes"  # shown where the page's messages are
    assert count_rows(Booking) == bookings and count_rows(AuditEvent) == events  # nothing half-written

    page_limit["pages"] = None  # room again

    done = client.post("/requests/new", data=request_data(room_id, "Chorprobe"))
    assert done.status_code == 303
    assert count_rows(Booking, Booking.title == "Chorprobe", Booking.status == Status.PENDING) == 1
    assert count_rows(AuditEvent) == events + 1


def disk_full(*args, **kwargs):
    """What SQLAlchemy raises when PostgreSQL cannot extend a file (SQLSTATE 53100)."""
    raise sa.exc.OperationalError("INSERT INTO booking ...", {}, psycopg.errors.DiskFull(
        'could not extend file "base/16384/16450": No space left on device'))


@pytest.mark.parametrize("htmx", [False, True])
def test_postgresqls_disk_full_answers_503_too(client, partner, room_id, monkeypatch, htmx):
    from booking import workflow

    monkeypatch.setattr(workflow, "submit", disk_full)

    response = client.post("/requests/new", data=request_data(room_id, "Chorprobe"),
                           headers={"HX-Request": "true"} if htmx else {})

    assert response.status_code == 503
    assert german(NOTHING_SAVED) in response.get_data(as_text=True)
    assert count_rows(Booking) == 0


def test_the_message_is_in_the_persons_language(client, partner, room_id, monkeypatch):
    from booking import workflow

    client.post("/language", data={"language": "en"})
    monkeypatch.setattr(workflow, "submit", disk_full)

    response = client.post("/requests/new", data=request_data(room_id, "Chorprobe"))

    assert response.status_code == 503
    text = html.unescape(response.get_data(as_text=True))
    assert CANNOT_SAVE in text and NOTHING_SAVED in text


def test_which_refusals_mean_nothing_could_be_saved():
    def wrapped(orig):
        return sa.exc.OperationalError("INSERT ...", {}, orig)

    full = sqlite3.OperationalError("database or disk is full")
    full.sqlite_errorcode = sqlite3.SQLITE_FULL
    locked = sqlite3.OperationalError("database is locked")
    locked.sqlite_errorcode = 517  # SQLITE_BUSY_SNAPSHOT
    other = sqlite3.OperationalError("no such table: x")
    other.sqlite_errorcode = sqlite3.SQLITE_ERROR

    assert database.is_disk_full(wrapped(full)) and not database.is_busy(wrapped(full))
    assert database.is_disk_full(wrapped(psycopg.errors.DiskFull("no space")))
    assert database.is_busy(wrapped(locked)) and not database.is_disk_full(wrapped(locked))
    assert database.is_busy(wrapped(psycopg.errors.TooManyConnections("too many")))
    assert not database.is_disk_full(wrapped(other)) and not database.is_busy(wrapped(other))
    assert not database.is_disk_full(wrapped(psycopg.errors.UndefinedTable("x")))


@pytest.fixture
def careless_view():
    """A view that carries on after a failed flush, as a careless one might: its next query
    raises PendingRollbackError. Served like any other page, errors handled as in production."""

    def add(app):
        app.config["PROPAGATE_EXCEPTIONS"] = False

        def careless():
            db.session.add(Organisation(name=None, kind="association"))  # NOT NULL: the flush fails
            try:
                db.session.flush()
            except IntegrityError:
                pass
            db.session.scalar(sa.select(Organisation.id))
            return "never"

        app.add_url_rule("/careless", "careless", careless, methods=["GET", "POST"])

    return add


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("htmx", [False, True])
def test_the_error_page_after_a_failed_transaction_shows_as_usual(app, careless_view, client, auth, make,
                                                                   method, htmx):
    careless_view(app)
    auth.login(make.user(Role.MANAGER))

    response = client.open("/careless", method=method, headers={"HX-Request": "true"} if htmx else {})

    assert response.status_code == 500
    text = response.get_data(as_text=True)
    assert german("Something went wrong on our side.") in text
    if not htmx:
        with app.test_request_context():
            assert url_for("manage.queue") in text  # the manager's own header: their account was read
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Organisation)) == 0


def test_an_error_page_that_cannot_read_the_account_is_shown_as_to_a_visitor(client, auth, make, monkeypatch):
    """Even when the database refuses the error page's own read, the page shows (not logged in)."""
    from booking.extensions import login_manager

    auth.login(make.user(Role.MANAGER))

    def unreadable(session_id):
        raise sa.exc.OperationalError("SELECT ... FROM user_account", {}, sqlite3.OperationalError("disk I/O error"))

    monkeypatch.setattr(login_manager, "_user_callback", unreadable)

    response = client.get("/no-such-page")

    assert response.status_code == 404
    assert german("This page does not exist.") in html.unescape(response.get_data(as_text=True))
