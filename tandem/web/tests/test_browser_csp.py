"""In real Chromium, under the Content-Security-Policy: the head opens the main pages (My day, a
client card, the invoices list, an invoice with its PDF preview, receivables with its chart,
the team load bars) and the browser reports no violation; htmx still works (list filters, the
client list's selects), and htmx injects no <style> of its own."""

from __future__ import annotations

import pytest

from tandem.billing.tests.helpers import issued_invoice
from tandem.testing.browser import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Collects every securitypolicyviolation event of every frame (runs before the page's scripts).
LISTEN = """document.addEventListener("securitypolicyviolation", (e) => {
  (window.top.__csp = window.top.__csp || []).push(e.violatedDirective + " " + (e.blockedURI || "inline") + " @ " + e.sourceFile + " in " + e.documentURI + " sample=" + e.sample + " el=" + (e.target && e.target.outerHTML ? e.target.outerHTML.slice(0, 200) : ""));
}, true);"""


def test_main_pages_raise_no_csp_violation_and_htmx_works(live_server, browser_page, money):
    invoice = issued_invoice(money.finance, money.client_a, "12500.75")
    page = browser_page
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text))
    page.add_init_script(LISTEN)
    violations: list[str] = []
    login(page, live_server, "head")

    def visit(path: str) -> None:
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
        violations.extend(page.evaluate("window.__csp || []"))

    visit("/my-day/")
    visit(f"/clients/{money.client_a.pk}/")
    visit("/team/")
    bar_widths = page.eval_on_selector_all("[data-bar-width]", "els => els.map(e => e.style.width)")
    visit(f"/invoices/{invoice.pk}/")
    pdf_frame = page.locator("iframe[title]").first.get_attribute("src")
    visit("/receivables/")
    chart_drawn = page.get_attribute("#aging-chart", "data-drawn")
    visit("/invoices/")
    with page.expect_response(lambda r: "/invoices/?" in r.url and r.request.headers.get("hx-request") == "true"):
        page.select_option("select[name=status]", "issued")
    page.wait_for_load_state("networkidle")
    rows_after_filter = page.locator("#invoice-results table.data tbody tr").count()
    visit("/clients/")
    with page.expect_response(lambda r: "/clients/?" in r.url and r.request.headers.get("hx-request") == "true") as hx:
        page.select_option("select[name=kind]", index=1)
    # htmx pushes the URL after the swap, which may come after the response event.
    page.wait_for_url(lambda url: "kind=" in url)
    page.wait_for_load_state("networkidle")
    violations.extend(page.evaluate("window.__csp || []"))
    injected_styles = page.evaluate("document.querySelectorAll('style').length")

    assert violations == [] and not [m for m in console if "Content Security Policy" in m or "Refused to" in m]
    assert pdf_frame == f"/invoices/{invoice.pk}/pdf/" and chart_drawn == "1"
    assert bar_widths and all(w.endswith("%") for w in bar_widths)
    assert rows_after_filter >= 1 and hx.value.status == 200 and "kind=" in page.url
    assert injected_styles == 0
