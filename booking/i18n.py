"""Language choice and how dates, times and numbers are shown."""

from datetime import date, datetime

from babel.dates import format_date, format_datetime, format_skeleton
from flask import current_app, has_request_context, request, session
from flask_babel import get_locale
from flask_login import current_user

from .clock import HOUSE_TZ
from .extensions import babel


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


def local_datetime(value: datetime) -> str:
    return format_datetime(value.astimezone(HOUSE_TZ), format="short", tzinfo=HOUSE_TZ, locale=_locale())


def init_app(app) -> None:
    babel.init_app(app, locale_selector=select_locale, timezone_selector=lambda: "Europe/Berlin")
    app.jinja_env.filters.update(
        local_date=local_date,
        weekday_date=weekday_date,
        long_date=long_date,
        local_time=local_time,
        local_day=local_day,
        local_datetime=local_datetime,
    )
    app.jinja_env.globals["current_language"] = _locale
