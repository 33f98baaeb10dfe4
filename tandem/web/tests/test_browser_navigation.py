"""In real Chromium: every role opens every item of its menu (all 200, every table styled), the
menu fits one line at 1280 px, the header search finds a client, the invoice PDF preview is not
blocked by framing rules, and /api/docs/ renders with every non-local request blocked."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tandem.billing.tests.helpers import issued_invoice
from tandem.testing.browser import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ROLES = ["head", "finance", "admin", "group_head", "am1", "spec1"]
LOCAL_HOSTS = {"127.0.0.1", "localhost"}


def _block_the_internet(page) -> list[str]:  # type: ignore[no-untyped-def]
    """Abort every request to a host other than the live server; returns the aborted URLs
    except images (ReDoc's bundle shows a «by Redocly» logo from its CDN; the page works
    without it)."""
    blocked: list[str] = []

    def route(r) -> None:  # type: ignore[no-untyped-def]
        if urlsplit(r.request.url).hostname in LOCAL_HOSTS:
            r.continue_()
        else:
            if r.request.resource_type != "image":
                blocked.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    return blocked


@pytest.mark.parametrize("role", ROLES)
def test_every_menu_item_opens_with_styled_tables(live_server, browser_page, money, role):
    issued_invoice(money.finance, money.client_a, "1000.00")  # so the money tables have a row
    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 900})
    blocked = _block_the_internet(page)
    login(page, live_server, role)

    hrefs = page.eval_on_selector_all("nav.mainnav a", "els => els.map(e => e.getAttribute('href'))")
    topbar_height = page.eval_on_selector("header.topbar", "e => e.getBoundingClientRect().height")
    statuses, unstyled = {}, {}
    for href in hrefs:
        response = page.goto(f"{live_server.url}{href}")
        statuses[href] = response.status if response else None
        bad = page.eval_on_selector_all("table", "ts => ts.filter(t => !t.classList.contains('data')).length")
        if bad:
            unstyled[href] = bad

    assert len(hrefs) >= 10
    assert {h: s for h, s in statuses.items() if s != 200} == {}
    assert unstyled == {}
    assert topbar_height < 60  # one line at 1280 px
    assert blocked == []


def test_dropdown_opens_on_hover_and_marks_the_current_page(live_server, browser_page, org):
    page = browser_page
    login(page, live_server, "head")
    page.goto(f"{live_server.url}/team/employees/")

    group = page.locator(".navgroup.active")
    menu = group.locator(".navmenu")
    hidden_before = not menu.is_visible()
    group.hover()

    assert hidden_before and menu.is_visible()
    assert group.locator(".navgroup-label").inner_text().startswith("Команда")
    assert menu.locator("a[aria-current=page]").inner_text() == "Сотрудники"


def test_header_search_finds_a_client(live_server, browser_page, org):
    page = browser_page
    login(page, live_server, "spec1")

    page.fill("header input[name=q]", "альф")
    page.click("#search-dropdown >> text=Альфа")
    page.wait_for_load_state("load")

    assert page.url.endswith(f"/clients/{org.client_a.pk}/")


def test_invoice_pdf_preview_is_not_blocked(live_server, browser_page, money):
    invoice = issued_invoice(money.finance, money.client_a, "1000.00")
    page = browser_page
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text))
    login(page, live_server, "finance")

    with page.expect_response(lambda r: r.url.endswith(f"/invoices/{invoice.pk}/pdf/")) as pdf_info:
        page.goto(f"{live_server.url}/invoices/{invoice.pk}/")
    pdf = pdf_info.value

    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["x-frame-options"] == "SAMEORIGIN"
    assert not [m for m in console if "X-Frame-Options" in m or "frame-ancestors" in m]


def test_api_docs_render_offline(live_server, browser_page, org):
    page = browser_page
    blocked = _block_the_internet(page)

    page.goto(f"{live_server.url}/api/docs/")
    # Swagger UI renders only the operations near the viewport: the first ones are enough.
    page.wait_for_selector(".opblock-summary-path[data-path='/api/v1/acts/']", timeout=20000)
    title = page.locator(".info .title").inner_text()
    operations = page.locator(".opblock").count()
    page.goto(f"{live_server.url}/api/redoc/")
    page.wait_for_selector("[data-section-id^='operation/']", state="attached", timeout=20000)

    assert title.startswith("Tandem API") and operations >= 5
    assert blocked == []


def test_language_switch_submits_on_change(live_server, browser_page, org):
    page = browser_page
    login(page, live_server, "finance")
    page.goto(f"{live_server.url}/invoices/")

    with page.expect_navigation():
        page.select_option("select[name=language]", "en")

    assert page.locator(".navgroup.active .navgroup-label").inner_text().startswith("Money")
    assert page.url.endswith("/invoices/")
