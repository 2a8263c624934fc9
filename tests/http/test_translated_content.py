"""Resource names and closure reasons in the reader's language, German where none was written."""

import pytest
import sqlalchemy as sa

from booking.extensions import db
from booking.models import Closure, Resource, Role, Status
from tests.conftest import at, committed, future_day
from tests.http.test_calendar_feeds import make_feed
from tests.mailserver import mailserver  # noqa: F401 (a fixture)

UK = {"name": "Семінарська кімната", "description": "Світла кімната", "location": "1 поверх"}


@pytest.fixture
def room(make):
    resource = make.resource("Seminarraum 1", capacity=20, description="Hell", location="1. OG")
    resource.translations = {"uk": UK, "ar": {"name": "قاعة الندوات"}}
    db.session.commit()
    return resource


def partner(make, auth, language):
    user = make.user(Role.PARTNER, language=language)
    auth.login(user)
    return user


def test_a_ukrainian_reader_sees_the_ukrainian_name_on_the_form_the_board_and_the_detail(client, auth, make, room):
    user = partner(make, auth, "uk")
    day = future_day()
    booking = make.booking(room, user.organisation, day=day, requested_by=user, status=Status.APPROVED)
    form = client.get("/requests/new").text
    assert "Семінарська кімната" in form and "Seminarraum 1" not in form.split('name="resource_id"')[1].split("</select>")[0]
    board = client.get(f"/board/?date={day.isoformat()}").text
    assert "Семінарська кімната" in board
    detail = client.get(f"/requests/{booking.id}").text
    assert "Семінарська кімната" in detail


def test_a_language_without_a_translation_reads_the_german(client, auth, make, room):
    user = partner(make, auth, "tr")
    booking = make.booking(room, user.organisation, requested_by=user)
    assert "Seminarraum 1" in client.get(f"/requests/{booking.id}").text
    assert "Семінарська" not in client.get("/requests/new").text


def test_the_live_check_names_the_room_and_the_closure_reason_in_the_readers_language(client, auth, make, room):
    day = future_day()
    db.session.add(Closure(resource_id=room.id, starts_at=at(day, "08:00"), ends_at=at(day, "20:00"),
                           reason="Renovierung", translations={"uk": {"reason": "Ремонт"}}))
    db.session.commit()
    partner(make, auth, "uk")
    query = {"resource_id": room.id, "date": day.isoformat(), "start": "10:00", "end": "12:00"}
    html = client.get("/requests/new", query_string=query, headers={"HX-Request": "true"}).text
    assert "Ремонт" in html and "Renovierung" not in html
    assert "Семінарська кімната" in html
    week = client.get("/calendar/week", query_string={"date": day.isoformat(), "resource": room.id}).text
    assert "Ремонт" in week


def test_the_manager_writes_translations_in_the_resource_form_and_reads_them_back(client, auth, make, room):
    auth.login(make.user(Role.MANAGER, language="de"))
    form = client.get(f"/manage/resources/{room.id}/edit").text
    assert "<details" in form and 'value="Семінарська кімната"' in form
    assert 'dir="rtl" id="translated-name_ar" lang="ar"' in form  # typed right to left
    data = {"name": "Seminarraum 1", "kind": "room", "capacity": "20", "quantity": "", "location": "1. OG",
            "description": "Hell", "setup_minutes": "0", "cleanup_minutes": "0", "active": "y",
            "translated-name_uk": "Кімната для семінарів", "translated-description_uk": "",
            "translated-location_uk": " 1 поверх ", "translated-name_fa": "اتاق سمینار"}
    assert client.post(f"/manage/resources/{room.id}/edit", data=data).status_code == 303
    (stored,) = committed(sa.select(Resource.translations).where(Resource.id == room.id))[0]
    assert stored == {"uk": {"name": "Кімната для семінарів", "location": "1 поверх"}, "fa": {"name": "اتاق سمینار"}}
    again = client.get(f"/manage/resources/{room.id}/edit").text
    assert 'value="Кімната для семінарів"' in again and 'value="اتاق سمینار"' in again


def test_a_translation_too_long_comes_back_at_its_field_and_nothing_is_saved(client, auth, make, room):
    auth.login(make.user(Role.MANAGER, language="en"))
    data = {"name": "Seminarraum 1", "kind": "room", "capacity": "20", "setup_minutes": "0", "cleanup_minutes": "0",
            "active": "y", "translated-name_uk": "я" * 121}
    response = client.post(f"/manage/resources/{room.id}/edit", data=data)
    assert response.status_code == 422 and "я" * 121 in response.text
    assert committed(sa.select(Resource.translations).where(Resource.id == room.id))[0][0]["uk"] == UK


def test_the_closure_form_round_trips_its_reason_in_other_languages(client, auth, make, room):
    auth.login(make.user(Role.MANAGER, language="en"))
    day = future_day(weeks=5)
    data = {"resource_id": "", "first_day": day.isoformat(), "start": "", "last_day": "", "end": "",
            "reason": "Betriebsausflug", "translated-reason_ar": "رحلة الموظفين"}
    assert client.post("/manage/closures/new", data=data).status_code == 303
    closure = db.session.scalars(sa.select(Closure)).one()
    assert closure.translations == {"ar": {"reason": "رحلة الموظفين"}}
    assert 'value="رحلة الموظفين"' in client.get(f"/manage/closures/{closure.id}/edit").text


def test_translations_are_user_text_and_stay_escaped(client, auth, make, room):
    room.translations = {"uk": {"name": "<b hx-get=/x>Зала</b>"}}
    db.session.commit()
    user = partner(make, auth, "uk")
    booking = make.booking(room, user.organisation, requested_by=user)
    for html in (client.get("/requests/new").text, client.get(f"/requests/{booking.id}").text):
        assert "<b hx-get=/x>" not in html and "&lt;b hx-get=/x&gt;Зала" in html


def test_mails_name_the_room_in_the_recipients_language_and_arabic_mails_run_right_to_left(
        client, auth, make, room, mailserver):  # noqa: F811
    group = make.organisation("Verein")
    ukrainian = make.user(Role.PARTNER, group, email="olena@example.org", language="uk")
    arabic = make.user(Role.PARTNER, group, email="amal@example.org", language="ar")
    booking = make.booking(room, group, requested_by=ukrainian)
    auth.login(make.user(Role.MANAGER))
    assert client.post(f"/manage/bookings/{booking.id}/approve").status_code == 303
    olena, amal = mailserver.only("olena@example.org"), mailserver.only("amal@example.org")
    assert "Семінарська кімната" in olena.body and "1 поверх" in olena.body
    assert "قاعة الندوات" in amal.body and "1. OG" in amal.body  # no Arabic location: the German
    assert 'dir="rtl"' in amal.html and 'lang="ar"' in amal.html
    assert 'dir="ltr"' in olena.html


def test_a_calendar_feed_names_the_room_in_its_owners_language(client, auth, make, room):
    user = partner(make, auth, "uk")
    make.booking(room, user.organisation, requested_by=user, status=Status.APPROVED)
    path = make_feed(client, kind="organisation")
    auth.logout()
    body = client.get(path).data.decode()
    assert "LOCATION:Семінарська кімната" in body and "LOCATION:Seminarraum 1" not in body


def test_the_request_form_describes_the_chosen_room_in_the_readers_language(client, auth, make, room):
    partner(make, auth, "uk")
    html = client.get("/requests/new", query_string={"resource_id": room.id}).text
    assert "1 поверх · Світла кімната" in html and "Hell" not in html
    auth.logout()
    partner(make, auth, "de")
    assert "1. OG · Hell" in client.get("/requests/new", query_string={"resource_id": room.id}).text


def test_a_closure_mail_gives_the_reason_and_the_room_in_the_recipients_language(
        client, auth, make, room, mailserver):  # noqa: F811
    group = make.organisation("Verein")
    make.user(Role.PARTNER, group, email="olena@example.org", language="uk")
    make.user(Role.PARTNER, group, email="tuerk@example.org", language="tr")
    day = future_day(weekday=2, weeks=3)
    make.booking(room, group, day=day, status=Status.APPROVED, title="Chorprobe")
    auth.login(make.user(Role.MANAGER))
    response = client.post("/manage/closures/new", data={
        "resource_id": str(room.id), "first_day": day.isoformat(), "reason": "Wasserschaden",
        "translated-reason_uk": "Пошкодження водою"})
    assert response.status_code == 303
    olena, tuerk = mailserver.only("olena@example.org"), mailserver.only("tuerk@example.org")
    assert "Пошкодження водою" in olena.body and "Семінарська кімната" in olena.subject
    assert "Wasserschaden" in tuerk.body and "Seminarraum 1" in tuerk.subject  # nothing in Turkish: the German
