"""The report opens in real headless Chromium: no console error, no request, banner visible."""

import os
import shutil
from pathlib import Path

import pytest
from report_models import planted_disparity_report

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
REQUIRED = os.environ.get("MODEL_AUDIT_REQUIRE_BROWSER") == "1"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
]
SCREENSHOT_DIR = Path(__file__).resolve().parents[2] / "reports" / "screenshots"

pytestmark = pytest.mark.browser


def _need_browser():
    if CHROMIUM is None:
        if REQUIRED:
            pytest.fail("MODEL_AUDIT_REQUIRE_BROWSER=1 but chromium is not installed")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    return pytest.importorskip("playwright.sync_api")


def test_report_renders_offline_in_chromium(tmp_path):
    sync_api = _need_browser()
    path = tmp_path / "report.html"
    planted_disparity_report(n_boot=100).to_html(path)
    errors, requests = [], []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("request", lambda r: requests.append(r.url))
            page.goto(path.as_uri())
            page.wait_for_load_state("load")
            banner = page.locator("#verdict")
            assert banner.is_visible()
            assert "CRITICAL" in banner.inner_text()
            assert page.locator("li.flag").count() > 0
            assert page.locator("figure svg").count() >= 1
            SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
            shot = SCREENSHOT_DIR / "report-top.png"
            page.screenshot(path=str(shot))
            assert shot.stat().st_size > 10_000
            pdf = page.pdf() if hasattr(page, "pdf") else b""
            assert pdf[:4] == b"%PDF"
        finally:
            browser.close()
    assert errors == []
    assert requests == [path.as_uri()]
