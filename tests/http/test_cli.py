"""The operator's commands: `flask users create` and `flask demo seed`."""

from datetime import time, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from booking import demo
from booking.availability import check_booking, house_hours
from booking.rules import ask_for, hours_reasons
from booking.clock import local, now, today
from booking.extensions import db
from booking.models import (
    AuditEvent,
    Booking,
    Closure,
    Organisation,
    Resource,
    ResourceKind,
    Role,
    Status,
    User,
)
from tests.conftest import ON_POSTGRES, count_rows

GOOD_PASSWORD = "lang-genug-123"

# The house's opening hours by weekday (0 = Monday); closed on Sunday.


def create(runner, *args, input=None):
    return runner.invoke(args=["users", "create", *args], input=input)


def seed(runner, *args):
    result = runner.invoke(args=["demo", "seed", *args])
    assert result.exit_code == 0, result.output
    return result


def user(email: str) -> User:
    return db.session.scalar(sa.select(User).where(User.email == email))


# --- users create -------------------------------------------------------------------


def test_create_admin_who_can_then_log_in(runner, client):
    result = create(
        runner, "--email", " Chefin@Example.ORG ", "--name", "Petra Lorenz", "--role", "admin",
        "--password", GOOD_PASSWORD,
    )
    assert result.exit_code == 0, result.output
    assert "chefin@example.org" in result.output
    created = user("chefin@example.org")
    assert created.role == Role.ADMIN and created.name == "Petra Lorenz"
    assert created.organisation is None
    assert created.password_hash.startswith("pbkdf2:sha256:1000")  # the configured method
    response = client.post("/login", data={"email": "CHEFIN@example.org", "password": GOOD_PASSWORD})
    assert response.status_code == 302


def test_create_asks_for_the_password_twice_without_echoing_it(runner, client):
    result = create(
        runner, "--email", "desk@haus.example.org", "--name", "Jan Weber", "--role", "desk",
        input=f"{GOOD_PASSWORD}\n{GOOD_PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert "Repeat for confirmation" in result.output
    assert GOOD_PASSWORD not in result.output
    response = client.post("/login", data={"email": "desk@haus.example.org", "password": GOOD_PASSWORD})
    assert response.status_code == 302


def test_create_refuses_when_the_two_typed_passwords_differ(runner):
    result = create(
        runner, "--email", "desk@haus.example.org", "--name", "Jan Weber", "--role", "desk",
        input=f"{GOOD_PASSWORD}\nanders-getippt-1\n",
    )
    assert result.exit_code != 0
    assert "do not match" in result.output
    assert count_rows(User) == 0


def test_create_partner_of_an_existing_organisation(runner, make):
    org = make.organisation("Deutsch für alle e.V.")
    result = create(
        runner, "--email", "kurs@example.org", "--name", "Claudia Neumann", "--role", "partner",
        "--organisation", "Deutsch für alle e.V.", "--password", GOOD_PASSWORD,
    )
    assert result.exit_code == 0, result.output
    assert user("kurs@example.org").organisation_id == org.id


def test_duplicate_email_in_another_case_is_refused_and_nothing_written(runner, make):
    make.user(Role.MANAGER, email="anna@example.org")
    result = create(
        runner, "--email", "ANNA@Example.org", "--name", "Anna Zwei", "--role", "desk",
        "--password", GOOD_PASSWORD,
    )
    assert result.exit_code != 0
    assert "already exists" in result.output
    assert count_rows(User) == 1


def test_short_password_is_refused(runner):
    result = create(
        runner, "--email", "neu@example.org", "--name", "Neu", "--role", "admin", "--password", "kurz12345",
    )
    assert result.exit_code != 0
    assert "at least 10 characters" in result.output
    assert count_rows(User) == 0


def test_a_common_password_is_refused_as_in_the_browser(runner):
    result = create(
        runner, "--email", "neu@example.org", "--name", "Neu", "--role", "admin", "--password", "password123",
    )
    assert result.exit_code != 0
    assert "most common" in result.output
    assert count_rows(User) == 0


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ([], "needs --organisation"),
        (["--organisation", "Gibt es nicht e.V."], "no organisation called"),
    ],
)
def test_partner_needs_an_existing_organisation(runner, make, extra, message):
    make.organisation("Frauencafé Plauen")
    result = create(
        runner, "--email", "p@example.org", "--name", "Pia", "--role", "partner",
        "--password", GOOD_PASSWORD, *extra,
    )
    assert result.exit_code != 0
    assert message in result.output
    assert count_rows(User) == 0


def test_staff_accounts_take_no_organisation(runner, make):
    make.organisation("Frauencafé Plauen")
    result = create(
        runner, "--email", "m@example.org", "--name", "Max", "--role", "manager",
        "--organisation", "Frauencafé Plauen", "--password", GOOD_PASSWORD,
    )
    assert result.exit_code != 0
    assert "only for partner accounts" in result.output
    assert count_rows(User) == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--email", "kein-at-zeichen", "--name", "X", "--role", "desk"], "--email"),
        (["--email", "x@example.org", "--name", "X", "--role", "chef"], "--role"),
        (["--email", "x@example.org", "--name", "   ", "--role", "desk"], "--name"),
    ],
)
def test_bad_options_are_refused(runner, args, message):
    result = create(runner, *args, "--password", GOOD_PASSWORD)
    assert result.exit_code == 2
    assert message in result.output
    assert count_rows(User) == 0


# --- demo seed ----------------------------------------------------------------------


def test_seed_creates_the_house_its_groups_and_accounts(runner):
    result = seed(runner)
    assert "treffpunkt-demo" in result.output

    resources = {r.name: r for r in db.session.scalars(sa.select(Resource))}
    rooms = {"Begegnungscafé": 40, "Saal": 80, "Seminarraum 1": 20, "Seminarraum 2": 12,
             "Lehrküche": 10, "Werkstatt": 8, "Musikraum": 15}
    for name, capacity in rooms.items():
        assert resources[name].kind == ResourceKind.ROOM
        assert resources[name].capacity == capacity
        assert resources[name].location and resources[name].description
    for n in range(1, 13):
        assert resources[f"Beet {n}"].kind == ResourceKind.PLOT
        assert resources[f"Beet {n}"].location == "Gemeinschaftsgarten"
    equipment = {"Beamer": 2, "Musikanlage": 1, "Bierzeltgarnitur": 10, "Moderationskoffer": 2, "Nähmaschine": 4}
    for name, quantity in equipment.items():
        assert resources[name].kind == ResourceKind.EQUIPMENT
        assert resources[name].quantity == quantity

    organisations = db.session.scalars(sa.select(Organisation)).all()
    assert len(organisations) >= 6
    assert len({o.kind for o in organisations}) >= 6
    for org in organisations:
        assert org.contact_name and org.phone and org.email.endswith("example.org")

    roles = {"admin@example.org": Role.ADMIN, "manager@example.org": Role.MANAGER,
             "desk@example.org": Role.DESK, "partner@example.org": Role.PARTNER,
             "partner2@example.org": Role.PARTNER}
    for email, role in roles.items():
        account = user(email)
        assert account.role == role
        assert account.language is None
        assert account.check_password("treffpunkt-demo")
    partner, partner2 = user("partner@example.org"), user("partner2@example.org")
    assert partner.organisation.name == "Deutsch für alle e.V."
    assert partner2.organisation is not None
    assert partner2.organisation_id != partner.organisation_id


def test_demo_partner_logs_in_with_the_demo_password(runner, client):
    seed(runner)
    response = client.post("/login", data={"email": "partner@example.org", "password": "treffpunkt-demo"})
    assert response.status_code == 302


def test_seeding_twice_adds_nothing(runner):
    seed(runner)
    models = (Resource, Organisation, User, Booking, AuditEvent)
    before = {m: count_rows(m) for m in models}
    assert before[Booking] > 0
    result = seed(runner)
    assert {m: count_rows(m) for m in models} == before
    assert "nothing added" in result.output


def test_first_run_seeds_an_empty_database(runner):
    seed(runner, "--first-run")
    assert count_rows(User) > 0 and count_rows(Booking) > 0


def test_first_run_leaves_a_database_with_accounts_alone(runner, make):
    make.user(Role.ADMIN, email="chefin@example.org")
    result = seed(runner, "--first-run")
    assert "left the data alone" in result.output
    assert count_rows(User) == 1
    assert count_rows(Resource) == 0
    assert count_rows(Booking) == 0


# Units held by approved bookings at the start of each approved booking, where more than
# the resource has (rooms and plots have one): the busiest instant is always some start.
OVERBOOKED = sa.text(
    """
    SELECT r.name, a.starts_at, SUM(b.units) AS held
    FROM booking a
    JOIN booking b ON b.resource_id = a.resource_id
        AND b.starts_at <= a.starts_at AND b.ends_at > a.starts_at
    JOIN resource r ON r.id = a.resource_id
    WHERE a.status = 'approved' AND b.status = 'approved'
    GROUP BY a.id, r.name, a.starts_at, r.quantity
    HAVING SUM(b.units) > r.quantity
    """
)


def test_seeded_approved_bookings_never_overlap(runner, make):
    seed(runner)
    with db.engine.connect() as conn:
        assert conn.execute(OVERBOOKED).all() == []

    # The same query does find a double booking once there is one.
    cafe = db.session.scalar(sa.select(Resource).where(Resource.name == "Begegnungscafé"))
    frauencafe = db.session.scalar(
        sa.select(Booking).where(Booking.title == "Frauencafé", Booking.status == Status.APPROVED)
    )
    day = local(frauencafe.starts_at).date()
    if ON_POSTGRES:  # PostgreSQL itself refuses the double booking (exclusion constraint)
        with pytest.raises(IntegrityError, match="booking_approved_no_overlap"):
            make.booking(cafe, day=day, start="11:00", end="13:00", status=Status.APPROVED)
        db.session.rollback()
        return
    make.booking(cafe, day=day, start="11:00", end="13:00", status=Status.APPROVED)
    with db.engine.connect() as conn:
        assert [row.name for row in conn.execute(OVERBOOKED)] == ["Begegnungscafé"]


def test_seeded_bookings_lie_in_the_fortnight_and_the_opening_hours(runner):
    seed(runner)
    first, last = today() - timedelta(days=7), today() + timedelta(days=7)
    hours = house_hours(db.session)
    for b in db.session.scalars(sa.select(Booking)):
        start, end = local(b.starts_at), local(b.ends_at)
        if b.resource.whole_days:  # a garden plot for the coming season
            assert (start.month, start.day, end.month, end.day) == (3, 1, 11, 1), b
            assert start.time() == end.time() == time(0), b
            continue
        assert first <= start.date() <= last, b
        assert start.date() == end.date(), b
        assert hours_reasons(ask_for(b), hours) == [], b


def test_seeded_house_has_buffers_a_bundle_and_closures(runner):
    seed(runner)
    kitchen = db.session.scalar(sa.select(Resource).where(Resource.name == "Lehrküche"))
    assert kitchen.cleanup_minutes == 30
    bundles = db.session.scalars(sa.select(Booking).where(Booking.bundle_of_id.is_not(None))).all()
    assert [(b.resource.name, b.bundle_of.resource.name) for b in bundles] == [("Beamer", "Saal")]
    reasons = {c.reason for c in db.session.scalars(sa.select(Closure))}
    assert reasons == {"Weihnachtspause", "Das Klavier wird gestimmt"}


def test_seeded_history_is_audited_and_decided_by_the_manager(runner):
    seed(runner)
    manager = user("manager@example.org")
    bookings = db.session.scalars(sa.select(Booking)).all()
    statuses = {b.status for b in bookings}
    assert statuses == {Status.APPROVED, Status.PENDING, Status.CANCELLED, Status.REJECTED}
    for b in bookings:
        assert b.requested_by.role == Role.PARTNER
        assert b.requested_by.organisation_id == b.organisation_id
        events = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.booking_id == b.id).order_by(AuditEvent.at)
        ).all()
        assert (events[0].from_status, events[0].to_status) == (None, Status.PENDING)
        assert events[0].actor_id == b.requested_by_id
        for before, after in zip(events, events[1:]):
            assert after.from_status == before.to_status
        assert events[-1].to_status == b.status
        assert all(e.at <= now() for e in events)
        if b.status == Status.PENDING:
            assert b.decided_by_id is None and len(events) == 1
        else:
            assert b.decided_by_id == manager.id
            assert b.decided_at is not None and b.decided_at <= now()
    # Everything already over was approved or called off, never left waiting.
    past = [b for b in bookings if b.ends_at <= now()]
    assert past and all(b.status in (Status.APPROVED, Status.CANCELLED) for b in past)
    assert any(b.status == Status.CANCELLED for b in past)


def test_seeded_queue_has_future_requests_with_clashes_to_decide(runner):
    seed(runner)
    pending = db.session.scalars(sa.select(Booking).where(Booking.status == Status.PENDING)).all()
    assert len(pending) >= 3
    assert all(b.starts_at > now() for b in pending)
    reports = {b.id: check_booking(db.session, b, now()) for b in pending}
    # Two requests that want the same room at the same time ...
    competing = [b for b in pending if b.resource.kind == ResourceKind.ROOM and reports[b.id].pending]
    assert len({b.organisation_id for b in competing}) >= 2
    # ... and one that an approved booking already stands in the way of.
    assert any(any(r.code == "taken" for r in reports[b.id].reasons)
               for b in pending if b.resource.kind == ResourceKind.ROOM)
    # Some can be approved as they are.
    assert any(r.free for r in reports.values())


def test_seeded_regular_groups_are_series(runner, client):
    from booking.models import Series

    assert runner.invoke(args=["demo", "seed"]).exit_code == 0
    assert runner.invoke(args=["demo", "seed"]).exit_code == 0  # and seeding again adds no series
    assert count_rows(Series) == len(demo.WEEKLY)
    course = db.session.scalars(sa.select(Booking).where(
        Booking.title == "Deutschkurs A2",
        Booking.resource_id == sa.select(Resource.id).where(Resource.name == "Seminarraum 1").scalar_subquery())).all()
    assert course and {b.series_id for b in course} == {course[0].series_id} != {None}
    client.post("/login", data={"email": "partner@example.org", "password": "treffpunkt-demo"})
    mine = client.get("/requests/")
    assert mine.status_code == 200 and "Deutschkurs A2" in mine.text
    assert f"/requests/series/{course[0].series_id}" in mine.text
