"""The manager finds things with filters (htmx swaps the queue in place), and the garden round as
the manager and a group see it; screenshots at 360 and 1280 px for a person to look at."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from booking.clock import now, today
from booking.extensions import db
from booking.garden.models import GardenApplication, GardenSeason
from booking.models import Organisation, Resource, ResourceKind, User

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/shots/share")
NARROW = {"width": 360, "height": 800}


def shoot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    for label, size in (("1280", {"width": 1280, "height": 900}), ("360", NARROW)):
        page.set_viewport_size(size)
        page.screenshot(path=str(SHOTS / f"{name}-{label}.png"), full_page=True, caret="initial")
    # The page's own content fits (the header's row of languages is the site's, not this page's).
    width = page.evaluate("document.querySelector('main').scrollWidth")
    assert width <= NARROW["width"] + 1, f"{name} is {width} px wide at 360 px"
    page.set_viewport_size({"width": 1280, "height": 900})


@pytest.fixture
def garden_season(live_server):
    """A season after its window, with the applications of two groups."""
    with live_server.app.app_context():
        day = today()
        season = GardenSeason(name="Gartensaison Probe", starts_on=day + timedelta(days=20),
                              ends_on=day + timedelta(days=200), apply_from=day - timedelta(days=20),
                              apply_until=day - timedelta(days=1), offer_days=7)
        groups = db.session.scalars(sa.select(Organisation).where(Organisation.name.in_(
            ["Deutsch für alle e.V.", "Syrisch-Deutscher Kulturverein"])).order_by(Organisation.name)).all()
        for n, group in enumerate(groups):
            member = db.session.scalars(sa.select(User).where(User.organisation_id == group.id)).first()
            db.session.add(GardenApplication(season=season, organisation=group, applied_by=member,
                                             note="Gemüse für den Mittagstisch",
                                             created_at=now() - timedelta(days=5 - n)))
        free_plot = Resource(name="Beet Probe", kind=ResourceKind.PLOT)
        db.session.add_all([season, free_plot])
        db.session.commit()
        ids = season.id, free_plot.id
        db.session.remove()
    return ids


def test_queue_filters_swap_in_place_and_lists_page(new_page, login, de, browser_problems, live_server):
    browser_problems.expected_failures.add(f"{live_server.url}/manage/queue?date_from=2026-02-30")
    page = login(new_page(), "manager@example.org")
    page.goto("/manage/queue")
    page.get_by_label(de("Kind")).select_option("plot")
    with page.expect_response(lambda r: "/manage/queue" in r.url and r.request.headers.get("hx-request") == "true"):
        page.get_by_role("button", name=de("Show"), exact=True).click()
    page.wait_for_url(lambda url: "kind=plot" in url)  # the filter is in the address, to bookmark
    shoot(page, "queue-filtered")
    page.goto("/manage/queue?date_from=2026-02-30")
    assert page.get_by_text(de("Please correct the marked filters.")).is_visible()
    page.goto("/manage/users/?q=example")
    shoot(page, "users-search")
    page.goto("/manage/organisations/?q=verein")
    shoot(page, "organisations-search")
    page.goto("/manage/changes?subject=resource")
    shoot(page, "changes-filtered")
    browser_problems.assert_none()


def test_forms_with_approvers_and_quotas(new_page, login, live_server, browser_problems):
    with live_server.app.app_context():
        kitchen = db.session.scalar(sa.select(Resource.id).where(Resource.kind == ResourceKind.ROOM))
        group = db.session.scalar(sa.select(Organisation).where(Organisation.name == "Deutsch für alle e.V."))
        group.quota_room_hours, group.quota_open_requests = 20, 5
        group_id = group.id
        db.session.commit()
        db.session.remove()
    try:
        page = login(new_page(), "manager@example.org")
        page.goto(f"/manage/resources/{kitchen}/edit")
        shoot(page, "resource-approvers")
        page.goto(f"/manage/organisations/{group_id}/edit")
        shoot(page, "organisation-quotas")
        partner = login(new_page(), "partner@example.org")
        day = today() + timedelta(days=14)
        partner.goto(f"/requests/new?resource_id={kitchen}&date={day.isoformat()}&start=10:00&end=12:00&attendees=5")
        assert partner.locator(".quota").is_visible()
        shoot(partner, "request-quota")
        browser_problems.assert_none()
    finally:  # the demo group is every browser test's: it goes back to having no quota
        with live_server.app.app_context():
            group = db.session.get(Organisation, group_id)
            group.quota_room_hours = group.quota_open_requests = None
            db.session.commit()
            db.session.remove()


def test_garden_round_as_manager_and_group(new_page, login, de, garden_season, browser_problems):
    season_id, plot_id = garden_season
    manager = login(new_page(), "manager@example.org")
    manager.goto(f"/garden/seasons/{season_id}")
    shoot(manager, "garden-season-manager")
    first_row = manager.locator("tbody tr").first
    first_row.locator("select").select_option(str(plot_id))
    first_row.get_by_role("button", name=de("Allocate")).click()
    assert manager.get_by_text(de("The plot was allocated.")).is_visible()
    manager.goto("/garden/seasons/new")
    shoot(manager, "garden-season-new")
    group = login(new_page(), "partner2@example.org")
    group.goto("/garden/")
    shoot(group, "garden-seasons-group")
    group.goto(f"/garden/seasons/{season_id}")
    assert group.get_by_text(de("You are number %(n)s on the waiting list.", n=1)).is_visible()
    shoot(group, "garden-season-group")
    browser_problems.assert_none()
