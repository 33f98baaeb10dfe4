"""An AM opens a client's monthly report, edits the comment, downloads the PDF and sends it — in real Chromium."""

from __future__ import annotations

from datetime import date

import pytest
from django.core import mail

from tandem.clients.tests.factories import ContactFactory
from tandem.reports import services
from tandem.reports.models import ClientReport
from tandem.testing.browser import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_am_edits_downloads_and_sends_the_monthly_report(live_server, browser_page, org):
    report = services.client_report_create(actor=org.am1.user, client=org.client_a, today=date(2026, 4, 3))
    ContactFactory(client=org.client_a, full_name="Ольга ЛПР", email="olga@alpha.example")
    page = browser_page
    login(page, live_server, "am1")

    page.goto(f"{live_server.url}/reports/{report.pk}/")
    page.fill("textarea[name=summary]", "Визиты выросли на 20 %")
    page.click("#report-text-form button[type=submit]")
    page.wait_for_selector("text=Текст отчёта сохранён.")
    with page.expect_download() as download:
        page.click("#report-pdf")
    pdf_path = download.value.path()
    page.check("text=Ольга ЛПР")
    page.click("#report-send-form button[type=submit]")
    page.wait_for_selector("text=Отчёт отправлен клиенту.")

    assert open(pdf_path, "rb").read(5) == b"%PDF-"
    report = ClientReport.objects.get(pk=report.pk)
    assert report.summary == "Визиты выросли на 20 %" and report.status == "sent"
    assert "Визиты выросли на 20 %" in page.content() and page.locator("#report-status").inner_text() == "Отправлен"
    assert [m.to for m in mail.outbox] == [["olga@alpha.example"]]
