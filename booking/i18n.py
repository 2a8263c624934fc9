"""Language choice and how dates, times and numbers are shown."""

from datetime import date, datetime, timedelta

from babel.dates import format_date, format_datetime, format_skeleton, get_day_names
from babel import Locale
from babel.lists import format_list
from babel.numbers import format_decimal, format_percent
from flask import current_app, has_request_context, request, session
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from .clock import HOUSE_TZ
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


def _locale() -> str:
    return str(get_locale() or "de")


def local_date(value: date | datetime, style: str = "medium") -> str:
    if isinstance(value, datetime):
        value = value.astimezone(HOUSE_TZ).date()
    return format_date(value, format=style, locale=_locale())


def weekday_date(value: date | datetime) -> str:
    """E.g. "Di., 12. Jan. 2027" / "Tue, Jan 12, 2027"."""
    if isinstance(value, datetime):
        value = value.astimezone(HOUSE_TZ).date()
    return format_skeleton("yMMMEd", value, locale=_locale())


def long_date(value: date) -> str:
    """E.g. "Dienstag, 12. Januar 2027" for headings."""
    return format_date(value, format="full", locale=_locale())


def local_time(value: datetime) -> str:
    """24-hour "18:30", as read in both languages (and fast: the board shows hundreds)."""
    return value.astimezone(HOUSE_TZ).strftime("%H:%M")


def local_day(value: datetime) -> date:
    """The house's calendar day of an instant."""
    return value.astimezone(HOUSE_TZ).date()


def day_month(value: date | datetime) -> str:
    """E.g. "1. März" / "Mar 1"."""
    if isinstance(value, datetime):
        value = value.astimezone(HOUSE_TZ).date()
    return format_skeleton("MMMd", value, locale=_locale())


def last_day(end: datetime, short: bool = False) -> str:
    """The last whole day of a booking that ends at local midnight (a garden plot's season)."""
    day = (end.astimezone(HOUSE_TZ) - timedelta(hours=12)).date()
    return day_month(day) if short else weekday_date(day)


def local_datetime(value: datetime) -> str:
    return format_datetime(value.astimezone(HOUSE_TZ), format="short", tzinfo=HOUSE_TZ, locale=_locale())


def weekday_names(width: str = "wide") -> list[str]:
    """Monday to Sunday in the reader's language ("wide" or "abbreviated")."""
    names = get_day_names(width, locale=_locale())
    return [names[d] for d in range(7)]


ORDINALS = {1: _l("first"), 2: _l("second"), 3: _l("third"), 4: _l("fourth"), -1: _l("last")}


def _full_date(day: date) -> str:
    return format_skeleton("yMMMd", day, locale=_locale())


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
    times = f"{series.start:%H:%M}–{series.end:%H:%M}"
    if not series.bookings:
        return f"{when}, {times}"
    first, last = local_day(series.bookings[0].starts_at), local_day(series.bookings[-1].starts_at)
    if first == last:
        span = _full_date(first)
    elif first.year == last.year:
        span = f"{day_month(first)} – {_full_date(last)}"
    else:
        span = f"{_full_date(first)} – {_full_date(last)}"
    return f"{when}, {times}, {span}"


def number(value, digits: int = 0) -> str:
    """A number as the reader's language writes it: "1.234,5" in German, "1,234.5" in English."""
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=_locale())


def percent(value: float) -> str:
    """A share (0.425) as the reader's language writes it: "42,5 %" / "42.5%"."""
    return format_percent(value, format="#,##0.0 %", locale=_locale())


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
        number=number,
        percent=percent,
    )
    app.jinja_env.globals["current_language"] = _locale
    app.jinja_env.globals["text_direction"] = text_direction
    app.jinja_env.globals["series_pattern"] = series_pattern
