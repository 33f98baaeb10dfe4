"""Finance uploads a bank statement, reads the report, and matches an unmatched payment by hand
— in real Chromium."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tandem.billing.models import BillingSettings, InvoiceStatus, Payment
from tandem.billing.tests.helpers import issued_invoice, statement
from tandem.contracts.models import VatRate
from tandem.testing.browser import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_finance_uploads_statement_and_matches_payment_by_hand(live_server, browser_page, org, tmp_path):
    VatRate.objects.create(agency=org.agency, valid_from=date(2019, 1, 1), rate_percent=Decimal("22"))
    BillingSettings.objects.create(agency=org.agency, bank_account="40702810200000000001", director_name="Иванов")
    org.client_a.inn = "7702070139"
    org.client_a.save()
    paid_by_inn = issued_invoice(org.finance, org.client_a, "1000.00")
    unknown = issued_invoice(org.finance, org.client_b, "2500.00")
    path = tmp_path / "statement.txt"
    path.write_bytes(statement(
        {"amount": "1000.00", "inn": "7702070139", "purpose": f"Оплата по счету № {paid_by_inn.number}"},
        {"amount": "2500-00", "inn": "", "payer": "ИП Неизвестный", "purpose": "Оплата услуг за март"},
    ))
    page = browser_page
    login(page, live_server, "finance")

    page.goto(f"{live_server.url}/payments/")
    page.click("text=Загрузить выписку")
    page.set_input_files("input[name=file]", str(path))
    page.click("button[type=submit]")
    page.wait_for_selector("#import-report")
    report = page.locator("#import-report").inner_text()
    assert "Разнесён" in report and "Не сопоставлен" in report

    page.click("text=К платежам для разбора")
    row = page.locator("#payment-queue tr", has_text="ИП Неизвестный")
    row.locator(".match-link").click()
    form = page.locator(".match-form")
    form.wait_for()
    form.locator("select[name=invoice]").select_option(str(unknown.pk))
    form.locator("button[type=submit]").click()
    page.wait_for_selector("text=Платёж сопоставлен со счётом")

    assert "ИП Неизвестный" not in page.locator("main").inner_text()
    unknown.refresh_from_db()
    assert unknown.status == InvoiceStatus.PAID
    assert Payment.objects.get(payer_name="ИП Неизвестный").client == org.client_b
