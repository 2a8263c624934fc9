"""Changes to accounts, resources, organisations and closures are recorded: who, when, what."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from booking.extensions import db
from booking.models import ChangeRecord, Role
from tests.conftest import at, committed, future_day


@pytest.fixture
def manager(make, auth):
    user = make.user(Role.MANAGER, name="Sabine Richter", language="en")
    auth.login(user)
    return user


def records(subject: str | None = None) -> list[ChangeRecord]:
    statement = sa.select(ChangeRecord).order_by(ChangeRecord.id)
    if subject:
        statement = statement.where(ChangeRecord.subject == subject)
    db.session.expire_all()
    return db.session.scalars(statement).all()


def room_form(**changes) -> dict:
    data = {"name": "Kleiner Saal", "kind": "room", "capacity": "30", "quantity": "", "location": "EG",
            "description": "", "active": "y"}
    data.update(changes)
    return data


def test_a_resource_created_and_renamed_is_recorded_with_who_and_what(client, manager):
    before = len(records())
    assert client.post("/manage/resources/new", data=room_form()).status_code == 303
    created = records("resource")[-1]
    assert created.action == "created" and created.actor_id == manager.id and created.label == "Kleiner Saal"
    assert {"field": "capacity", "old": None, "new": 30} in json.loads(created.changes)

    resource_id = created.subject_id
    assert client.post(f"/manage/resources/{resource_id}/edit",
                       data=room_form(name="Großer Saal", capacity="60")).status_code == 303
    changed = records("resource")[-1]
    assert changed.action == "changed" and changed.actor_id == manager.id
    assert sorted((c["field"], c["old"], c["new"]) for c in json.loads(changed.changes)) == [
        ("capacity", 30, 60), ("name", "Kleiner Saal", "Großer Saal")]
    assert len(records()) == before + 2

    page = client.get("/manage/changes")
    assert page.status_code == 200
    assert "Großer Saal" in page.text and "Kleiner Saal → Großer Saal" in page.text
    assert "Sabine Richter" in page.text


def test_a_refused_change_leaves_no_record(client, manager, make):
    make.resource("Musikraum")
    before = len(records())
    refused = client.post("/manage/resources/new", data=room_form(name="Musikraum"))
    assert refused.status_code == 422
    assert len(committed(sa.select(ChangeRecord.id))) == before


def test_role_changes_and_new_passwords_are_recorded_without_the_password(make, manager, client):
    account = make.user(Role.PARTNER, name="Amal", email="amal@example.org")
    account.role = Role.DESK
    account.organisation = None
    db.session.commit()
    change = records("user")[-1]
    fields = {c["field"]: c for c in json.loads(change.changes)}
    assert fields["role"]["old"] == "partner" and fields["role"]["new"] == "desk"

    account.set_password("ein-neues-langes-passwort", method="pbkdf2:sha256:1000")
    db.session.commit()
    change = records("user")[-1]
    assert json.loads(change.changes) == [{"field": "password", "old": None, "new": None}]
    every_change = " ".join(r.changes for r in records())
    assert account.password_hash not in every_change and "pbkdf2" not in every_change


def test_closures_deleted_and_organisations_created_are_recorded(client, manager, make):
    assert client.post("/manage/organisations/new", data={
        "name": "Chor Plauen", "kind": "association", "contact_name": "Erika Muster",
        "email": "chor@example.org", "phone": "03741 12345"}).status_code == 303
    assert records("organisation")[-1].label == "Chor Plauen"

    day = future_day()
    from booking.models import Closure

    closure = Closure(starts_at=at(day, "08:00"), ends_at=at(day, "22:00"), reason="Putztag")
    db.session.add(closure)
    db.session.commit()
    assert client.post(f"/manage/closures/{closure.id}/delete").status_code in (302, 303)
    deleted = records("closure")[-1]
    assert deleted.action == "deleted" and deleted.label == "Putztag" and deleted.actor_id == manager.id


@pytest.mark.parametrize("role", [Role.PARTNER, Role.DESK])
def test_only_managers_read_the_record(client, auth, make, role):
    auth.login(make.user(role))
    assert client.get("/manage/changes").status_code == 403


def test_the_record_shows_names_as_text(client, manager, make):
    make.organisation('"><svg onload=alert(1)>')
    page = client.get("/manage/changes").text
    assert "<svg onload" not in page
    assert "&#34;&gt;&lt;svg onload=alert(1)&gt;" in page or "&quot;&gt;&lt;svg onload=alert(1)&gt;" in page


def test_managers_find_the_record_from_the_accounts_page(client, manager):
    assert 'href="/manage/changes"' in client.get("/manage/users/").text
