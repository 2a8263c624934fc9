"""Scale-out: two instances of the app (each its own instance folder and gunicorn with two
workers, one SECRET_KEY), one PostgreSQL, one Redis; each person's requests alternate between
them. Nothing that must be shared is kept per process: logins, form tokens, throttling counts
and the guarantee that a room is never given twice."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import url_for

from booking.extensions import db
from booking.models import Booking, Role, Status
from tests.conftest import ON_POSTGRES, PASSWORD, future_day
from tests.deploy.conftest import (
    PUBLIC_URL,
    REDIS_URL,
    SECRET_KEY,
    Browser,
    all_at_once,
    environment_file,
    exec_start,
    free_port,
    key_prefix,
    redis_up,
    start,
    stop,
    wait_for_gunicorn,
)

pytestmark = [
    pytest.mark.deploy,
    pytest.mark.skipif(not ON_POSTGRES, reason="needs DATABASE_URL pointing at PostgreSQL"),
    pytest.mark.skipif(not redis_up(), reason="needs Redis on 127.0.0.1:6379 (.ci/run starts it)"),
]
COMPETING = 10


@pytest.fixture
def instances(database_url, tmp_path):
    """Two instances as the systemd unit starts them, sharing the database, Redis and the key."""
    prefix = key_prefix()
    servers = []
    try:
        for name in ("a", "b"):
            folder = tmp_path / name
            (folder / "instance").mkdir(parents=True)
            env = environment_file(
                TREFFPUNKT_SECRET_KEY=SECRET_KEY, TREFFPUNKT_PUBLIC_URL=PUBLIC_URL,
                TREFFPUNKT_DATABASE_URL=database_url, TREFFPUNKT_INSTANCE=str(folder / "instance"),
                TREFFPUNKT_BIND=f"127.0.0.1:{free_port()}", TREFFPUNKT_TRUSTED_PROXIES="0",
                TREFFPUNKT_WORKERS="2", TREFFPUNKT_THREADS="4", TREFFPUNKT_RATELIMIT_STORAGE_URI=REDIS_URL,
                TREFFPUNKT_RATELIMIT_KEY_PREFIX=prefix, TREFFPUNKT_LOG_FORMAT="text",
            )
            servers.append(start(f"instance {name}", exec_start("treffpunkt.service", Path(sys.prefix)), env, folder,
                                 folder / "gunicorn.log"))
        for server in servers:
            wait_for_gunicorn(server)
            # Each instance has its own control socket in its own instance folder.
            assert (server.log.parent / "instance" / "gunicorn.ctl").exists()
        yield servers
        for server in servers:
            assert "Traceback" not in server.log_text(), server.log_text()
    finally:
        for server in servers:
            stop(server)


@pytest.fixture
def house(make):
    partner = make.user(Role.PARTNER, email="partner@example.org")
    manager = make.user(Role.MANAGER, email="manager@example.org")
    boss = make.user(Role.MANAGER, email="leitung@example.org")
    room = make.resource("Saal", capacity=40)
    day = future_day()
    competing = [make.booking(room, day=day, start="10:00", end="12:00").id for _ in range(COMPETING)]
    with make.app.test_request_context():
        paths = [url_for("manage.approve", booking_id=i) for i in competing]
    result = partner.email, manager.email, boss.email, paths
    db.session.commit()
    db.session.remove()
    return result


def test_two_instances_share_logins_tokens_throttling_and_the_one_booking_per_slot(instances, house):
    partner, manager, boss_email, approve_paths = house
    ports = [server.port for server in instances]

    # A login on one instance holds on the other; a form token from one is good on the other.
    person = Browser(ports)
    page = person.open("GET", "/login", port=ports[0])
    done = person.open("POST", "/login", {"email": partner, "password": PASSWORD, "csrf_token": person.csrf_token},
                       port=ports[1])
    assert done.status == 302, done.text
    for port in ports * 2:
        assert person.open("GET", "/requests/", port=port).status == 200

    # Wrong passwords for one account, alternating between the instances (four processes):
    # the count is one count, so the sixth try is refused even with the right password.
    attacker = Browser(ports)
    for _ in range(5):
        attacker.open("GET", "/login")
        assert attacker.post("/login", {"email": manager, "password": "falsch-falsch-falsch"}).status == 422
    attacker.open("GET", "/login")
    assert attacker.post("/login", {"email": manager, "password": PASSWORD}).status == 429

    # Another manager approves the ten competing requests at once, half through each instance.
    engine = sa.create_engine(db.engine.url)
    boss = Browser(ports)
    assert boss.login(boss_email, PASSWORD).status == 302
    boss.open("GET", "/manage/queue", port=ports[0])
    answers = all_at_once([
        (lambda path=path, port=ports[n % 2]: boss.post(path, {}, port=port))
        for n, path in enumerate(approve_paths)
    ])
    assert all(a.status < 500 for a in answers), [a.status for a in answers]
    with engine.connect() as conn:
        approved = conn.scalar(sa.select(sa.func.count()).select_from(Booking).where(Booking.status == Status.APPROVED))
    engine.dispose()
    assert approved == 1
