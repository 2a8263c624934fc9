"""What groups type is shown as text in the places a walk with empty or refused forms does not reach.

A group's name, a request's title and note, a rejection's and a closure's reason are typed by
people outside the house. Every page and fragment that shows them is rendered here with markup
in them; the markup must appear escaped (so the text is really on the page) and never as it was
typed, nor any tag it would open.
"""

from __future__ import annotations

from datetime import time

import pytest
from markupsafe import escape

from booking import series as serieswork
from booking import workflow
from booking.clock import now, to_utc
from booking.extensions import db
from booking.models import Booking, Closure, Role, Status
from booking.recurrence import Pattern
from tests.conftest import future_day

PAYLOADS = ('<script>alert(1)</script>', '"><img src=x onerror=alert(1)>')
GROUP = '"><svg onload=alert(1)>'
# Tags the payloads would open if a page let them through, in whatever quoting.
OPENED = ("<script>alert", "<img src=x", "<svg onload")
HTMX = {"HX-Request": "true"}


@pytest.fixture(params=PAYLOADS, ids=["script", "img"])
def payload(request) -> str:
    return request.param


@pytest.fixture
def world(make, payload):
    """A group named with markup, and its requests, booking, rejection, series and a closure."""
    group = make.organisation(GROUP)
    member = make.user(Role.PARTNER, group, name="Amal Haddad")
    manager = make.user(Role.MANAGER, name="Maria Manager")
    room = make.resource("Seminarraum 1", capacity=40)
    pending_day, booked_day = future_day(weekday=1, weeks=2), future_day(weekday=2, weeks=2)
    first = make.booking(room, group, day=pending_day, start="10:00", end="12:00", title=payload, note=payload,
                         requested_by=member)
    make.booking(room, group, day=pending_day, start="11:00", end="13:00", title=payload, note=payload,
                 requested_by=member)  # competes with the first in the queue
    booked = make.booking(room, group, day=booked_day, start="14:00", end="18:00", title=payload, note=payload,
                          requested_by=member)
    workflow.approve(db.session, booked, manager, now())
    rejected = make.booking(room, group, day=future_day(weekday=4, weeks=2), title=payload, note=payload,
                            requested_by=member)
    workflow.reject(db.session, rejected, manager, now(), payload)
    start = future_day(weekday=3, weeks=3)
    pattern = Pattern(start, time(17), time(19), (start.weekday(),), count=3)
    chosen = [p for p in serieswork.preview(db.session, pattern, room, 12, now(), None) if p.wanted]
    series = serieswork.send(db.session, pattern, chosen, resource=room, by=member, organisation=group,
                             title=payload, attendees=12, note=payload)
    closure = Closure(resource=room, starts_at=to_utc(booked_day, time(8)), ends_at=to_utc(booked_day, time(20)),
                      reason=payload, created_by=manager)
    db.session.add(closure)
    db.session.commit()
    return {
        "group": group, "member": member, "manager": manager, "room": room,
        "first": first.id, "booked": booked.id, "booked_day": booked_day, "rejected": rejected.id,
        "series": series.id, "closure": closure.id,
        "other": make.user(Role.PARTNER, make.organisation("Chor am Markt")),
        "desk": make.user(Role.DESK), "admin": make.user(Role.ADMIN),
    }


def assert_shown_as_text(html: str, *shown: str) -> None:
    """Each of `shown` is on the page escaped; no payload is there as typed, no tag of theirs opens."""
    for text in (*PAYLOADS, GROUP):
        assert text not in html, f"{text!r} is on the page as markup"
    for tag in OPENED:
        assert tag not in html, f"{tag!r} opens on the page"
    for text in shown:
        assert str(escape(text)) in html, f"{text!r} is not on the page (escaped)"


def clash(world, **more) -> dict:
    """A second request for the room at the time the approved booking and the closure hold."""
    return {"resource_id": str(world["room"].id), "date": world["booked_day"].isoformat(),
            "start": "15:00", "end": "16:00", "attendees": "5", "purpose_id": "7", **more}


# Pages and fragments that show what groups typed: (who looks, URL, which texts, page or fragment).
PAGES = [
    ("manager", "/manage/queue", ("payload", "group"), False),
    ("manager", "/manage/queue", ("payload", "group"), True),
    ("desk", "/board/?date={booked_day}", ("payload", "group"), False),
    ("desk", "/board/?date={booked_day}", ("payload", "group"), True),
    ("member", "/board/?date={booked_day}", ("payload", "group"), False),
    ("member", "/board/?date={booked_day}", ("payload", "group"), True),
    ("member", "/requests/", ("payload", "group"), False),
    ("member", "/requests/{rejected}", ("payload", "group"), False),
    ("member", "/requests/{booked}", ("payload", "group"), False),
    ("manager", "/requests/{rejected}", ("payload", "group"), False),
    ("desk", "/requests/{booked}", ("payload", "group"), False),
    ("member", "/requests/series/{series}", ("payload", "group"), False),
    ("manager", "/requests/series/{series}", ("payload", "group"), False),
    ("manager", "/manage/series/{series}", ("payload", "group"), False),
    ("manager", "/requests/new", ("group",), False),
    ("member", "/requests/new?resource_id={room}&date={booked_day}&start=15:00&end=16:00", ("payload",), True),
    ("manager", "/manage/users/", ("group",), False),
    ("manager", "/manage/users/{member_id}/edit", ("group",), False),
    ("manager", "/manage/organisations/", ("group",), False),
    ("manager", "/manage/organisations/{group_id}/edit", ("group",), False),
    ("manager", "/manage/closures/", ("payload",), False),
    ("manager", "/manage/closures/{closure}", ("payload", "group"), False),
    ("manager", "/manage/closures/{closure}/edit", ("payload",), False),
    ("admin", "/manage/changes", ("payload", "group"), False),
]


def _url(template: str, world) -> str:
    return template.format(member_id=world["member"].id, group_id=world["group"].id, room=world["room"].id,
                           booked_day=world["booked_day"].isoformat(),
                           **{k: world[k] for k in ("first", "booked", "rejected", "series", "closure")})


def _texts(names, payload) -> list[str]:
    return [payload if name == "payload" else GROUP for name in names]


@pytest.mark.parametrize("who, url, shown, htmx", PAGES,
                         ids=[f"{p[0]} {p[1]}{' fragment' if p[3] else ''}" for p in PAGES])
def test_page_shows_what_groups_typed_as_text(client, auth, world, payload, who, url, shown, htmx):
    auth.login(world[who])
    response = client.get(_url(url, world), headers=HTMX if htmx else {})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert ("<html" in html) is not htmx
    assert_shown_as_text(html, *_texts(shown, payload))


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
@pytest.mark.parametrize("who", ["member", "other"])
def test_a_clashing_request_comes_back_with_its_text_escaped(client, auth, world, payload, who, htmx):
    """The form again (409) with title and note as typed, the clash and the closure's reason."""
    auth.login(world[who])
    response = client.post("/requests/new", data=clash(world, title=payload, note=payload),
                           headers=HTMX if htmx else {})
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert_shown_as_text(html, payload)
    if not htmx:  # the whole form: the title field and the note as typed
        assert f'value="{escape(payload)}"' in html and f"{escape(payload)}</textarea>" in html


def test_a_managers_clashing_request_for_the_group_too(client, auth, world, payload):
    auth.login(world["manager"])
    response = client.post("/requests/new", data=clash(world, title=payload, note=payload,
                                                       organisation_id=str(world["group"].id)))
    assert response.status_code == 409
    assert_shown_as_text(response.get_data(as_text=True), payload, GROUP)


def test_the_queue_row_after_a_decision_in_place(client, auth, world, payload):
    """Approving and rejecting in place answer with the row and its rivals, out of band."""
    auth.login(world["manager"])
    rejected = client.post(f"/manage/bookings/{world['first']}/reject", data={"reason": payload}, headers=HTMX)
    assert rejected.status_code == 200
    assert_shown_as_text(rejected.get_data(as_text=True), payload, GROUP)
    second = world["first"] + 1
    approved = client.post(f"/manage/bookings/{second}/approve", headers=HTMX)
    assert approved.status_code == 200
    assert_shown_as_text(approved.get_data(as_text=True), payload, GROUP)


def test_the_message_after_a_decision_without_htmx(client, auth, world, payload):
    """The flash message names the request's title."""
    auth.login(world["manager"])
    response = client.post(f"/manage/bookings/{world['first']}/reject", data={"reason": "Belegt"},
                           follow_redirects=True)
    assert response.status_code == 200
    assert_shown_as_text(response.get_data(as_text=True), payload)


def test_a_withdrawn_row_in_place(client, auth, world, payload):
    auth.login(world["member"])
    response = client.post(f"/requests/{world['first']}/withdraw", headers=HTMX)
    assert response.status_code == 200
    assert_shown_as_text(response.get_data(as_text=True), payload)


def test_the_other_group_sees_neither_the_text_nor_its_escaped_form(client, auth, world, payload):
    """On the board another group learns only that the time is booked: no text, escaped or not."""
    auth.login(world["other"])
    for headers in ({}, HTMX):
        html = client.get(_url("/board/?date={booked_day}", world), headers=headers).get_data(as_text=True)
        assert_shown_as_text(html)
        assert str(escape(payload)) not in html and str(escape(GROUP)) not in html
        assert "Belegt" in html


def test_the_world_holds_what_the_pages_show(world):
    """The rows the pages are read for: so a page that shows nothing cannot pass by accident."""
    booked = db.session.get(Booking, world["booked"])
    assert booked.status == Status.APPROVED and booked.organisation.name == GROUP
    assert db.session.get(Booking, world["rejected"]).decision_reason in PAYLOADS
