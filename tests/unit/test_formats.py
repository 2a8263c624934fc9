"""Dates, times, ranges and numbers in each language the house offers, from Babel's data.

Decided for every language: the Gregorian calendar, 24-hour times and Latin digits.
"""

from datetime import date, datetime, time, timezone

import pytest
from flask_babel import force_locale

from booking import i18n

# Thursday 24 December 2026, 18:30–20:00 in the house (UTC+1).
START = datetime(2026, 12, 24, 17, 30, tzinfo=timezone.utc)
END = datetime(2026, 12, 24, 19, 0, tzinfo=timezone.utc)
NEXT_MORNING = datetime(2026, 12, 26, 9, 0, tzinfo=timezone.utc)
MIDNIGHT = datetime(2026, 12, 24, 23, 0, tzinfo=timezone.utc)

EXPECTED = {
    # language: (date, time, range, number, percent)
    "de": ("Do., 24. Dez. 2026", "18:30", "18:30–20:00", "1.234,5", "25\xa0%"),
    "en": ("Thu, Dec 24, 2026", "18:30", "18:30–20:00", "1,234.5", "25%"),
    "ar": ("الخميس، 24 ديسمبر 2026", "18:30", "18:30–20:00", "1,234.5", "25%"),
    "fa": ("پنجشنبه 24 دسامبر 2026", "18:30", "18:30 تا 20:00", "1,234.5", "25%"),
    "uk": ("чт, 24 груд. 2026\u202fр.", "18:30", "18:30–20:00", "1\xa0234,5", "25%"),
    "tr": ("24 Ara 2026 Per", "18:30", "18:30–20:00", "1.234,5", "%25"),
    "ru": ("чт, 24 дек. 2026\u202fг.", "18:30", "18:30–20:00", "1\xa0234,5", "25\xa0%"),
}


@pytest.mark.parametrize("language", sorted(EXPECTED))
def test_each_language_reads_its_own_dates_times_ranges_and_numbers(language):
    day, clock, span, number, percent = EXPECTED[language]
    assert i18n.weekday_date(START, language) == day
    assert i18n.local_time(START) == clock
    assert i18n.time_range(START, END, language) == span
    assert i18n.number(1234.5, locale=language) == number
    assert i18n.percent(0.25, locale=language) == percent


@pytest.mark.parametrize("language", sorted(EXPECTED))
def test_times_are_24_hour_with_latin_digits_in_every_language(language):
    evening = i18n.local_datetime(START, language)
    assert "18:30" in evening and "PM" not in evening and "6:30" not in evening
    assert not any("\u0660" <= c <= "\u0669" or "\u06f0" <= c <= "\u06f9" for c in evening + i18n.number(1234.5, locale=language))


def test_the_calendar_is_gregorian_in_persian_too():
    assert "2026" in i18n.weekday_date(START, "fa") and "دسامبر" in i18n.weekday_date(START, "fa")


def test_a_span_to_midnight_ends_at_24_and_one_across_days_names_both_days():
    assert i18n.instant_span(START, MIDNIGHT, "de") == "18:30–24:00"
    assert i18n.instant_span(START, NEXT_MORNING, "de") == "Do., 24. Dez., 18:30 – Sa., 26. Dez., 10:00"
    assert i18n.instant_span(START, NEXT_MORNING, "en") == "Thu, Dec 24, 18:30 – Sat, Dec 26, 10:00"
    assert i18n.instant_span(START, NEXT_MORNING, "fa").count(" تا ") == 1


def test_month_weekday_and_day_helpers():
    assert i18n.month_year(date(2026, 12, 1), "de") == "Dezember 2026"
    assert i18n.weekday_name(START, "uk") == "четвер"
    assert i18n.day_month(START, "en") == "Dec 24"
    assert i18n.local_datetime(START, "en") == "Dec 24, 2026, 18:30"
    assert i18n.local_time(time(7, 5)) == "07:05"


def test_without_a_locale_the_readers_language_is_used(app):
    with app.test_request_context(), force_locale("ru"):
        assert i18n.weekday_date(START) == EXPECTED["ru"][0]
        assert i18n.time_range(START, END) == "18:30–20:00"


def test_patterns_are_looked_up_once_per_language():
    i18n._pattern.cache_clear()
    for _ in range(200):
        i18n.weekday_date(START, "tr")
    assert i18n._pattern.cache_info().misses == 1
