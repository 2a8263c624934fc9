"""The migrations build exactly the schema the models describe."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from booking.extensions import db


@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based index")
def test_models_and_migrations_agree(app):
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = [
            d for d in compare_metadata(context, db.metadata)
            # SQLite cannot reflect expression indexes such as lower(email).
            if not (d[0] in ("add_index", "remove_index") and d[1].name == "ix_user_account_email_lower")
        ]
    assert differences == []


def test_upgrading_a_house_with_bookings_keeps_them(tmp_path):
    """The migrations run on a database in use, not only on an empty one."""
    from flask_migrate import downgrade, upgrade

    from booking import create_app
    from tests.conftest import ON_POSTGRES, base_config

    if ON_POSTGRES:
        pytest.skip("the PostgreSQL test database is shared by the suite; SQLite shows the copy-and-drop case")
    app = create_app(base_config(tmp_path / "instance", f"sqlite:///{tmp_path / 'house.sqlite'}"))
    with app.app_context():
        upgrade(revision="0001")
        with db.engine.begin() as conn:
            conn.exec_driver_sql("INSERT INTO organisation (id, name, kind, contact_name, email, phone, active) "
                                 "VALUES (1, 'Chor', 'association', '', '', '', 1)")
            conn.exec_driver_sql("INSERT INTO user_account (id, email, name, password_hash, role, organisation_id,"
                                 " active) VALUES (1, 'chor@example.org', 'Chor', '', 'partner', 1, 1)")
            conn.exec_driver_sql("INSERT INTO resource (id, kind, name, description, location, capacity, quantity,"
                                 " active) VALUES (1, 'room', 'Saal', '', '', 80, 1, 1)")
            conn.exec_driver_sql(
                "INSERT INTO booking (id, resource_id, organisation_id, requested_by_id, title, units, note,"
                " starts_at, ends_at, status, decision_reason, created_at, updated_at) VALUES (1, 1, 1, 1,"
                " 'Probe', 1, '', '2027-01-12 16:00:00', '2027-01-12 18:00:00', 'approved', '',"
                " '2026-11-01 10:00:00', '2026-11-01 10:00:00')")
            conn.exec_driver_sql("INSERT INTO audit_event (id, at, actor_id, booking_id, to_status, reason)"
                                 " VALUES (1, '2026-11-01 10:00:00', 1, 1, 'approved', '')")
        upgrade()
        with db.engine.connect() as conn:
            row = conn.exec_driver_sql("SELECT busy_from, busy_until, exclusive FROM booking").one()
            assert row == ("2027-01-12 16:00:00", "2027-01-12 18:00:00", 1)
            assert conn.exec_driver_sql("SELECT count(*) FROM audit_event").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1  # checked again afterwards
        downgrade(revision="0001")
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT title FROM booking").scalar() == "Probe"
        db.engine.dispose()
