"""The shipped nginx site in front of gunicorn with the shipped config: TLS, HSTS, the proxy
headers the app trusts, static files from disk; a login and a booking request through it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from booking.extensions import db
from booking.models import Booking, Role
from tests.conftest import PASSWORD, future_day
from tests.deploy.conftest import (
    DEPLOY,
    PUBLIC_HOST,
    PUBLIC_URL,
    REDIS_URL,
    ROOT,
    SECRET_KEY,
    Browser,
    environment_file,
    exec_start,
    free_port,
    key_prefix,
    redis_up,
    request,
    start,
    stop,
    wait_for_gunicorn,
)

pytestmark = [
    pytest.mark.deploy,
    pytest.mark.skipif(shutil.which("nginx") is None, reason="needs Debian's nginx (.ci/run installs it)"),
    pytest.mark.skipif(not redis_up(), reason="needs Redis on 127.0.0.1:6379 (.ci/run starts it)"),
]


def site_for_test(folder: Path, app_port: int, http_port: int, https_port: int) -> Path:
    """deploy/nginx as an administrator installs it, with this test's ports, certificate and checkout."""
    (folder / "snippets").mkdir(parents=True)
    (folder / "sites").mkdir()
    for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (folder / name).mkdir()
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
                    f"/CN={PUBLIC_HOST}", "-keyout", str(folder / "key.pem"), "-out", str(folder / "cert.pem")],
                   check=True, capture_output=True)
    site = (DEPLOY / "nginx" / "treffpunkt.conf").read_text()
    site = "\n".join(line for line in site.splitlines() if "listen [::]" not in line)  # no IPv6 needed here
    for old, new in [
        ("listen 80;", f"listen 127.0.0.1:{http_port};"),
        ("listen 443 ssl", f"listen 127.0.0.1:{https_port} ssl"),
        ("server 127.0.0.1:8000;", f"server 127.0.0.1:{app_port};"),
        ("/etc/letsencrypt/live/treffpunkt.example.org/fullchain.pem", str(folder / "cert.pem")),
        ("/etc/letsencrypt/live/treffpunkt.example.org/privkey.pem", str(folder / "key.pem")),
        ("treffpunkt.example.org", PUBLIC_HOST),
    ]:
        assert old in site, old
        site = site.replace(old, new)
    (folder / "sites" / "treffpunkt.conf").write_text(site)
    snippet = (DEPLOY / "nginx" / "treffpunkt-proxy.conf").read_text()
    assert "/srv/treffpunkt/src/static/" in snippet
    (folder / "snippets" / "treffpunkt-proxy.conf").write_text(
        snippet.replace("/srv/treffpunkt/src/static/", f"{ROOT}/static/"))
    user = "user root;" if os.geteuid() == 0 else ""
    temp = "\n".join(f"  {name}_temp_path {folder / name};" for name in ("proxy", "fastcgi", "uwsgi", "scgi"))
    conf = folder / "nginx.conf"
    conf.write_text(f"""{user}
worker_processes 1;
pid {folder / 'nginx.pid'};
error_log {folder / 'error.log'};
events {{ worker_connections 256; }}
http {{
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  access_log {folder / 'access.log'};
  client_body_temp_path {folder / 'body'};
{temp}
  include sites/treffpunkt.conf;
}}
""")
    return conf


@pytest.fixture
def house(make):
    """A partner group's account, a manager and a room, committed for the servers to see."""
    partner = make.user(Role.PARTNER, email="partner@example.org")
    manager = make.user(Role.MANAGER, email="manager@example.org")
    room = make.resource("Saal", capacity=40)
    ids = partner.email, manager.email, room.id
    db.session.commit()
    db.session.remove()
    return ids


def test_a_login_and_a_booking_through_nginx(house, database_url, tmp_path):
    partner, manager, room_id = house
    app_port, http_port, https_port = free_port(), free_port(), free_port()
    env = environment_file(
        TREFFPUNKT_SECRET_KEY=SECRET_KEY, TREFFPUNKT_PUBLIC_URL=PUBLIC_URL, TREFFPUNKT_DATABASE_URL=database_url,
        TREFFPUNKT_INSTANCE=str(tmp_path / "instance"), TREFFPUNKT_BIND=f"127.0.0.1:{app_port}",
        TREFFPUNKT_TRUSTED_PROXIES="1", TREFFPUNKT_WORKERS="2", TREFFPUNKT_THREADS="4",
        TREFFPUNKT_RATELIMIT_STORAGE_URI=REDIS_URL, TREFFPUNKT_RATELIMIT_KEY_PREFIX=key_prefix(),
        TREFFPUNKT_LOG_FORMAT="text",
    )
    (tmp_path / "elsewhere").mkdir()
    app = start("gunicorn", exec_start("treffpunkt.service", Path(sys.prefix)), env, tmp_path / "elsewhere",
                tmp_path / "gunicorn.log")
    conf = site_for_test(tmp_path / "nginx", app_port, http_port, https_port)
    checked = subprocess.run(["nginx", "-t", "-p", str(conf.parent), "-c", str(conf)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    nginx = start("nginx", ["nginx", "-p", str(conf.parent), "-c", str(conf), "-g", "daemon off;"], env, conf.parent,
                  tmp_path / "nginx.out")
    try:
        wait_for_gunicorn(app)
        deadline = time.monotonic() + 30
        while True:
            try:
                plain = request(http_port, "GET", "/login?x=1")
                break
            except OSError:
                assert time.monotonic() < deadline and nginx.process.poll() is None, (
                    (conf.parent / "error.log").read_text() if (conf.parent / "error.log").exists() else "")
                time.sleep(0.1)
        assert plain.status == 301 and plain.headers["Location"] == f"https://{PUBLIC_HOST}/login?x=1"

        login_page = request(https_port, "GET", "/login", headers={"Accept-Language": "de"}, tls=True)
        assert login_page.status == 200 and "Anmelden" in login_page.text
        assert login_page.headers["Strict-Transport-Security"].startswith("max-age=31536000")
        request_id = login_page.headers["X-Request-ID"]
        assert len(request_id) == 32  # nginx's $request_id, passed on and logged by the app

        css = request(https_port, "GET", "/static/css/app.css", tls=True)
        assert css.status == 200 and css.headers["Cache-Control"] == "max-age=604800"

        browser = Browser([https_port], tls=True)
        referer = {"Referer": f"{PUBLIC_URL}/login"}
        assert browser.login(partner, PASSWORD).status == 400  # over HTTPS a form needs its Referer ...
        browser.open("GET", "/login")
        done = browser.post("/login", {"email": partner, "password": PASSWORD}, headers=referer)
        assert done.status == 302, done.text  # ... which shows the app knows it is served over HTTPS
        assert "secure" in done.headers["Set-Cookie"].lower()
        page = browser.open("GET", "/requests/new")
        assert page.status == 200
        asked = browser.post("/requests/new", {
            "resource_id": str(room_id), "date": future_day().isoformat(), "start": "18:00", "end": "20:00",
            "attendees": "12", "purpose_id": "7", "title": "Elterncafé", "units": "1",
        }, headers={"Referer": f"{PUBLIC_URL}/requests/new"})
        assert asked.status == 303, asked.text
        engine = sa.create_engine(db.engine.url)
        with engine.connect() as conn:
            assert conn.scalar(sa.select(sa.func.count()).select_from(Booking)) == 1
        engine.dispose()

        log = app.log_text()
        assert f"[{request_id}] treffpunkt.requests: GET /login 200" in log
        assert "/static/css/app.css" not in log  # served by nginx from disk
        assert "Traceback" not in log
    finally:
        stop(nginx)
        stop(app)
