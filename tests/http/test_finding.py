"""Finding things in the manager's lists: the queue's filters, searches, pages and bad filter values."""

import re
from datetime import timedelta

import pytest

from booking.models import ChangeRecord, ResourceKind, Role, Status
from tests.conftest import count_rows, future_day


@pytest.fixture
def manager(make, auth):
    user = make.user(Role.MANAGER, name="Maria Manager")
    auth.login(user)
    return user


def _shown(html: str, booking) -> bool:
    return f'id="request-{booking.id}"' in html


def test_queue_filters_by_resource_kind_group_dates_and_status(client, manager, make):
    room = make.resource("Seminarraum 1")
    kitchen = make.resource("Lehrküche")
    plot = make.resource("Beet 3", kind=ResourceKind.PLOT)
    choir, course = make.organisation("Chor"), make.organisation("Kurs")
    early = make.booking(room, choir, day=future_day(weeks=2), title="Probe")
    late = make.booking(kitchen, course, day=future_day(weeks=5), title="Kochen")
    garden = make.booking(plot, choir, day=future_day(weeks=3), start="00:00", end="23:59", title="Beet")
    done = make.booking(room, course, day=future_day(weeks=3), status=Status.APPROVED, title="Schon")

    html = client.get(f"/manage/queue?resource={kitchen.id}").get_data(as_text=True)
    assert _shown(html, late) and not _shown(html, early) and not _shown(html, garden)
    html = client.get("/manage/queue?kind=plot").get_data(as_text=True)
    assert _shown(html, garden) and not _shown(html, early)
    html = client.get(f"/manage/queue?organisation={choir.id}").get_data(as_text=True)
    assert _shown(html, early) and _shown(html, garden) and not _shown(html, late)
    week4 = future_day(weeks=4)
    html = client.get(f"/manage/queue?date_from={week4.isoformat()}").get_data(as_text=True)
    assert _shown(html, late) and not _shown(html, early)
    html = client.get(f"/manage/queue?date_to={(future_day(weeks=2) + timedelta(days=1)).isoformat()}").get_data(as_text=True)
    assert _shown(html, early) and not _shown(html, late)
    html = client.get("/manage/queue?status=approved").get_data(as_text=True)
    assert _shown(html, done) and not _shown(html, early)
    # The filters stay in the form, so the page can be bookmarked and changed.
    html = client.get(f"/manage/queue?kind=plot&organisation={choir.id}").get_data(as_text=True)
    assert re.search(r'<option[^>]*selected[^>]*value="plot"|<option[^>]*value="plot"[^>]*selected', html)


def test_queue_pages_keep_the_filters(client, manager, make):
    room = make.resource("Seminarraum 1")
    group = make.organisation("Chor")
    for weeks in range(2, 6):
        make.booking(room, group, day=future_day(weeks=weeks))
    html = client.get(f"/manage/queue?organisation={group.id}&size=2").get_data(as_text=True)
    assert "Page 1 of 2" in html or "Seite 1 von 2" in html
    assert f"organisation={group.id}" in html.split('class="pagination"')[1]
    second = client.get(f"/manage/queue?organisation={group.id}&size=2&page=2", headers={"HX-Request": "true"})
    assert second.status_code == 200 and "<html" not in second.get_data(as_text=True)


@pytest.mark.parametrize("query", ["date_from=2026-13-45", "date_from=gestern", "resource=99999",
                                   "organisation=abc", "kind=castle", "status=lost",
                                   "date_from=2030-05-02&date_to=2030-05-01", "date_from=1700-01-01"])
def test_bad_queue_filters_answer_422_with_a_message(client, manager, make, query):
    make.booking(make.resource("Seminarraum 1"), title="Treffen")
    response = client.get(f"/manage/queue?{query}")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "field-error" in html and 'id="request-' not in html


@pytest.mark.parametrize("page", ["0", "-3", "x", "99999999999999999999999", "2"])
def test_page_numbers_are_clamped(client, manager, make, page):
    booking = make.booking(make.resource("Seminarraum 1"))
    response = client.get(f"/manage/queue?page={page}")
    assert response.status_code == 200
    assert _shown(response.get_data(as_text=True), booking)
    for url in (f"/manage/users/?page={page}", f"/manage/organisations/?page={page}",
                f"/manage/changes?page={page}"):
        assert client.get(url).status_code == 200


def test_accounts_are_found_by_name_email_and_role_a_page_at_a_time(client, manager, make):
    make.user(Role.DESK, name="Dora Desk", email="dora@haus.example")
    make.user(Role.PARTNER, name="Paul 100%_Partner", email="paul@verein.example")
    html = client.get("/manage/users/?q=DORA").get_data(as_text=True)
    assert "dora@haus.example" in html and "paul@verein.example" not in html
    html = client.get("/manage/users/?q=verein.example").get_data(as_text=True)
    assert "paul@verein.example" in html and "dora@haus.example" not in html
    html = client.get("/manage/users/?q=100%25_").get_data(as_text=True)  # wildcards are plain text
    assert "paul@verein.example" in html and "dora@haus.example" not in html
    assert "dora@haus.example" not in client.get("/manage/users/?q=_").get_data(as_text=True)
    html = client.get("/manage/users/?role=desk").get_data(as_text=True)
    assert "dora@haus.example" in html and "paul@verein.example" not in html
    assert client.get("/manage/users/?role=king").status_code == 422
    assert client.get("/manage/users/?q=" + "x" * 101).status_code == 422
    html = client.get("/manage/users/?size=1&page=2").get_data(as_text=True)
    assert 'rel="prev"' in html and html.count('<tr id="user-') == 1


def test_groups_are_found_by_name_contact_and_email(client, manager, make):
    make.organisation("Gartenfreunde", contact_name="Gisela Grün")
    make.organisation("Kochgruppe", contact_name="Karl Koch")
    html = client.get("/manage/organisations/?q=gisela").get_data(as_text=True)
    assert "Gartenfreunde" in html and "Kochgruppe" not in html
    html = client.get("/manage/organisations/?q=nichts").get_data(as_text=True)
    assert "Gartenfreunde" not in html and "Kochgruppe" not in html


def test_record_of_changes_filters_by_kind_person_dates_and_text(client, manager, make, auth):
    make.organisation("Gartenfreunde")
    make.resource("Lehrküche")
    other = make.user(Role.ADMIN, name="Anton Admin")
    auth.login(other)
    client.post("/manage/organisations/new", data={"name": "Von Anton", "kind": "association"})
    auth.login(manager)
    html = client.get("/manage/changes?subject=resource").get_data(as_text=True)
    assert "Lehrküche" in html and "Gartenfreunde" not in html
    html = client.get(f"/manage/changes?actor={other.id}").get_data(as_text=True)
    assert "Von Anton" in html and "Lehrküche" not in html
    html = client.get("/manage/changes?q=garten").get_data(as_text=True)
    assert "Gartenfreunde" in html and "Lehrküche" not in html
    html = client.get("/manage/changes?date_to=2001-01-01").get_data(as_text=True)
    assert "Gartenfreunde" not in html
    for bad in ("subject=nonsense", "actor=424242", "date_from=31.12.2025", "date_from=2026-02-30"):
        response = client.get(f"/manage/changes?{bad}")
        assert response.status_code == 422, bad
        assert "field-error" in response.get_data(as_text=True)
    assert count_rows(ChangeRecord) > 0


def queries(counted) -> int:
    """Statements that read, without SQLite's BEGIN (sent or not as the test's own session left it)."""
    return sum(1 for s in counted.statements if s.strip().upper() != "BEGIN")


def test_filtered_lists_need_the_same_number_of_queries_for_few_or_many_rows(client, manager, make):
    from tests.http.querycount import count_queries

    room = make.resource("Seminarraum 1")
    group = make.organisation("Chor")
    make.booking(room, group, day=future_day(weeks=2))
    urls = [f"/manage/queue?organisation={group.id}&kind=room", "/manage/users/?q=e", "/manage/organisations/?q=e",
            "/manage/changes?subject=organisation"]
    few = {}
    for url in urls:
        with count_queries() as counted:
            assert client.get(url).status_code == 200
        few[url] = queries(counted)
    for weeks in range(3, 23):
        make.booking(room, group, day=future_day(weeks=weeks))
        make.user(Role.PARTNER, make.organisation(f"Verein {weeks}"), name=f"Erna {weeks}")
    for url in urls:
        with count_queries() as counted:
            assert client.get(url).status_code == 200
        assert queries(counted) == few[url], url
