"""SQLite: which part of a request holds the database's write lock (issue 9).

A request that may write (any method but GET, HEAD, OPTIONS) holds it from its first query
to its commit, so what it read cannot go stale before it writes; a GET never takes it; the
answer rendered after the commit, and a login's password check, do not hold it.

A second connection plays another worker process: it asks for the lock with a short wait
and so learns at once whether someone holds it.
"""

from __future__ import annotations

import sqlite3

import pytest

from booking import workflow
from booking.models import Role, User
from tests.conftest import ON_POSTGRES, PASSWORD, future_day

pytestmark = pytest.mark.skipif(ON_POSTGRES, reason="SQLite's write lock; PostgreSQL locks rows")


@pytest.fixture
def lock_free(app_config):
    """Call it to learn whether another connection could take the write lock at that moment."""
    conn = sqlite3.connect(app_config["DATABASE_URL"].removeprefix("sqlite:///"), timeout=0.1,
                           isolation_level=None, check_same_thread=False)

    def free() -> bool:
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:
            assert "locked" in str(error)
            return False
        conn.execute("ROLLBACK")
        return True

    yield free
    conn.close()


def request_data(room_id: int) -> dict:
    return {"resource_id": str(room_id), "date": future_day().isoformat(), "start": "18:00", "end": "20:00",
            "purpose_id": "7", "title": "Chorprobe", "attendees": "12", "units": "1", "note": ""}


@pytest.fixture
def partner(make, auth):
    user = make.user(Role.PARTNER)
    auth.login(user)
    return user


def test_a_post_holds_the_lock_from_its_first_read_to_its_commit(client, partner, make, lock_free, monkeypatch):
    room_id = make.resource("Saal").id
    seen = {}
    submit = workflow.submit

    def watched(*args, **kwargs):
        seen["before the write"] = lock_free()
        return submit(*args, **kwargs)

    monkeypatch.setattr(workflow, "submit", watched)

    assert client.post("/requests/new", data=request_data(room_id)).status_code == 303
    assert seen == {"before the write": False}


def test_a_get_reads_without_the_lock(client, partner, make, lock_free, monkeypatch):
    from booking.requests import views

    make.resource("Saal")
    seen = {}
    active = views.active_resources

    def watched():
        found = active()
        seen["while reading"] = lock_free()
        return found

    monkeypatch.setattr(views, "active_resources", watched)

    assert client.get("/requests/new").status_code == 200
    assert seen == {"while reading": True}


def test_the_answer_after_the_commit_does_not_hold_the_lock(client, partner, make, lock_free, monkeypatch):
    """An htmx withdrawal renders its row after the commit (reading the booking again)."""
    from booking.requests import views

    booking_id = make.booking(make.resource("Saal"), partner.organisation).id
    seen = {}
    render = views.render_template

    def watched(*args, **kwargs):
        page = render(*args, **kwargs)
        seen["while rendering"] = lock_free()
        return page

    monkeypatch.setattr(views, "render_template", watched)

    response = client.post(f"/requests/{booking_id}/withdraw", headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert seen == {"while rendering": True}


def test_a_login_checks_the_password_without_the_lock(client, make, lock_free, monkeypatch):
    email = make.user(Role.PARTNER).email
    seen = []
    check = User.check_password

    def watched(self, password):
        seen.append(lock_free())
        return check(self, password)

    monkeypatch.setattr(User, "check_password", watched)

    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302
    assert client.post("/logout").status_code == 302
    assert client.post("/login", data={"email": email, "password": "falsch"}).status_code == 422
    assert seen == [True, True]


def test_a_command_that_writes_holds_the_lock(app, lock_free, monkeypatch):
    from booking import demo

    seen = {}
    seed = demo.seed

    def watched(session, **kwargs):
        session.execute(demo.sa.select(1))  # its first read
        seen["after its first read"] = lock_free()
        return seed(session, **kwargs)

    monkeypatch.setattr(demo, "seed", watched)

    result = app.test_cli_runner().invoke(args=["demo", "seed"])

    assert result.exit_code == 0, result.output
    assert seen == {"after its first read": False}
