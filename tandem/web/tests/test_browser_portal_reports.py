"""Browser, on a phone-wide screen: a client contact signs in, opens «Отчёты», downloads the PDF
of the latest sent report, and reads the AM's answer in their request's thread (the AM's
internal note is not there)."""

from __future__ import annotations

import pytest

from tandem.portal import services
from tandem.testing.portal import PORTAL_PASSWORD, REPORT_PDF, portal  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NO_SIDEWAYS_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth + 1"


def test_contact_downloads_a_sent_report_and_reads_the_ams_answer(live_server, browser_page, portal):  # noqa: F811
    # given two sent reports of client_a and the AM's answer and note on the contact's request
    services.portal_request_staff_reply(actor=portal.org.am1.user, request=portal.request, text="Поправим в пятницу")
    services.portal_request_staff_reply(actor=portal.org.am1.user, request=portal.request, text="Проверить бюджет",
                                        internal=True)
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    # when the contact signs in and opens the reports
    page.goto(f"{live_server.url}/portal/login/")
    page.fill("input[name=username]", portal.account.user.username)
    page.fill("input[name=password]", PORTAL_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/portal/")
    page.click("a[href='/portal/reports/']")
    rows = page.locator("#portal-reports tbody tr")
    assert rows.count() == 2 and "01.01.2026 – 31.01.2026" in rows.first.inner_text()
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    # then the latest report's PDF downloads
    with page.expect_download() as download_info:
        rows.first.locator("a", has_text="PDF").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    with open(download.path(), "rb") as f:
        assert f.read() == REPORT_PDF
    # and the request's thread shows the AM's answer, not the internal note
    page.click("a[href='/portal/requests/']")
    page.get_by_role("link", name="Поправить title").click()
    thread = page.inner_text("#replies")
    assert "Поправим в пятницу" in thread and "Проверить бюджет" not in thread
