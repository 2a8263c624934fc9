"""What the manager writes per language: resource names, descriptions and locations, closure reasons.

German is in the rows' own columns and is the fallback; each other language's text lives in the
row's `translations` ({"uk": {"name": "…"}}), loaded with the row: showing a translated name costs
no query. Partners read the text in their language, or the German where none was written.
Translations are user text like the German: templates escape them.
"""

from __future__ import annotations

from flask_babel import get_locale

from ..config import Defaults

#: The language of the columns themselves, and what is shown where a translation is missing.
FALLBACK = "de"
#: The languages the manager can write besides German, in the switcher's order.
OTHER_LANGUAGES = tuple(code for code in Defaults.LANGUAGES if code != FALLBACK)
#: What can be translated, per model: the column names.
FIELDS = {"Resource": ("name", "description", "location"), "Closure": ("reason",)}


def _reader() -> str:
    return str(get_locale() or FALLBACK)


def translated(obj, field: str, language: str | None = None) -> str:
    """The field in the reader's language (or `language`), else the German."""
    if obj is None:
        return ""
    language = language or _reader()
    if language != FALLBACK:
        text = ((obj.translations or {}).get(language) or {}).get(field)
        if text:
            return text
    return getattr(obj, field)


def every_language(obj, field: str) -> dict[str, str]:
    """{"de": …, "uk": …}: the German and each translation written, for a message sent later."""
    found = {FALLBACK: getattr(obj, field)}
    for language, texts in (obj.translations or {}).items():
        if texts.get(field):
            found[language] = texts[field]
    return found


def pick(texts: dict[str, str] | str | None, language: str) -> str:
    """One language's text from every_language()'s dict, else the German (plain text as it is)."""
    if not isinstance(texts, dict):
        return texts or ""
    return texts.get(language) or texts.get(FALLBACK, "")


def set_translations(obj, texts: dict[str, dict[str, str]]) -> None:
    """Keep the non-empty texts per language; a new dict, so the change is seen and recorded."""
    fields = FIELDS[type(obj).__name__]
    kept = {}
    for language in OTHER_LANGUAGES:
        given = {f: texts.get(language, {}).get(f, "").strip() for f in fields}
        given = {f: t for f, t in given.items() if t}
        if given:
            kept[language] = given
    if kept != (obj.translations or {}):
        obj.translations = kept
