"""Every message has its translations, and no translation breaks what it translates.

German is the house's first language: every message needs it. The other languages
(ar, fa, uk, tr, ru) need every partner-facing message, that is every message except those
that come only from the staff-only sources listed in STAFF_ONLY.
"""

import re
from collections import defaultdict
from fnmatch import fnmatch
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from booking.config import Defaults as Config

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "booking/translations"

#: The languages partners read besides German; English is the source language.
PARTNER_LANGUAGES = [code for code in Config.LANGUAGES if code not in ("en", "de")]
#: The line each machine-assisted catalogue's header carries until a native speaker has read it.
REVIEW_HEADER = "X-Review-Status: needs review by a native speaker"

PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")
MARKUP = ("<", ">", "&")

# Sources only the house's staff read: their messages need German only. Every other message is
# partner-facing and needs every language of the house (de ar fa uk tr ru).
STAFF_ONLY = (
    "booking/manage/**",
    "templates/manage/**",
    "booking/operations/**",
    "templates/operations/**",
    "templates/lobby/screens.html",
    "booking/lobby/forms.py",
    "templates/notify/undelivered.html",
    # Erasing a person or a group's contact data: the house's managers only.
    "booking/privacy/erase.py",
    "booking/privacy/erasing.py",
    "booking/privacy/forms.py",
    "templates/privacy/erase_*.html",
    "templates/privacy/_erase_*.html",
    # The front desk's counter: walk-ins, check-in, keys and lent equipment.
    "booking/desk/**",
    "templates/desk/**",
    # The manager's decisions: changing a booking, offering a slot, deciding together.
    "booking/decisions/views.py",
    "booking/decisions/forms.py",
    "booking/decisions/moving.py",
    "booking/decisions/together.py",
    "templates/decisions/**",
    "templates/partials/_queue_row.html",  # the manager's queue card
    # The garden round: the manager's side.
    "templates/garden/season_form.html",
    "templates/garden/_applications.html",
    # Reports for the house and its funders (the purposes' names in booking/reports/purposes.py
    # and the request form's purpose field are partner-facing).
    "booking/reports/views.py",
    "booking/reports/forms.py",
    "booking/reports/tables.py",
    "templates/reports/**",
)



def _sources() -> dict[str, set[str]]:
    """Each message id, with the files it comes from."""
    method_map = [("booking/**.py", "python"), ("templates/**.html", "jinja2"), ("templates/**.txt", "jinja2")]
    found: dict[str, set[str]] = defaultdict(set)
    for filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map=method_map, keywords={"_": None, "gettext": None, "ngettext": (1, 2),
                                                      "_l": None, "lazy_gettext": None, "lazy_ngettext": (1, 2)}
    ):
        found[message[0] if isinstance(message, tuple) else message].add(filename.replace("\\", "/"))
    return found


SOURCES = _sources()


def staff_only(filename: str) -> bool:
    return any(fnmatch(filename, pattern) for pattern in STAFF_ONLY)


def source_messages() -> set[str]:
    return set(SOURCES)


def partner_messages() -> set[str]:
    """Messages at least one partner-facing source uses."""
    return {msgid for msgid, files in SOURCES.items() if not all(staff_only(f) for f in files)}


def catalogue_path(language: str) -> Path:
    return TRANSLATIONS / language / "LC_MESSAGES/messages.po"


def catalogue(language: str):
    with open(catalogue_path(language), "rb") as f:
        return read_po(f, locale=language)


def german_catalogue():
    return catalogue("de")


def existing_languages() -> list[str]:
    return sorted(p.parent.parent.name for p in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"))


def _strings(entry) -> tuple[str, ...]:
    return entry.string if isinstance(entry.string, tuple) else (entry.string,)


def _untranslated(cat, msgids) -> list[str]:
    missing = []
    for msgid in sorted(msgids):
        entry = cat.get(msgid)
        if entry is None or entry.fuzzy or not all(_strings(entry)):
            missing.append(msgid)
    return missing


def test_every_message_in_the_sources_has_a_german_translation():
    assert _untranslated(german_catalogue(), source_messages()) == []


def test_staff_only_globs_each_match_a_source():
    """A glob that matches nothing is a typo or a moved file: the list must stay true."""
    files = {f for fs in SOURCES.values() for f in fs}
    assert [p for p in STAFF_ONLY if not any(fnmatch(f, p) for f in files)] == []


def test_partner_facing_excludes_only_staff_sources():
    assert "Booked" in partner_messages()  # the board, as partners see it
    staff = source_messages() - partner_messages()
    assert staff and all(all(staff_only(f) for f in SOURCES[m]) for m in staff)


def test_every_catalogue_is_a_language_the_house_offers():
    assert set(existing_languages()) <= set(Config.LANGUAGES) - {"en"}


@pytest.mark.parametrize("language", PARTNER_LANGUAGES)
def test_every_partner_facing_message_is_translated(language):
    """Fails for a language in LANGUAGES whose catalogue is missing or has gaps."""
    assert catalogue_path(language).exists(), f"no catalogue for {language}: pybabel init -l {language}"
    assert _untranslated(catalogue(language), partner_messages()) == []


@pytest.mark.parametrize("language", PARTNER_LANGUAGES)
def test_machine_assisted_catalogues_say_they_need_a_native_speaker(language):
    assert catalogue_path(language).exists(), f"no catalogue for {language}"
    header = catalogue_path(language).read_text(encoding="utf-8").split("\n\n", 1)[0]
    assert f'"{REVIEW_HEADER}\\n"' in header


def _placeholder_faults(cat) -> list[str]:
    faults = []
    for entry in cat:
        if not entry.id or entry.fuzzy:
            continue
        ids = entry.id if isinstance(entry.id, tuple) else (entry.id,)
        wanted = set().union(*(PLACEHOLDER.findall(i) for i in ids))
        for translated in _strings(entry):
            if not translated:
                continue
            found = set(PLACEHOLDER.findall(translated))
            # A plural form may word its number ("one hour", Arabic's dual): %(num)d may go.
            required = wanted - {"num"} if isinstance(entry.id, tuple) else wanted
            if found - wanted or required - found:
                faults.append(f"{ids[0]!r} -> {translated!r}")
    return faults


def _markup_faults(cat) -> list[str]:
    faults = []
    for entry in cat:
        if not entry.id:
            continue
        ids = entry.id if isinstance(entry.id, tuple) else (entry.id,)
        for translated in _strings(entry):
            if any(translated.count(c) > max(i.count(c) for i in ids) for c in MARKUP):
                faults.append(f"{ids[0]!r} -> {translated!r}")
    return faults


def _plural_count_faults(language: str) -> list[str]:
    """Each plural entry has exactly as many msgstr[i] as the header's Plural-Forms says."""
    text = catalogue_path(language).read_text(encoding="utf-8")
    wanted = int(re.search(r"nplurals=(\d+)", text).group(1))
    faults = []
    for block in text.split("\n\n"):
        if "\nmsgid_plural " not in block or block.lstrip().startswith("#~"):
            continue
        forms = re.findall(r"^msgstr\[(\d+)\]", block, re.M)
        if sorted(int(n) for n in forms) != list(range(wanted)):
            faults.append(re.search(r'^msgid "(.*)"', block, re.M).group(1))
    return faults


@pytest.mark.parametrize("language", existing_languages())
def test_translations_keep_their_placeholders(language):
    """Every %(name)s of the English stays, and none is added."""
    assert _placeholder_faults(catalogue(language)) == []


@pytest.mark.parametrize("language", existing_languages())
def test_translations_add_no_markup(language):
    assert _markup_faults(catalogue(language)) == []


@pytest.mark.parametrize("language", existing_languages())
def test_plural_entries_have_the_forms_the_header_says(language):
    assert _plural_count_faults(language) == []


# The checks themselves, on a small made-up catalogue: each one catches what it is for.

BROKEN = '''msgid ""
msgstr ""
"Language: uk\\n"
"Plural-Forms: nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);\\n"

msgid "Hello %(name)s"
msgstr "Привіт %(nme)s"

msgid "Room %(room)s"
msgstr "<b>Кімната</b> %(room)s"

msgid "%(num)d hour"
msgid_plural "%(num)d hours"
msgstr[0] "%(num)d година"
msgstr[1] "%(num)d години"
'''


def test_the_checks_catch_renamed_placeholders_markup_and_missing_plural_forms(tmp_path, monkeypatch):
    path = tmp_path / "uk/LC_MESSAGES/messages.po"
    path.parent.mkdir(parents=True)
    path.write_text(BROKEN, encoding="utf-8")
    monkeypatch.setitem(globals(), "TRANSLATIONS", tmp_path)
    cat = catalogue("uk")
    assert len(_placeholder_faults(cat)) == 1
    assert len(_markup_faults(cat)) == 1
    assert _plural_count_faults("uk") == ["%(num)d hour"]
    assert _untranslated(cat, {"%(num)d hour", "Hello %(name)s"}) == ["%(num)d hour"]
