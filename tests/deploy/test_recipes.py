"""The recipes in deploy/ as files: systemd accepts the units, they read the one settings file,
and the PostgreSQL backup script writes checked dumps, readable by their owner only, and prunes."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ON_POSTGRES, POSTGRES_URL
from tests.deploy.conftest import DEPLOY, ROOT, unit

UNITS = ("treffpunkt.service", "treffpunkt-outbox.service", "treffpunkt-backup.service", "treffpunkt-retention.service")


@pytest.mark.parametrize("name", UNITS)
def test_every_service_reads_the_one_settings_file_as_the_app_user(name):
    service = unit(name)["Service"]
    assert service["EnvironmentFile"] == "/etc/treffpunkt/treffpunkt.env"
    assert service["User"] == "treffpunkt" and service["WorkingDirectory"] == "/var/lib/treffpunkt"


def test_the_units_start_the_shipped_config_the_outbox_worker_and_the_backup():
    assert unit("treffpunkt.service")["Service"]["ExecStart"] == (
        "/srv/treffpunkt/venv/bin/gunicorn --config /srv/treffpunkt/src/gunicorn.conf.py")
    assert unit("treffpunkt-outbox.service")["Service"]["ExecStart"] == (
        "/srv/treffpunkt/venv/bin/flask --app booking outbox run")
    assert unit("treffpunkt-backup.service")["Service"]["ExecStart"] == "/srv/treffpunkt/src/deploy/backup-postgres"
    assert unit("treffpunkt-backup.timer")["Timer"]["OnCalendar"] == "*-*-* 03:15:00"
    # The data-protection clean-up, every night after the backup (docs/privacy.md).
    assert unit("treffpunkt-retention.service")["Service"]["ExecStart"] == (
        "/srv/treffpunkt/venv/bin/flask --app booking retention run")
    assert unit("treffpunkt-retention.service")["Service"]["Type"] == "oneshot"
    assert unit("treffpunkt-retention.timer")["Timer"]["OnCalendar"] == "*-*-* 04:05:00"
    assert unit("treffpunkt-retention.timer")["Timer"]["Persistent"] == "true"
    # A wrong setting ends gunicorn with status 4: no restart loop.
    assert unit("treffpunkt.service")["Service"]["RestartPreventExitStatus"] == "4"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="needs systemd-analyze")
def test_systemd_accepts_the_units(tmp_path):
    venv = Path(sys.prefix)
    for name in (*UNITS, "treffpunkt-backup.timer", "treffpunkt-retention.timer"):
        text = (DEPLOY / "systemd" / name).read_text()
        (tmp_path / name).write_text(text.replace("/srv/treffpunkt/venv", str(venv)).replace("/srv/treffpunkt/src", str(ROOT)))
    checked = subprocess.run(["systemd-analyze", "verify", *sorted(str(p) for p in tmp_path.iterdir())],
                             capture_output=True, text=True, timeout=120)
    assert checked.returncode == 0 and checked.stderr.strip() == "", checked.stderr


def test_the_settings_file_leaves_the_secret_key_to_the_administrator():
    lines = dict(line.split("=", 1) for line in (DEPLOY / "treffpunkt.env.example").read_text().splitlines()
                 if line and not line.startswith("#"))
    assert lines["TREFFPUNKT_SECRET_KEY"] == ""  # the app refuses to start until it is set
    assert all(key.startswith("TREFFPUNKT_") for key in lines)


def backup(folder: Path, keep: int, url: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "TREFFPUNKT_DATABASE_URL": url or POSTGRES_URL, "TREFFPUNKT_BACKUP_DIR": str(folder),
           "TREFFPUNKT_BACKUP_KEEP": str(keep)}
    return subprocess.run([str(DEPLOY / "backup-postgres")], env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.postgres
@pytest.mark.skipif(not ON_POSTGRES, reason="needs DATABASE_URL pointing at PostgreSQL")
def test_postgres_backups_are_checked_private_and_pruned(migrated_database, tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    (folder / "notes.txt").write_text("kept")
    for _ in range(3):
        done = backup(folder, keep=2)
        assert done.returncode == 0, done.stderr
    dumps = sorted(folder.glob("treffpunkt-*.dump"))
    assert len(dumps) == 2 and (folder / "notes.txt").exists()
    assert "Removed 1 older backup(s); kept the newest 2." in done.stdout
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for dump in dumps:
        assert stat.S_IMODE(dump.stat().st_mode) == 0o600
        listing = subprocess.run(["pg_restore", "--list", str(dump)], capture_output=True, text=True)
        assert "TABLE public booking" in listing.stdout


@pytest.mark.postgres
@pytest.mark.skipif(not ON_POSTGRES, reason="needs DATABASE_URL pointing at PostgreSQL")
def test_a_failed_backup_leaves_no_file_and_fails(tmp_path):
    folder = tmp_path / "backups"
    done = backup(folder, keep=2, url="postgresql://nobody@127.0.0.1:1/nothing")
    assert done.returncode != 0
    assert list(folder.iterdir()) == []
