"""The lobby display: a secret link, no login, only what the groups allow, 304 while unchanged."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from booking.clock import local, now
from booking.extensions import db
from booking.lobby import screens
from booking.lobby.models import LobbyScreen
from booking.models import ResourceKind, Role, Status

HTMX = {"HX-Request": "true"}


@pytest.fixture
def manager(make):
    return make.user(Role.MANAGER, language="en")


@pytest.fixture
def house(make):
    """Two groups with a booking each later today (or tomorrow, late in the evening)."""
    chor = make.organisation("Chor Harmonie")
    verein = make.organisation("Verein Geheim")
    room = make.resource("Saal 1", ResourceKind.ROOM)
    other = make.resource("Saal 2", ResourceKind.ROOM)
    day = local(now()).date() + timedelta(days=1)  # the rooms' next bookings: tomorrow morning
    hhmm, end = "10:00", "11:30"
    make.booking(room, chor, day=day, start=hhmm, end=end, status=Status.APPROVED, title="Chorprobe")
    make.booking(other, verein, day=day, start=hhmm, end=end, status=Status.APPROVED, title="Beratung")
    make.booking(other, verein, day=day, start=hhmm, end=end, status=Status.PENDING, title="Noch offen")
    return chor, verein


def new_screen(name: str = "Eingang") -> tuple[LobbyScreen, str]:
    screen = LobbyScreen(name=name)
    token = screens.issue(screen, now())
    db.session.add(screen)
    db.session.commit()
    return screen, token


def test_the_lobby_shows_titles_and_only_the_names_a_group_allows(client, house):
    chor, verein = house
    screens.set_name_shown(db.session, chor.id, True)
    db.session.commit()
    _screen, token = new_screen()
    page = client.get(f"/lobby/{token}")
    assert page.status_code == 200
    assert "Chorprobe" in page.text and "Beratung" in page.text
    assert "Chor Harmonie" in page.text  # allowed
    assert "Verein Geheim" not in page.text  # the default: the title only
    assert "Noch offen" not in page.text  # only approved bookings
    assert "login" not in page.headers.get("Location", "")
    assert page.headers["Referrer-Policy"] == "no-referrer"


def test_a_wrong_renewed_or_revoked_link_gets_404(client, house):
    screen, token = new_screen()
    assert client.get(f"/lobby/{token}").status_code == 200
    assert client.get(f"/lobby/{token[:-2]}xx").status_code == 404
    assert client.get("/lobby/" + "x" * 300).status_code == 404
    renewed = screens.issue(screen, now())
    db.session.commit()
    assert client.get(f"/lobby/{token}").status_code == 404
    assert client.get(f"/lobby/{renewed}").status_code == 200
    screens.revoke(screen)
    db.session.commit()
    assert client.get(f"/lobby/{renewed}").status_code == 404


def test_only_the_links_hash_is_stored(house):
    screen, token = new_screen()
    assert token not in (screen.token_hash or "")
    assert len(screen.token_hash) == 64


def test_the_lobby_answers_304_until_something_changes(client, make, house):
    chor, _verein = house
    _screen, token = new_screen()
    page = client.get(f"/lobby/{token}")
    live = re.search(r'<main id="lobby-live"[^>]*>', page.text).group(0)
    assert 'hx-trigger="every 30s"' in live
    tag = client.get(f"/lobby/{token}", headers=HTMX).headers["ETag"]
    assert client.get(f"/lobby/{token}", headers={**HTMX, "If-None-Match": tag}).status_code == 304
    screens.set_name_shown(db.session, chor.id, True)
    db.session.commit()
    changed = client.get(f"/lobby/{token}", headers={**HTMX, "If-None-Match": tag})
    assert changed.status_code == 200 and "Chor Harmonie" in changed.text


def test_the_manager_adds_renews_and_ends_a_screens_link(client, auth, manager, house):
    chor, _verein = house
    auth.login(manager)
    added = client.post("/lobby/screens", data={"name": "Foyer"})
    assert added.status_code == 200
    link = re.search(r"/lobby/([A-Za-z0-9_-]{40,})", added.text).group(1)
    assert client.get(f"/lobby/{link}").status_code == 200
    screen = db.session.query(LobbyScreen).filter_by(name="Foyer").one()
    renewed = client.post(f"/lobby/screens/{screen.id}/renew")
    new_link = re.search(r"/lobby/([A-Za-z0-9_-]{40,})", renewed.text).group(1)
    assert new_link != link
    assert client.get(f"/lobby/{link}").status_code == 404
    assert client.post(f"/lobby/screens/{screen.id}/revoke").status_code == 303
    assert client.get(f"/lobby/{new_link}").status_code == 404
    refused = client.post("/lobby/screens", data={"name": ""})
    assert refused.status_code == 422
    assert client.post(f"/lobby/names/{chor.id}", data={"shown": "y"}).status_code == 303
    assert chor.id in screens.names_shown(db.session)
    assert client.post(f"/lobby/names/{chor.id}", data={}).status_code == 303
    assert chor.id not in screens.names_shown(db.session)


@pytest.mark.parametrize("role", [Role.PARTNER, Role.DESK])
def test_only_managers_look_after_the_screens(client, auth, make, role):
    auth.login(make.user(role))
    assert client.get("/lobby/screens").status_code == 403
    assert client.post("/lobby/screens", data={"name": "Foyer"}).status_code == 403
