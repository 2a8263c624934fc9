"""The live board: a fixed, history-independent cost per page, and 304 while nothing changed."""

from __future__ import annotations

import json
import re
from datetime import date, time, timedelta

import pytest
import sqlalchemy as sa

from booking.clock import to_utc
from booking.extensions import db
from booking.models import Closure, OpeningHours, ResourceKind, Role, Status
from tests.conftest import ON_POSTGRES
from tests.http.querycount import count_queries

FIRST_YEAR = date(2021, 3, 9)
LAST_YEAR = date(2030, 11, 12)
HTMX = {"HX-Request": "true"}


@pytest.fixture
def desk(make):
    return make.user(Role.DESK, language="en")


@pytest.fixture
def room(make):
    return make.resource("Großer Saal", ResourceKind.ROOM, capacity=80)


def board(client, day: date, htmx: bool = False, tag: str | None = None):
    db.session.rollback()  # as in production: a transaction of its own, nothing kept from before
    headers = dict(HTMX) if htmx else {}
    if tag:
        headers["If-None-Match"] = tag
    return client.get("/board/", query_string={"date": day.isoformat()}, headers=headers)


def fill_years(make, room, org, per_day: int) -> None:
    """Bookings on many days over ten years, `per_day` on each of the two days looked at."""
    day = FIRST_YEAR - timedelta(days=30)
    while day < LAST_YEAR + timedelta(days=30):
        make.booking(room, org, day=day, start="08:00", end="09:00", status=Status.APPROVED)
        day += timedelta(days=61)
    other = make.resource("Kleiner Saal")
    for shown in (FIRST_YEAR, LAST_YEAR):
        for n in range(per_day):
            make.booking(other, org, day=shown, start=f"{10 + n}:00", end=f"{10 + n}:45", status=Status.APPROVED)


def test_the_number_of_queries_is_fixed_however_busy_the_day(client, auth, make, desk, room):
    org = make.organisation("Chor")
    auth.login(desk)
    counts = []
    for bookings in (0, 1, 6):
        day = FIRST_YEAR + timedelta(days=bookings)
        for n in range(bookings):
            make.booking(room, org, day=day, start=f"{8 + n}:00", end=f"{8 + n}:30", status=Status.APPROVED)
        for htmx in (False, True):
            with count_queries() as counted:
                assert board(client, day, htmx=htmx).status_code == 200
            counts.append(counted.count)
    assert len(set(counts)) == 1, (counts, counted.statements if hasattr(counted, "statements") else None)
    assert counts[0] <= 5  # the account, the change counter, resources, bookings (and SQLite's BEGIN)


def _board_query(client, day: date) -> tuple[str, object]:
    """The statement (and its parameters) with which the board reads the day's bookings."""
    seen = []

    def keep(conn, cursor, statement, parameters, context, executemany):
        if "FROM booking" in statement:
            seen.append((statement, parameters))

    sa.event.listen(db.engine, "before_cursor_execute", keep)
    try:
        assert board(client, day, htmx=True).status_code == 200
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", keep)
    assert len(seen) == 1
    return seen[0]


def _plan(statement: str, parameters) -> list[str]:
    """The plan's shape: node types and the indexes used, without costs or row counts."""
    with db.engine.connect() as conn:
        if ON_POSTGRES:
            # Tiny test tables are cheaper to read whole; ask which indexes the query can use.
            conn.exec_driver_sql("SET enable_seqscan = off")
            found = conn.exec_driver_sql("EXPLAIN (FORMAT JSON) " + statement, parameters).scalar()
            plan = found if isinstance(found, list) else json.loads(found)
            shape = []

            def walk(node):
                shape.append(f"{node['Node Type']} {node.get('Index Name', '')} {node.get('Relation Name', '')}")
                for child in node.get("Plans", []):
                    walk(child)

            walk(plan[0]["Plan"])
            conn.rollback()
            return shape
        rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
        return [re.sub(r"\d+", "N", row[-1]) for row in rows]


def test_a_day_in_the_last_year_costs_what_a_day_in_the_first_year_costs(client, auth, make, desk, room):
    fill_years(make, room, make.organisation("Chor"), per_day=4)
    auth.login(desk)
    counts, plans = [], []
    for day in (FIRST_YEAR, LAST_YEAR):
        with count_queries() as counted:
            assert board(client, day).status_code == 200
        counts.append(counted.count)
        plans.append(_plan(*_board_query(client, day)))
    assert counts[0] == counts[1]
    assert plans[0] == plans[1]
    text = " ".join(plans[0])
    assert "SCAN booking" not in text and "Seq Scan" not in text  # every row read through an index
    assert "Parallel" not in text and "Gather" not in text
    if not ON_POSTGRES:  # (PostgreSQL picks its indexes by statistics that a test's few rows do not give)
        assert "long_end" in text  # the plots' seasons are found by their end, not by reading all history


def test_a_season_long_booking_shows_on_every_day_it_covers(client, auth, make, desk):
    plot = make.resource("Beet 3", ResourceKind.PLOT)
    org = make.organisation("Gartenfreunde")
    season = make.booking(plot, org, day=date(2027, 4, 1), start="00:00", end="23:00", status=Status.APPROVED,
                          title="Gemüse")
    season.ends_at = to_utc(date(2027, 10, 1), time())
    db.session.commit()
    assert season.multi_day
    auth.login(desk)
    for day in (date(2027, 4, 1), date(2027, 7, 20), date(2027, 9, 30)):
        assert f'id="board-block-{season.id}"' in board(client, day).text
    assert f'id="board-block-{season.id}"' not in board(client, date(2027, 10, 1)).text


def test_an_unchanged_board_answers_304_without_a_body(client, auth, desk, room, make):
    make.booking(room, day=FIRST_YEAR, status=Status.APPROVED)
    auth.login(desk)
    for htmx in (False, True):
        first = board(client, FIRST_YEAR, htmx=htmx)
        assert first.status_code == 200 and first.headers["ETag"]
        assert first.headers["Cache-Control"] == "no-store"  # no copy kept: the live board sends its tag itself
        with count_queries() as counted:
            again = board(client, FIRST_YEAR, htmx=htmx, tag=first.headers["ETag"])
        assert again.status_code == 304
        assert again.data == b""
        assert counted.count <= 3  # the account and the change counter (and SQLite's BEGIN)
    page, fragment = board(client, FIRST_YEAR), board(client, FIRST_YEAR, htmx=True)
    assert page.headers["ETag"] != fragment.headers["ETag"]
    assert board(client, FIRST_YEAR, htmx=True, tag=page.headers["ETag"]).status_code == 200


def _change_booking(make, room, **_):
    make.booking(room, day=FIRST_YEAR + timedelta(days=3), status=Status.PENDING)


def _change_closure(room, **_):
    db.session.add(Closure(resource_id=room.id, starts_at=to_utc(date(2031, 1, 1), time()),
                           ends_at=to_utc(date(2031, 1, 2), time()), reason="Malerarbeiten"))
    db.session.commit()


def _change_hours(**_):
    hours = db.session.scalars(sa.select(OpeningHours).where(OpeningHours.resource_id.is_(None))).first()
    if hours is None:
        db.session.add(OpeningHours(weekday=6, opens=600, closes=720))
    else:
        hours.closes = 1200 if hours.closes != 1200 else 1260
    db.session.commit()


def _change_resource(room, **_):
    room.name = "Saal am Garten"
    db.session.commit()


@pytest.mark.parametrize("change", [_change_booking, _change_closure, _change_hours, _change_resource],
                         ids=["booking", "closure", "opening hours", "resource"])
def test_any_change_to_the_house_gets_a_fresh_board(client, auth, make, desk, room, change):
    make.booking(room, day=FIRST_YEAR, status=Status.APPROVED)
    auth.login(desk)
    tag = board(client, FIRST_YEAR, htmx=True).headers["ETag"]
    assert board(client, FIRST_YEAR, htmx=True, tag=tag).status_code == 304
    change(make=make, room=room)
    fresh = board(client, FIRST_YEAR, htmx=True, tag=tag)
    assert fresh.status_code == 200
    assert fresh.headers["ETag"] != tag
    assert "board-body--changed" in fresh.text  # the live board glows briefly where it was swapped


def test_a_change_that_is_rolled_back_changes_nothing(client, auth, make, desk, room):
    auth.login(desk)
    tag = board(client, FIRST_YEAR, htmx=True).headers["ETag"]
    room.name = "Nie gespeichert"
    db.session.flush()
    db.session.rollback()
    assert board(client, FIRST_YEAR, htmx=True, tag=tag).status_code == 304


def test_the_tag_differs_between_partner_and_desk_and_between_languages(client, auth, make, desk, room):
    org = make.organisation("Chor")
    partner = make.user(Role.PARTNER, org, language="en")
    make.booking(room, org, day=FIRST_YEAR, status=Status.APPROVED)
    auth.login(desk)
    desk_tag = board(client, FIRST_YEAR, htmx=True).headers["ETag"]
    auth.logout()
    auth.login(partner)
    partner_tag = board(client, FIRST_YEAR, htmx=True).headers["ETag"]
    assert partner_tag != desk_tag
    assert board(client, FIRST_YEAR, htmx=True, tag=desk_tag).status_code == 200  # never the desk's details
    partner.language = "de"
    db.session.commit()
    german = board(client, FIRST_YEAR, htmx=True, tag=partner_tag)
    assert german.status_code == 200 and german.headers["ETag"] != partner_tag
    other_day = board(client, FIRST_YEAR + timedelta(days=1), htmx=True)
    assert other_day.headers["ETag"] != german.headers["ETag"]


def test_the_board_polls_with_its_tag_and_marks_what_runs_now(client, auth, make, desk, room):
    auth.login(desk)
    today_board = client.get("/board/")
    html = today_board.text
    live = re.search(r'<div id="board-live"[^>]*>', html).group(0)
    assert 'hx-trigger="every 30s"' in live and 'hx-get="/board/"' in live
    fragment_tag = client.get("/board/", headers=HTMX).headers["ETag"]
    assert json.loads(re.search(r"hx-headers='([^']*)'", live).group(1)) == {"If-None-Match": fragment_tag}
    assert client.get("/board/", headers={**HTMX, "If-None-Match": fragment_tag}).status_code == 304


def test_a_running_booking_is_marked(client, auth, make, desk, room, monkeypatch):
    from booking.board import views

    booking = make.booking(room, day=FIRST_YEAR, start="10:00", end="12:00", status=Status.APPROVED)
    monkeypatch.setattr(views, "now", lambda: to_utc(FIRST_YEAR, time(11)))
    auth.login(desk)
    html = client.get("/board/").text
    block = re.search(rf'<li id="board-block-{booking.id}"[^>]*>', html).group(0)
    assert "block--now" in block
    assert "board-now c-s-" in html
    assert "agenda__now" in html
