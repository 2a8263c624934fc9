"""Another group's requests and series by their numbers: a partner of group B reaches none of A's.

B may guess A's numbers; whatever B asks for, as a page, as an htmx fragment or as a form
post with a body that would work for A or for the house, the answer is the one that
docs/permissions.md gives (404: A's request does not exist for B; 403: the house's own pages),
nothing of A's is in it, and not a row in the database has changed. The same posts sent by
those who may send them do change the rows: the refusals are about who asks, not about the body.
On the board and in the request form's answers, B learns only that A's time is booked.
"""

from __future__ import annotations

from datetime import time

import pytest
import sqlalchemy as sa

from booking import series as serieswork
from booking import workflow
from booking.clock import now
from booking.extensions import db
from booking.models import AuditEvent, Booking, Role, Series, Status
from booking.recurrence import Pattern
from tests.conftest import committed, future_day, without_tokens

HTMX = {"HX-Request": "true"}
GROUP_A = "Deutsch für alle e.V."
# What B must never read of A: the group, its people, titles, notes, attendees.
SECRETS = (
    GROUP_A, "Erika Vertraulich", "kontakt@deutsch-fuer-alle.example", "03741 555 0101", "Amal Haddad",
    "Elternabend Sprachkurs", "Schlüssel bei Frau Vertraulich", "Sommerfest der Sprachschule",
    "Bitte Grill aufbauen", "Deutschkurs Aufbaustufe", "37 Personen", "37 people",
)
UNUSED_ID = 987654


@pytest.fixture
def world(make):
    """Group A's pending request, approved booking and series; B's member is logged in last."""
    group_a = make.organisation(GROUP_A, contact_name="Erika Vertraulich",
                                email="kontakt@deutsch-fuer-alle.example", phone="03741 555 0101")
    member_a = make.user(Role.PARTNER, group_a, name="Amal Haddad")
    manager = make.user(Role.MANAGER, name="Maria Manager")
    room = make.resource("Seminarraum 1", capacity=40)
    pending = make.booking(room, group_a, day=future_day(weekday=1, weeks=2), title="Elternabend Sprachkurs",
                           note="Schlüssel bei Frau Vertraulich", attendees=37, requested_by=member_a)
    approved = make.booking(room, group_a, day=future_day(weekday=2, weeks=2), start="14:00", end="18:00",
                            title="Sommerfest der Sprachschule", note="Bitte Grill aufbauen", attendees=37,
                            requested_by=member_a)
    workflow.approve(db.session, approved, manager, now())
    first = future_day(weekday=3, weeks=3)
    pattern = Pattern(first, time(17), time(19), (first.weekday(),), count=3)
    chosen = [p for p in serieswork.preview(db.session, pattern, room, 37, now(), None) if p.wanted]
    series = serieswork.send(db.session, pattern, chosen, resource=room, by=member_a, organisation=group_a,
                             title="Deutschkurs Aufbaustufe", attendees=37, note="Bitte Grill aufbauen")
    db.session.commit()
    member_b = make.user(Role.PARTNER, make.organisation("Chor am Markt"), name="Bernd Berger")
    return {
        "A": member_a, "B": member_b, "manager": manager, "room": room,
        "pending": pending.id, "approved": approved.id, "approved_day": future_day(weekday=2, weeks=2),
        "series": series.id, "dates": [b.id for b in series.bookings],
    }


def snapshot() -> dict[str, list]:
    """Every row of the requests, the series and their history, as another connection reads them."""
    return {
        model.__tablename__: committed(sa.select(model.__table__).order_by(model.__table__.c.id))
        for model in (Booking, Series, AuditEvent)
    }


def assert_nothing_of_a(html: str) -> None:
    leaked = [secret for secret in SECRETS if secret in html]
    assert not leaked, f"B reads {leaked}"


# (what B tries, the URL, a body that works for those allowed, who that is, the answer B gets)
READS = [
    ("a pending request", "/requests/{pending}", 404),
    ("an approved booking", "/requests/{approved}", 404),
    ("a date of the series as a request", "/requests/{date0}", 404),
    ("the series' page", "/requests/series/{series}", 404),
    ("the house's page of the series", "/manage/series/{series}", 403),
]
WRITES = [
    ("withdraw a pending request", "/requests/{pending}/withdraw", {}, "A", 404),
    ("give up an approved booking", "/requests/{approved}/withdraw", {}, "A", 404),
    ("withdraw a date of the series", "/requests/{date0}/withdraw", {}, "A", 404),
    ("approve a request", "/manage/bookings/{pending}/approve", {}, "manager", 403),
    ("reject a request", "/manage/bookings/{pending}/reject", {"reason": "Der Raum wird gebraucht."},
     "manager", 403),
    ("cancel the whole series", "/requests/series/{series}/cancel", {"booking_id": "{date0}", "scope": "all"},
     "A", 404),
    ("cancel one date", "/requests/series/{series}/cancel", {"booking_id": "{date1}", "scope": "one"}, "A", 404),
    ("move the series", "/requests/series/{series}/change",
     {"booking_id": "{date0}", "resource_id": "{room}", "start": "18:00", "end": "20:00"}, "A", 404),
    ("approve the series' dates", "/manage/series/{series}/approve", {"booking_ids": ["{date0}", "{date1}"]},
     "manager", 403),
    ("reject the series' dates", "/manage/series/{series}/reject",
     {"booking_ids": ["{date0}"], "reason": "Der Raum wird gebraucht."}, "manager", 403),
]


def fill(template, world):
    """Put A's numbers into a URL or a form body."""
    numbers = {"pending": world["pending"], "approved": world["approved"], "series": world["series"],
               "room": world["room"].id, **{f"date{n}": d for n, d in enumerate(world["dates"])}}
    if isinstance(template, dict):
        return {key: fill(value, world) for key, value in template.items()}
    if isinstance(template, list):
        return [fill(value, world) for value in template]
    return template.format(**numbers)


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
@pytest.mark.parametrize("what, url, status", READS, ids=[r[0] for r in READS])
def test_b_cannot_read_as_page_or_fragment(client, auth, world, what, url, status, htmx):
    auth.login(world["B"])
    before = snapshot()
    response = client.get(fill(url, world), headers=HTMX if htmx else {})
    assert response.status_code == status, f"B reads {what}: HTTP {response.status_code}"
    html = response.get_data(as_text=True)
    assert_nothing_of_a(html)
    assert ("<html" in html) is not htmx  # the error comes as the kind of answer that was asked for
    assert snapshot() == before


@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
@pytest.mark.parametrize("what, url, body, allowed, status", WRITES, ids=[w[0] for w in WRITES])
def test_b_cannot_change_and_no_row_moves(client, auth, world, what, url, body, allowed, status, htmx):
    auth.login(world["B"])
    before = snapshot()
    response = client.post(fill(url, world), data=fill(body, world), headers=HTMX if htmx else {})
    assert response.status_code == status, f"B tries to {what}: HTTP {response.status_code}"
    assert_nothing_of_a(response.get_data(as_text=True))
    assert snapshot() == before, f"B tried to {what}, and the database changed"


@pytest.mark.parametrize("what, url, body, allowed, status", WRITES, ids=[w[0] for w in WRITES])
def test_the_same_post_works_for_those_allowed(client, auth, world, what, url, body, allowed, status):
    """The bodies above are real: from A's member or the house they change the rows."""
    auth.login(world[allowed])
    before = snapshot()
    response = client.post(fill(url, world), data=fill(body, world))
    assert response.status_code in (200, 303), f"{allowed} could not {what}: HTTP {response.status_code}"
    assert snapshot() != before, f"{allowed} tried to {what}, and nothing changed"


@pytest.mark.parametrize("path", ["/requests/{n}", "/requests/series/{n}", "/requests/{n}/withdraw"])
def test_a_number_of_a_looks_like_a_number_never_used(client, auth, world, path):
    """B cannot tell A's requests and series from numbers that were never given out."""
    auth.login(world["B"])
    number = world["series"] if "series" in path else world["pending"]
    send = client.post if path.endswith("withdraw") else client.get
    theirs = send(path.format(n=number))
    unused = send(path.format(n=UNUSED_ID))
    assert theirs.status_code == unused.status_code == 404
    assert (without_tokens(theirs.get_data(as_text=True).replace(path.format(n=number), "URL"))
            == without_tokens(unused.get_data(as_text=True).replace(path.format(n=UNUSED_ID), "URL")))


def test_b_cannot_send_a_request_in_a_name(client, auth, world):
    """The group comes from the account; B naming A's group in the form is refused outright."""
    auth.login(world["B"])
    before = snapshot()
    day = future_day(weekday=4, weeks=5)
    data = {"resource_id": str(world["room"].id), "date": day.isoformat(), "start": "10:00", "end": "12:00",
            "purpose_id": "7", "title": "Im Namen von A", "attendees": "5", "organisation_id": str(world["A"].organisation_id)}
    assert client.post("/requests/new", data=data).status_code == 403
    assert client.post("/requests/new", data=data, headers=HTMX).status_code == 403
    assert snapshot() == before


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_on_the_board_b_sees_a_booking_of_a_only_as_booked(client, auth, world, htmx):
    auth.login(world["B"])
    response = client.get("/board/", query_string={"date": world["approved_day"].isoformat()},
                          headers=HTMX if htmx else {})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f'id="board-block-{world["approved"]}"' in html  # the booking is there ...
    assert "Belegt" in html and "14:00" in html and "18:00" in html  # ... as a booked time
    assert_nothing_of_a(html)


def test_the_house_sees_on_the_board_what_b_does_not(client, auth, world):
    """The board itself shows A's details to A: what B misses is hidden for B, not absent."""
    auth.login(world["A"])
    html = client.get("/board/", query_string={"date": world["approved_day"].isoformat()}).get_data(as_text=True)
    assert GROUP_A in html and "Sommerfest der Sprachschule" in html


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_the_request_form_tells_b_only_that_the_time_is_booked(client, auth, world, htmx):
    """The live check and the refused form name the time A holds, and nothing else of A's."""
    auth.login(world["B"])
    slot = {"resource_id": str(world["room"].id), "date": world["approved_day"].isoformat(),
            "start": "15:00", "end": "16:00"}
    live = client.get("/requests/new", query_string=slot, headers=HTMX if htmx else {})
    assert live.status_code == 200
    sent = client.post("/requests/new", data={**slot, "purpose_id": "7", "title": "Chorprobe", "attendees": "5"},
                       headers=HTMX if htmx else {})
    assert sent.status_code == 409
    for response in (live, sent):
        html = response.get_data(as_text=True)
        assert "14:00" in html and "18:00" in html  # the time A holds
        assert_nothing_of_a(html)


def test_meine_anfragen_of_b_lists_nothing_of_a(client, auth, world):
    auth.login(world["B"])
    for when in ("", "past"):
        html = client.get("/requests/", query_string={"when": when} if when else {}).get_data(as_text=True)
        assert_nothing_of_a(html)
        for number in (world["pending"], world["approved"], world["series"]):
            assert f"/requests/{number}\"" not in html and f"/requests/series/{number}\"" not in html


def test_rows_of_a_stay_as_they_were_after_all_attempts(client, auth, world):
    """All of B's attempts in a row, then A's request is still pending and its history unchanged."""
    auth.login(world["B"])
    before = snapshot()
    for _what, url, body, _allowed, _status in WRITES:
        client.post(fill(url, world), data=fill(body, world))
        client.post(fill(url, world), data=fill(body, world), headers=HTMX)
    assert snapshot() == before
    statuses = dict(committed(sa.select(Booking.id, Booking.status)))
    assert statuses[world["pending"]] == Status.PENDING.value
    assert statuses[world["approved"]] == Status.APPROVED.value
    assert all(statuses[d] == Status.PENDING.value for d in world["dates"])
