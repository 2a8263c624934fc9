"""Backups of the SQLite database: a consistent copy taken while the app runs, checked, and
only the newest few kept.

The copy is made with SQLite's online backup in one step: it reads the database inside one
read transaction, so it is a snapshot of the moment it began. In WAL mode readers do not
hold up writers, so requests go on committing while the copy is written; a copy made in
several steps would start over after every commit from another process and might never end
in a busy house.

Files are named treffpunkt-YYYYmmdd-HHMMSS.sqlite after the time (UTC) the backup began, with
-2, -3, ... added when that name is taken. Only files named so are ever removed.
"""

from __future__ import annotations

import os
import re
import sqlite3
import tempfile
import time
from contextlib import closing
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

PREFIX = "treffpunkt-"
SUFFIX = ".sqlite"
STAMP = "%Y%m%d-%H%M%S"
NAME = re.compile(r"treffpunkt-(\d{8}-\d{6})(?:-([1-9]\d*))?\.sqlite")
BUSY_TIMEOUT = 10  # seconds to wait for a lock on the database before giving up


class BackupError(Exception):
    """The backup could not be made; nothing was kept of it."""


class NotSQLite(BackupError):
    """The app's database is not an SQLite file (PostgreSQL has pg_dump for this)."""


@dataclass(frozen=True)
class Backup:
    path: Path
    bookings: int
    seconds: float
    removed: list[Path] = field(default_factory=list)


def sqlite_path(uri: str) -> Path:
    """The database file named by an sqlite:///... URI; refuses every other kind of database."""
    try:
        url = make_url(uri)
    except ArgumentError:
        raise BackupError(f"Cannot read the database URL {uri!r}.") from None
    backend = url.get_backend_name()
    if backend in ("postgresql", "postgres"):
        raise NotSQLite(
            "The database is PostgreSQL: `flask backup` copies SQLite databases only. "
            'Back it up with pg_dump, e.g. pg_dump --format=custom --file=treffpunkt.dump "$DATABASE_URL" '
            "(see docs/operations.md, Backup and restore)."
        )
    if backend != "sqlite":
        raise NotSQLite(f"`flask backup` copies SQLite databases only; this one is {backend}.")
    if not url.database or url.database == ":memory:" or url.database.startswith("file:"):
        raise BackupError(f"The database URL {uri!r} names no database file.")
    return Path(url.database).resolve()


def backup_name(began: datetime, number: int = 1) -> str:
    """treffpunkt-20250314-031500.sqlite; the second backup of that second gets -2, and so on."""
    stamp = began.astimezone(timezone.utc).strftime(STAMP)
    return f"{PREFIX}{stamp}{SUFFIX}" if number == 1 else f"{PREFIX}{stamp}-{number}{SUFFIX}"


def backups(folder: Path) -> list[Path]:
    """The backups in the folder, oldest first (by the time and number in their names)."""
    found = []
    for path in folder.glob(f"{PREFIX}*{SUFFIX}"):
        match = NAME.fullmatch(path.name)
        if match and path.is_file():
            found.append(((match.group(1), int(match.group(2) or 1)), path))
    return [path for _, path in sorted(found)]


def prune(folder: Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` backups; the deleted ones, oldest first."""
    if keep < 1:
        raise BackupError("Keep at least one backup.")
    old = backups(folder)[:-keep]
    for path in old:
        path.unlink(missing_ok=True)
    return old


def copy_database(source: Path, target: Path) -> None:
    """Copy the database at `source` into the (new or empty) file `target`, consistently."""
    if not source.is_file():
        raise BackupError(f"There is no database at {source}.")
    # mode=rw: never create an empty database where the real one was expected.
    try:
        with closing(sqlite3.connect(f"{source.as_uri()}?mode=rw", uri=True, timeout=BUSY_TIMEOUT)) as src, \
                closing(sqlite3.connect(target, timeout=BUSY_TIMEOUT)) as dst:
            src.backup(dst)  # pages=-1: the whole database in one step, one snapshot
            # The copy stands alone: one file, no -wal beside it.
            dst.execute("PRAGMA journal_mode = DELETE")
    except sqlite3.Error as error:
        raise BackupError(f"Could not copy {source}: {error}.") from None


def check_copy(path: Path) -> int:
    """Run SQLite's integrity check on the copy; the number of bookings it holds."""
    try:
        with closing(sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)) as conn:
            problems = [row[0] for row in conn.execute("PRAGMA integrity_check")]
            if problems != ["ok"]:
                raise BackupError(f"The copy failed SQLite's integrity check: {'; '.join(problems[:5])}.")
            return conn.execute("SELECT count(*) FROM booking").fetchone()[0]
    except sqlite3.Error as error:
        raise BackupError(f"Could not check the copy: {error}.") from None


def _claim(folder: Path, began: datetime) -> Path:
    """Reserve the first free name for a backup begun at `began` (safe against a second run)."""
    number = 1
    while True:
        path = folder / backup_name(began, number)
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        except FileExistsError:
            number += 1
            continue
        return path


def make_backup(database_uri: str, folder: Path, keep: int, began: datetime | None = None) -> Backup:
    """Copy the database into `folder`, check the copy, then keep only the newest `keep` backups.

    The copy is written under a temporary name and gets its real name only once it has passed
    the integrity check, so every file named like a backup is a complete, checked one.
    """
    if keep < 1:
        raise BackupError("Keep at least one backup.")
    source = sqlite_path(database_uri)
    began = began or datetime.now(timezone.utc)
    start = time.perf_counter()
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(prefix=".backup-", suffix=".partial", dir=folder)  # mode 0600
        os.close(handle)
    except OSError as error:
        raise BackupError(f"Cannot write to {folder}: {error}.") from None
    partial = Path(name)
    try:
        copy_database(source, partial)
        bookings = check_copy(partial)
        path = _claim(folder, began)
        try:
            os.replace(partial, path)
        except OSError as error:
            path.unlink(missing_ok=True)
            raise BackupError(f"Cannot write {path}: {error}.") from None
    finally:
        partial.unlink(missing_ok=True)
    seconds = time.perf_counter() - start
    return Backup(path=path, bookings=bookings, seconds=seconds, removed=prune(folder, keep))
