"""Treffpunkt served by gunicorn in a subprocess: several worker processes, several threads each.

The server works on the test's own database (`database_url`: a fresh SQLite copy, or the
emptied PostgreSQL test database). The test creates its rows with the `make` factory, which
commits, lets go of its connection, and then sends real HTTP requests, many at once, as
people in different browsers would. The server's log is shown with any failure.
"""

from __future__ import annotations

import html
import http.client
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import pytest
from flask import current_app, url_for

from booking.extensions import db
from booking.models import Role
from tests.conftest import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
WORKERS = 4
THREADS = 5  # 4 x 5: twenty requests can be inside the app at the same instant
STARTUP_SECONDS = 120  # generous: CI machines are often busy with other work
LISTENING = re.compile(r"Listening at: http://127\.0\.0\.1:(\d+)")
CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')
SERVER_ERROR = re.compile(r'HTTP/1\.[01]" 5\d\d ')  # a 5xx in the access log

SERVER_KEY = pytest.StashKey["Server"]()


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    text: str
    htmx: bool = False  # asked for as htmx does (HX-Request: true)

    def card(self, booking_id: int) -> str:
        """The queue card of one request in this page or fragment ("" when it is not there)."""
        start = self.text.find(f'<article id="request-{booking_id}"')
        if start < 0:
            return ""
        end = self.text.find("</article>", start)
        return self.text[start:end]

    def alert(self, booking_id: int) -> str:
        """The message shown on a request's card after a refused decision, as a person reads it."""
        found = re.search(r'<p class="notice notice--bad" role="alert">(.*?)</p>', self.card(booking_id), re.S)
        return html.unescape(found.group(1)).strip() if found else ""


@dataclass
class Server:
    host: str
    port: int
    log: Path
    process: subprocess.Popen

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def request(self, method: str, path: str, form: dict | None = None, headers: dict | None = None,
                timeout: float = 60) -> Response:
        """One request on a connection of its own; redirects are not followed."""
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            return send(conn, method, path, form, headers)
        finally:
            conn.close()

    def fire(self, requests: Sequence[tuple[str, str, dict | None, dict]]) -> list[Response]:
        """Send (method, path, form, headers) requests all at once: every thread connects
        first, then a barrier lets them go together. The responses in the order asked."""
        barrier = threading.Barrier(len(requests))
        responses: list[Response | None] = [None] * len(requests)
        errors: list[BaseException] = []

        def run(index: int, method: str, path: str, form: dict | None, headers: dict) -> None:
            conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
            try:
                conn.connect()
                barrier.wait(timeout=30)
                responses[index] = send(conn, method, path, form, headers)
            except BaseException as error:  # reported below, with the others
                barrier.abort()
                errors.append(error)
            finally:
                conn.close()

        threads = [threading.Thread(target=run, args=(i, *r), name=f"request-{i}") for i, r in enumerate(requests)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert not any(t.is_alive() for t in threads), "requests still running after two minutes"
        assert not errors, f"{len(errors)} requests failed on the client side, the first: {errors[0]!r}"
        return responses  # type: ignore[return-value]

    def assert_no_errors(self) -> None:
        """No request ended in an unhandled exception (Flask logs those with their traceback)."""
        log = self.log_text()
        assert "Traceback" not in log and not SERVER_ERROR.search(log), f"the server failed:\n{log}"


def send(conn: http.client.HTTPConnection, method: str, path: str, form: dict | None = None,
         headers: dict | None = None) -> Response:
    headers = dict(headers or {})
    body = None
    if form is not None:
        body = urlencode(form)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    text = response.read().decode()
    return Response(response.status, response.headers, text, headers.get("HX-Request") == "true")


@dataclass
class Visitor:
    """One person's browser against the server: their cookies and the page's CSRF token."""

    server: Server
    cookies: dict[str, str] = field(default_factory=dict)
    csrf_token: str = ""

    @property
    def cookie_header(self) -> dict[str, str]:
        return {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}

    def open(self, method: str, path: str, form: dict | None = None) -> Response:
        response = self.server.request(method, path, form, self.cookie_header)
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        token = CSRF_INPUT.search(response.text)
        if token:
            self.csrf_token = token.group(1)
        return response

    def login(self, email: str, password: str = PASSWORD) -> None:
        """Through the real login form, then a page for the CSRF token of the new session."""
        page = self.open("GET", "/login")
        assert page.status == 200, page.text
        done = self.open("POST", "/login", {"email": email, "password": password, "csrf_token": self.csrf_token})
        assert done.status == 302, f"{email} could not log in (HTTP {done.status})"
        home = self.open("GET", done.headers["Location"])
        assert home.status == 200 and self.csrf_token, f"no CSRF token after logging in (HTTP {home.status})"

    def post_all(self, posts: Sequence[tuple[str, dict]]) -> list[Response]:
        """Send these (path, form) POSTs all at the same instant, as many managers clicking at
        once: every other one as htmx sends it (the card comes back), the rest as a plain form
        (a redirect after success). Each carries the session's cookie and CSRF token; the
        test process lets go of the database first."""
        release_database()
        requests = []
        for n, (path, form) in enumerate(posts):
            headers = {**self.cookie_header, **({"HX-Request": "true"} if n % 2 == 0 else {})}
            requests.append(("POST", path, {**form, "csrf_token": self.csrf_token}, headers))
        return self.server.fire(requests)

    def approve_all(self, booking_ids: Sequence[int]) -> list[Response]:
        """Approve these requests (the same one more than once, if asked) all at once."""
        with current_app.test_request_context():
            paths = [url_for("manage.approve", booking_id=i) for i in booking_ids]
        return self.post_all([(path, {}) for path in paths])


def release_database() -> None:
    """End the test process's transaction and give its connection back, so the server's
    requests wait for nothing of ours (on SQLite a reader could still hold a snapshot)."""
    db.session.commit()
    db.session.remove()


def start_server(database_url: str, folder: Path) -> Server:
    """gunicorn with WORKERS processes of THREADS threads on a free port, serving app:create_app()."""
    instance = folder / "instance"
    instance.mkdir()
    (instance / "config.py").write_text(
        'SECRET_KEY = "concurrency-test-only"\n'
        "DEVELOPMENT = True  # plain http: cookies without Secure\n"
        'PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"\n'
    )
    settings = folder / "gunicorn.conf.py"
    # The settings are on the command line; naming this empty file keeps out any gunicorn.conf.py
    # that the checkout may hold.
    settings.write_text("")
    env = {k: v for k, v in os.environ.items() if k not in ("GUNICORN_CMD_ARGS", "SECRET_KEY")}
    env.update(TREFFPUNKT_INSTANCE=str(instance), DATABASE_URL=database_url, TREFFPUNKT_DEVELOPMENT="1")
    log = folder / "gunicorn.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable, "-m", "gunicorn",
                "--config", str(settings),
                "--bind", "127.0.0.1:0",  # the port is read back from the log
                "--worker-class", "gthread",
                "--workers", str(WORKERS),
                "--threads", str(THREADS),
                "--timeout", "60",
                "--graceful-timeout", "5",
                "--no-control-socket",  # gunicorn would otherwise share one socket path between runs
                "--access-logfile", "-",
                "app:create_app()",
            ],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: the workers go down with it
        )
    server = Server("127.0.0.1", 0, log, process)
    try:
        server.port = wait_until_listening(server)
        wait_until_answering(server)
    except BaseException:
        stop_server(server)
        raise
    return server


def wait_until_listening(server: Server) -> int:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        found = LISTENING.search(server.log_text())
        if found:
            return int(found.group(1))
        if server.process.poll() is not None:
            break
        time.sleep(0.05)
    pytest.fail(f"gunicorn did not start (exit code {server.process.poll()}):\n{server.log_text()}")


def wait_until_answering(server: Server) -> None:
    """Until the login page answers and every worker has booted; then warm them all up."""
    deadline = time.monotonic() + STARTUP_SECONDS
    answered = False
    while not answered and time.monotonic() < deadline and server.process.poll() is None:
        try:
            answered = server.request("GET", "/login", timeout=5).status == 200
        except OSError:
            time.sleep(0.1)
    if not answered:
        pytest.fail(f"gunicorn did not answer within {STARTUP_SECONDS} s:\n{server.log_text()}")
    while server.log_text().count("Booting worker") < WORKERS and time.monotonic() < deadline:
        time.sleep(0.05)
    # Imports and first connections done everywhere, so that the race starts level.
    server.fire([("GET", "/login", None, {})] * (WORKERS * THREADS))


def stop_server(server: Server) -> None:
    """SIGTERM to the arbiter, which stops its workers; if it hangs, its whole process group
    (itself and the workers; not yet reaped, so the group id is still ours) is killed."""
    if server.process.poll() is not None:
        return
    server.process.send_signal(signal.SIGTERM)
    try:
        server.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(server.process.pid, signal.SIGKILL)
        server.process.wait(timeout=15)


@pytest.fixture
def server(database_url, tmp_path, request) -> Iterator[Server]:
    """Treffpunkt under gunicorn on the test's database; stopped afterwards, pass or fail."""
    folder = tmp_path / "server"
    folder.mkdir()
    server = start_server(database_url, folder)
    request.node.stash[SERVER_KEY] = server
    try:
        yield server
    finally:
        stop_server(server)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Show the server's log (its errors and the requests it answered) with a failure."""
    report = yield
    server = item.stash.get(SERVER_KEY, None)
    if report.failed and server is not None:
        report.sections.append(("gunicorn log", server.log_text()))
    return report


@pytest.fixture
def manager(make, server) -> Visitor:
    """A house manager logged in through the server, with the CSRF token of their session."""
    email = make.user(Role.MANAGER, name="Maria Manager").email
    release_database()
    visitor = Visitor(server)
    visitor.login(email)
    return visitor
