"""Time arithmetic inside a query, the same on PostgreSQL and SQLite (the month, the reports).

PostgreSQL stores `timestamptz` and knows the house's time zone; SQLite stores UTC text and
knows neither, so its house day is found from the offsets (UTC+1, UTC+2) in force during the
span asked for, which are worked out here in Python.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from .clock import HOUSE_TZ


def seconds_between(start, end, dialect: str):
    """SQL: the seconds from `start` to `end` (two timestamp columns)."""
    if dialect == "postgresql":
        return sa.cast(sa.func.extract("epoch", end - start), sa.Float)
    return (sa.func.julianday(end) - sa.func.julianday(start)) * 86400.0


def _offset_hours(instant: datetime) -> int:
    return int(instant.astimezone(HOUSE_TZ).utcoffset().total_seconds() // 3600)


def _changes(start: datetime, end: datetime) -> list[tuple[datetime, int]]:
    """[(from_instant, offset_hours), ...]: the house's UTC offset from each instant on, within
    [start, end); found by halving, to the hour (the clocks change on the hour in UTC)."""
    found = [(start, _offset_hours(start))]
    step = start
    while step < end:
        following = min(step + timedelta(days=7), end)
        if _offset_hours(following - timedelta(seconds=1)) != found[-1][1]:
            low, high = step, following  # the change lies in (low, high]
            while high - low > timedelta(hours=1):
                middle = low + (high - low) / 2
                middle = middle.replace(minute=0, second=0, microsecond=0)
                if middle <= low:
                    middle = low + timedelta(hours=1)
                if _offset_hours(middle) == found[-1][1]:
                    low = middle
                else:
                    high = middle
            found.append((high, _offset_hours(high)))
        step = following
    return found


def house_day(column, start: datetime, end: datetime, dialect: str):
    """SQL: the house's calendar day (as 'YYYY-MM-DD' text on SQLite, a date on PostgreSQL) of
    an instant column, for instants within [start, end)."""
    if dialect == "postgresql":
        return sa.cast(sa.func.timezone(str(HOUSE_TZ), column), sa.Date)
    changes = _changes(start, end)
    day = [(column < changes[i + 1][0], sa.func.date(column, f"+{hours} hours"))
           for i, (_, hours) in enumerate(changes[:-1])]
    last = sa.func.date(column, f"+{changes[-1][1]} hours")
    return sa.case(*day, else_=last) if day else last
