"""A manager's change that would contradict approved bookings lists them and is saved only once
confirmed (409 first, 303 after), or is refused; a change that contradicts nothing is saved at once."""

import html as html_lib
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from booking.clock import today
from booking.extensions import db
from booking.models import Booking, OpeningHours, Organisation, Resource, ResourceKind, Role, Status
from tests.conftest import committed, future_day

TUESDAY = future_day(1)
HOURS = "/manage/hours/"


@pytest.fixture
def manager(make, auth):
    user = make.user(Role.MANAGER, name="Hausleitung", language="en")
    auth.login(user)
    return user


@pytest.fixture
def group(make):
    return make.organisation("Deutsch für alle e.V.")


def edit(resource: Resource) -> str:
    return f"/manage/resources/{resource.id}/edit"


def resource_form(resource: Resource, **changes) -> dict:
    """The edit form as the resource stands, with `changes`; None leaves a field out."""
    data = {
        "name": resource.name,
        "kind": resource.kind.value,
        "capacity": "" if resource.capacity is None else str(resource.capacity),
        "quantity": str(resource.quantity) if resource.kind == ResourceKind.EQUIPMENT else "",
        "location": resource.location or "",
        "description": resource.description or "",
        "setup_minutes": str(resource.setup_minutes or 0),
        "cleanup_minutes": str(resource.cleanup_minutes or 0),
        "max_hours": "" if resource.max_hours is None else str(resource.max_hours),
        "active": "y" if resource.active else None,
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def week(**days) -> dict:
    """The house's form as the migration sets it (Mon-Fri 08-22, Sat 10-18), with days changed."""
    data = {}
    for day in range(7):
        value = days.get(f"day{day}", "closed" if day == 6 else ("10:00", "18:00") if day == 5 else ("08:00", "22:00"))
        if isinstance(value, tuple):
            data.update({f"day{day}-mode": "open", f"day{day}-opens": value[0], f"day{day}-closes": value[1]})
        else:
            data.update({f"day{day}-mode": value, f"day{day}-opens": "", f"day{day}-closes": ""})
    return data


def own_week(**days) -> dict:
    data = {}
    for day in range(7):
        value = days.get(f"day{day}", "house")
        if isinstance(value, tuple):
            data.update({f"day{day}-mode": "open", f"day{day}-opens": value[0], f"day{day}-closes": value[1]})
        else:
            data.update({f"day{day}-mode": value, f"day{day}-opens": "", f"day{day}-closes": ""})
    return data


def listed(page: str) -> set[int]:
    """The bookings the confirmation page lists."""
    return {int(n) for n in re.findall(r'<tr id="contradicted-(\d+)"', page)}


def confirm_value(page: str) -> str:
    match = re.search(r'<input[^>]*name="confirm"[^>]*value="([^"]*)"', page)
    return html_lib.unescape(match.group(1)) if match else ""


def stored(column, resource: Resource):
    return committed(sa.select(column).where(Resource.id == resource.id))[0][0]


def statuses(*bookings: Booking) -> list[Status]:
    return [committed(sa.select(Booking.status).where(Booking.id == b.id))[0][0] for b in bookings]


def refused_then_confirmed(client, url: str, data: dict, expected: set[int]) -> str:
    """Post without confirmation: 409, listed, the form back; then confirm what was listed: 303."""
    response = client.post(url, data=data)
    assert response.status_code == 409
    page = response.text
    assert listed(page) == expected
    assert "Save anyway" in page or "Deactivate anyway" in page
    assert confirm_value(page) == ",".join(str(i) for i in sorted(expected))
    return page


# Equipment: quantity

@pytest.fixture
def tents(make):
    return make.resource("Bierzeltgarnitur", kind=ResourceKind.EQUIPMENT, quantity=3)


def three_units_approved(make, tents, group):
    room = make.resource("Saal", capacity=80)
    first = make.booking(room, group, day=TUESDAY, start="10:00", end="14:00", status=Status.APPROVED,
                         title="Sommerfest", attendees=40)
    item = make.booking(tents, group, day=TUESDAY, start="10:00", end="14:00", status=Status.APPROVED,
                        units=2, bundle_of=first, attendees=None)
    other = make.booking(tents, make.organisation("Chor Plauen"), day=TUESDAY, start="12:00", end="16:00",
                         status=Status.APPROVED, title="Probe im Hof")
    return first, item, other


def test_lowering_a_quantity_below_the_approved_units_is_listed_and_nothing_saved(client, make, manager, tents, group):
    first, item, other = three_units_approved(make, tents, group)
    page = refused_then_confirmed(client, edit(tents), resource_form(tents, quantity="1"), {first.id, other.id})
    assert stored(Resource.quantity, tents) == 3
    # What the manager typed comes back, and each booking says when, who, what and why.
    assert re.search(r'<input[^>]*name="quantity"[^>]*value="1"', page)
    assert "Sommerfest" in page and "Probe im Hof" in page and "Chor Plauen" in page
    assert "Deutsch für alle e.V." in page and "12:00–16:00" in page
    assert "of Bierzeltgarnitur" in page


def test_a_confirmed_quantity_is_saved_and_the_bookings_stay_approved(client, make, manager, tents, group):
    first, item, other = three_units_approved(make, tents, group)
    page = refused_then_confirmed(client, edit(tents), resource_form(tents, quantity="1"), {first.id, other.id})
    response = client.post(edit(tents), data=resource_form(tents, quantity="1", confirm=confirm_value(page)))
    assert response.status_code == 303
    assert stored(Resource.quantity, tents) == 1
    assert statuses(first, item, other) == [Status.APPROVED] * 3


def test_a_quantity_that_still_holds_every_approved_unit_is_saved_at_once(client, make, manager, tents, group):
    three_units_approved(make, tents, group)
    make.booking(tents, group, day=TUESDAY, start="10:00", end="14:00", status=Status.PENDING, units=3)
    # 12:00-14:00 holds three units at once: two are too few, three are enough (pending requests aside).
    assert client.post(edit(tents), data=resource_form(tents, quantity="2")).status_code == 409
    response = client.post(edit(tents), data=resource_form(tents, quantity="3", description="Neu"))
    assert response.status_code == 303
    assert stored(Resource.description, tents) == "Neu"


def test_past_cancelled_and_rejected_bookings_do_not_hold_up_a_change(client, make, manager, tents, group):
    make.booking(tents, group, day=today() - timedelta(days=7), status=Status.APPROVED, units=3)
    make.booking(tents, group, day=TUESDAY, status=Status.CANCELLED, units=3)
    make.booking(tents, group, day=TUESDAY, status=Status.REJECTED, units=3)
    coming = make.booking(tents, group, day=TUESDAY + timedelta(days=1), status=Status.APPROVED, units=2)
    assert listed(client.post(edit(tents), data=resource_form(tents, quantity="1")).text) == {coming.id}
    response = client.post(edit(tents), data=resource_form(tents, quantity="2"))
    assert response.status_code == 303
    assert stored(Resource.quantity, tents) == 2


def test_a_booking_approved_after_the_page_was_shown_brings_the_page_back(client, make, manager, tents, group):
    first, item, other = three_units_approved(make, tents, group)
    page = refused_then_confirmed(client, edit(tents), resource_form(tents, quantity="2"), {first.id, other.id})
    late = make.booking(tents, make.organisation("Sportverein"), day=TUESDAY + timedelta(days=7),
                        status=Status.APPROVED, units=3, title="Turnier")
    response = client.post(edit(tents), data=resource_form(tents, quantity="2", confirm=confirm_value(page)))
    assert response.status_code == 409
    assert listed(response.text) == {first.id, other.id, late.id}
    assert stored(Resource.quantity, tents) == 3


def test_a_forged_confirmation_confirms_nothing(client, make, manager, tents, group):
    first, item, other = three_units_approved(make, tents, group)
    for forged in ("", "abc", "0", f"{first.id}", "1" * 40, "<b>x</b>"):
        response = client.post(edit(tents), data=resource_form(tents, quantity="1", confirm=forged))
        assert response.status_code == 409
    assert stored(Resource.quantity, tents) == 3


# Rooms: capacity

def test_lowering_a_capacity_below_approved_attendees(client, make, manager, group):
    room = make.resource("Seminarraum 1", capacity=30)
    big = make.booking(room, group, day=TUESDAY, status=Status.APPROVED, attendees=25, title="Elternabend")
    make.booking(room, group, day=TUESDAY, start="14:00", end="16:00", status=Status.APPROVED, attendees=8)
    make.booking(room, group, day=TUESDAY, start="17:00", end="19:00", status=Status.PENDING, attendees=28)
    page = refused_then_confirmed(client, edit(room), resource_form(room, capacity="12"), {big.id})
    assert "Elternabend" in page and "holds at most 12 people" in page
    assert stored(Resource.capacity, room) == 30
    response = client.post(edit(room), data=resource_form(room, capacity="12", confirm=confirm_value(page)))
    assert response.status_code == 303
    assert stored(Resource.capacity, room) == 12
    # Raising it again contradicts nothing.
    assert client.post(edit(room), data=resource_form(room, capacity="40")).status_code == 303


# Taking a resource out of use

def test_deactivating_a_resource_with_approved_bookings_to_come(client, make, manager, group):
    room = make.resource("Lehrküche", capacity=12)
    coming = make.booking(room, group, day=TUESDAY, status=Status.APPROVED, title="Kochkurs")
    make.booking(room, group, day=TUESDAY, start="14:00", end="16:00", status=Status.PENDING)
    make.booking(room, group, day=today() - timedelta(days=2), status=Status.APPROVED)
    page = refused_then_confirmed(client, edit(room), resource_form(room, active=None), {coming.id})
    assert "Kochkurs" in page and "cannot be booked" in page
    assert stored(Resource.active, room) is True
    response = client.post(edit(room), data=resource_form(room, active=None, confirm=confirm_value(page)))
    assert response.status_code == 303
    assert stored(Resource.active, room) is False
    assert statuses(coming) == [Status.APPROVED]


def test_deactivating_a_resource_with_only_pending_requests_is_saved_at_once(client, make, manager, group):
    room = make.resource("Lehrküche", capacity=12)
    make.booking(room, group, day=TUESDAY, status=Status.PENDING)
    coming = make.booking(room, group, day=TUESDAY + timedelta(days=1), status=Status.APPROVED)
    assert client.post(edit(room), data=resource_form(room, active=None)).status_code == 409
    db.session.execute(sa.update(Booking).where(Booking.id == coming.id).values(status=Status.CANCELLED))
    db.session.commit()
    assert client.post(edit(room), data=resource_form(room, active=None)).status_code == 303
    assert stored(Resource.active, room) is False


# Set-up and clean-up time

def test_longer_clean_up_time_that_approved_bookings_no_longer_leave_room_for(client, make, manager, group):
    room = make.resource("Lehrküche", capacity=12)
    morning = make.booking(room, group, day=TUESDAY, start="10:00", end="12:00", status=Status.APPROVED)
    make.booking(room, group, day=TUESDAY, start="12:30", end="14:00", status=Status.APPROVED)
    evening = make.booking(room, group, day=TUESDAY, start="20:00", end="21:30", status=Status.APPROVED)
    page = refused_then_confirmed(client, edit(room), resource_form(room, cleanup_minutes="60"),
                                  {morning.id, evening.id})
    assert "set-up and clean-up time" in page  # the morning's clean-up runs into the next booking
    assert "to clean up" in page  # the evening's runs past closing time
    assert stored(Resource.cleanup_minutes, room) == 0
    response = client.post(edit(room), data=resource_form(room, cleanup_minutes="60", confirm=confirm_value(page)))
    assert response.status_code == 303
    assert stored(Resource.cleanup_minutes, room) == 60
    # The approved bookings keep the busy time they were approved with.
    assert committed(sa.select(Booking.busy_until).where(Booking.id == morning.id))[0][0] == morning.ends_at


def test_a_clean_up_time_that_fits_is_saved_at_once(client, make, manager, group):
    room = make.resource("Lehrküche", capacity=12)
    make.booking(room, group, day=TUESDAY, start="10:00", end="12:00", status=Status.APPROVED)
    make.booking(room, group, day=TUESDAY, start="13:00", end="14:00", status=Status.APPROVED)
    assert client.post(edit(room), data=resource_form(room, cleanup_minutes="90")).status_code == 409
    assert client.post(edit(room), data=resource_form(room, cleanup_minutes="30", setup_minutes="15")).status_code == 303
    assert stored(Resource.cleanup_minutes, room) == 30


def test_a_shorter_longest_booking_holds_up_nothing(client, make, manager, group):
    room = make.resource("Seminarraum 1", capacity=30)
    make.booking(room, group, day=TUESDAY, start="09:00", end="17:00", status=Status.APPROVED, attendees=10)
    # Only the capacity is named: the longest booking is a rule for new requests.
    page = client.post(edit(room), data=resource_form(room, max_hours="2", capacity="5")).text
    assert "holds at most 5 people" in page and "at a time" not in page
    assert client.post(edit(room), data=resource_form(room, max_hours="2")).status_code == 303
    assert stored(Resource.max_hours, room) == 2


# The kind of a resource

def test_the_kind_cannot_change_while_bookings_are_to_come(client, make, manager, group):
    room = make.resource("Werkraum", capacity=12)
    approved = make.booking(room, group, day=TUESDAY, status=Status.APPROVED, title="Holzkurs")
    pending = make.booking(room, group, day=TUESDAY, start="14:00", end="16:00", title="Nähcafé")
    data = resource_form(room, kind="equipment", quantity="4", capacity="")
    response = client.post(edit(room), data=data)
    assert response.status_code == 409
    assert listed(response.text) == {approved.id, pending.id}
    assert "Holzkurs" in response.text and "Nähcafé" in response.text
    assert "Save anyway" not in response.text
    # No confirmation gets it through.
    response = client.post(edit(room), data={**data, "confirm": f"{approved.id},{pending.id}"})
    assert response.status_code == 409
    assert stored(Resource.kind, room) == ResourceKind.ROOM


def test_the_kind_changes_once_the_bookings_are_over(client, make, manager, group):
    room = make.resource("Werkraum", capacity=12)
    make.booking(room, group, day=today() - timedelta(days=3), status=Status.APPROVED)
    make.booking(room, group, day=TUESDAY, status=Status.CANCELLED)
    pending = make.booking(room, group, day=TUESDAY, status=Status.PENDING)
    data = resource_form(room, kind="equipment", quantity="4", capacity="")
    assert listed(client.post(edit(room), data=data).text) == {pending.id}
    db.session.execute(sa.update(Booking).where(Booking.id == pending.id).values(status=Status.REJECTED))
    db.session.commit()
    response = client.post(edit(room), data=data)
    assert response.status_code == 303
    assert stored(Resource.kind, room) == ResourceKind.EQUIPMENT


# Opening hours, house-wide and per resource

def house_rows():
    return committed(sa.select(OpeningHours.weekday, OpeningHours.opens, OpeningHours.closes)
                     .where(OpeningHours.resource_id.is_(None)).order_by(OpeningHours.weekday))


def test_shorter_house_hours_list_the_bookings_outside_them(client, make, manager, group):
    room = make.resource("Seminarraum 1", capacity=30)
    kitchen = make.resource("Lehrküche", capacity=12)
    early = make.booking(room, group, day=TUESDAY, start="08:00", end="10:00", status=Status.APPROVED,
                         title="Frühstückstreff")
    make.booking(kitchen, group, day=TUESDAY, start="15:00", end="17:00", status=Status.APPROVED)
    make.booking(room, group, day=TUESDAY + timedelta(days=1), start="08:00", end="10:00", status=Status.APPROVED)
    before = house_rows()
    page = refused_then_confirmed(client, HOURS, week(day1=("12:00", "22:00")), {early.id})
    assert "Frühstückstreff" in page and "open on Tuesday from 12:00 to 22:00" in page
    assert re.search(r'<input[^>]*name="day1-opens"[^>]*value="12:00"', page)
    assert house_rows() == before
    response = client.post(HOURS, data={**week(day1=("12:00", "22:00")), "confirm": confirm_value(page)})
    assert response.status_code == 303
    assert (1, 720, 1320) in house_rows()
    assert statuses(early) == [Status.APPROVED]


def test_closing_the_house_on_a_day_lists_that_days_bookings(client, make, manager, group):
    room = make.resource("Seminarraum 1", capacity=30)
    booked = make.booking(room, group, day=TUESDAY, status=Status.APPROVED)
    refused_then_confirmed(client, HOURS, week(day1="closed"), {booked.id})
    assert (1, 480, 1320) in house_rows()


def test_house_hours_that_a_resource_overrides_or_a_plot_ignores_are_saved_at_once(client, make, manager, group):
    room = make.resource("Seminarraum 1", capacity=30)
    plot = make.resource("Beet 3", kind=ResourceKind.PLOT, capacity=None)
    db.session.add(OpeningHours(resource_id=room.id, weekday=1, opens=480, closes=1320))
    db.session.commit()
    make.booking(room, group, day=TUESDAY, start="08:00", end="10:00", status=Status.APPROVED)
    season = make.booking(plot, group, day=TUESDAY, start="00:00", end="12:00", status=Status.APPROVED,
                          attendees=None)
    season.ends_at = season.starts_at + timedelta(days=30)
    db.session.commit()
    wednesday = make.booking(room, group, day=TUESDAY + timedelta(days=1), start="08:00", end="10:00",
                             status=Status.APPROVED)
    page = client.post(HOURS, data=week(day1=("12:00", "22:00"), day2=("12:00", "22:00"))).text
    assert listed(page) == {wednesday.id}
    response = client.post(HOURS, data=week(day1=("12:00", "22:00")))
    assert response.status_code == 303
    assert (1, 720, 1320) in house_rows()


def test_a_resources_own_hours_that_leave_out_an_approved_booking(client, make, manager, group):
    room = make.resource("Seminarraum 1", capacity=30)
    other = make.resource("Seminarraum 2", capacity=30)
    evening = make.booking(room, group, day=TUESDAY, start="18:00", end="21:00", status=Status.APPROVED,
                           title="Chorprobe")
    make.booking(other, group, day=TUESDAY, start="18:00", end="21:00", status=Status.APPROVED)
    url = f"/manage/hours/{room.id}"
    page = refused_then_confirmed(client, url, own_week(day1=("08:00", "17:00")), {evening.id})
    assert "Chorprobe" in page and "17:00" in page
    assert committed(sa.select(OpeningHours).where(OpeningHours.resource_id == room.id)) == []
    response = client.post(url, data={**own_week(day1=("08:00", "17:00")), "confirm": confirm_value(page)})
    assert response.status_code == 303
    assert committed(sa.select(OpeningHours.weekday, OpeningHours.opens, OpeningHours.closes)
                     .where(OpeningHours.resource_id == room.id)) == [(1, 480, 1020)]


def test_own_hours_that_keep_every_booking_are_saved_at_once(client, make, manager, group):
    room = make.resource("Seminarraum 1", capacity=30)
    make.booking(room, group, day=TUESDAY, start="18:00", end="21:00", status=Status.APPROVED)
    make.booking(room, group, day=TUESDAY, start="07:00", end="09:00", status=Status.PENDING)
    assert client.post(f"/manage/hours/{room.id}", data=own_week(day1=("19:00", "22:00"))).status_code == 409
    response = client.post(f"/manage/hours/{room.id}", data=own_week(day1=("09:00", "22:00")))
    assert response.status_code == 303


# A group that leaves

def group_form(organisation: Organisation, **changes) -> dict:
    data = {"name": organisation.name, "kind": organisation.kind.value, "contact_name": "", "email": "",
            "phone": "", "active": "y" if organisation.active else None}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_deactivating_a_group_with_approved_bookings_to_come(client, make, manager, group):
    room = make.resource("Seminarraum 1", capacity=30)
    coming = make.booking(room, group, day=TUESDAY, status=Status.APPROVED, title="Sprachcafé")
    make.booking(room, group, day=today() - timedelta(days=7), status=Status.APPROVED, title="Vorbei")
    url = f"/manage/organisations/{group.id}/edit"
    page = refused_then_confirmed(client, url, group_form(group, active=None, phone="0123"), {coming.id})
    assert "Sprachcafé" in page and "Vorbei" not in page and "Deactivate anyway" in page
    assert 'value="0123"' in page
    assert committed(sa.select(Organisation.active).where(Organisation.id == group.id)) == [(True,)]
    response = client.post(url, data=group_form(group, active=None, confirm=confirm_value(page)))
    assert response.status_code == 303
    assert committed(sa.select(Organisation.active).where(Organisation.id == group.id)) == [(False,)]
    assert statuses(coming) == [Status.APPROVED]


def test_other_changes_to_a_group_with_bookings_are_saved_at_once(client, make, manager, group):
    room = make.resource("Seminarraum 1", capacity=30)
    make.booking(room, group, day=TUESDAY, status=Status.APPROVED)
    url = f"/manage/organisations/{group.id}/edit"
    assert client.post(url, data=group_form(group, active=None)).status_code == 409
    assert client.post(url, data=group_form(group, phone="0123")).status_code == 303


# The page escapes what groups typed

def test_the_listed_titles_and_names_are_text(client, make, manager):
    room = make.resource("Saal", capacity=30)
    poisoned = make.organisation('<b hx-get="/x" hx-trigger="load">Verein</b>')
    make.booking(room, poisoned, day=TUESDAY, status=Status.APPROVED, title="<svg onload=alert(1)>")
    page = client.post(edit(room), data=resource_form(room, active=None)).text
    assert "<svg onload" not in page and '<b hx-get="/x"' not in page
    assert "&lt;svg onload=alert(1)&gt;" in page


# However many bookings are in the way

@pytest.mark.parametrize("kind", ["room", "tents"])
def test_the_check_and_the_list_take_a_fixed_number_of_queries(client, make, manager, group, kind, monkeypatch):
    from tests.http.querycount import count_queries

    monkeypatch.setattr("booking.manage.confirming.LIST_LIMIT", 5)
    room = make.resource("Saal", capacity=80)
    tents = make.resource("Bierzeltgarnitur", kind=ResourceKind.EQUIPMENT, quantity=3)
    changed = room if kind == "room" else tents
    data = resource_form(room, capacity="5") if kind == "room" else resource_form(tents, quantity="1")

    def add_bundles(n, first_day):
        for i in range(n):
            lead = make.booking(room, group, day=first_day + timedelta(days=i), status=Status.APPROVED, attendees=20)
            make.booking(tents, group, day=first_day + timedelta(days=i), status=Status.APPROVED, units=2,
                         bundle_of=lead, attendees=None)

    add_bundles(2, TUESDAY)
    with count_queries() as few:
        assert client.post(edit(changed), data=data).status_code == 409
    add_bundles(12, TUESDAY + timedelta(days=30))
    with count_queries() as many:
        response = client.post(edit(changed), data=data)
    assert response.status_code == 409
    assert many.count == few.count
    # The first five are shown; all fourteen are counted and confirmed.
    assert len(listed(response.text)) == 5 and "Showing the first 5." in response.text
    assert "contradicts 14 approved bookings" in response.text
    assert len(confirm_value(response.text).split(",")) == 14
    confirmed = client.post(edit(changed), data={**data, "confirm": confirm_value(response.text)})
    assert confirmed.status_code == 303
