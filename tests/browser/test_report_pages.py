"""The manager opens the year's report, sees its charts and downloads it as CSV and XLSX."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/shots/reports")


def test_the_manager_reads_the_years_report_and_downloads_it(new_page, login, de, browser_problems, screenshot):
    page = login(new_page(), "manager@example.org")
    page.get_by_role("link", name=de("Reports"), exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(de("Reports"))
    # this year, without choosing: the demo's fortnight of courses, cafés and counselling
    charts = page.get_by_role("img")
    expect(charts.first).to_be_visible()
    assert charts.count() >= 7
    by_purpose = page.locator("#purposes")
    expect(by_purpose.get_by_role("img")).to_have_accessible_name(f"{de('Hours: %(title)s', title=de('By purpose'))}"
                                                                 f" {de('A bar chart. The same figures are in the table next to it.')}")
    expect(by_purpose.get_by_role("row").filter(has_text=de("German course"))).to_be_visible()
    expect(by_purpose.locator("svg text").filter(has_text=de("German course"))).to_have_count(1)

    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "report-1280.png"), full_page=True)
    page.screenshot(path=str(SHOTS / "report-1280-top.png"))
    page.locator("#rooms").screenshot(path=str(SHOTS / "rooms-1280.png"))
    assert page.evaluate(WIDEST) <= 1280

    with page.expect_download() as csv_download:
        by_purpose.get_by_role("link", name=re.compile(f"^{de('CSV')}")).click()
    body = Path(csv_download.value.path()).read_bytes()
    assert csv_download.value.suggested_filename.startswith("treffpunkt-purposes-")
    assert body.startswith(b"\xef\xbb\xbf") and de("German course").encode() in body

    with page.expect_download() as xlsx_download:
        page.get_by_role("link", name=de("All requests as Excel")).click()
    assert xlsx_download.value.suggested_filename.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(Path(xlsx_download.value.path()).read_bytes())).active
    titles = [row[10] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert "Deutschkurs A2" in titles

    page.get_by_role("link", name=de("Report for printing")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(de("Report on the use of the house"))
    page.emulate_media(media="print")
    page.screenshot(path=str(SHOTS / "annual-print.png"), full_page=True)
    page.screenshot(path=str(SHOTS / "annual-print-top.png"))
    pdf = page.pdf(prefer_css_page_size=True)
    Path("/tmp/shots/reports/annual.pdf").write_bytes(pdf)
    assert pdf.startswith(b"%PDF") and re.search(rb"/MediaBox \[0 0 59[45][.\d]* 84[12][.\d]*\]", pdf)  # A4
    browser_problems.assert_none()


WIDEST = "Math.max(...[...document.querySelectorAll('main *')].map(e => e.getBoundingClientRect().right))"


def test_the_report_fits_a_small_phone(new_page, login, de, browser_problems):
    """Nothing of the report reaches past 360 px, and the page does not scroll sideways."""
    page = login(new_page(phone=True), "manager@example.org")
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto("/reports/")
    expect(page.locator("#rooms").get_by_role("img")).to_be_visible()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "report-360.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
    page.screenshot(path=str(SHOTS / "report-360-top.png"))
    page.locator("#purposes").screenshot(path=str(SHOTS / "purposes-table-360.png"))
    assert page.evaluate(WIDEST) <= 360
    page.goto("/reports/purposes")
    page.screenshot(path=str(SHOTS / "purposes-360.png"), full_page=True)
    assert page.evaluate(WIDEST) <= 360
    browser_problems.assert_none()
