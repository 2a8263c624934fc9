"""The occupancy board as the front desk and the partner groups see it."""

from datetime import date, timedelta
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa
from babel.dates import format_skeleton

from booking.clock import today
from booking.extensions import db
from booking.models import Booking, ResourceKind, Role, Status
from tests.conftest import Auth, at

DAY = date(2027, 6, 15)


class Page(HTMLParser):
    """The parts of a board response the tests look at: elements by id, text by class."""

    def __init__(self, html: str):
        super().__init__()
        self.by_id: dict[str, dict] = {}
        self.title = ""
        self.agenda: list[str] = []  # the text of each item of the list in time order
        self._in_title = False
        self._item_depth = 0
        self._depth = 0
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self._depth += 1
        if "id" in attrs:
            self.by_id[attrs["id"]] = attrs
        if tag == "title":
            self._in_title = True
        if tag == "li" and "agenda__item" in (attrs.get("class") or "").split():
            self.agenda.append("")
            self._item_depth = self._depth

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False
        if tag == "li" and self._depth == self._item_depth:
            self._item_depth = 0
        self._depth -= 1

    def handle_data(self, data):
        if self._in_title:
            self.title += data
        if self._item_depth:
            self.agenda[-1] += " ".join(data.split()) + " "


@pytest.fixture(autouse=True)
def english(client):
    """Read the board in English: the browser asks for it, as do the accounts below."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def desk(make):
    return make.user(Role.DESK, language="en")


@pytest.fixture
def room(make):
    return make.resource("Großer Saal", ResourceKind.ROOM, capacity=80)


def board(client, day: date | str | None = None, htmx: bool = False):
    query = {} if day is None else {"date": str(day)}
    headers = {"HX-Request": "true"} if htmx else {}
    return client.get("/board/", query_string=query, headers=headers)


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = board(client, DAY)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_the_board_is_a_full_page_and_its_grid_a_fragment(client, auth, make, desk, room):
    org = make.organisation("Chor Plauen")
    make.booking(room, org, day=DAY, title="Chorprobe", status=Status.APPROVED)
    auth.login(desk)

    page = board(client, DAY)
    fragment = board(client, DAY, htmx=True)

    for response in (page, fragment):
        assert response.status_code == 200
        assert "HX-Request" in response.headers["Vary"]
        html = response.get_data(as_text=True)
        assert "Chor Plauen" in html and "Chorprobe" in html
        assert "Tue, Jun 15, 2027" in html  # the day's heading, updated on every swap
    page_html, fragment_html = page.get_data(as_text=True), fragment.get_data(as_text=True)
    assert "<html" in page_html and "<header" in page_html
    assert "<html" not in fragment_html and "<header" not in fragment_html
    assert 'id="board"' in page_html and 'id="board"' not in fragment_html
    # The page's title names the day, and the fragment brings the same title along for htmx.
    assert "Jun 15, 2027" in Page(page_html).title
    assert Page(fragment_html).title == Page(page_html).title


def test_without_a_date_the_board_shows_today(client, auth, make, desk, room):
    make.booking(room, day=today(), title="Heute im Saal", status=Status.APPROVED)
    make.booking(room, day=today() + timedelta(days=1), title="Morgen im Saal", status=Status.APPROVED)
    auth.login(desk)

    html = board(client).get_data(as_text=True)

    assert "Heute im Saal" in html
    assert "Morgen im Saal" not in html
    assert format_skeleton("yMMMEd", today(), locale="en") in Page(html).title
    assert Page(html).by_id["board-today"].get("aria-current") == "date"
    assert Page(html).by_id["date"]["value"] == today().isoformat()


def test_a_date_shows_that_days_bookings_and_no_others(client, auth, make, desk, room):
    make.booking(room, day=DAY - timedelta(days=1), title="Am Vortag", status=Status.APPROVED)
    make.booking(room, day=DAY, start="09:00", end="11:00", title="Am Tag", status=Status.APPROVED)
    make.booking(room, day=DAY + timedelta(days=1), title="Am Folgetag", status=Status.APPROVED)
    auth.login(desk)

    html = board(client, DAY).get_data(as_text=True)

    assert "Am Tag" in html and "09:00–11:00" in html
    assert "Am Vortag" not in html and "Am Folgetag" not in html


@pytest.mark.parametrize("day", [DAY, date(2027, 3, 28), date(2027, 10, 31)], ids=["june", "clocks-forward", "clocks-back"])
def test_blocks_sit_in_the_columns_of_their_wall_clock_times(client, auth, make, desk, room, day):
    booking = make.booking(room, day=day, start="10:00", end="12:00", status=Status.APPROVED)
    auth.login(desk)

    page = Page(board(client, day).get_data(as_text=True))

    classes = page.by_id[f"board-block-{booking.id}"]["class"].split()
    assert "c-s-13" in classes and "c-e-21" in classes  # 10:00 and 12:00 on a grid starting at 07:00


@pytest.mark.parametrize("status", [Status.PENDING, Status.REJECTED, Status.CANCELLED])
def test_only_approved_bookings_are_shown(client, auth, make, desk, room, status):
    make.booking(room, day=DAY, start="08:00", end="09:00", title="Zugesagt", status=Status.APPROVED)
    make.booking(room, day=DAY, start="14:00", end="16:00", title="Nicht zugesagt", status=status)
    auth.login(desk)

    for htmx in (False, True):
        html = board(client, DAY, htmx=htmx).get_data(as_text=True)
        assert "Zugesagt" in html
        assert "Nicht zugesagt" not in html and "14:00–16:00" not in html


def test_rows_are_the_active_resources_grouped_by_kind(client, auth, make, desk):
    make.resource("Werkzeugkiste", ResourceKind.EQUIPMENT, quantity=3)
    make.resource("Beet am Zaun", ResourceKind.PLOT)
    make.resource("Kleiner Raum", ResourceKind.ROOM)
    make.resource("Alter Keller", ResourceKind.ROOM, active=False)
    auth.login(desk)

    html = board(client, DAY).get_data(as_text=True)

    positions = [html.index(text) for text in ("Rooms", "Kleiner Raum", "Garden plots", "Beet am Zaun", "Equipment", "Werkzeugkiste")]
    assert positions == sorted(positions)
    assert "Alter Keller" not in html


def test_rooms_show_people_and_equipment_shows_units(client, auth, make, desk, room):
    benches = make.resource("Bierzeltgarnituren", ResourceKind.EQUIPMENT, quantity=10)
    make.booking(room, day=DAY, attendees=45, status=Status.APPROVED)
    make.booking(benches, day=DAY, units=3, attendees=None, status=Status.APPROVED)
    auth.login(desk)

    html = board(client, DAY).get_data(as_text=True)

    assert "45 people" in html
    assert "3 units" in html


def test_the_list_shows_the_day_in_order_of_time(client, auth, make, desk, room):
    garden = make.resource("Gemeinschaftsgarten", ResourceKind.PLOT)
    make.booking(room, day=DAY, start="14:00", end="15:00", title="Nachmittag", status=Status.APPROVED)
    make.booking(garden, day=DAY, start="08:00", end="12:00", title="Gartenarbeit", status=Status.APPROVED)
    make.booking(room, day=DAY, start="09:30", end="11:00", title="Vormittag", status=Status.APPROVED)
    auth.login(desk)

    items = Page(board(client, DAY).get_data(as_text=True)).agenda

    assert len(items) == 3
    assert "08:00–12:00" in items[0] and "Gemeinschaftsgarten" in items[0] and "Gartenarbeit" in items[0]
    assert "09:30–11:00" in items[1] and "Vormittag" in items[1]
    assert "14:00–15:00" in items[2] and "Nachmittag" in items[2]


def test_a_booking_over_midnight_shows_on_both_days(client, auth, make, desk, room):
    booking = make.booking(room, day=DAY, start="20:00", end="23:00", title="Sommernacht", status=Status.APPROVED)
    booking.ends_at = at(DAY + timedelta(days=1), "09:00")
    db.session.commit()
    auth.login(desk)

    first = Page(board(client, DAY).get_data(as_text=True))
    second = Page(board(client, DAY + timedelta(days=1)).get_data(as_text=True))

    assert {"c-s-53", "c-e-65", "block--cut-end"} <= set(first.by_id[f"board-block-{booking.id}"]["class"].split())
    assert {"c-s-1", "c-e-9", "block--cut-start"} <= set(second.by_id[f"board-block-{booking.id}"]["class"].split())
    assert "Sommernacht" in first.agenda[0] and "20:00–Wed 09:00" in first.agenda[0]
    assert "Sommernacht" in second.agenda[0] and "Tue 20:00–09:00" in second.agenda[0]


class TestPartnerPrivacy:
    @pytest.fixture
    def setup(self, make, room):
        alpha = make.organisation("Verein Alpha")
        beta = make.organisation("Verein Beta")
        partner = make.user(Role.PARTNER, beta, language="en")
        theirs = make.booking(
            room, alpha, day=DAY, start="10:00", end="12:00", title="Geheime Sitzung",
            attendees=37, note="Schlüssel bei Frau Weber", status=Status.APPROVED,
        )
        ours = make.booking(room, beta, day=DAY, start="15:00", end="17:00", title="Unser Treffen", status=Status.APPROVED)
        return partner, theirs, ours

    @pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
    def test_a_partner_sees_only_that_other_groups_booked(self, client, auth, setup, htmx):
        partner, theirs, ours = setup
        auth.login(partner)

        response = board(client, DAY, htmx=htmx)
        html = response.get_data(as_text=True)

        assert response.status_code == 200
        for secret in ("Verein Alpha", "Geheime Sitzung", "37 people", "Schlüssel", "Frau Weber"):
            assert secret not in html
        block = Page(html).by_id[f"board-block-{theirs.id}"]
        assert "block--private" in block["class"]
        assert block["title"] == "Booked · 10:00–12:00"
        assert [item.split() for item in Page(html).agenda] == [
            ["10:00–12:00", "Großer", "Saal", "Booked"],
            ["15:00–17:00", "Großer", "Saal", "Verein", "Beta", "·", "Unser", "Treffen", "·", "10", "people"],
        ]
        # Their own booking they see in full.
        assert "Verein Beta" in html and "Unser Treffen" in html

    @pytest.mark.parametrize("role", [Role.DESK, Role.MANAGER, Role.ADMIN])
    def test_staff_see_every_groups_details(self, client, auth, make, setup, role):
        auth.login(make.user(role, language="en"))

        html = board(client, DAY).get_data(as_text=True)

        assert "Verein Alpha" in html and "Geheime Sitzung" in html and "37 people" in html
        assert "Verein Beta" in html and "Unser Treffen" in html


def test_previous_and_next_day_are_links_that_htmx_follows(client, auth, desk):
    auth.login(desk)

    page = Page(board(client, "2027-03-01").get_data(as_text=True))

    previous, following, today_link = page.by_id["board-previous"], page.by_id["board-next"], page.by_id["board-today"]
    assert previous["href"] == previous["hx-get"] == "/board/?date=2027-02-28"
    assert following["href"] == following["hx-get"] == "/board/?date=2027-03-02"
    assert today_link["href"] == "/board/"
    nav = page.by_id["board-nav"]  # the links and the date form inherit where htmx swaps
    assert nav["hx-target"] == "#board" and nav["hx-push-url"] == "true"
    date_field = page.by_id["date"]
    assert date_field["type"] == "date" and date_field["value"] == "2027-03-01"
    date_form = page.by_id["board-date-form"]
    assert date_form["method"] == "get" and date_form["action"] == date_form["hx-get"] == "/board/"
    assert "change" in date_form["hx-trigger"]


@pytest.mark.parametrize("value", ["morgen", "2027-02-30", "15.06.2027", "1999-12-31", "2101-01-01"])
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_a_date_the_board_cannot_show_is_refused_with_a_message(client, auth, desk, value, htmx):
    auth.login(desk)

    response = board(client, value, htmx=htmx)
    html = response.get_data(as_text=True)

    assert response.status_code == 422
    assert "Please choose a valid date between 2000 and 2100." in html
    assert ("<html" in html) is not htmx
    field = Page(html).by_id["date"]
    assert field["value"] == value and field["aria-invalid"] == "true"
    assert Page(html).by_id["board-today"]["href"] == "/board/"


@pytest.mark.parametrize("value", ["2000-01-01", "2100-12-31", ""])
def test_the_first_and_last_days_and_an_empty_field_are_accepted(client, auth, desk, value):
    auth.login(desk)

    response = board(client, value)

    assert response.status_code == 200
    assert ("board-previous" in response.get_data(as_text=True)) == (value != "2000-01-01")
    assert ("board-next" in response.get_data(as_text=True)) == (value != "2100-12-31")


def test_the_board_needs_the_same_number_of_queries_for_2_or_30_bookings(client, auth, make, desk):
    rooms = [make.resource(f"Raum {n}", ResourceKind.ROOM) for n in range(5)]
    tools = make.resource("Werkzeug", ResourceKind.EQUIPMENT, quantity=30)
    quiet, busy = DAY, DAY + timedelta(days=1)
    for n in range(2):
        make.booking(rooms[n], day=quiet, status=Status.APPROVED)
    for n in range(30):
        resource = rooms[n % 5] if n < 20 else tools
        hour = 8 + n // 5 if n < 20 else 9
        make.booking(resource, day=busy, start=f"{hour:02d}:00", end=f"{hour:02d}:45", status=Status.APPROVED)
    auth.login(desk)

    def queries_for(day):
        statements = []

        def count(conn, cursor, statement, parameters, context, executemany):
            if not statement.startswith("BEGIN"):  # SQLite's transaction start (the write lock) reads nothing
                statements.append(statement)

        db.session.remove()  # each page in a session of its own, as in production
        sa.event.listen(db.engine, "before_cursor_execute", count)
        try:
            response = board(client, day)
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", count)
        assert response.status_code == 200
        return response.get_data(as_text=True), len(statements)

    quiet_html, quiet_count = queries_for(quiet)
    busy_html, busy_count = queries_for(busy)

    assert quiet_html.count('class="block ') == 2
    assert busy_html.count('class="block ') == 30
    assert quiet_count == busy_count
    assert busy_count <= 4  # the user, the change counter, the resources, the bookings with their organisations


def test_the_board_speaks_german_by_default(app, make):
    german = app.test_client()
    Auth(german).login(make.user(Role.DESK))

    page = Page(board(german, DAY).get_data(as_text=True))

    assert "Di., 15. Juni 2027" in page.title


def test_a_garden_plot_season_shows_on_every_day_with_its_first_and_last_day(client, auth, make, desk):
    plot = make.resource("Beet 3", ResourceKind.PLOT, capacity=None)
    group = make.organisation("Gartenfreunde")
    db.session.add(Booking(
        resource=plot, organisation=group, requested_by=make.user(Role.PARTNER, group), title="Schulgarten",
        starts_at=at(date(2027, 3, 1), "00:00"), ends_at=at(date(2027, 11, 1), "00:00"), status=Status.APPROVED,
    ))
    db.session.commit()
    auth.login(desk)
    for day in (date(2027, 3, 1), date(2027, 7, 15), date(2027, 10, 31)):
        html = board(client, day).get_data(as_text=True)
        assert "Schulgarten" in html, day
        assert "Mar 1 – Oct 31" in html, day
    assert "Schulgarten" not in board(client, date(2027, 11, 1)).get_data(as_text=True)
