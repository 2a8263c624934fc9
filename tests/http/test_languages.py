"""Each reader's language on the pages: dates and times as they read them, date inputs with a hint."""

import pytest

from booking.extensions import db
from booking.models import AuditEvent, Booking, Role, Status
from tests.conftest import at, future_day


@pytest.fixture
def room(make):
    return make.resource("Seminarraum 1", capacity=20)


def request_data(room, **overrides):
    data = {"resource_id": str(room.id), "date": future_day().isoformat(), "start": "18:00", "end": "20:00",
            "title": "Deutschkurs A2", "attendees": "12", "units": "1", "note": "", "purpose_id": "7"}
    return data | overrides


def test_the_english_history_shows_24_hour_times(client, auth, make, room):
    partner = make.user(Role.PARTNER, language="en")
    auth.login(partner)
    booking = make.booking(room, partner.organisation, requested_by=partner)
    db.session.add(AuditEvent(booking_id=booking.id, to_status=Status.PENDING, at=at(future_day(), "18:45")))
    db.session.commit()
    html = client.get(f"/requests/{booking.id}").get_data(as_text=True)
    assert "18:45" in html
    assert " PM" not in html and "6:45" not in html


@pytest.mark.parametrize("language, date_hint", [("de", "TT.MM.JJJJ"), ("en", "DD/MM/YYYY")])
def test_date_and_time_inputs_carry_a_format_hint_in_the_pages_language(client, auth, make, room, language, date_hint):
    auth.login(make.user(Role.PARTNER, language=language))
    html = client.get("/requests/new").get_data(as_text=True)
    assert f'<p class="hint hint--format" id="date-format">{date_hint}</p>' in html
    assert '<p class="hint hint--format" id="start-format">HH:MM</p>' in html
    assert 'aria-describedby="date-format"' in html and 'aria-describedby="start-format"' in html


@pytest.mark.parametrize("date_text, start, end", [
    (None, "18:00", "20:00"),  # what date and time inputs send
    (None, "18:00:00", "20:00:00"),  # a time input with seconds
    ("DMY", "18.00", "20.00"),  # typed into a plain text box, as the hint says
])
def test_the_server_takes_what_the_inputs_send(client, auth, make, room, date_text, start, end):
    auth.login(make.user(Role.PARTNER))
    day = future_day()
    typed = day.strftime("%d.%m.%Y") if date_text else day.isoformat()
    response = client.post("/requests/new", data=request_data(room, date=typed, start=start, end=end))
    assert response.status_code == 303
    assert Booking.query.one().starts_at == at(day, "18:00")
