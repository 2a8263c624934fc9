"""Wall-clock time in the house (Europe/Berlin) and UTC instants in the database.

People type and read local times; the database stores UTC instants. A local time
that does not exist (the hour skipped in March) or happens twice (the hour repeated
in October) is refused, never shifted silently.
"""

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

HOUSE_TZ = ZoneInfo("Europe/Berlin")


class LocalTimeError(ValueError):
    """A wall-clock time that cannot name exactly one instant."""

    def __init__(self, kind: str, when: datetime):
        super().__init__(f"{kind} local time {when:%Y-%m-%d %H:%M}")
        self.kind = kind  # "nonexistent" or "ambiguous"
        self.when = when


def now() -> datetime:
    """The current instant, timezone-aware in UTC."""
    return datetime.now(timezone.utc)


def today() -> date:
    """Today's date in the house."""
    return now().astimezone(HOUSE_TZ).date()


def to_utc(day: date, at: time) -> datetime:
    """Turn a local date and time into a UTC instant, refusing gaps and overlaps."""
    naive = datetime.combine(day, at)
    first = naive.replace(tzinfo=HOUSE_TZ, fold=0)
    second = naive.replace(tzinfo=HOUSE_TZ, fold=1)
    if first.utcoffset() != second.utcoffset():
        # fold=0 and fold=1 disagree: either the time was skipped or it repeats.
        round_trip = first.astimezone(timezone.utc).astimezone(HOUSE_TZ)
        kind = "nonexistent" if round_trip.replace(tzinfo=None) != naive else "ambiguous"
        raise LocalTimeError(kind, naive)
    return first.astimezone(timezone.utc)


def local(instant: datetime) -> datetime:
    """A stored UTC instant as house wall-clock time."""
    return instant.astimezone(HOUSE_TZ)


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The UTC instants of local midnight at the start and end of a day (23, 24 or 25 hours)."""
    start = datetime.combine(day, time()).replace(tzinfo=HOUSE_TZ)
    end = datetime.combine(day + timedelta(days=1), time()).replace(tzinfo=HOUSE_TZ)
    return start.astimezone(timezone.utc), end.astimezone(timezone.utc)
