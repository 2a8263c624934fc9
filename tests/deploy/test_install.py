"""The production path: the documented install into a fresh virtualenv outside the checkout,
gunicorn with the shipped config started as the systemd unit starts it, from another folder."""

from __future__ import annotations

import os
import time

import pytest

from tests.deploy.conftest import (
    PUBLIC_URL,
    ROOT,
    SECRET_KEY,
    Browser,
    environment_file,
    exec_start,
    free_port,
    request,
    run,
    start,
    stop,
    unit,
    wait_for_gunicorn,
)

pytestmark = pytest.mark.deploy
ADMIN = "leitung@example.org"
ADMIN_PASSWORD = "ein-langes-gutes-passwort-2026"


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """deploy/install into a new virtualenv in a temporary folder (not inside the checkout)."""
    venv = tmp_path_factory.mktemp("production") / "venv"
    assert ROOT not in venv.parents
    started = time.monotonic()
    run([str(ROOT / "deploy" / "install"), str(venv)], env=dict(os.environ), cwd=venv.parent, timeout=900)
    print(f"\ndeploy/install into a fresh virtualenv: {time.monotonic() - started:.1f} s")
    return venv


def test_the_package_carries_every_subpackage_pages_migrations_and_german(installed):
    done = run([str(installed / "bin" / "python"), "-c", """
import booking, pathlib, pkgutil
site = pathlib.Path(booking.__file__).parent
print(site)
print(sorted(m.name for m in pkgutil.iter_modules([str(site)]) if m.ispkg))
"""], env=dict(os.environ), cwd=installed.parent)
    folder, packages = done.stdout.splitlines()
    assert str(ROOT) not in folder  # the installed copy, not the checkout
    for package in ("board", "manage", "requests", "operations"):
        assert package in packages


def test_the_installed_app_serves_german_pages_under_gunicorn_from_another_folder(installed, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    database = os.environ.get("DATABASE_URL", "")
    if not database.startswith("postgres"):
        database = f"sqlite:///{tmp_path / 'treffpunkt.sqlite'}"
    env = environment_file(
        TREFFPUNKT_SECRET_KEY=SECRET_KEY, TREFFPUNKT_PUBLIC_URL=PUBLIC_URL, TREFFPUNKT_DATABASE_URL=database,
        TREFFPUNKT_INSTANCE=str(tmp_path / "instance"), TREFFPUNKT_BIND=f"127.0.0.1:{free_port()}",
        TREFFPUNKT_TRUSTED_PROXIES="0", TREFFPUNKT_WORKERS="1", TREFFPUNKT_THREADS="4",
        TREFFPUNKT_RATELIMIT_STORAGE_URI="memory://", TREFFPUNKT_LOG_FORMAT="json",
    )
    assert unit("treffpunkt.service")["Service"]["EnvironmentFile"] == "/etc/treffpunkt/treffpunkt.env"
    flask = str(installed / "bin" / "flask")
    run([flask, "--app", "booking", "db", "upgrade"], env=env, cwd=elsewhere)
    run([flask, "--app", "booking", "users", "create", "--email", ADMIN, "--name", "Hausleitung",
         "--role", "admin", "--password", ADMIN_PASSWORD], env=env, cwd=elsewhere)
    started = time.monotonic()
    server = start("gunicorn", exec_start("treffpunkt.service", installed), env, elsewhere, tmp_path / "gunicorn.log")
    try:
        wait_for_gunicorn(server)
        print(f"\ngunicorn with the shipped config, start to first answer: {time.monotonic() - started:.1f} s")
        login = request(server.port, "GET", "/login", headers={"Accept-Language": "de"})
        assert login.status == 200
        assert '<html lang="de" dir="ltr">' in login.text and "Anmelden" in login.text
        assert login.headers["X-Request-ID"]
        assert request(server.port, "GET", "/static/css/app.css").status == 200
        assert request(server.port, "GET", "/readyz").text == "ready\n"
        # Only the public host is served: a foreign Host header gets 400.
        assert request(server.port, "GET", "/login", headers={"Host": "evil.example"}).status == 400
        browser = Browser([server.port])
        done = browser.login(ADMIN, ADMIN_PASSWORD)
        assert done.status == 302, done.text
        assert browser.open("GET", "/manage/users/").status == 200
        log = server.log_text()
        assert '"path": "/login"' in log and '"status": 200' in log and ADMIN not in log
        assert "Traceback" not in log
    finally:
        stop(server)
