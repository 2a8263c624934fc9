"""The front desk's day in a real browser, at the counter's screen and on a 360 px phone.

A walk-in group gets the Musikraum for the next hour from the board; it is checked in,
takes the room's key and two sewing machines, brings back the key and one machine; the
end-of-day page then shows one machine still out.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from booking.clock import day_bounds, local, now, today
from booking.desk.models import EquipmentLoan, KeyLoan
from booking.extensions import db
from booking.models import Booking, OpeningHours, Resource, Status

pytestmark = pytest.mark.browser

SHOTS = "/tmp/shots/desk"
ROOM = "Musikraum"
MACHINE = "Nähmaschine"


def clear_the_counter(live_server) -> None:
    """The Musikraum free for the rest of today and open round the clock; nothing lent out."""
    with live_server.app.app_context():
        room, machine = (db.session.scalar(sa.select(Resource).where(Resource.name == n)) for n in (ROOM, MACHINE))
        for resource in (room, machine):
            db.session.execute(sa.delete(OpeningHours).where(OpeningHours.resource_id == resource.id))
            db.session.add_all(OpeningHours(resource_id=resource.id, weekday=d, opens=0, closes=1440) for d in range(7))
        start, end = day_bounds(today())
        db.session.execute(sa.update(Booking).where(
            Booking.resource_id.in_([room.id, machine.id]), Booking.starts_at >= start - timedelta(hours=2),
            Booking.starts_at < end).values(status=Status.CANCELLED))
        db.session.execute(sa.update(KeyLoan).where(KeyLoan.back_at.is_(None)).values(back_at=now()))
        db.session.execute(sa.update(EquipmentLoan).where(EquipmentLoan.back_at.is_(None)).values(back_at=now()))
        db.session.commit()


@pytest.mark.parametrize("phone", [False, True], ids=["desk", "360px"])
def test_a_walk_in_group_gets_the_room_a_key_and_two_machines(live_server, new_page, login, de, phone):
    wall = local(now())
    if wall.hour == 23 and wall.minute >= 45:
        pytest.skip("the next hour would run into tomorrow")
    clear_the_counter(live_server)
    page = new_page(phone=phone)
    if phone:
        page.set_viewport_size({"width": 360, "height": 780})
    login(page, "desk@example.org")
    name = "360" if phone else "1280"

    # From the board: the empty hour of the Musikraum (on a phone, or outside the board's
    # hours, the board's "book now" button and the times typed).
    page.goto("/board/")
    if 7 <= wall.hour < 23 and not phone:
        slot = f"{wall.hour:02d}:00–{wall.hour + 1:02d}:00"
        page.get_by_role("link", name=de("Book %(name)s %(start)s–%(end)s", name=ROOM, start=slot[:5],
                                         end=slot[6:])).click()
    else:
        page.get_by_role("link", name=de("Book now")).first.click()
        page.get_by_label(de("Room or equipment")).select_option(label=ROOM)
        start = wall + timedelta(minutes=10)
        page.get_by_label(de("From")).fill(f"{start:%H:%M}")
        page.get_by_label(de("Until")).fill(f"{min(start + timedelta(hours=1), wall.replace(hour=23, minute=59)):%H:%M}")
    expect(page.get_by_label(de("Room or equipment"))).to_have_value(re.compile(r"\d+"))
    page.get_by_label(de("Equipment")).select_option(label=MACHINE)
    page.get_by_label(de("How many?")).fill("2")
    page.get_by_label(de("Guest's name")).fill("Olga Petrenko")
    page.get_by_label(de("Guest's phone")).fill("0176 5550123")
    page.get_by_label(de("What for")).fill(f"Nähen {name}")
    page.screenshot(path=f"{SHOTS}/walk-in-{name}.png", full_page=True)
    page.get_by_role("button", name=de("Book"), exact=True).click()
    expect(page.get_by_text(de("%(name)s is booked.", name=ROOM))).to_be_visible()

    card = page.locator(".desk-booking").filter(has_text=f"Nähen {name}")
    card.get_by_role("button", name=de("Arrived")).click()
    card = page.locator(".desk-booking").filter(has_text=f"Nähen {name}")
    expect(card.locator(".badge--arrived")).to_be_visible()

    # Two sewing machines out.
    card.get_by_label(de("Units")).fill("2")
    card.get_by_label(de("Taken by")).fill("Olga Petrenko")
    card.get_by_role("button", name=de("Hand out")).click()
    expect(page.get_by_text(de("Handed out."))).to_be_visible()

    # The room's key out, for this booking.
    page.get_by_role("link", name=de("Keys"), exact=True).first.click()
    key = page.locator(".desk-key").filter(has_text=ROOM).first
    key.locator("summary").click()
    key.get_by_label(de("Person")).fill("Olga Petrenko")
    key.get_by_label(de("Group")).select_option(label="Gäste / Walk-in")
    key.get_by_label(de("For the booking")).select_option(index=1)
    key.locator("form").get_by_role("button", name=de("Hand out")).click()
    expect(page.get_by_text(de("The key is handed out."))).to_be_visible()
    page.screenshot(path=f"{SHOTS}/keys-{name}.png", full_page=True)

    # The key comes back, and one machine.
    page.locator("#keys-out li").filter(has_text="Olga Petrenko").get_by_role("button", name=de("Take back")).click()
    expect(page.get_by_text(de("The key is back."))).to_be_visible()
    page.get_by_role("link", name=de("Front desk"), exact=True).last.click()
    card = page.locator(".desk-booking").filter(has_text=f"Nähen {name}")
    loan = card.locator(".desk-loans li").first
    loan.get_by_label(de("Units")).fill("1")
    loan.get_by_role("button", name=de("Take back")).click()
    expect(page.get_by_text(de("Returned."))).to_be_visible()
    page.screenshot(path=f"{SHOTS}/desk-{name}.png", full_page=True)

    page.get_by_role("link", name=de("End of day")).first.click()
    out = page.locator("#closing-equipment")
    expect(out.locator("li")).to_have_count(1)
    expect(out).to_contain_text(f"{MACHINE} × 1")
    expect(page.locator("#closing-keys")).to_contain_text(de("All keys are back."))
    page.screenshot(path=f"{SHOTS}/closing-{name}.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"] + 1
