"""The garden season round: apply in the window, allocate after it, a waiting list, offers."""

from datetime import timedelta

import pytest

from booking.clock import today
from booking.extensions import db
from booking.garden.models import ApplicationStatus, GardenApplication, GardenSeason
from booking.models import Booking, ChangeRecord, ResourceKind, Role, Status
from tests.conftest import count_rows


def make_season(window_open: bool, offer_days: int = 7, name="Gartensaison") -> GardenSeason:
    day = today()
    if window_open:
        apply_from, apply_until = day - timedelta(days=3), day + timedelta(days=10)
    else:
        apply_from, apply_until = day - timedelta(days=20), day - timedelta(days=1)
    season = GardenSeason(name=name, starts_on=day + timedelta(days=30), ends_on=day + timedelta(days=200),
                          apply_from=apply_from, apply_until=apply_until, offer_days=offer_days)
    db.session.add(season)
    db.session.commit()
    return season


def application(season, organisation, member, wish=None, minutes=0, status=ApplicationStatus.WAITING):
    from booking.clock import now
    a = GardenApplication(season=season, organisation=organisation, applied_by=member, wish=wish,
                          created_at=now() - timedelta(hours=5) + timedelta(minutes=minutes), status=status)
    db.session.add(a)
    db.session.commit()
    return a


@pytest.fixture
def plots(make):
    return [make.resource("Beet 1", kind=ResourceKind.PLOT), make.resource("Beet 2", kind=ResourceKind.PLOT)]


@pytest.fixture
def manager(make):
    return make.user(Role.MANAGER, name="Maria Manager")


def test_manager_opens_a_season_and_bad_dates_are_refused(client, auth, manager):
    auth.login(manager)
    day = today()
    data = {"name": "Saison 2027", "starts_on": (day + timedelta(days=60)).isoformat(),
            "ends_on": (day + timedelta(days=250)).isoformat(), "apply_from": day.isoformat(),
            "apply_until": (day + timedelta(days=14)).isoformat(), "offer_days": "7"}
    for bad in ({"ends_on": day.isoformat()}, {"apply_until": (day - timedelta(days=1)).isoformat()},
                {"starts_on": "31.02.2027"}, {"offer_days": "0"},
                {"ends_on": (day + timedelta(days=60 + 400)).isoformat()}):
        response = client.post("/garden/seasons/new", data={**data, **bad})
        assert response.status_code == 422, bad
        assert "Saison 2027" in response.get_data(as_text=True)
    assert count_rows(GardenSeason) == 0
    response = client.post("/garden/seasons/new", data=data)
    assert response.status_code == 303
    assert count_rows(GardenSeason) == 1
    assert count_rows(ChangeRecord, ChangeRecord.subject == "garden_season") == 1


def test_group_applies_once_in_the_window(client, auth, make, plots):
    season = make_season(window_open=True)
    group = make.organisation("Gartenfreunde")
    member = make.user(Role.PARTNER, group)
    auth.login(member)
    page = client.get(f"/garden/seasons/{season.id}").get_data(as_text=True)
    assert "Beet 1" in page and 'name="note"' in page
    response = client.post(f"/garden/seasons/{season.id}/apply", data={"wish": str(plots[0].id), "note": "Tomaten"})
    assert response.status_code == 303
    assert count_rows(GardenApplication) == 1
    assert count_rows(ChangeRecord, ChangeRecord.subject == "garden_application") == 1
    page = client.get(f"/garden/seasons/{season.id}").get_data(as_text=True)
    assert "Tomaten" in page
    # Twice: 409 with a message, nothing written.
    again = client.post(f"/garden/seasons/{season.id}/apply", data={"wish": "", "note": "Nochmal"})
    assert again.status_code == 409
    assert "already applied" in again.get_data(as_text=True) or "bereits beworben" in again.get_data(as_text=True)
    assert count_rows(GardenApplication) == 1


def test_applying_outside_the_window_or_with_bad_input_is_refused(client, auth, make, plots):
    closed = make_season(window_open=False)
    member = make.user(Role.PARTNER, make.organisation("Chor"))
    auth.login(member)
    response = client.post(f"/garden/seasons/{closed.id}/apply", data={"wish": "", "note": "Bitte"})
    assert response.status_code == 409
    open_season = make_season(window_open=True, name="Offen")
    assert client.post(f"/garden/seasons/{open_season.id}/apply", data={"wish": "9999"}).status_code == 422
    assert client.post(f"/garden/seasons/{open_season.id}/apply", data={"note": "x" * 501}).status_code == 422
    assert client.post("/garden/seasons/4242/apply", data={}).status_code == 404
    assert count_rows(GardenApplication) == 0


def test_manager_allocates_after_the_window_creating_the_approved_booking(client, auth, make, manager, plots):
    season = make_season(window_open=False)
    early = application(season, make.organisation("Früh"), None or make.user(Role.PARTNER, make.organisation("F")),
                        minutes=0)
    auth.login(manager)
    page = client.get(f"/garden/seasons/{season.id}").get_data(as_text=True)
    assert f"/garden/applications/{early.id}/allocate" in page
    response = client.post(f"/garden/applications/{early.id}/allocate", data={"plot": str(plots[0].id)})
    assert response.status_code == 303
    booking = db.session.scalars(db.select(Booking).where(Booking.resource_id == plots[0].id)).one()
    assert booking.status == Status.APPROVED and booking.organisation_id == early.organisation_id
    db.session.expire_all()
    assert early.status == ApplicationStatus.ALLOCATED and early.booking_id == booking.id
    # The same application again: 409, nothing written.
    again = client.post(f"/garden/applications/{early.id}/allocate", data={"plot": str(plots[1].id)})
    assert again.status_code == 409
    assert count_rows(Booking) == 1


def test_allocating_a_plot_twice_is_409_and_writes_nothing(client, auth, make, manager, plots):
    season = make_season(window_open=False)
    first = application(season, make.organisation("A"), make.user(Role.PARTNER, make.organisation("A1")))
    second = application(season, make.organisation("B"), make.user(Role.PARTNER, make.organisation("B1")),
                         minutes=5)
    auth.login(manager)
    assert client.post(f"/garden/applications/{first.id}/allocate", data={"plot": str(plots[0].id)}).status_code == 303
    response = client.post(f"/garden/applications/{second.id}/allocate", data={"plot": str(plots[0].id)})
    assert response.status_code == 409
    assert "Beet 1" in response.get_data(as_text=True)
    assert count_rows(Booking) == 1
    db.session.expire_all()
    assert second.status == ApplicationStatus.WAITING


def test_allocating_before_the_window_closes_or_without_a_plot_is_refused(client, auth, make, manager, plots):
    season = make_season(window_open=True)
    a = application(season, make.organisation("A"), make.user(Role.PARTNER, make.organisation("A1")))
    auth.login(manager)
    assert client.post(f"/garden/applications/{a.id}/allocate", data={"plot": str(plots[0].id)}).status_code == 409
    assert client.post(f"/garden/applications/{a.id}/allocate", data={"plot": ""}).status_code == 422
    room = make.resource("Saal")
    closed = make_season(window_open=False, name="Zu")
    b = application(closed, make.organisation("B"), make.user(Role.PARTNER, make.organisation("B1")))
    assert client.post(f"/garden/applications/{b.id}/allocate", data={"plot": str(room.id)}).status_code == 422
    assert count_rows(Booking) == 0


def test_plot_given_back_is_offered_to_the_first_waiting_and_accepted(client, auth, make, manager, plots):
    season = make_season(window_open=False, offer_days=5)
    holder_group = make.organisation("Halter")
    holder = make.user(Role.PARTNER, holder_group)
    held = application(season, holder_group, holder)
    first_group, second_group = make.organisation("Erste"), make.organisation("Zweite")
    first_member, second_member = make.user(Role.PARTNER, first_group), make.user(Role.PARTNER, second_group)
    first = application(season, first_group, first_member, minutes=1)
    second = application(season, second_group, second_member, minutes=2)
    auth.login(manager)
    client.post(f"/garden/applications/{held.id}/allocate", data={"plot": str(plots[0].id)})
    auth.login(first_member)
    page = client.get(f"/garden/seasons/{season.id}").get_data(as_text=True)
    assert "number 1" in page or "Nummer 1" in page or "Platz 1" in page
    # Another group cannot give back, accept or decline someone else's application: 404.
    assert client.post(f"/garden/applications/{held.id}/give-back").status_code == 404
    auth.login(holder)
    assert client.post(f"/garden/applications/{held.id}/give-back").status_code == 303
    db.session.expire_all()
    assert held.status == ApplicationStatus.GIVEN_BACK and held.booking.status == Status.CANCELLED
    assert first.status == ApplicationStatus.OFFERED and first.plot_id == plots[0].id
    assert second.status == ApplicationStatus.WAITING
    auth.login(second_member)
    assert client.post(f"/garden/applications/{first.id}/accept").status_code == 404
    assert client.post(f"/garden/applications/{second.id}/accept").status_code == 409  # nothing offered
    auth.login(first_member)
    assert "Beet 1" in client.get(f"/garden/seasons/{season.id}").get_data(as_text=True)
    assert client.post(f"/garden/applications/{first.id}/accept").status_code == 303
    db.session.expire_all()
    assert first.status == ApplicationStatus.ALLOCATED
    assert count_rows(Booking, Booking.status == Status.APPROVED, Booking.organisation_id == first_group.id) == 1


def test_declined_or_lapsed_offer_goes_to_the_next(client, auth, make, plots):
    from booking.clock import now
    from booking.garden import domain
    season = make_season(window_open=False, offer_days=3)
    members = [make.user(Role.PARTNER, make.organisation(f"G{i}")) for i in range(3)]
    apps = [application(season, m.organisation, m, minutes=i) for i, m in enumerate(members)]
    domain.offer_next(db.session, season, plots[1], now())
    db.session.commit()
    assert apps[0].status == ApplicationStatus.OFFERED
    auth.login(members[0])
    assert client.post(f"/garden/applications/{apps[0].id}/decline").status_code == 303
    db.session.expire_all()
    assert apps[0].status == ApplicationStatus.DECLINED and apps[1].status == ApplicationStatus.OFFERED
    # The offer runs out: the next step on the season moves it on, and accepting late is refused.
    apps[1].offer_until = now() - timedelta(minutes=1)
    db.session.commit()
    auth.login(members[1])
    assert client.post(f"/garden/applications/{apps[1].id}/accept").status_code == 409
    db.session.expire_all()
    assert apps[1].status == ApplicationStatus.OFFERED  # the refusal wrote nothing
    from click.testing import CliRunner  # noqa: F401
    result = client.application.test_cli_runner().invoke(args=["garden", "move-on"])
    assert result.exit_code == 0 and result.output.strip() == "1"
    db.session.expire_all()
    assert apps[1].status == ApplicationStatus.LAPSED and apps[2].status == ApplicationStatus.OFFERED


def test_who_may_do_what(client, auth, make, manager, plots):
    season = make_season(window_open=True)
    member = make.user(Role.PARTNER, make.organisation("A"))
    a = application(season, member.organisation, member)
    auth.login(make.user(Role.DESK))
    assert client.get("/garden/").status_code == 403
    auth.login(member)
    assert client.get("/garden/seasons/new").status_code == 403
    assert client.post(f"/garden/applications/{a.id}/allocate", data={"plot": str(plots[0].id)}).status_code == 403
    auth.login(manager)
    assert client.post(f"/garden/seasons/{season.id}/apply", data={}).status_code == 403
    assert client.post(f"/garden/applications/{a.id}/accept").status_code == 403
    assert client.get("/garden/").status_code == 200
