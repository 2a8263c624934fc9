"""An administrator opens every page of a house whose every text holds markup: nothing fires.

The demo house, seeded on a server of its own, gets every text column of every model poisoned
(tests/poison.py): elements that would make htmx send a request on load (`hx-get=/x`), handlers,
template syntax. The administrator, the role whose requests could do the most harm, then opens
every page of the application (every GET route, with real objects) and each page's htmx
fragment is fetched by the page itself where it has one. Every request the browser sends is
recorded: none may go to a URL taken from the markup, none may be a POST the administrator did
not send, and no dialog may open.
"""

from __future__ import annotations

import re
import threading
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade
from werkzeug.serving import make_server

from booking import accounts, create_app
from booking.clock import now
from booking.extensions import db
from booking.models import (Booking, Closure, Organisation, Resource, ResourceKind, Role, Series, Status,
                            TokenPurpose, User)
from booking.reports.models import Purpose
from tests.browser.conftest import DEMO_PASSWORD, QuietRequestHandler
from tests.conftest import Factory, base_config
from tests.http.test_xss import NOT_HTML
from tests.poison import desk_world, garden_round, poison_every_text_column, screens_feeds_and_messages

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def poisoned_house(tmp_path_factory):
    """The demo house on a server of its own, every text column poisoned; the ids the routes need."""
    folder = tmp_path_factory.mktemp("poisoned")
    (folder / "instance").mkdir()
    config = base_config(folder / "instance", f"sqlite:///{folder / 'treffpunkt.sqlite'}")
    config["WTF_CSRF_ENABLED"] = True
    app = create_app(config)
    with app.app_context():
        upgrade()
    assert app.test_cli_runner().invoke(args=["demo", "seed"]).exit_code == 0
    with app.app_context():
        first = lambda model, *where: db.session.scalars(sa.select(model).where(*where).order_by(model.id)).first()
        invited = first(User, User.role == Role.PARTNER)
        token, _link = accounts.issue(db.session, invited, TokenPurpose.INVITATION, at=now(),
                                      lifetime=timedelta(days=7))
        approved = first(Booking, Booking.status == Status.APPROVED)
        manager = first(User, User.role == Role.MANAGER)
        newer = screens_feeds_and_messages(invited, approved, manager)
        db.session.commit()
        # The rows the demo does not make (a garden round, the desk's keys and loans), as the HTTP walk has them.
        make = Factory(app)
        group_a, group_b = make.organisation("Gift A"), make.organisation("Gift B")
        member_a, member_b = make.user(Role.PARTNER, group_a), make.user(Role.PARTNER, group_b)
        plot = make.resource("Giftbeet", kind=ResourceKind.PLOT)
        room = make.resource("Giftraum", capacity=20)
        beamer = make.resource("Giftbeamer", kind=ResourceKind.EQUIPMENT, quantity=2)
        newer.update(garden_round(group_a, group_b, member_a, member_b, plot, manager))
        db.session.commit()
        newer.update(desk_world(make, group_a, room, beamer, member_a, first(User, User.role == Role.DESK)))
        values = {
            **{name: found[0] for name, found in newer.items()},
            "booking_id": approved.id,
            "series_id": first(Series).id,
            "resource_id": first(Resource).id,
            "organisation_id": first(Organisation).id,
            "user_id": invited.id,
            "closure_id": first(Closure).id,
            "purpose_id": first(Purpose).id,
            "token": token,
        }
        poison_every_text_column()
        admin = first(User, User.role == Role.ADMIN).email
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield {"url": f"http://127.0.0.1:{server.server_port}", "app": app, "values": values, "admin": admin}
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        with app.app_context():
            db.engine.dispose()


def pages(house) -> list[str]:
    rules = sorted(r.rule for r in house["app"].url_map.iter_rules() if "GET" in r.methods and r.endpoint != "static")
    return [re.sub(r"<(?:[^:<>]+:)?(\w+)>", lambda m: str(house["values"][m[1]]), rule) for rule in rules]


def test_an_administrator_opens_every_poisoned_page_and_nothing_fires(browser, poisoned_house):
    house = poisoned_house
    context = browser.new_context(base_url=house["url"], locale="de-DE", timezone_id="Europe/Berlin")
    context.set_default_timeout(5_000)
    page = context.new_page()
    sent: list[tuple[str, str, bool]] = []
    dialogs: list[str] = []
    page.on("request", lambda r: sent.append((r.method, r.url, r.redirected_from is not None)))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))

    page.goto("/login")
    page.locator("#email").fill(house["admin"])
    page.locator("#password").fill(DEMO_PASSWORD)
    with page.expect_navigation():
        page.locator("form[action='/login'] button[type=submit]").click()
    assert urlsplit(page.url).path != "/login", "the administrator could not log in"
    opened = 0
    for url in pages(house):
        if url == "/logout":
            continue
        kind = context.request.head(url).headers.get("content-type", "").split(";")[0]
        if kind in NOT_HTML:  # a file the browser hands to another program (a calendar feed): never shown
            continue
        sent.clear()
        response = page.goto(url)
        assert response is not None and response.status < 500, f"{url}: HTTP {response and response.status}"
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(150)  # hx-trigger=load would fire right after htmx processed the page
        opened += 1
        offered = house["url"] + url
        for method, requested, redirected in sent:
            path = urlsplit(requested).path
            assert path != "/x" and not path.startswith("/x?"), f"{url}: the page sent {method} {requested}"
            assert method == "GET", f"{url}: the page sent {method} {requested} by itself"
            assert requested == offered or redirected or path.startswith("/static/") or path == "/favicon.ico", (
                f"{url}: the page asked for {requested} by itself")
    assert opened >= 20, opened
    assert dialogs == [], dialogs
    context.close()
