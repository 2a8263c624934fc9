"""The manager's "Translations" section: one field per language for each translatable field."""

from __future__ import annotations

from wtforms import StringField, TextAreaField
from wtforms.validators import Length, Optional

from ..forms import SubForm
from . import OTHER_LANGUAGES


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def translations_form(fields: dict[str, tuple]) -> type[SubForm]:
    """A subform with a field "<field>_<language>" for each (label, longest, multi-line) in `fields`."""
    attributes = {"FIELDS": tuple(fields)}
    for language in OTHER_LANGUAGES:
        for name, (label, longest, multiline) in fields.items():
            kind = TextAreaField if multiline else StringField
            attributes[f"{name}_{language}"] = kind(label, filters=[_strip],
                                                    validators=[Optional(), Length(max=longest)])
    return type("TranslationsForm", (SubForm,), attributes)


def fill(form: SubForm, obj) -> None:
    """Show the stored translations."""
    for language, texts in (obj.translations or {}).items():
        for name, text in texts.items():
            field = getattr(form, f"{name}_{language}", None)
            if field is not None:
                field.data = text


def typed(form: SubForm) -> dict[str, dict[str, str]]:
    """{"uk": {"name": "…"}} from what was typed."""
    return {language: {name: getattr(form, f"{name}_{language}").data or "" for name in form.FIELDS}
            for language in OTHER_LANGUAGES}


def rows(form: SubForm) -> list[tuple[str, list]]:
    """(language, [fields]) for the template, in the switcher's order."""
    return [(language, [getattr(form, f"{name}_{language}") for name in form.FIELDS]) for language in OTHER_LANGUAGES]
