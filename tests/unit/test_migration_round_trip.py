"""Every migration can be undone and done again without losing a constraint.

A house that goes back one version (or all the way) and up again must end with exactly the
schema a fresh install has: every index (expression indexes such as lower(email) too),
every constraint, every column. The walk covers whatever migrations exist, from the first
to the newest, on a database seeded with the demo data, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from flask import current_app
from flask_migrate import downgrade, upgrade
from sqlalchemy.exc import IntegrityError

from booking import create_app, demo
from booking.extensions import db
from tests.conftest import ON_POSTGRES, POSTGRES_URL, base_config, create_app_url


@contextmanager
def scratch_database(tmp_path, label: str) -> Iterator[str]:
    """An empty database of its own: a new SQLite file, or a new PostgreSQL database."""
    if not ON_POSTGRES:
        yield f"sqlite:///{tmp_path / f'{label}.sqlite'}"
        return
    url = sa.engine.make_url(create_app_url(POSTGRES_URL))
    name = f"{url.database}_{label}_{uuid.uuid4().hex[:8]}"
    server = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with server.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        server.dispose()


@contextmanager
def house(tmp_path, url: str):
    """The app on that database, inside its app context."""
    instance = tmp_path / f"instance-{uuid.uuid4().hex[:8]}"
    app = create_app(base_config(instance, url))
    with app.app_context():
        try:
            yield app
        finally:
            db.session.remove()
            db.engine.dispose()


def revisions() -> list[str]:
    """Every revision from the first to the newest, following the chain."""
    config = current_app.extensions["migrate"].migrate.get_config()
    return [script.revision for script in reversed(list(ScriptDirectory.from_config(config).walk_revisions()))]


def squash(sql: str | None) -> str:
    """SQL text with its spacing and identifier quotes evened out."""
    return re.sub(r"\s+", " ", (sql or "").replace('"', "")).replace("( ", "(").replace(" )", ")").strip()


def checks_in(table_sql: str) -> list[str]:
    """Every CHECK (...) in a CREATE TABLE statement, named or not (SQLite keeps them only there)."""
    found = []
    for match in re.finditer(r"(?:CONSTRAINT\s+(\S+)\s+)?CHECK\s*\(", table_sql, re.I):
        depth, end = 1, match.end()
        while depth:
            depth += {"(": 1, ")": -1}.get(table_sql[end], 0)
            end += 1
        found.append(squash(f"{match.group(1) or ''} {table_sql[match.end() - 1:end]}"))
    return sorted(found)


def schema() -> dict:
    """Tables with their columns, indexes, constraints and row counts, as the database has them."""
    engine = db.engine
    inspector = sa.inspect(engine)
    tables = sorted(inspector.get_table_names())
    with engine.connect() as conn:
        result = {}
        for table in tables:
            columns = [
                (c["name"], str(c["type"]), c["nullable"], squash(str(c.get("default"))))
                for c in inspector.get_columns(table)
            ]
            if engine.dialect.name == "sqlite":
                indexes = sorted(
                    (name, squash(sql)) for name, sql in conn.exec_driver_sql(
                        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ?", (table,))
                )
                table_sql = conn.exec_driver_sql(
                    "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)).scalar()
                constraints = sorted(
                    [("check", c) for c in checks_in(table_sql)]
                    + [("foreign key", repr(sorted(fk.items()))) for fk in inspector.get_foreign_keys(table)]
                    + [("unique", repr(u["column_names"])) for u in inspector.get_unique_constraints(table)]
                    + [("primary key", repr(inspector.get_pk_constraint(table)["constrained_columns"]))]
                )
            else:
                indexes = sorted(conn.execute(sa.text(
                    "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
                    "AND tablename = :t"), {"t": table}).all())
                constraints = sorted(conn.execute(sa.text(
                    "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                    "WHERE conrelid = CAST(:t AS regclass)"), {"t": table}).all())
            rows = conn.scalar(sa.select(sa.func.count()).select_from(sa.table(table)))
            result[table] = {
                "columns": sorted(columns),
                "indexes": [tuple(i) for i in indexes],
                "constraints": [tuple(c) for c in constraints],
                "rows": rows,
            }
    return result


def without_rows(snapshot: dict) -> dict:
    return {table: {k: v for k, v in parts.items() if k != "rows"} for table, parts in snapshot.items()}


def seed() -> None:
    demo.seed(db.session, password_method=current_app.config["PASSWORD_HASH_METHOD"])
    db.session.commit()
    db.session.remove()


def assert_same(found: dict, expected: dict, where: str) -> None:
    assert set(found) == set(expected), f"{where}: other tables"
    for table in expected:
        for part in ("columns", "indexes", "constraints"):
            assert found[table][part] == expected[table][part], f"{where}: {table} has other {part}"


def assert_emails_unique_whatever_their_case() -> None:
    insert = sa.text(
        "INSERT INTO user_account (email, name, password_hash, role, active) "
        "VALUES (:email, 'Maria', '', 'manager', :yes)"
    )
    with db.engine.connect() as conn:
        conn.execute(insert, {"email": "case@example.org", "yes": True})
        with pytest.raises(IntegrityError):
            conn.execute(insert, {"email": "CASE@example.org", "yes": True})
        conn.rollback()


@pytest.fixture
def fresh(tmp_path) -> dict:
    """The schema (and the rows the migrations insert) of a fresh `upgrade head`."""
    with scratch_database(tmp_path, "fresh") as url, house(tmp_path, url):
        upgrade()
        return schema()


@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
def test_base_head_base_head_on_a_seeded_house_ends_as_a_fresh_install(tmp_path, fresh):
    with scratch_database(tmp_path, "round") as url, house(tmp_path, url):
        upgrade()
        seed()
        seeded = schema()
        assert seeded["booking"]["rows"] > 0 and seeded["user_account"]["rows"] > 0
        assert_same(seeded, fresh, "seeded")

        downgrade(revision="base")
        assert set(schema()) <= {"alembic_version"}, "tables left behind at base"
        upgrade()
        assert_same(schema(), fresh, "after base and head again")
        downgrade(revision="base")
        upgrade()

        again = schema()
        assert again == fresh  # the same indexes, constraints, columns and row counts
        assert_emails_unique_whatever_their_case()


@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
def test_each_step_down_and_up_again_keeps_every_index_constraint_and_row(tmp_path, fresh):
    """From a seeded house at the newest version, undo one migration after another; after
    each, go back up to the newest: the schema is a fresh install's, and every table the
    undone steps did not create keeps all its rows."""
    with scratch_database(tmp_path, "steps") as url, house(tmp_path, url):
        chain = revisions()
        upgrade()
        seed()
        for depth in range(1, len(chain) + 1):
            seeded = schema()
            target = chain[-depth - 1] if depth < len(chain) else "base"
            downgrade(revision=target)
            kept = {table: parts["rows"] for table, parts in schema().items()}
            upgrade()
            where = f"down to {target} and up again"
            after = schema()
            assert_same(after, fresh, where)
            for table, rows in kept.items():
                if table != "alembic_version":
                    assert after[table]["rows"] == rows == seeded[table]["rows"], f"{where}: rows of {table}"
            assert_emails_unique_whatever_their_case()
            db.session.remove()
            with db.engine.begin() as conn:  # the test's own account goes again
                conn.execute(sa.text("DELETE FROM user_account WHERE lower(email) = 'case@example.org'"))
