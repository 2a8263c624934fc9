"""Count the SQL statements a request sends."""

from contextlib import contextmanager

import sqlalchemy as sa

from booking.extensions import db


class Counter:
    count = 0


@contextmanager
def count_queries():
    counter = Counter()
    counter.statements = []

    def before(conn, cursor, statement, parameters, context, executemany):
        counter.count += 1
        counter.statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield counter
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", before)
