"""Real-Chromium fixtures for browser tests (Debian's /usr/bin/chromium through Playwright).

Usage in a test module:
    pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
    def test_x(live_server, browser_page, org): ...
and log in with `login(page, live_server, username)`. Tests skip with a printed reason when
chromium is not installed.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="session")
def _playwright_browser() -> Iterator[object]:
    if not os.path.exists(CHROMIUM):
        pytest.skip("chromium is not installed (apt-get install chromium): browser tests skipped")
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls from the
    # test body are still synchronous and safe.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def browser_page(_playwright_browser):  # type: ignore[no-untyped-def]
    context = _playwright_browser.new_context(locale="ru-RU", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    # Let requests the page still has in flight (htmx panels loading after the test's last
    # step) finish before the test database is flushed: a live-server thread in the middle of a
    # query holds an SQLite table lock, and the flush then fails («database table is locked»).
    try:
        page.wait_for_load_state("networkidle", timeout=5000)
    except Exception:  # noqa: BLE001 — a page that never settles is closed anyway
        pass
    context.close()


def login(page, live_server, username: str, password: str = "pass12345") -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
