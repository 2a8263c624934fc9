"""What an operator sees: request logs with ids, health endpoints, the database guard, the
Host header and where e-mail goes in a real house."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
import sqlalchemy as sa

from booking import create_app
from booking.extensions import db
from booking.models import Role
from booking.notify.models import OutboxMessage, State
from booking.operations import health
from booking.operations.logs import JsonFormatter
from tests.conftest import PASSWORD
from tests.mailserver import mailserver  # noqa: F401 (a fixture)

PUBLIC_URL = "https://treffpunkt.example.org"


@pytest.fixture
def production_config(app_config) -> dict:
    """A real house's settings: not development, not testing (errors are answered, not raised)."""
    app_config.update(TESTING=False, DEVELOPMENT=False, SECRET_KEY="p" * 64, PUBLIC_URL=PUBLIC_URL)
    return app_config


def release() -> None:
    """Give the test's connection back before another app of the same database serves requests."""
    db.session.commit()
    db.session.remove()


def request_lines(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "treffpunkt.requests"]


# --- request logs -------------------------------------------------------------------------

def test_each_request_is_one_line_without_query_or_e_mail_and_with_its_id(client, caplog):
    caplog.set_level(logging.INFO, logger="treffpunkt.requests")
    response = client.get("/login?email=amal@example.org&next=/requests/")
    [line] = request_lines(caplog)
    request_id = response.headers["X-Request-ID"]
    assert len(request_id) == 32
    assert line.getMessage().startswith("GET /login 200 ")
    assert line.request_id == request_id and line.path == "/login" and line.status == 200
    assert line.duration_ms >= 0 and line.user_id is None
    assert "amal@example.org" not in line.getMessage() and "next" not in line.getMessage()


def test_the_line_names_the_account_by_id_only(client, auth, make, caplog):
    user = make.user(Role.PARTNER, email="amal@example.org", name="Amal Haddad")
    auth.login(user)
    caplog.set_level(logging.INFO, logger="treffpunkt.requests")
    caplog.clear()
    client.get("/requests/")
    [line] = request_lines(caplog)
    assert line.user_id == user.id and f"user={user.id}" in line.getMessage()
    text = JsonFormatter().format(line)
    assert "amal@example.org" not in text and "Amal" not in text


def test_json_lines_carry_the_fields(app_config, caplog):
    app_config["LOG_FORMAT"] = "json"
    app = create_app(app_config)
    [handler] = [h for h in app.logger.handlers if getattr(h, "treffpunkt", False)]
    assert isinstance(handler.formatter, JsonFormatter)
    caplog.set_level(logging.INFO, logger="treffpunkt.requests")
    response = app.test_client().get("/login", headers={"X-Request-ID": "nginx-0123456789abcdef"})
    assert response.headers["X-Request-ID"] == "nginx-0123456789abcdef"  # the proxy's id is kept
    [line] = request_lines(caplog)
    handler.filter(line)
    entry = json.loads(handler.format(line))
    assert entry["method"] == "GET" and entry["path"] == "/login" and entry["status"] == 200
    assert entry["request_id"] == "nginx-0123456789abcdef" and "duration_ms" in entry
    with app.app_context():
        db.engine.dispose()


def test_a_request_id_that_is_not_one_is_replaced(client):
    response = client.get("/login", headers={"X-Request-ID": "<script>alert(1)</script>"})
    assert response.headers["X-Request-ID"] != "<script>alert(1)</script>"
    assert len(response.headers["X-Request-ID"]) == 32


def test_an_error_is_logged_with_the_request_id(production_config, caplog):
    app = create_app(production_config)

    @app.get("/boom")
    def boom():
        raise RuntimeError("kaputt")

    caplog.set_level(logging.INFO)
    response = app.test_client().get("/boom", base_url=PUBLIC_URL)
    assert response.status_code == 500
    [error] = [r for r in caplog.records if r.levelno == logging.ERROR and r.exc_info]
    assert error.request_id == response.headers["X-Request-ID"]
    [line] = request_lines(caplog)
    assert line.status == 500 and line.request_id == error.request_id
    with app.app_context():
        db.engine.dispose()


# --- health -------------------------------------------------------------------------------

def test_healthz_and_readyz_on_a_database_at_the_newest_migration(client):
    assert client.get("/healthz").data == b"ok\n"
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.data == b"ready\n"


def set_schema(version: str) -> None:
    with db.engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = :v"), {"v": version})


@pytest.fixture
def schema_behind(app, monkeypatch):
    """The database one migration behind this version (as after deploying without `db upgrade`)."""
    monkeypatch.setattr(health, "RECHECK_SECONDS", 0)
    [head] = health.newest_revisions(app)
    from alembic.script import ScriptDirectory

    previous = ScriptDirectory(app.extensions["migrate"].directory).get_revision(head).down_revision
    set_schema(previous)
    yield head
    set_schema(head)


def test_a_schema_behind_answers_503_everywhere_with_the_command_in_the_log(app, client, make, schema_behind,
                                                                              caplog):
    user = make.user(Role.MANAGER)
    caplog.set_level(logging.ERROR)
    ready = client.get("/readyz")
    assert ready.status_code == 503 and "flask --app booking db upgrade" in ready.text
    assert client.get("/healthz").status_code == 200  # alive all the same
    for response in (client.get("/login", headers={"Accept-Language": "de"}),
                     client.post("/login", data={"email": user.email, "password": PASSWORD},
                                 headers={"Accept-Language": "de"}),
                     client.get("/manage/queue")):
        assert response.status_code == 503
        assert "Treffpunkt wird gerade aktualisiert" in response.text
    assert any("run `flask --app booking db upgrade`" in r.getMessage() for r in caplog.records)
    set_schema(schema_behind)  # the operator ran the upgrade: served again without a restart
    assert client.get("/login").status_code == 200


def test_an_empty_database_is_not_served_either(app_config, tmp_path):
    app_config["DATABASE_URL"] = f"sqlite:///{tmp_path / 'empty.sqlite'}"
    app = create_app(app_config)
    client = app.test_client()
    assert client.get("/login").status_code == 503
    assert "none (empty database)" in client.get("/readyz").text
    with app.app_context():
        db.engine.dispose()


def test_a_database_that_does_not_answer_gives_503_with_a_message(production_config, tmp_path, caplog):
    production_config["DATABASE_URL"] = f"sqlite:///{tmp_path / 'no-such-folder' / 'house.sqlite'}"
    app = create_app(production_config)
    client = app.test_client()
    caplog.set_level(logging.ERROR)
    assert client.get("/healthz", base_url=PUBLIC_URL).status_code == 200
    ready = client.get("/readyz", base_url=PUBLIC_URL)
    assert ready.status_code == 503 and "the database does not answer" in ready.text
    for response in (client.get("/login", base_url=PUBLIC_URL),
                     client.post("/login", data={"email": "a@example.org", "password": "x"}, base_url=PUBLIC_URL)):
        assert response.status_code == 503
        assert "Treffpunkt erreicht seine Datenbank gerade nicht" in response.text
        assert "Traceback" not in response.text and "sqlite" not in response.text.lower()
    with app.app_context():
        db.engine.dispose()


def test_readyz_reports_redis_when_the_throttling_uses_it(app_config):
    app_config["RATELIMIT_STORAGE_URI"] = "redis://127.0.0.1:1/5"  # nothing listens on port 1
    app = create_app(app_config)
    ready = app.test_client().get("/readyz")
    assert ready.status_code == 503 and "Redis does not answer" in ready.text
    with app.app_context():
        db.engine.dispose()


# --- the Host header and e-mail links ------------------------------------------------------

def test_a_foreign_host_is_answered_400_and_no_link_is_sent(production_config, make, mailserver_app):
    app, mailbox = mailserver_app
    client = app.test_client()
    assert client.get("/login", base_url=PUBLIC_URL).status_code == 200
    response = client.post("/password/forgot", data={"email": "amal@example.org"}, base_url="https://evil.example")
    assert response.status_code == 400
    response.close()
    assert client.get("/login", base_url="https://evil.example").status_code == 400
    assert mailbox.messages == []


def test_mail_links_always_use_the_public_address(production_config, make, mailserver_app):
    app, mailbox = mailserver_app
    app.config["TRUSTED_HOSTS"] = ["treffpunkt.example.org", "intern.example.org"]
    response = app.test_client().post("/password/forgot", data={"email": "amal@example.org"},
                                      base_url="https://intern.example.org")
    assert response.status_code == 303
    response.close()
    [message] = mailbox.messages  # the outbox worker has sent what the request wrote
    assert message.link().startswith(f"{PUBLIC_URL}/password/")
    assert "intern.example.org" not in message.body


@pytest.fixture
def mailserver_app(production_config, make):
    """A real house's app, with an account amal@example.org, sending to a test SMTP server.

    Reading the mailbox's messages first runs that app's outbox worker once."""
    from aiosmtpd.controller import Controller

    from booking.notify import worker
    from tests.mailserver import Handler, Mailbox, free_port

    make.user(Role.PARTNER, email="amal@example.org")
    release()
    app = create_app(production_config)

    def deliver():
        with app.app_context():
            worker.send_due()

    mailbox = Mailbox(deliver=deliver)
    controller = Controller(Handler(mailbox), hostname="127.0.0.1", port=free_port())
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port, MAIL_USE_TLS=False,
                      WTF_CSRF_ENABLED=False, PASSWORD_HASH_METHOD="pbkdf2:sha256:1000")
    try:
        yield app, mailbox
    finally:
        controller.stop()
        with app.app_context():
            db.engine.dispose()


def test_a_real_house_without_a_mail_server_logs_an_error_and_writes_no_file(production_config, make, caplog):
    make.user(Role.PARTNER, email="amal@example.org")
    release()  # the new app's requests must not share the test's session
    app = create_app(production_config)
    app.config.update(WTF_CSRF_ENABLED=False)
    response = app.test_client().post("/password/forgot", data={"email": "amal@example.org"}, base_url=PUBLIC_URL)
    assert response.status_code == 303
    response.close()
    caplog.set_level(logging.ERROR)
    result = app.test_cli_runner().invoke(args=["outbox", "send"])  # the worker's pass
    assert result.exit_code == 0, result.output
    assert any("TREFFPUNKT_MAIL_SERVER is not set" in r.getMessage() for r in caplog.records)
    assert not Path(app.instance_path, "outbox").exists()
    with app.app_context():
        [message] = db.session.scalars(sa.select(OutboxMessage)).all()
        assert message.state == State.PENDING and message.attempts == 1  # kept, tried again later
        assert "TREFFPUNKT_MAIL_SERVER is not set" in message.last_error
        db.session.remove()
        db.engine.dispose()
