"""Printed to PDF, every column of every table is on the page, with a header on each page.

A demo-like report (every analyzer, two sensitive attributes) and the comparison page are
printed with headless Chromium; ``pdftotext`` must find every column header of every
table the printed page shows (tables inside a closed ``<details>`` — the raw evidence —
are collapsed in print by design). Before the print CSS, wide tables lost their right-most
columns (accuracy, AUC, three race columns of the SHAP table) and printed scrollbars.
"""

from __future__ import annotations

import os

import pytest
from print_check import (
    CHROMIUM,
    PDFTOTEXT,
    PrintedTables,
    missing_headers,
    pdf_pages,
    pdf_text,
    print_to_pdf,
)
from report_models import planted_disparity_report

import audit

REQUIRED = os.environ.get("MODEL_AUDIT_REQUIRE_BROWSER") == "1"

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module", autouse=True)
def _tools():
    if CHROMIUM is None or PDFTOTEXT is None:
        if REQUIRED:
            pytest.fail("MODEL_AUDIT_REQUIRE_BROWSER=1 but chromium or pdftotext is missing")
        pytest.skip("needs Debian's chromium and poppler-utils (pdftotext)")


@pytest.fixture(scope="module")
def reports():
    first = planted_disparity_report(n_boot=50)
    second = planted_disparity_report(n=2000, n_boot=50, seed=1)
    return first, second


def _printed(tmp_path, name: str, html: str) -> tuple[str, int]:
    page = tmp_path / f"{name}.html"
    page.write_text(html, encoding="utf-8")
    pdf = tmp_path / f"{name}.pdf"
    print_to_pdf(page, pdf)
    return pdf_text(pdf), pdf_pages(pdf)


def test_every_column_of_every_table_is_printed(reports, tmp_path):
    report = reports[0]
    html = report.to_html()
    tables = PrintedTables(html).tables
    assert len(tables) >= 10
    assert max(len(t) for t in tables) >= 10  # wide tables are among them
    text, pages = _printed(tmp_path, "report", html)
    assert missing_headers(html, text) == []
    # the page header: model name and audit date, on every page
    assert text.count("Model audit: planted") >= pages
    assert text.count(report.created_at) >= pages
    assert f"page {pages} of {pages}" in text


def test_every_column_of_the_comparison_page_is_printed(reports, tmp_path):
    html = audit.compare(list(reports)).to_html()
    text, pages = _printed(tmp_path, "index", html)
    assert PrintedTables(html).tables
    assert missing_headers(html, text) == []
    assert text.count("Model audit: 2 models compared") >= pages


def test_no_scrollbar_and_no_table_wider_than_the_page_in_print(reports, tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    path = tmp_path / "report.html"
    path.write_text(reports[0].to_html(), encoding="utf-8")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            # A4 (210 mm) less the 12 mm margins, at 96 px per inch
            page = browser.new_page(viewport={"width": 703, "height": 1000})
            page.emulate_media(media="print")
            page.goto(path.as_uri())
            overflow = page.evaluate(
                """() => [...document.querySelectorAll('.tw')].filter(
                    e => getComputedStyle(e).overflowX !== 'visible').length"""
            )
            too_wide = page.evaluate(
                """() => [...document.querySelectorAll('table')]
                    .filter(t => t.offsetParent !== null)
                    .filter(t => t.getBoundingClientRect().right
                                 > document.documentElement.clientWidth + 1)
                    .map(t => t.querySelector('th') ? t.querySelector('th').textContent : '?')"""
            )
        finally:
            browser.close()
    assert overflow == 0
    assert too_wide == []
