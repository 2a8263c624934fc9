"""`flask backup`: a checked copy of the SQLite database, taken while the house goes on booking."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
import threading
import time
from contextlib import closing
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from booking import backup, create_app
from booking.backup import NAME, BackupError
from booking.extensions import db
from tests.conftest import ON_POSTGRES

ROOT = Path(__file__).resolve().parents[2]
WROTE = re.compile(r"Wrote (\S+) \((\d+) bookings?\)")

sqlite_only = pytest.mark.skipif(ON_POSTGRES, reason="copies an SQLite file; PostgreSQL is backed up with pg_dump")


def run_backup(runner, *args) -> tuple[Path, int]:
    """Run `flask backup`; the file it wrote and the bookings it says the file holds."""
    result = runner.invoke(args=["backup", *args])
    assert result.exit_code == 0, result.output
    found = WROTE.search(result.output)
    assert found, result.output
    return Path(found.group(1)), int(found.group(2))


def database_file(app) -> Path:
    return Path(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"))


def backups_folder(app) -> Path:
    return Path(app.instance_path) / "backups"


def integrity(path: Path) -> list[str]:
    with closing(sqlite3.connect(path)) as conn:
        return [row[0] for row in conn.execute("PRAGMA integrity_check")]


def booking_ids(path: Path) -> list[int]:
    with closing(sqlite3.connect(path)) as conn:
        return [row[0] for row in conn.execute("SELECT id FROM booking ORDER BY id")]


# --- the copy and how many are kept ----------------------------------------------------------


@sqlite_only
def test_backup_writes_a_checked_copy_that_holds_the_bookings(app, runner, make):
    room, group = make.resource(), make.organisation()
    made = [make.booking(room, group, start=start, end=end)
            for start, end in (("09:00", "10:00"), ("11:00", "12:00"), ("14:00", "16:00"))]
    began = datetime.now(timezone.utc).replace(microsecond=0)

    path, bookings = run_backup(runner)

    assert path.parent == backups_folder(app)
    stamp = datetime.strptime(NAME.fullmatch(path.name).group(1), "%Y%m%d-%H%M%S").replace(tzinfo=timezone.utc)
    assert began <= stamp <= datetime.now(timezone.utc)  # named after the time in UTC
    assert bookings == 3
    assert integrity(path) == ["ok"]
    assert booking_ids(path) == [b.id for b in made]
    with closing(sqlite3.connect(path)) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # one file, no -wal needed
    assert sorted(p.name for p in backups_folder(app).iterdir()) == [path.name]  # nothing half-written left
    assert path.stat().st_mode & 0o077 == 0  # the house's data: readable by its owner only


@sqlite_only
def test_keep_2_after_three_backups_leaves_the_two_newest_and_nothing_else_is_touched(app, runner):
    folder = backups_folder(app)
    folder.mkdir()
    others = [folder / "notes.txt", folder / "treffpunkt-before-upgrade.sqlite", folder / "treffpunkt.sqlite"]
    for other in others:
        other.write_text("kept by hand")

    first, _ = run_backup(runner)
    second, _ = run_backup(runner)
    result = runner.invoke(args=["backup", "--keep", "2"])
    assert result.exit_code == 0, result.output
    third = Path(WROTE.search(result.output).group(1))

    assert len({first, second, third}) == 3  # unique names, even within one second
    assert "Removed 1 older backup; kept the newest 2." in result.output
    assert backup.backups(folder) == [second, third]
    assert sorted(folder.iterdir()) == sorted([second, third, *others])


@sqlite_only
def test_keeping_no_backup_at_all_is_refused(app, runner):
    result = runner.invoke(args=["backup", "--keep", "0"])
    assert result.exit_code == 2
    assert "--keep" in result.output
    assert not backups_folder(app).exists()


@sqlite_only
def test_default_number_kept_comes_from_the_settings(app_config, tmp_path):
    app_config["BACKUP_KEEP"] = 1
    app = create_app(app_config)
    with app.app_context():
        runner = app.test_cli_runner()
        run_backup(runner)
        last, _ = run_backup(runner)
        assert backup.backups(backups_folder(app)) == [last]


@sqlite_only
def test_backups_of_the_same_second_get_numbers_and_sort_by_them(app, tmp_path):
    folder = tmp_path / "backups"
    began = datetime(2025, 3, 30, 0, 59, 59, tzinfo=timezone(timedelta(hours=1)))  # 23:59:59 UTC
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    made = [backup.make_backup(uri, folder, keep=20, began=began).path for _ in range(11)]
    assert [p.name for p in made[:3]] == [
        "treffpunkt-20250329-235959.sqlite",
        "treffpunkt-20250329-235959-2.sqlite",
        "treffpunkt-20250329-235959-3.sqlite",
    ]
    older = folder / "treffpunkt-20250329-235958-12.sqlite"
    older.write_bytes(b"")
    assert backup.backups(folder) == [older, *made]  # -10 and -11 after -2, an earlier second first
    assert backup.prune(folder, keep=2) == [older, *made[:-2]]
    assert backup.backups(folder) == made[-2:]


@sqlite_only
def test_a_missing_database_is_reported_and_not_created(app_config, tmp_path):
    missing = tmp_path / "elsewhere" / "treffpunkt.sqlite"
    missing.parent.mkdir()
    app_config["DATABASE_URL"] = f"sqlite:///{missing}"
    app = create_app(app_config)
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["backup"])
    assert result.exit_code != 0
    assert f"There is no database at {missing}" in result.output
    assert not missing.exists()
    assert list(backups_folder(app).iterdir()) == []


@sqlite_only
def test_a_copy_that_fails_the_integrity_check_is_not_kept(app, runner, monkeypatch):
    def broken_check(path):
        raise BackupError("The copy failed SQLite's integrity check: page 3 is never used.")

    monkeypatch.setattr(backup, "check_copy", broken_check)
    result = runner.invoke(args=["backup"])
    assert result.exit_code != 0
    assert "integrity check" in result.output and "Wrote" not in result.output
    assert list(backups_folder(app).iterdir()) == []


@sqlite_only
def test_the_command_line_reads_the_instance_and_database_from_the_environment(app, make, tmp_path):
    make.booking(make.resource())
    instance = tmp_path / "house"
    env = {**os.environ, "TREFFPUNKT_DEVELOPMENT": "1", "TREFFPUNKT_INSTANCE": str(instance),
           "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"]}
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "backup", "--keep", "3"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    path = Path(WROTE.search(done.stdout).group(1))
    assert path.parent == instance / "backups"
    assert booking_ids(path) != [] and integrity(path) == ["ok"]


# --- PostgreSQL ------------------------------------------------------------------------------


def test_on_postgresql_the_command_points_to_pg_dump(app_config):
    app_config["DATABASE_URL"] = "postgresql://treffpunkt@db.invalid/treffpunkt"  # never connected to
    app = create_app(app_config)
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["backup"])
    assert result.exit_code == 1
    assert "PostgreSQL" in result.output and "pg_dump --format=custom" in result.output
    assert not backups_folder(app).exists()


# --- consistent while another process writes -------------------------------------------------

# Another process, as a worker of the app would be: one booking per transaction, each a copy of
# a template row; it prints the id of every booking once its COMMIT has returned, until stdin closes.
WRITER = """
import sqlite3, sys, threading
path, template = sys.argv[1], int(sys.argv[2])
stop = threading.Event()
threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
conn = sqlite3.connect(path, isolation_level=None, timeout=10)
conn.execute("PRAGMA foreign_keys = ON")
columns = ", ".join(row[1] for row in conn.execute("PRAGMA table_info(booking)") if row[1] != "id")
insert = f"INSERT INTO booking ({columns}) SELECT {columns} FROM booking WHERE id = ?"
while not stop.is_set():
    conn.execute("BEGIN IMMEDIATE")
    new_id = conn.execute(insert, (template,)).lastrowid
    conn.execute("COMMIT")
    print(new_id, flush=True)
conn.close()
"""
FILLER_BOOKINGS = 3000  # about 13 MB, so each copy takes a moment while the writer goes on
BACKUPS = 5  # taken one after another while the writer writes, with checkpoints falling in between
WRITES_AROUND = 50  # at least this many commits before the first backup and after the last
SECONDS_AROUND = 1.0  # and at least this long
WRITES_BETWEEN = 20  # commits between two backups


def fill(path: Path, template: int, count: int) -> None:
    """Many more bookings like the template, each with a long note."""
    with closing(sqlite3.connect(path, isolation_level=None, timeout=10)) as conn:
        columns = [row[1] for row in conn.execute("PRAGMA table_info(booking)") if row[1] != "id"]
        values = ", ".join("printf('%.2000c', 'x')" if c == "note" else c for c in columns)
        conn.execute(
            f"INSERT INTO booking ({', '.join(columns)}) "
            f"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) "
            f"SELECT {values} FROM booking, n WHERE booking.id = ?",
            (count, template),
        )
        # Into the database file, where most of a house's data is; new commits go to the -wal.
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


class Writer:
    """The writing process and the ids it has committed, in order."""

    def __init__(self, path: Path, template: int):
        self.committed: list[int] = []
        self.process = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path), str(template)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.committed.append(int(line))

    def wait_for(self, commits: int, seconds: float) -> None:
        """Until the writer has committed `commits` more bookings and `seconds` have passed."""
        target, start = len(self.committed) + commits, time.monotonic()
        while len(self.committed) < target or time.monotonic() - start < seconds:
            assert self.process.poll() is None, f"the writer stopped: {self.process.stderr.read()}"
            assert time.monotonic() - start < 60, "the writer made no progress"
            time.sleep(0.01)

    def stop(self) -> None:
        self.process.stdin.close()
        try:
            self.process.wait(timeout=30)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
            self.reader.join(timeout=10)
            self.process.stdout.close()
            self.process.stderr.close()


@sqlite_only
def test_backup_while_another_process_writes_is_a_consistent_snapshot(app, runner, make):
    template = make.booking(make.resource()).id
    db.session.close()  # the app's connections hold no snapshot: the file can be checkpointed
    database = database_file(app)
    fill(database, template, FILLER_BOOKINGS)
    existing = booking_ids(database)

    taken = []  # (the backup, its bookings, the ids committed before it began)
    writer = Writer(database, template)
    try:
        writer.wait_for(WRITES_AROUND, SECONDS_AROUND)
        for _ in range(BACKUPS):
            committed_before = list(writer.committed)
            taken.append((*run_backup(runner), committed_before))
            writer.wait_for(WRITES_BETWEEN, 0.1)
        writer.wait_for(WRITES_AROUND, SECONDS_AROUND)
    finally:
        writer.stop()
    assert writer.process.returncode == 0

    held = []
    for path, bookings, committed_before in taken:
        assert integrity(path) == ["ok"], path
        ids = booking_ids(path)
        assert bookings == len(ids)
        assert ids[:len(existing)] == existing
        written = ids[len(existing):]
        # A snapshot: exactly the writer's first bookings, none missing in between, none torn ...
        assert written == writer.committed[:len(written)], path
        # ... holding every booking committed before the backup began ...
        assert len(written) >= len(committed_before), (path, len(written), len(committed_before))
        held.append(len(written))
    # ... and not those committed after it was written.
    assert held == sorted(held) and held[-1] < len(writer.committed)
