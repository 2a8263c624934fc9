"""A person's or a group's data as one ZIP file: each table as JSON and as CSV.

Which tables and rows come from the registry, so a table added there is in every download. The
hashes of secrets (passwords, links, feed addresses, login keys) are left out: a feed is shown
as existing, never by its address. The download is noted in the record of changes.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..models import ChangeRecord, Organisation, User
from . import registry

# A spreadsheet program runs a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

ABOUT = """\
Treffpunkt: the data the house holds about {subject}, as of {at} (UTC).

Each table is here twice: json/<table>.json (a list of rows) and csv/<table>.csv (the same rows;
a cell that would start with = + - or @ begins with an apostrophe, so that no spreadsheet runs it).
Left out: the hashes of passwords, of links sent by e-mail, of calendar feed addresses and of
login cookies. They are not readable and prove nothing; a calendar feed is listed with its kind
and dates. What each table is for, and how long it is kept: the privacy page (/datenschutz),
or ask the house.
"""


@dataclass
class Export:
    filename: str
    data: bytes
    tables: dict[str, int]  # table -> rows


def _plain(value):
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _csv(columns: list[str], rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row[c]) for c in columns])
    return out.getvalue()


def collect(session: Session, *, user_id: int | None = None, organisation_id: int | None = None) -> dict:
    """table -> (columns, rows) of everything the registry holds about one person or one group."""
    found = {}
    for table, entry in registry.personal_tables():
        if user_id is not None:
            where = registry.rows_of_person(table, entry, user_id)
        else:
            where = registry.rows_of_organisation(table, entry, organisation_id)
        if where is None:
            continue
        columns = [c for c in table.columns if c.name not in entry.secret]
        key = list(table.primary_key.columns)
        rows = session.execute(sa.select(*columns).where(where).order_by(*key)).mappings().all()
        found[table.name] = ([c.name for c in columns], [{k: _plain(v) for k, v in row.items()} for row in rows])
    return found


def _zip(found: dict, subject: str, at: datetime) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", ABOUT.format(subject=subject, at=at.isoformat(timespec="seconds")))
        for name, (columns, rows) in found.items():
            archive.writestr(f"json/{name}.json", json.dumps(rows, ensure_ascii=False, indent=1))
            archive.writestr(f"csv/{name}.csv", _csv(columns, rows))
    return buffer.getvalue()


def _note(session: Session, subject: str, subject_id: int, label: str, by: User | None, at: datetime) -> None:
    """The download in the record of changes: who took whose data, and when."""
    session.add(ChangeRecord(at=at, actor_id=by.id if by is not None else None, subject=subject,
                             subject_id=subject_id, action="exported", label=label[:254], changes="[]"))
    session.flush()


def of_person(session: Session, person: User, *, by: User, at: datetime) -> Export:
    """Everything about one person, noted in the record of changes."""
    _note(session, "user", person.id, f"{person.name} <{person.email}>", by, at)
    found = collect(session, user_id=person.id)
    data = _zip(found, f"the account {person.email}", at)
    return Export(f"treffpunkt-account-{person.id}-{at:%Y%m%d}.zip", data,
                  {name: len(rows) for name, (_columns, rows) in found.items()})


def of_organisation(session: Session, organisation: Organisation, *, by: User, at: datetime) -> Export:
    """Everything about one group (its members' accounts, bookings, series, feeds, history)."""
    _note(session, "organisation", organisation.id, organisation.name, by, at)
    found = collect(session, organisation_id=organisation.id)
    data = _zip(found, f"the group {organisation.name}", at)
    return Export(f"treffpunkt-group-{organisation.id}-{at:%Y%m%d}.zip", data,
                  {name: len(rows) for name, (_columns, rows) in found.items()})
