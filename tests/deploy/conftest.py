"""Treffpunkt as an administrator runs it: the shipped gunicorn config, nginx, several instances.

These tests start real processes from the recipes in deploy/ and talk HTTP to them. They are
marked `deploy` and run as stages of .ci/run (`bin/test -m deploy tests/deploy/...`).
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import socket
import ssl
import subprocess
import threading
import time
import uuid
from collections.abc import Sequence
from configparser import ConfigParser
from dataclasses import dataclass, field
from http.client import HTTPConnection, HTTPSConnection
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
PUBLIC_HOST = "treffpunkt.test"
PUBLIC_URL = f"https://{PUBLIC_HOST}"
SECRET_KEY = "deploy-test-" + "k" * 52
REDIS_URL = os.environ.get("TREFFPUNKT_TEST_REDIS", "redis://127.0.0.1:6379/5")
CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')
LISTENING = re.compile(r"Listening at: http://127\.0\.0\.1:(\d+)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def unit(name: str) -> ConfigParser:
    parser = ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read(DEPLOY / "systemd" / name)
    return parser


def exec_start(name: str, venv: Path) -> list[str]:
    """A unit's ExecStart with the recipe's paths moved to this test's venv and checkout."""
    command = unit(name)["Service"]["ExecStart"]
    command = command.replace("/srv/treffpunkt/venv", str(venv)).replace("/srv/treffpunkt/src", str(ROOT))
    return shlex.split(command)


def environment_file(**overrides: str) -> dict[str, str]:
    """The settings of deploy/treffpunkt.env.example, as systemd reads them, with overrides."""
    values = {}
    for line in (DEPLOY / "treffpunkt.env.example").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key] = value
    values.update(overrides)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TREFFPUNKT_", "FLASK_", "GUNICORN")) and k not in ("SECRET_KEY", "DATABASE_URL")}
    env.update(values)
    return env


@dataclass
class Process:
    name: str
    process: subprocess.Popen
    log: Path
    port: int = 0

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


def start(name: str, command: Sequence[str], env: dict, cwd: Path, log: Path) -> Process:
    with log.open("wb") as out:
        process = subprocess.Popen(list(command), cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    return Process(name, process, log)


def wait_for_gunicorn(server: Process, seconds: float = 60) -> Process:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = LISTENING.search(server.log_text())
        if found:
            server.port = int(found.group(1))
            break
        if server.process.poll() is not None:
            pytest.fail(f"{server.name} stopped (exit {server.process.returncode}):\n{server.log_text()}")
        time.sleep(0.1)
    else:
        pytest.fail(f"{server.name} did not start:\n{server.log_text()}")
    while time.monotonic() < deadline:
        try:
            if request(server.port, "GET", "/healthz").status == 200:
                return server
        except OSError:
            pass
        time.sleep(0.1)
    pytest.fail(f"{server.name} did not answer:\n{server.log_text()}")


def stop(server: Process) -> None:
    if server.process.poll() is None:
        server.process.send_signal(signal.SIGTERM)
        try:
            server.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.process.pid, signal.SIGKILL)
            server.process.wait(timeout=15)


@dataclass
class Response:
    status: int
    headers: object
    text: str


def request(port: int, method: str, path: str, form: dict | None = None, headers: dict | None = None,
            tls: bool = False, timeout: float = 60) -> Response:
    headers = {"Host": PUBLIC_HOST, **(headers or {})}
    body = None
    if form is not None:
        body = urlencode(form)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    if tls:
        conn = HTTPSConnection("127.0.0.1", port, timeout=timeout, context=ssl._create_unverified_context())
    else:
        conn = HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers)
        answer = conn.getresponse()
        return Response(answer.status, answer.headers, answer.read().decode(errors="replace"))
    finally:
        conn.close()


@dataclass
class Browser:
    """One person's browser: cookies and the page's CSRF token, against one or more ports."""

    ports: Sequence[int]
    tls: bool = False
    cookies: dict[str, str] = field(default_factory=dict)
    csrf_token: str = ""
    sent: int = 0

    def open(self, method: str, path: str, form: dict | None = None, port: int | None = None,
             headers: dict | None = None) -> Response:
        """One request; without a port, the ports take turns (requests alternate between instances)."""
        if port is None:
            port = self.ports[self.sent % len(self.ports)]
        self.sent += 1
        cookie = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}
        response = request(port, method, path, form, {"Accept-Language": "de", **cookie, **(headers or {})}, self.tls)
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        token = CSRF_INPUT.search(response.text)
        if token:
            self.csrf_token = token.group(1)
        return response

    def login(self, email: str, password: str) -> Response:
        page = self.open("GET", "/login")
        assert page.status == 200, page.text
        return self.open("POST", "/login", {"email": email, "password": password, "csrf_token": self.csrf_token})

    def post(self, path: str, form: dict, port: int | None = None, headers: dict | None = None) -> Response:
        return self.open("POST", path, {**form, "csrf_token": self.csrf_token}, port=port, headers=headers)


def all_at_once(calls: Sequence) -> list:
    """Run these callables at the same instant, each in its own thread; their results in order."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)
    errors: list = []

    def run(i, call):
        try:
            barrier.wait(timeout=30)
            results[i] = call()
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    return results


def run(command: Sequence[str], env: dict, cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess:
    done = subprocess.run(list(command), env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{command} failed:\n{done.stdout}\n{done.stderr}"
    return done


def key_prefix() -> str:
    return f"treffpunkt-deploy-test-{uuid.uuid4().hex}"


def pytest_collection_modifyitems(config, items):
    """These start installs and servers: only when asked for with -m deploy (.ci/run's stages)."""
    if "deploy" in (config.getoption("-m") or ""):
        return
    skip = pytest.mark.skip(reason="a stage of .ci/run: bin/test -m deploy tests/deploy/...")
    for item in items:
        if item.get_closest_marker("deploy") is not None:
            item.add_marker(skip)
