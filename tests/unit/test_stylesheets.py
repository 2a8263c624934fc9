"""The stylesheets mirror for Arabic and Persian: logical properties only, and every rule closed.

A physical side (margin-left, border-right, left:, text-align: right) stays where it is when the
page turns right to left; only rules scoped to one direction ([dir="rtl"] ...) may name one. An
unbalanced brace silently drops the rules after it, so it is caught here rather than on a page.
"""

import re
from pathlib import Path

import pytest

CSS = sorted((Path(__file__).resolve().parents[2] / "static" / "css").glob("*.css"))
PHYSICAL = re.compile(
    r"(?<![-\w])(?:margin|padding|border)-(?:left|right)\b"
    r"|(?<![-\w])(?:left|right)\s*:"
    r"|text-align\s*:\s*(?:left|right)"
    r"|float\s*:\s*(?:left|right)"
    r"|border-(?:top|bottom)-(?:left|right)-radius"
)


def rules(text: str) -> list[str]:
    """Each rule with its selector, comments taken out."""
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return re.findall(r"[^{}]+\{[^{}]*\}", text)


@pytest.mark.parametrize("path", CSS, ids=lambda p: p.name)
def test_braces_balance(path):
    text = re.sub(r"/\*.*?\*/", "", path.read_text(), flags=re.S)
    depth = 0
    for character in text:
        depth += {"{": 1, "}": -1}.get(character, 0)
        assert depth >= 0, f"{path.name}: a closing brace without its rule"
    assert depth == 0, f"{path.name}: a rule is not closed"


@pytest.mark.parametrize("path", CSS, ids=lambda p: p.name)
def test_only_logical_sides_unless_scoped_to_one_direction(path):
    physical = [
        rule.strip()[:120] for rule in rules(path.read_text())
        if PHYSICAL.search(rule.split("{", 1)[1]) and "[dir=" not in rule.split("{", 1)[0]
    ]
    assert physical == [], f"{path.name} names a physical side; use inline-start/end instead:\n" + "\n".join(physical)
