"""Login throttling counted once for all workers (issue 9, point 6). gunicorn's workers are
separate processes; with Redis as the limiter's store they share one count, so twenty wrong
passwords for one account, sent at the same instant to all workers, get exactly five tries.

Uses Redis database 3 with a key prefix of its own, so parallel runs never meet.
"""

from __future__ import annotations

import socket
import uuid
from collections import Counter

import pytest

from booking.models import Role
from tests.concurrency.conftest import SERVER_KEY, Visitor, release_database, start_server, stop_server

pytestmark = pytest.mark.server

ATTEMPTS = 20


def redis_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
        return True
    except OSError:
        return False


@pytest.fixture
def shared_server(database_url, tmp_path, request, monkeypatch):
    """The server with its login counts in Redis (database 3, a fresh key prefix)."""
    if not redis_up():
        pytest.skip("needs Redis on 127.0.0.1:6379")
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/3")
    monkeypatch.setenv("RATELIMIT_KEY_PREFIX", f"test-{uuid.uuid4().hex}")
    folder = tmp_path / "server"
    folder.mkdir()
    server = start_server(database_url, folder)
    request.node.stash[SERVER_KEY] = server
    try:
        yield server
    finally:
        stop_server(server)


def test_twenty_wrong_passwords_at_once_get_five_tries_in_all(shared_server, make):
    email = make.user(Role.MANAGER, email="leitung@example.org").email
    release_database()
    visitors = [Visitor(shared_server) for _ in range(ATTEMPTS)]
    for visitor in visitors:  # each its own browser, with the login form's token
        assert visitor.open("GET", "/login").status == 200
    attempts = [("POST", "/login", {"email": email, "password": "nicht-das-passwort", "csrf_token": v.csrf_token},
                 v.cookie_header) for v in visitors]
    statuses = Counter(r.status for r in shared_server.fire(attempts))
    assert statuses == {422: 5, 429: ATTEMPTS - 5}, statuses
    late = Visitor(shared_server)
    late.open("GET", "/login")
    again = late.open("POST", "/login", {"email": email, "password": "nicht-das-passwort", "csrf_token": late.csrf_token})
    assert again.status == 429
    shared_server.assert_no_errors()
