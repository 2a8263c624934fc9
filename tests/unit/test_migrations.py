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
