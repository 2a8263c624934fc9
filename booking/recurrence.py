"""Series: the dates a repeating request stands for, and which of them the house can give.

Plain functions over plain data. A pattern is weekly on chosen weekdays (every n weeks) or
monthly on the n-th (or last) weekday, until a date or for a count. Each date keeps its local
wall-clock time, so 17:00 stays 17:00 in Plauen across the clock changes. Saxony's public
holidays are skipped with their name; so are dates the house or the resource is closed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import holidays
from dateutil.rrule import MONTHLY, WEEKLY, rrule, weekday

from .clock import LocalTimeError, to_utc
from .lazytext import lazy_gettext as _l

# A series covers at most this many dates, and at most this long a stretch.
MAX_DATES = 250
MAX_SPAN = timedelta(days=2 * 366)
LAST = -1  # "the last Friday of the month"


class PatternError(ValueError):
    """A pattern the house cannot take; `message` is for the user, `field` the form field."""

    def __init__(self, field: str, message):
        super().__init__(str(message))
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Pattern:
    """How a request repeats: weekly (every `every` weeks) on `weekdays`, or monthly on the
    `ordinal`-th `weekdays[0]` (ordinal 1-4, or LAST); from `first_day` until `until` or `count`
    dates, always from `start` to `end` local time."""

    first_day: date
    start: time
    end: time
    weekdays: tuple[int, ...]  # 0 = Monday
    every: int = 1
    ordinal: int | None = None  # set: monthly
    until: date | None = None
    count: int | None = None

    @property
    def monthly(self) -> bool:
        return self.ordinal is not None


def dates(pattern: Pattern) -> list[date]:
    """Every date of the pattern, in order; refused when it is endless, too long or too many."""
    if not pattern.weekdays:
        raise PatternError("weekdays", _l("Please choose at least one weekday."))
    if pattern.until is None and pattern.count is None:
        raise PatternError("until", _l("Please give a last date or a number of dates."))
    if pattern.until is not None and pattern.until < pattern.first_day:
        raise PatternError("until", _l("The last date cannot be before the first."))
    if pattern.count is not None and not 1 <= pattern.count <= MAX_DATES:
        raise PatternError("count", _l("A series has at most %(n)s dates.", n=MAX_DATES))
    limit = pattern.first_day + MAX_SPAN
    if pattern.until is not None and pattern.until > limit:
        raise PatternError("until", _l("A series runs for two years at most."))
    if pattern.monthly:
        byweekday = [weekday(pattern.weekdays[0])(pattern.ordinal)]
        rule = rrule(MONTHLY, dtstart=pattern.first_day, byweekday=byweekday,
                     until=pattern.until or limit)
    else:
        rule = rrule(WEEKLY, interval=pattern.every, dtstart=pattern.first_day,
                     byweekday=sorted(set(pattern.weekdays)), until=pattern.until or limit)
    found: list[date] = []
    for moment in rule:
        found.append(moment.date())
        if pattern.count is not None and len(found) == pattern.count:
            break
        if len(found) > MAX_DATES:
            raise PatternError("until", _l("A series has at most %(n)s dates.", n=MAX_DATES))
    if pattern.count is not None and len(found) < pattern.count:
        raise PatternError("count", _l("A series runs for two years at most."))
    return found


def public_holidays(first: date, last: date, language: str = "de") -> dict[date, str]:
    """Saxony's public holidays between two dates, with their names in the reader's language."""
    names = holidays.Germany(subdiv="SN", years=range(first.year, last.year + 1),
                             language="de" if language == "de" else "en_US")
    return {day: name for day, name in names.items() if first <= day <= last}


@dataclass(frozen=True)
class Occurrence:
    """One date of a series: its instants, or why it is left out before anyone asks."""

    day: date
    starts_at: datetime | None
    ends_at: datetime | None
    skipped: object | None = None  # the reason (holiday, clock change) the date is left out


def occurrences(pattern: Pattern, language: str = "de") -> list[Occurrence]:
    """The pattern's dates as instants; holidays and impossible clock times are left out."""
    days = dates(pattern)
    if pattern.end <= pattern.start:
        raise PatternError("end", _l("The end must be after the start."))
    feasts = public_holidays(days[0], days[-1], language) if days else {}
    result: list[Occurrence] = []
    for day in days:
        if day in feasts:
            result.append(Occurrence(day, None, None, _l("Public holiday: %(name)s", name=feasts[day])))
            continue
        try:
            result.append(Occurrence(day, to_utc(day, pattern.start), to_utc(day, pattern.end)))
        except LocalTimeError:
            result.append(Occurrence(day, None, None, _l("The clocks change at that time that night.")))
    return result
