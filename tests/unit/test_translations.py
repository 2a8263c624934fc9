"""Every message in the code and templates has a German translation, and the catalogue is current."""

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]

# Sources only the house's staff read: their messages need German (and English), not the five
# languages of the partner groups. Every other message is partner-facing.
STAFF_ONLY = [
    "booking/manage/**",
    "templates/manage/**",
    "booking/operations/**",
    "templates/operations/**",
    "templates/lobby/screens.html",
    "booking/lobby/forms.py",
    "templates/notify/undelivered.html",
    # Reports: the manager's pages, tables and downloads. The purposes' names
    # (booking/reports/purposes.py) and the request form's purpose field are partner-facing.
    "booking/reports/views.py",
    "booking/reports/forms.py",
    "booking/reports/tables.py",
    "booking/reports/export.py",
    "booking/reports/figures.py",
    "templates/reports/**",
]


def source_messages() -> set[str]:
    method_map = [("booking/**.py", "python"), ("templates/**.html", "jinja2"), ("templates/**.txt", "jinja2")]
    found = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map=method_map, keywords={"_": None, "gettext": None, "ngettext": (1, 2),
                                                      "_l": None, "lazy_gettext": None}
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def german_catalogue():
    with open(ROOT / "booking/translations/de/LC_MESSAGES/messages.po", "rb") as f:
        return read_po(f, locale="de")


def test_every_message_in_the_sources_has_a_german_translation():
    catalogue = german_catalogue()
    missing = []
    for msgid in sorted(source_messages()):
        entry = catalogue.get(msgid)
        if entry is None or entry.fuzzy or not (entry.string[0] if isinstance(entry.string, tuple) else entry.string):
            missing.append(msgid)
    assert missing == []


def test_german_translations_keep_their_placeholders():
    import re

    placeholder = re.compile(r"%\(\w+\)[sd]")
    for entry in german_catalogue():
        if not entry.id:
            continue
        ids = entry.id if isinstance(entry.id, tuple) else (entry.id,)
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        wanted = set(placeholder.findall(ids[-1]))
        for translated in strings:
            assert set(placeholder.findall(translated)) <= wanted | set(placeholder.findall(ids[0])), entry.id


def test_every_staff_only_source_exists():
    for pattern in STAFF_ONLY:
        assert list(ROOT.glob(pattern)), f"STAFF_ONLY names {pattern}, which matches no file"
