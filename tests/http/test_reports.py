"""The manager's reports: the page, the downloads (CSV and XLSX) and what they refuse."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from booking.extensions import db
from booking.models import Attendance, ChangeRecord, ResourceKind, Role, Status
from booking.reports.models import Purpose
from tests.conftest import count_rows

YEAR = date.today().year - 1
PERIOD = {"start": f"{YEAR}-01-01", "end": f"{YEAR}-12-31"}
EN = {"Accept-Language": "en"}
EVIL = '=HYPERLINK("http://evil.example")'


@pytest.fixture
def house(make):
    """Last year: a German course (4 h, twice), a counselling hour, a no-show, a withdrawal."""
    chor = make.organisation("Chor")
    verein = make.organisation(EVIL)
    saal = make.resource("Saal", capacity=80)
    beamer = make.resource("Beamer", kind=ResourceKind.EQUIPMENT, quantity=2)
    course = db.session.scalar(sa.select(Purpose).where(Purpose.key == "german_course"))
    counselling = db.session.scalar(sa.select(Purpose).where(Purpose.key == "counselling"))
    day = date(YEAR, 5, 5)
    first = make.booking(saal, chor, day=day, start="10:00", end="14:00", status=Status.APPROVED, attendees=12,
                         purpose_id=course.id, title="Deutschkurs")
    make.booking(beamer, chor, day=day, start="10:00", end="14:00", status=Status.APPROVED, attendees=None,
                 purpose_id=course.id, bundle_of=first, title="Deutschkurs")
    make.booking(saal, chor, day=day + timedelta(days=7), start="10:00", end="14:00", status=Status.APPROVED,
                 attendees=10, purpose_id=course.id, title="Deutschkurs", attendance=Attendance.ARRIVED)
    make.booking(saal, verein, day=day + timedelta(days=1), start="16:00", end="17:00", status=Status.APPROVED,
                 attendees=3, purpose_id=counselling.id, title=EVIL, attendance=Attendance.NO_SHOW)
    make.booking(saal, verein, day=day + timedelta(days=2), start="16:00", end="17:00", status=Status.CANCELLED,
                 purpose_id=counselling.id, title="Abgesagt")
    make.booking(saal, chor, day=date(YEAR + 1, 1, 2), start="10:00", end="12:00", status=Status.APPROVED,
                 purpose_id=course.id, title="Nächstes Jahr")
    return {"chor": chor, "verein": verein, "saal": saal}


@pytest.fixture
def manager(make, auth):
    user = make.user(Role.MANAGER)
    auth.login(user)
    return user


def test_the_page_shows_the_periods_figures_with_charts(client, house, manager):
    response = client.get("/reports/", query_string=PERIOD, headers=EN)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    purposes = page.split('id="purposes"', 1)[1].split("</section>", 1)[0]
    # 8 hours of German course in two bookings (the bundled projector is part of the first)
    assert re.search(r"German course</th>\s*<td class=\"num\">2</td>\s*<td class=\"num\">8\.0</td>\s*"
                     r"<td class=\"num\">22</td>", purposes)
    assert '<svg class="chart__svg"' in purposes and 'role="img"' in purposes
    assert "<title id=\"chart-purposes-title\">Hours: By purpose</title>" in purposes
    assert "&lt;script" not in page and "=HYPERLINK(&#34;http://evil.example&#34;)" in page
    outcomes = page.split('id="outcomes"', 1)[1].split("</section>", 1)[0]
    assert re.search(r"approved: nobody came</th><td class=\"num\">1</td>", outcomes)
    assert re.search(r"withdrawn</th><td class=\"num\">1</td>", outcomes)


def test_numbers_are_written_as_the_readers_language_writes_them(client, house, manager, make):
    for n in range(3):  # over a thousand hours: a season of a plot
        plot = make.resource(f"Beet {n}", kind=ResourceKind.PLOT)
        booking = make.booking(plot, house["chor"], day=date(YEAR, 3, 1), start="00:00", end="23:00",
                               status=Status.APPROVED)
        booking.ends_at = booking.starts_at + timedelta(days=60)
    db.session.commit()
    german = client.get("/reports/", query_string=PERIOD, headers={"Accept-Language": "de"}).get_data(as_text=True)
    english = client.get("/reports/", query_string=PERIOD, headers=EN).get_data(as_text=True)
    assert "4.320,0" in german and "4,320.0" in english  # the plots: 3 × 60 days


def test_the_period_is_in_the_address_and_defaults_to_this_year(client, house, manager):
    page = client.get("/reports/", headers=EN).get_data(as_text=True)
    assert f'value="{date.today().year}-01-01"' in page and f'value="{date.today().year}-12-31"' in page
    assert f"start={YEAR}-01-01" in client.get("/reports/", query_string=PERIOD).get_data(as_text=True)


@pytest.mark.parametrize("query, message", [
    ({"start": f"{YEAR}-12-01", "end": f"{YEAR}-01-01"}, "The last day cannot be before the first."),
    ({"start": "2001-01-01", "end": "2011-01-01"}, "A report covers at most 10 years."),
    ({"start": "1999-01-01", "end": "2001-01-01"}, "Please choose a date between 2000 and 2100."),
    ({"start": "2099-01-01", "end": "2101-01-01"}, "Please choose a date between 2000 and 2100."),
    ({"start": "gestern", "end": "2001-01-01"}, "Please enter a date."),
])
@pytest.mark.parametrize("path", ["/reports/", "/reports/annual", "/reports/download"])
def test_a_period_that_cannot_be_gets_422_with_the_form_back(client, house, manager, query, message, path):
    records = count_rows(ChangeRecord)
    response = client.get(path, query_string={**query, "table": "purposes", "format": "csv"}, headers=EN)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    assert f'value="{query["start"]}"' in page and f'value="{query["end"]}"' in page
    assert count_rows(ChangeRecord) == records  # nothing recorded, nothing shown


def test_ten_years_are_still_a_period(client, house, manager):
    assert client.get("/reports/", query_string={"start": "2001-01-01", "end": "2010-12-31"}).status_code == 200


@pytest.mark.parametrize("role", [Role.PARTNER, Role.DESK])
@pytest.mark.parametrize("path", ["/reports/", "/reports/annual", "/reports/download?table=bookings&format=xlsx",
                                  "/reports/download?table=purposes&format=csv", "/reports/purposes"])
def test_partners_and_the_desk_get_no_report(client, auth, make, house, role, path):
    auth.login(make.user(role))
    assert client.get(path).status_code == 403


def read_csv(response) -> list[list[str]]:
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")  # UTF-8 with a BOM, for spreadsheet programs
    assert b"\r\n" in body  # RFC 4180 line ends
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))


def read_xlsx(response):
    return load_workbook(io.BytesIO(response.get_data())).active


@pytest.mark.parametrize("table", ["purposes", "organisations", "organisation_kinds", "resources", "resource_kinds",
                                   "rooms", "outcomes"])
def test_csv_and_xlsx_hold_the_numbers_of_the_page(client, house, manager, table):
    from booking.reports.figures import Period, report
    from booking.reports.purposes import label_of
    from booking.reports.tables import table as exported

    from flask_babel import force_locale

    with client.application.test_request_context(headers=EN), force_locale("en"):
        expected = exported(report(db.session, Period(date(YEAR, 1, 1), date(YEAR, 12, 31)), label_of), table)
        expected_rows = [[str(v) if isinstance(v, str) else v for v in row] for row in expected.rows]
    as_csv = client.get("/reports/download", query_string={**PERIOD, "table": table, "format": "csv"}, headers=EN)
    assert as_csv.status_code == 200 and as_csv.mimetype == "text/csv"
    assert f"treffpunkt-{table}-{YEAR}-01-01-{YEAR}-12-31.csv" in as_csv.headers["Content-Disposition"]
    lines = read_csv(as_csv)
    assert lines[0] == expected.headings
    assert [[float(c) if re.fullmatch(r"\d+(\.\d+)?", c) else c for c in line] for line in lines[1:]] == \
        [[v if isinstance(v, str) else float(v) for v in row] for row in _inert(expected_rows)]
    sheet = read_xlsx(client.get("/reports/download", query_string={**PERIOD, "table": table, "format": "xlsx"},
                                 headers=EN))
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[0] == expected.headings
    assert values[1:] == _inert(expected_rows)
    assert expected_rows, "the table has rows"


def _inert(rows):
    return [["'" + v if isinstance(v, str) and v.startswith("=") else v for v in row] for row in rows]


def test_the_list_of_requests_has_every_request_of_the_period(client, house, manager):
    lines = read_csv(client.get("/reports/download", query_string={**PERIOD, "table": "bookings", "format": "csv"},
                                headers=EN))
    assert len(lines) == 1 + 5  # not the one of next year
    heading = lines[0]
    titles = [line[heading.index("Title")] for line in lines[1:]]
    assert titles.count("Deutschkurs") == 3 and "Nächstes Jahr" not in titles
    assert sum(float(line[heading.index("Hours")]) for line in lines[1:]) == 4 + 4 + 4 + 1 + 1
    sheet = read_xlsx(client.get("/reports/download", query_string={**PERIOD, "table": "bookings", "format": "xlsx"}))
    assert sheet.max_row == 6


def test_a_formula_is_text_in_both_downloads(client, house, manager, make):
    purpose = Purpose(name="@SUM(A1:A9)", position=70)
    db.session.add(purpose)
    db.session.commit()
    make.booking(house["saal"], house["verein"], day=date(YEAR, 6, 1), status=Status.APPROVED, title="-2+3",
                 purpose_id=purpose.id, note="\tx")
    as_csv = client.get("/reports/download", query_string={**PERIOD, "table": "bookings", "format": "csv"})
    cells = [cell for line in read_csv(as_csv) for cell in line]
    assert "'" + EVIL in cells and EVIL not in cells
    assert "'-2+3" in cells and "'@SUM(A1:A9)" in cells
    assert not any(c.startswith(("=", "+", "-", "@", "\t", "\r", "\0")) for c in cells)
    as_xlsx = client.get("/reports/download", query_string={**PERIOD, "table": "bookings", "format": "xlsx"})
    book = load_workbook(io.BytesIO(as_xlsx.get_data()))
    cells = [cell for row in book.active.iter_rows() for cell in row]
    assert not any(c.data_type == "f" for c in cells)
    texts = [c.value for c in cells if isinstance(c.value, str)]
    assert "'" + EVIL in texts and "'-2+3" in texts and "'@SUM(A1:A9)" in texts
    assert all(c.data_type == "s" for c in cells if isinstance(c.value, str))
    sheet_xml = zipfile.ZipFile(io.BytesIO(as_xlsx.get_data())).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml


def test_every_look_and_download_is_in_the_record_of_changes(client, house, manager):
    client.get("/reports/", query_string=PERIOD)
    client.get("/reports/download", query_string={**PERIOD, "table": "purposes", "format": "xlsx"})
    client.get("/reports/annual", query_string=PERIOD)
    records = db.session.scalars(sa.select(ChangeRecord).where(ChangeRecord.subject == "report")
                                 .order_by(ChangeRecord.id)).all()
    assert [(r.action, r.actor_id) for r in records] == [("viewed", manager.id), ("exported", manager.id),
                                                         ("viewed", manager.id)]
    shown = {c["field"]: c["new"] for c in json.loads(records[1].changes)}
    assert shown == {"period": f"{YEAR}-01-01 – {YEAR}-12-31", "format": "xlsx", "table": "purposes"}
    page = client.get("/manage/changes", headers=EN).get_data(as_text=True)
    assert "downloaded" in page and f"{YEAR}-01-01 – {YEAR}-12-31" in page


def test_an_unknown_table_or_format_is_not_found(client, house, manager):
    assert client.get("/reports/download", query_string={**PERIOD, "table": "users"}).status_code == 404
    assert client.get("/reports/download", query_string={**PERIOD, "format": "pdf"}).status_code == 404


def test_the_annual_report_is_made_for_a4(client, house, manager, app):
    app.config["HOUSE_NAME"] = "Kompetenz-Zentrum für Integration"
    page = client.get("/reports/annual", query_string=PERIOD, headers=EN).get_data(as_text=True)
    assert "Kompetenz-Zentrum für Integration" in page
    assert "Report on the use of the house" in page and f"January 1, {YEAR}" in page
    assert page.count('<svg class="chart__svg"') >= 5
    from pathlib import Path

    assert "@page { size: A4;" in (Path(app.static_folder) / "css" / "reports.css").read_text(encoding="utf-8")
