"""Language choice and how dates, times and numbers are shown."""

from datetime import date, datetime, time, timedelta
from functools import lru_cache

from babel import Locale
from babel.dates import DateTimePattern, format_interval, get_day_names, match_skeleton
from babel.lists import format_list
from babel.numbers import format_decimal, format_percent
from flask import current_app, has_request_context, request, session
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from . import content
from .clock import HOUSE_TZ
from .content import forms as content_forms
from .extensions import babel
from .lazytext import lazy_gettext as _l


def select_locale() -> str:
    """The user's saved language, else the one chosen in this session, else the browser's."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user.is_authenticated and current_user.language in languages:
        return current_user.language
    if session.get("language") in languages:
        return session["language"]
    return request.accept_languages.best_match(languages) or languages[0]


#: Every language the house offers, each named in itself, in the switcher's order.
LANGUAGES = ("de", "en", "ar", "fa", "uk", "tr", "ru")


def language_names() -> list[tuple[str, str]]:
    """("ar", "العربية"), ...: each language in its own name, as the switcher shows it."""
    return [(code, Locale.parse(code).display_name.capitalize()) for code in LANGUAGES]


def text_direction() -> str:
    """"rtl" for Arabic and Persian, else "ltr": the page's `dir`."""
    return Locale.parse(_locale()).character_order == "right-to-left" and "rtl" or "ltr"


def direction_of(code: str) -> str:
    """"rtl" or "ltr" for a language code: a field where text in that language is typed."""
    return "rtl" if Locale.parse(code).character_order == "right-to-left" else "ltr"


def language_name(code: str) -> str:
    return dict(language_names())[code]


def _locale() -> str:
    return str(get_locale() or "de")


# Formats. One place for every date, time, range and number a person reads, from Babel's data
# for the reader's language. Decided for every language: the Gregorian calendar, 24-hour times
# and Latin digits (so "18:30" on a page is what an <input type=time> takes). Each helper takes
# an explicit `locale` for mails, else the request's. Patterns are looked up once per language
# and kept (the board formats hundreds of times per page).


@lru_cache(maxsize=None)
def _pattern(locale: str, skeleton: str) -> DateTimePattern:
    """A date pattern: a named style ("medium", "full") or a CLDR skeleton ("yMMMEd")."""
    data = Locale.parse(locale)
    if skeleton in ("short", "medium", "long", "full"):
        return data.date_formats[skeleton]
    found = skeleton if skeleton in data.datetime_skeletons else match_skeleton(skeleton, data.datetime_skeletons)
    return data.datetime_skeletons[found]


@lru_cache(maxsize=None)
def _range_between(locale: str) -> str:
    """What stands between two times of one day: "–", or " تا " in Persian.

    Words around the range (German "18:30–20:00 Uhr") are left out: a single time has none
    either, every time reads "HH:MM", and the board's blocks are narrow.
    """
    sample = format_interval(time(10, 11), time(12, 13), "Hm", locale=locale)
    between = sample.split("10:11", 1)[1].split("12:13", 1)[0]
    # A dash stands without spaces ("18:30–20:00", as the board's narrow blocks need); a word keeps them.
    return between.strip() if between.strip() in ("–", "-") else between


def range_direction(locale: str | None = None) -> str:
    """The `dir` of a range of times in text: "ltr" where a dash joins them (so "09:00–10:30"
    stays in reading order inside right-to-left text), "auto" where a word does (Persian's
    "09:00 تا 10:30" reads right to left)."""
    return "ltr" if _range_between(locale or _locale()) in ("–", "-") else "auto"


@lru_cache(maxsize=None)
def _frames(locale: str) -> tuple[str, str]:
    """How the language joins a date and a time ("{1}, {0}") and two ends of a span ("{0} – {1}")."""
    data = Locale.parse(locale)
    # Thin spaces (English "{0} – {1}") become plain ones: mail subjects and plain text keep them.
    between = str(data.interval_formats.get(None, "{0} – {1}")).replace("\u2009", " ")
    return str(data.datetime_formats["medium"]), between


def _day_of(value: date | datetime) -> date:
    if isinstance(value, datetime):
        return value.astimezone(HOUSE_TZ).date() if value.tzinfo is not None else value.date()
    return value


def format_day(value: date | datetime, skeleton: str = "medium", locale: str | None = None) -> str:
    """A date in the reader's language, by style or skeleton (house time for an instant)."""
    locale = locale or _locale()
    return _pattern(locale, skeleton).apply(_day_of(value), locale)


def local_date(value: date | datetime, style: str = "medium", locale: str | None = None) -> str:
    return format_day(value, style, locale)


def weekday_date(value: date | datetime, locale: str | None = None) -> str:
    """E.g. "Di., 12. Jan. 2027" / "Tue, Jan 12, 2027"."""
    return format_day(value, "yMMMEd", locale)


def long_date(value: date, locale: str | None = None) -> str:
    """E.g. "Dienstag, 12. Januar 2027" for headings."""
    return format_day(value, "full", locale)


def weekday_day(value: date | datetime, locale: str | None = None) -> str:
    """E.g. "Do., 24. Dez." / "Thu, Dec 24": a day of the next weeks."""
    return format_day(value, "MMMEd", locale)


def short_weekday(value: date | datetime, locale: str | None = None) -> str:
    """E.g. "Do." / "Thu"."""
    return format_day(value, "E", locale)


def weekday_name(value: date | datetime, locale: str | None = None) -> str:
    """E.g. "Donnerstag" / "Thursday"."""
    return get_day_names("wide", locale=locale or _locale())[_day_of(value).weekday()]


def month_year(value: date, locale: str | None = None) -> str:
    """E.g. "Dezember 2026"."""
    return format_day(value, "yMMMM", locale)


def local_time(value: datetime | time) -> str:
    """24-hour "18:30" in every language (and fast: the board shows hundreds)."""
    if isinstance(value, datetime) and value.tzinfo is not None:  # a naive one is a wall-clock time already
        value = value.astimezone(HOUSE_TZ)
    return f"{value.hour:02d}:{value.minute:02d}"


def time_range(start: datetime | time | str, end: datetime | time | str, locale: str | None = None) -> str:
    """Two times of one day: "18:30–20:00", "18:30 تا 20:00" (an end of "24:00" given as text)."""
    first = start if isinstance(start, str) else local_time(start)
    last = end if isinstance(end, str) else local_time(end)
    return f"{first}{_range_between(locale or _locale())}{last}"


def at_day(day_text: str, time_text: str, locale: str | None = None) -> str:
    """A day and a time joined as the language joins them: "Do., 24. Dez., 18:30"."""
    return _frames(locale or _locale())[0].replace("{1}", day_text).replace("{0}", time_text)


def span(first: str, last: str, locale: str | None = None) -> str:
    """Two ends joined as the language joins a range: "1. März – 2. März", "… تا …"."""
    return _frames(locale or _locale())[1].replace("{0}", first, 1).replace("{1}", last, 1)


def local_datetime(value: datetime, locale: str | None = None) -> str:
    """E.g. "24.12.2026, 18:30" / "Dec 24, 2026, 18:30": always 24-hour."""
    return at_day(format_day(value, "yMMMd", locale), local_time(value), locale)


def instant_span(a: datetime, b: datetime, locale: str | None = None) -> str:
    """[a, b): "18:00–20:00" on one day ("20:00–24:00" up to midnight), else both ends with their day."""
    start, end = a.astimezone(HOUSE_TZ), b.astimezone(HOUSE_TZ)
    if start.date() == (end - timedelta(microseconds=1)).date():
        last = "24:00" if end.time() == time(0, 0) and end.date() != start.date() else local_time(end)
        return time_range(start, last, locale)
    return span(at_day(weekday_day(start, locale), local_time(start), locale),
                at_day(weekday_day(end, locale), local_time(end), locale), locale)


def number(value: float | int, digits: int | None = None, *, locale: str | None = None) -> str:
    """1.234,5 / 1,234.5 (Latin digits); with `digits`, exactly that many decimals (report tables)."""
    if digits is None:
        return format_decimal(value, locale=locale or _locale(), numbering_system="latn", decimal_quantization=False)
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=locale or _locale(), numbering_system="latn")


def percent(value: float, *, locale: str | None = None) -> str:
    """0.25 as "25 %" / "25%" / "%25", 0.425 as "42,5 %" (a decimal at most; Latin digits)."""
    return format_percent(round(value, 3), locale=locale or _locale(), numbering_system="latn",
                          decimal_quantization=False)


def local_day(value: datetime) -> date:
    """The house's calendar day of an instant."""
    return value.astimezone(HOUSE_TZ).date()


def day_month(value: date | datetime, locale: str | None = None) -> str:
    """E.g. "1. März" / "Mar 1"."""
    return format_day(value, "MMMd", locale)


def last_day(end: datetime, short: bool = False) -> str:
    """The last whole day of a booking that ends at local midnight (a garden plot's season)."""
    day = (end.astimezone(HOUSE_TZ) - timedelta(hours=12)).date()
    return day_month(day) if short else weekday_date(day)


def weekday_names(width: str = "wide") -> list[str]:
    """Monday to Sunday in the reader's language ("wide" or "abbreviated")."""
    names = get_day_names(width, locale=_locale())
    return [names[d] for d in range(7)]


ORDINALS = {1: _l("first"), 2: _l("second"), 3: _l("third"), 4: _l("fourth"), -1: _l("last")}


def _full_date(day: date) -> str:
    return format_day(day, "yMMMd")


def series_pattern(series) -> str:
    """A series in words, e.g. "Di. und Do., 17:00–19:00, 12. Jan. – 15. Juli 2027"."""
    short = weekday_names("abbreviated")
    names = [short[d] for d in series.weekday_numbers]
    if series.ordinal is not None:
        when = _("every %(nth)s %(weekday)s of the month", nth=ORDINALS[series.ordinal],
                 weekday=weekday_names()[series.weekday_numbers[0]])
    elif series.every > 1:
        when = _("%(days)s every %(n)s weeks", days=format_list(names, locale=_locale()), n=series.every)
    else:
        when = format_list(names, locale=_locale())
    times = time_range(series.start, series.end)
    if not series.bookings:
        return f"{when}, {times}"
    first, last = local_day(series.bookings[0].starts_at), local_day(series.bookings[-1].starts_at)
    if first == last:
        days = _full_date(first)
    elif first.year == last.year:
        days = span(day_month(first), _full_date(last))
    else:
        days = span(_full_date(first), _full_date(last))
    return f"{when}, {times}, {days}"


def init_app(app) -> None:
    babel.init_app(app, locale_selector=select_locale, timezone_selector=lambda: "Europe/Berlin")
    app.jinja_env.filters.update(
        local_date=local_date,
        weekday_date=weekday_date,
        long_date=long_date,
        local_time=local_time,
        local_day=local_day,
        local_datetime=local_datetime,
        last_day=last_day,
        day_month=day_month,
        weekday_day=weekday_day,
        short_weekday=short_weekday,
        month_year=month_year,
        time_range=time_range,
        instant_span=instant_span,
        number=number,
        percent=percent,
    )
    app.jinja_env.globals["current_language"] = _locale
    app.jinja_env.globals["text_direction"] = text_direction
    app.jinja_env.globals["range_direction"] = range_direction
    app.jinja_env.globals["series_pattern"] = series_pattern
    app.jinja_env.globals["direction_of"] = direction_of
    app.jinja_env.globals["language_name"] = language_name
    app.jinja_env.globals["translated"] = content.translated
    app.jinja_env.globals["translation_rows"] = content_forms.rows
