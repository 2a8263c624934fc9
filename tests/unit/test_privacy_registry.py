"""The privacy registry names every table that holds personal data, found in the models' metadata:
a new table pointing to an account or a group, or with a column named like a name, an e-mail
address, a phone number or a contact, fails here until booking/privacy/registry.py lists it."""

from __future__ import annotations

import sqlalchemy as sa

from booking.extensions import db
from booking.privacy import registry
from booking.privacy.registry import REGISTRY, Erase, NoPersonalData, Personal
from booking.privacy.views import TABLES


def tables() -> list[sa.Table]:
    return list(db.Model.metadata.sorted_tables)


def test_every_table_with_personal_data_is_in_the_registry(app):
    missing = [t.name for t in tables() if registry.must_be_listed(t) and t.name not in REGISTRY]
    assert missing == [], (
        f"{missing} point to an account or a group, or name someone: list each in booking/privacy/registry.py "
        "as Personal (exported and erased like …) or NoPersonalData (because …)")


def test_the_registry_names_only_tables_that_exist(app):
    assert set(REGISTRY) <= {t.name for t in tables()}


def test_the_rule_finds_what_it_should(app):
    listed = {t.name for t in tables() if registry.must_be_listed(t)}
    assert {"user_account", "organisation", "booking", "login_session", "outbox_message", "resource"} <= listed
    assert "opening_hours" not in listed and "house_version" not in listed
    # A new table of walk-in guests with a phone column would have to be listed.
    guests = sa.Table("walk_in_guest", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True),
                      sa.Column("guest_phone", sa.String(40)))
    assert registry.must_be_listed(guests)


def test_a_table_pointing_to_accounts_says_how_they_are_erased(app):
    for table in tables():
        entry = REGISTRY.get(table.name)
        if registry.references(table, "user_account"):
            assert isinstance(entry, Personal), f"{table.name} points to accounts: it holds personal data"
            assert entry.erase in (Erase.DELETE, Erase.PLACEHOLDER), f"{table.name}: {entry.erase}"
        if isinstance(entry, Personal):
            assert set(entry.secret) <= {c.name for c in table.columns}, f"{table.name}: unknown secret columns"
            assert entry.what, table.name
            assert table.name in TABLES, f"the pages have no words for {table.name} (booking/privacy/views.py)"
        if isinstance(entry, NoPersonalData):
            assert entry.reason and not registry.references(table, "user_account"), table.name


def test_every_table_holding_personal_data_can_be_found_by_a_person_or_a_group(app):
    for table, entry in registry.personal_tables():
        person = registry.rows_of_person(table, entry, 1)
        group = registry.rows_of_organisation(table, entry, 1)
        assert person is not None or group is not None, f"{table.name}: no download would hold its rows"


def test_the_record_of_processing_names_every_table_holding_personal_data(app):
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "privacy.md").read_text(encoding="utf-8")
    unnamed = [t.name for t, _entry in registry.personal_tables() if f"`{t.name}`" not in doc]
    assert unnamed == [], f"docs/privacy.md does not say what {unnamed} keep, why, how long and who sees it"
