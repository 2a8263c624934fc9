"""User text is never markup: every route, as every role, with every text column poisoned.

Every text column of every model holds markup that closes a textarea or select, htmx attributes
that would fire a request on load, an element with a handler, and template syntax
(tests/poison.py). Then every route of the application is asked for, as every kind of visitor,
as a page and as an htmx fragment: GET routes with real objects in their URLs, POST routes with
an empty form and with every field of their form filled with the same markup. Each answer is
parsed as a browser parses it (html5lib), and no element or attribute the markup would make may
be in it. A route that is neither walked nor listed in SKIPPED fails the walk.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from urllib.parse import urlsplit

import html5lib
import pytest

from tests.poison import EVALUATED, tag_name, INJECTED_ATTRIBUTES, INJECTED_TAGS, PIECES, build_world, poison_every_text_column

ROLES = ("anonymous", "partner", "desk", "manager", "admin")
HTMX = {"HX-Request": "true"}
TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
# Routes the walk leaves out, and why.
SKIPPED = {
    ("GET", "/static/<path:filename>"): "the site's own files: no user data in them",
}
# Typed into every field of every form the walk posts.
TYPED = "".join(PIECES) + "#0"
# POSTs that change who is logged in: sent last.
LAST = ("/password/<token>", "/logout")
# Text columns a page never shows to anyone, and why (the walk must show every other one).
NEVER_SHOWN = {
    "user_account.language": "the language is chosen from a list; an unknown value is not shown",
    "outbox_message.payload": "what an e-mail says: read by the worker, never by a page "
                              "(tests/http/test_notifications.py poisons the e-mails)",
}
# Answers that are not HTML, and why no browser reads them as markup (each says nosniff too).
NOT_HTML = {
    "text/calendar": "a calendar feed: a browser hands it to a calendar program",
    "application/zip": "a person's or a group's data, sent as a download (Content-Disposition: attachment)",
    "text/csv": "a report's download (an attachment): a browser saves it",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "a report's download as XLSX: saved",
}


def fill(rule: str, values: dict[str, list]) -> list[str]:
    """The rule with each of the world's objects for its converters (one URL per object)."""
    names = re.findall(r"<(?:[^:<>]+:)?(\w+)>", rule)
    if not names:
        return [rule]
    assert len(names) == 1, f"{rule}: the walk fills one converter per rule"
    (name,) = names
    assert name in values, f"the walk has no object for <{name}> of {rule}"
    return [re.sub(r"<[^>]+>", str(v), rule) for v in values[name]]


def get_urls(rule: str, world: dict) -> list[str]:
    """The URLs asked for a GET rule, with the query strings that make pages show more."""
    urls = fill(rule, world["values"])
    day, closed = world["day"].isoformat(), world["closure_day"].isoformat()
    if rule == "/board/":
        urls += [f"/board/?date={day}", f"/board/?date={closed}"]
    if rule in ("/reports/", "/reports/annual", "/reports/download"):  # the period of the world's bookings
        urls += [f"{rule}?start={day}&end={closed}"]
    if rule == "/reports/download":
        urls += [f"{rule}?table=organisations&format=csv&start={day}&end={closed}"]
    if rule in ("/requests/", "/manage/closures/"):
        urls += [f"{rule}?when=past"]
    if rule == "/requests/new":  # the live check: capacity, a clash, a closure, equipment short
        room, beamer = world["room"], world["beamer"]
        urls += [f"/requests/new?resource_id={room}&date={day}&start=10:00&end=15:00&attendees=500",
                 f"/requests/new?resource_id={room}&date={closed}&start=10:00&end=11:00&attendees=5",
                 f"/requests/new?resource_id={beamer}&date={day}&start=14:00&end=15:00&units=5",
                 f"/requests/new?resource_id={room}&date={day}&start=14:00&end=15:00"
                 f"&extras-0-resource_id={beamer}&extras-0-units=9"]
    return urls


def check(html: str, where: str) -> None:
    """Parse as a browser does: no element or attribute of the markup, no evaluated template."""
    tree = html5lib.parse(html, namespaceHTMLElements=False)
    for element in tree.iter():
        tag = tag_name(element)
        if tag is None:
            continue  # a comment
        assert tag not in INJECTED_TAGS, f"{where}: a <{tag}> element from user data"
        for name, value in element.attrib.items():
            assert not name.startswith("on"), f"{where}: <{tag} {name}={value!r}> from user data"
            assert (name, value) not in INJECTED_ATTRIBUTES, f"{where}: <{tag} {name}={value!r}>"
    assert not EVALUATED.search(html), f"{where}: template syntax from user data was evaluated"


def shown(html: str, poisoned) -> set[str]:
    """The poisoned columns whose values the answer shows whole, as text or as a field's value."""
    tree = html5lib.parse(html, namespaceHTMLElements=False)
    found = set()
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue
        for text in (element.text, element.tail, *element.attrib.values()):
            if text:
                found |= poisoned.shown_intact(text)
    return found


def outside_hx_disable(html: str, poisoned) -> list[str]:
    """Elements in the page's body showing user text that htmx would still process.

    Defence in depth: such text sits inside an element with hx-disable, unless the element
    showing it is an htmx control itself (the live check's "Free instead" buttons name a room).
    """
    tree = html5lib.parse(html, namespaceHTMLElements=False)
    parents = {child: element for element in tree.iter() for child in element}
    found = []
    for element in tree.iter():
        if tag_name(element) is None:
            continue
        texts = [element.text, *element.attrib.values(), *(child.tail for child in element)]
        if not any(text and poisoned.shown_intact(text) for text in texts):
            continue
        chain, ancestor = [], element
        while ancestor is not None:
            chain.append(ancestor)
            ancestor = parents.get(ancestor)
        if any("hx-disable" in a.attrib or any(k.startswith("hx-get") or k.startswith("hx-post") for k in a.attrib)
               or tag_name(a) == "head" for a in chain):
            continue
        found.append("/".join(tag_name(a) for a in reversed(chain[:4])))
    return found


def form_fields(html: str, action: str) -> list[str]:
    """The names of the fields of the forms on a page that post to `action`."""
    tree = html5lib.parse(html, namespaceHTMLElements=False)
    names = []
    for form in tree.iter("form"):
        if urlsplit(form.get("action") or action).path != action:
            continue
        for element in form.iter():
            if element.tag in ("input", "textarea", "select") and element.get("name") \
                    and element.get("name") != "csrf_token" and element.get("type") != "submit":
                names.append(element.get("name"))
    return sorted(set(names))


def routes(app) -> set[tuple[str, str]]:
    """(method, rule) of every route the application registers; HEAD and OPTIONS are Flask's own."""
    return {(method, rule.rule) for rule in app.url_map.iter_rules() for method in rule.methods - {"HEAD", "OPTIONS"}}


def test_every_skipped_route_exists(app):
    assert set(SKIPPED) <= routes(app), f"SKIPPED names routes that are gone: {set(SKIPPED) - routes(app)}"


def test_the_pages_use_none_of_the_elements_the_markup_makes():
    """Else finding one in a page would prove nothing."""
    for path in TEMPLATES.rglob("*.html"):
        source = path.read_text(encoding="utf-8")
        for tag in INJECTED_TAGS:
            assert not re.search(rf"<{tag}[\s>]", source), f"{path.name} uses <{tag}>"
    assert INJECTED_TAGS == {"b", "img"} and ("hx-trigger", "load") in INJECTED_ATTRIBUTES


@pytest.mark.parametrize("role", ROLES)
def test_every_route_shows_user_text_as_text(app, client, auth, make, role):
    world = build_world(make)
    every_route = routes(app)
    walked: set[tuple[str, str]] = set()
    poisoned = poison_every_text_column()
    user = world["users"].get(role)
    if user is not None:
        assert auth.login(user).status_code == 302, f"{role} could not log in"
    seen: set[str] = set()
    pages: dict[str, str] = {}

    for method, rule in sorted(every_route):
        if method != "GET" or (method, rule) in SKIPPED:
            continue
        walked.add((method, rule))
        for url in get_urls(rule, world):
            for headers in ({}, HTMX):
                response = client.get(url, headers=headers)
                where = f"{role}: GET {url}{' (fragment)' if headers else ''}"
                assert response.status_code < 500, f"{where}: HTTP {response.status_code}"
                if response.mimetype in NOT_HTML:
                    assert response.headers["X-Content-Type-Options"] == "nosniff", where
                    continue
                html = response.get_data(as_text=True)
                check(html, where)
                seen |= shown(html, poisoned)
                if response.status_code == 200:
                    exposed = outside_hx_disable(html, poisoned)
                    assert not exposed, f"{where}: user text outside hx-disable in {exposed}"
                if not headers and response.status_code == 200:
                    pages[urlsplit(url).path] = html

    posts = sorted((rule for method, rule in every_route if method == "POST" and (method, rule) not in SKIPPED),
                   key=lambda rule: (rule in LAST, LAST.index(rule) if rule in LAST else 0, rule))
    for rule in posts:
        walked.add(("POST", rule))
        for url in fill(rule, world["values"]):
            typed = {name: TYPED for name in form_fields(pages.get(url, ""), url)}
            for data in (typed, {}) if typed else ({},):
                for headers in (HTMX, {}):
                    response = client.post(url, data=data, headers=headers, follow_redirects=not headers)
                    where = f"{role}: POST {url} {sorted(data)}{' (fragment)' if headers else ''}"
                    assert response.status_code < 500, f"{where}: HTTP {response.status_code}"
                    if response.mimetype in NOT_HTML:
                        assert response.headers["X-Content-Type-Options"] == "nosniff", where
                        continue
                    html = response.get_data(as_text=True)
                    check(html, where)
                    seen |= shown(html, poisoned)

    missing = every_route - walked - set(SKIPPED)
    assert not missing, f"routes neither walked nor in SKIPPED: {sorted(missing)}"
    # The walk saw the texts it looks for: a page that showed nothing could not pass by accident.
    every = set(poisoned.columns.values())
    if role == "admin":
        assert every - seen <= set(NEVER_SHOWN), f"no page showed {sorted(every - seen - set(NEVER_SHOWN))}"
        assert not set(NEVER_SHOWN) & seen, "NEVER_SHOWN is out of date"
    elif role != "anonymous":
        assert {"booking.title", "organisation.name", "resource.name"} <= seen, f"{role} saw only {sorted(seen)}"


BOOKING = Path(__file__).resolve().parents[2] / "booking"


# The only modules that make Markup, and why.
MAKES_MARKUP = {
    "lazytext.py": "lazy translations that escape themselves and every value in them",
    "markup.py": "the board's hundreds of blocks, printed from the app's own literal templates with every "
                 "value escaped (a macro per block was most of the board's time); its calls are checked below",
}


def markup_calls(tree: ast.AST):
    """Calls of booking.markup's functions: (function, first argument, line)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and isinstance(node.func.value, ast.Name) and node.func.value.id == "markup":
            yield node.func.attr, node.args, node.lineno


def test_no_code_marks_text_as_markup():
    """Lazy translations come from booking.lazytext (they escape themselves); nothing else builds
    Markup but booking.markup, whose templates are literals in the code, never a value."""
    for path in BOOKING.rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        name = str(path.relative_to(BOOKING))
        assert not re.search(r"from flask_babel import[^\n]*lazy_", source), f"{name}: lazy_gettext from flask_babel"
        assert not re.search(r"\bMarkup\(", source) or name in MAKES_MARKUP, f"{name} builds Markup"
        assert not re.search(r"def __html__", source) or name == "lazytext.py", f"{name} makes its own markup type"
        assert not re.search(r"from (?:booking\.|\.+)markup import", source), f"{name}: call markup.piece by its module"
        for function, args, line in markup_calls(ast.parse(source)):
            assert function in ("piece", "joined", "template"), f"{name}:{line}: markup.{function}"
            if function == "template":  # one of the app's own templates, autoescaped like every page
                continue
            template = args[0] if function == "piece" else (args[1] if len(args) > 1 else None)
            assert template is None or (isinstance(template, ast.Constant) and isinstance(template.value, str)), (
                f"{name}:{line}: markup.{function} with a template that is not a string literal")
    for path in TEMPLATES.rglob("*.html"):
        source = path.read_text(encoding="utf-8")
        assert not re.search(r"\|\s*safe\b|Markup", source), f"{path.name} marks text as safe"


def test_a_piece_of_markup_shows_every_value_as_text():
    from booking import markup
    from booking.lazytext import lazy_gettext

    inner = markup.piece("<span>{name}</span>", name="<b hx-get=/x>")
    html = str(markup.joined([
        markup.piece('<li title="{title}">{inner}{lazy}</li>', title='"><svg onload=alert(1)>', inner=inner,
                     lazy=lazy_gettext("%(name)s (up to %(n)s people)", name="<b>", n=5)),
        "<b>",
    ]))
    check(html, "markup.piece")
    assert html.startswith('<li title="&#34;&gt;&lt;svg onload=alert(1)&gt;"><span>&lt;b hx-get=/x&gt;</span>')
    assert html.endswith("&lt;b&gt;")


def test_a_lazy_translation_with_a_name_in_it_is_text(app):
    """The frame translated, the name in it escaped: in a template and as a select's option."""
    from flask import render_template_string
    from wtforms import SelectField
    from wtforms.fields.choices import SelectChoice

    from booking.forms import Form
    from booking.lazytext import lazy_gettext

    class Pick(Form):
        what = SelectField(choices=[])

    label = lazy_gettext("%(name)s (up to %(n)s people)", name="<b hx-get=/x>", n=5)
    with app.test_request_context():
        page = render_template_string("<p>{{ label }}</p>", label=label)
        form = Pick(formdata=None)
        form.what.choices = [SelectChoice("1", label)]
        option = str(form.what())
    for html in (page, option):
        assert "<b" not in html and "&lt;b hx-get=/x&gt;" in html
    assert "(bis 5 Personen)" in page
