"""Data protection: a person's or a group's data as a ZIP, erasing a person or a group's contact
data everywhere, and who may do which (docs/privacy.md)."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import sqlalchemy as sa

from booking.extensions import db
from booking.models import Booking, ChangeRecord, Role, Status, User
from booking.privacy import PLACEHOLDER_EMAIL, registry
from booking.sessions.models import LoginSession
from tests.conftest import count_rows
from tests.privacy_house import EMAIL, NAME, PHONE, fill, quoted


def unzip(response) -> dict[str, object]:
    """The ZIP's files, each parsed: JSON as data, CSV as a list of rows."""
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert "attachment" in response.headers["Content-Disposition"]
    files = {}
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        for name in archive.namelist():
            text = archive.read(name).decode("utf-8")
            if name.endswith(".json"):
                files[name] = json.loads(text)
            elif name.endswith(".csv"):
                files[name] = list(csv.DictReader(io.StringIO(text)))
            else:
                files[name] = text
    return files


def test_a_persons_download_holds_every_table_that_points_to_them(make, client, auth):
    house = fill(make, client, auth)
    auth.login(house.manager)
    files = unzip(client.post(f"/privacy/accounts/{house.person.id}/export"))
    managers = unzip(client.post(f"/privacy/accounts/{house.manager.id}/export"))  # closures are managers'
    # Every table with a foreign key to the accounts, found in the metadata, is in the downloads
    # with the person's rows: a new table is missing here until the registry lists it.
    pointing = {t.name for t in db.Model.metadata.sorted_tables if registry.references(t, "user_account")}
    for name in pointing | {"user_account", "organisation"}:
        rows = files[f"json/{name}.json"] or managers[f"json/{name}.json"]
        assert rows, f"the downloads have no rows of {name}"
        assert len(files[f"csv/{name}.csv"]) == len(files[f"json/{name}.json"])
    assert files["json/user_account.json"][0]["email"] == EMAIL
    assert {r["booking_id"] for r in files["json/audit_event.json"]} >= {house.approved_id}
    feed = files["json/feed_token.json"][0]
    assert feed["kind"] == "organisation" and "token_hash" not in feed  # the feed exists; not its secret
    assert "password_hash" not in files["json/user_account.json"][0]
    assert all("key_hash" not in r for r in files["json/login_session.json"])
    assert "README.txt" in files
    # The download is in the record of changes, by whom.
    record = db.session.scalars(sa.select(ChangeRecord).where(ChangeRecord.action == "exported")
                                .order_by(ChangeRecord.id)).first()
    assert (record.subject, record.subject_id, record.actor_id) == ("user", house.person.id, house.manager.id)


def test_csv_cells_never_start_a_formula(make, client, auth):
    group = make.organisation("Verein F", contact_name="=HYPERLINK(\"x\")")
    member = make.user(Role.PARTNER, group, name="@SUM(1)")
    auth.login(member)
    files = unzip(client.post(f"/privacy/organisations/{group.id}/export"))
    assert files["csv/organisation.csv"][0]["contact_name"] == "'=HYPERLINK(\"x\")"
    assert files["json/organisation.json"][0]["contact_name"] == "=HYPERLINK(\"x\")"
    assert files["csv/user_account.csv"][0]["name"] == "'@SUM(1)"


def test_a_partner_downloads_their_own_data_and_group_never_anothers(make, client, auth):
    house = fill(make, client, auth)
    other_group = make.organisation("Verein Mond")
    desk = make.user(Role.DESK)
    auth.login(house.other)
    assert client.get(f"/privacy/accounts/{house.other.id}").status_code == 200
    mine = unzip(client.post(f"/privacy/accounts/{house.other.id}/export"))
    assert [r["name"] for r in mine["json/user_account.json"]] == ["Olga Bleibt"]
    assert client.get(f"/privacy/accounts/{house.person.id}").status_code == 403
    assert client.post(f"/privacy/accounts/{house.person.id}/export").status_code == 403
    group = unzip(client.post(f"/privacy/organisations/{house.group.id}/export"))
    assert len(group["json/booking.json"]) == count_rows(Booking, Booking.organisation_id == house.group.id)
    assert client.get(f"/privacy/organisations/{other_group.id}").status_code == 404
    assert client.post(f"/privacy/organisations/{other_group.id}/export").status_code == 404
    assert client.post(f"/privacy/organisations/{house.group.id}/erase", data={"confirm": "y"}).status_code == 403
    assert client.post(f"/privacy/accounts/{house.person.id}/erase", data={"confirm": "y"}).status_code == 403
    auth.logout()
    auth.login(desk)
    assert client.post(f"/privacy/accounts/{house.person.id}/export").status_code == 403
    assert client.get(f"/privacy/organisations/{house.group.id}").status_code == 403
    assert client.post(f"/privacy/organisations/{house.group.id}/export").status_code == 403
    assert count_rows(ChangeRecord, ChangeRecord.action == "exported") == 2  # Olga's own two


def test_erasing_a_person_leaves_their_email_name_and_phone_nowhere(make, client, auth):
    house = fill(make, client, auth)
    person_id = house.person.id
    for needle in (EMAIL, NAME, PHONE):
        assert quoted(needle), f"the house holds no {needle!r} to erase: the test would prove nothing"
    # The desk's, the garden's and the counter-offers' texts quote the person too: erased as well.
    assert {"desk_walk_in.guest_name", "key_loan.holder_name", "equipment_loan.taken_by", "garden_application.note",
            "offer.message"} <= set(quoted(NAME))
    auth.logout()
    auth.login(house.manager)
    client.post("/language", data={"language": "en"})
    page = client.get(f"/privacy/accounts/{person_id}/erase")
    # Listed before erasing: the request to come and the series' two dates.
    assert "3 pending requests will be withdrawn" in page.get_data(as_text=True)
    assert f'href="/requests/{house.pending_id}"' in page.get_data(as_text=True)
    response = client.post(f"/privacy/accounts/{person_id}/erase", data={"confirm": "y"})
    assert response.status_code == 303
    db.session.expire_all()
    for needle in (EMAIL, NAME, PHONE):
        assert quoted(needle) == [], f"{needle!r} is still in {quoted(needle)}"
    assert db.session.get(User, person_id) is None
    stand_in = db.session.scalars(sa.select(User).where(User.email == PLACEHOLDER_EMAIL)).one()
    # The bookings stay, as the group's, made by the placeholder; the pending one to come is withdrawn.
    bookings = db.session.scalars(sa.select(Booking).where(Booking.organisation_id == house.group.id)).all()
    assert bookings and {b.requested_by_id for b in bookings} <= {stand_in.id}
    assert db.session.get(Booking, house.pending_id).status == Status.CANCELLED
    assert db.session.get(Booking, house.approved_id).status == Status.APPROVED
    assert count_rows(LoginSession) == 1  # the manager's own
    # No row points to the erased id any more.
    for table in db.Model.metadata.sorted_tables:
        for column in registry.references(table, "user_account"):
            assert count_rows(table, column == person_id) == 0, f"{table.name}.{column.name}"
    record = db.session.scalars(sa.select(ChangeRecord).where(ChangeRecord.action == "erased")).one()
    assert (record.subject_id, record.actor_id, record.label) == (person_id, house.manager.id,
                                                                  f"#{person_id}")
    # The person's old login no longer opens anything, and the placeholder is no one's account.
    assert client.get("/manage/users/").get_data(as_text=True).count(PLACEHOLDER_EMAIL) == 0
    assert client.get(f"/privacy/accounts/{stand_in.id}").status_code == 404
    assert client.get(f"/manage/users/{stand_in.id}/edit").status_code == 403


def test_erasing_a_manager_keeps_their_decisions_without_them(make, client, auth):
    house = fill(make, client, auth)
    manager_id = house.manager.id
    admin = make.user(Role.ADMIN, name="Ada Admin")
    auth.login(admin)
    assert client.post(f"/privacy/accounts/{manager_id}/erase", data={"confirm": "y"}).status_code == 303
    db.session.expire_all()
    assert quoted("Maria Leitung") == []
    approved = db.session.get(Booking, house.approved_id)
    assert approved.status == Status.APPROVED and approved.decided_by.email == PLACEHOLDER_EMAIL
    for table in db.Model.metadata.sorted_tables:
        for column in registry.references(table, "user_account"):
            assert count_rows(table, column == manager_id) == 0, f"{table.name}.{column.name}"


def test_erasing_needs_the_confirmation_and_saves_nothing_without(make, client, auth):
    house = fill(make, client, auth)
    auth.login(house.manager)
    client.post("/language", data={"language": "en"})
    response = client.post(f"/privacy/accounts/{house.person.id}/erase", data={})
    assert response.status_code == 422
    assert "Tick the box to confirm the erasure." in response.get_data(as_text=True)
    assert db.session.get(User, house.person.id) is not None
    assert count_rows(ChangeRecord, ChangeRecord.action == "erased") == 0


def test_the_last_administrator_cannot_erase_themselves(make, client, auth):
    admin = make.user(Role.ADMIN, name="Ada Admin")
    auth.login(admin)
    response = client.post(f"/privacy/accounts/{admin.id}/erase", data={"confirm": "y"})
    assert response.status_code == 409
    assert db.session.get(User, admin.id) is not None
    second = make.user(Role.ADMIN, name="Bea Admin")
    response = client.post(f"/privacy/accounts/{admin.id}/erase", data={"confirm": "y"})
    assert response.status_code == 303 and response.headers["Location"] == "/login"
    assert client.get("/board/").status_code == 302  # logged out: the account is gone
    assert db.session.get(User, admin.id) is None and db.session.get(User, second.id) is not None


def test_erasing_a_groups_contact_data(make, client, auth):
    house = fill(make, client, auth)
    auth.login(house.manager)
    assert client.post(f"/privacy/organisations/{house.group.id}/erase", data={}).status_code == 422
    assert client.post(f"/privacy/organisations/{house.group.id}/erase", data={"confirm": "y"}).status_code == 303
    db.session.expire_all()
    assert (house.group.contact_name, house.group.email, house.group.phone) == ("", "", "")
    assert house.group.name == "Verein Sonne" and quoted(PHONE) == []
    assert db.session.get(User, house.person.id) is not None  # the members stay


def test_the_privacy_page_is_for_everyone_and_in_every_footer(client, make, auth):
    response = client.get("/datenschutz")
    assert response.status_code == 200
    login = client.get("/login").get_data(as_text=True)
    assert 'class="site-footer"' in login and 'href="/datenschutz"' in login
    partner = make.user(Role.PARTNER)
    auth.login(partner)
    board = client.get("/board/").get_data(as_text=True)
    assert f'href="/privacy/accounts/{partner.id}"' in board
