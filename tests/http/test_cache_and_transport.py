"""No copy of a page stays behind, and browsers keep to HTTPS.

Pages carry personal data (requests, accounts, groups, the board, the record of changes) or a
form's token bound to one session. Every answer but the site's own static files says
`Cache-Control: no-store`, so neither the browser of a shared computer (the café's, the
library's) nor a proxy keeps a copy. Outside development every answer carries
`Strict-Transport-Security`.
"""

from __future__ import annotations

import pytest

from tests.http.test_xss import fill, routes
from tests.poison import build_world

ROLES = ("anonymous", "partner", "desk", "manager", "admin")


@pytest.mark.parametrize("role", ROLES)
def test_no_answer_but_static_files_is_stored(app, client, auth, make, role):
    world = build_world(make)
    user = world["users"].get(role)
    if user is not None:
        auth.login(user)
    answers = 0
    for method, rule in sorted(routes(app)):
        if rule.startswith("/static") or rule in ("/logout", "/password/<token>"):
            continue  # the static files below; the two that change who is logged in at the end
        for url in fill(rule, world["values"])[:1]:
            for headers in ({}, {"HX-Request": "true"}):
                response = client.open(url, method=method, headers=headers, data={} if method == "POST" else None)
                assert response.status_code < 500, f"{method} {url}: HTTP {response.status_code}"
                assert response.headers.get("Cache-Control") == "no-store", (
                    f"{method} {url} as {role} (HTTP {response.status_code}): "
                    f"Cache-Control {response.headers.get('Cache-Control')!r}")
                answers += 1
    for url in ("/logout", f"/password/{world['values']['token'][0]}"):
        assert client.post(url).headers.get("Cache-Control") == "no-store"
    assert answers > 100


def test_the_named_pages_with_personal_data_are_not_stored(client, auth, make):
    world = build_world(make)
    values = world["values"]
    auth.login(world["users"]["partner"])
    for url in ("/requests/", f"/requests/{values['booking_id'][0]}", f"/requests/series/{values['series_id'][0]}"):
        assert client.get(url).headers["Cache-Control"] == "no-store", url
    client.post("/logout")
    auth.login(world["users"]["admin"])
    for url in ("/manage/users/", "/manage/organisations/", "/manage/queue", "/board/", "/manage/changes"):
        response = client.get(url)
        assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store", url


def test_static_files_may_be_kept(client):
    response = client.get("/static/css/app.css")
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")
    response.close()


@pytest.fixture
def production_app_config(app_config):
    app_config["DEVELOPMENT"] = False
    app_config["PUBLIC_URL"] = "https://localhost"
    return app_config


@pytest.mark.parametrize("url", ["/login", "/static/css/app.css", "/board/", "/nowhere"])
def test_outside_development_browsers_are_told_to_keep_to_https(production_app_config, client, url):
    response = client.get(url, base_url="https://localhost")
    assert response.headers.get("Strict-Transport-Security") == "max-age=31536000", url
    response.close()


def test_on_a_developers_machine_plain_http_stays_possible(client):
    """bin/start serves over plain HTTP: a browser told HSTS for 127.0.0.1 would refuse it for a year."""
    assert "Strict-Transport-Security" not in client.get("/login").headers
