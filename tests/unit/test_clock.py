"""House wall-clock time against UTC instants, across daylight-saving changes."""

from datetime import date, time, timedelta, timezone, datetime

import pytest

from booking.clock import LocalTimeError, day_bounds, local, to_utc


def test_winter_and_summer_offsets():
    assert to_utc(date(2027, 1, 12), time(17)) == datetime(2027, 1, 12, 16, tzinfo=timezone.utc)
    assert to_utc(date(2027, 7, 13), time(17)) == datetime(2027, 7, 13, 15, tzinfo=timezone.utc)


def test_the_skipped_hour_in_march_is_refused():
    with pytest.raises(LocalTimeError) as info:
        to_utc(date(2027, 3, 28), time(2, 30))
    assert info.value.kind == "nonexistent"


def test_the_repeated_hour_in_october_is_refused():
    with pytest.raises(LocalTimeError) as info:
        to_utc(date(2027, 10, 31), time(2, 30))
    assert info.value.kind == "ambiguous"


@pytest.mark.parametrize("day, hours", [(date(2027, 3, 28), 23), (date(2027, 10, 31), 25), (date(2027, 6, 1), 24)])
def test_days_have_23_24_or_25_hours(day, hours):
    start, end = day_bounds(day)
    assert end - start == timedelta(hours=hours)


def test_times_around_the_change_stay_on_the_wall_clock():
    before = to_utc(date(2027, 3, 28), time(1, 59))
    after = to_utc(date(2027, 3, 28), time(3, 0))
    assert after - before == timedelta(minutes=1)
    assert local(after).strftime("%H:%M") == "03:00"
