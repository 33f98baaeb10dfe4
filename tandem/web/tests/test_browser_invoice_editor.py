"""Finance writes a one-off invoice in real Chromium: the client's contracts load on choosing the
client, line rows are added and removed with htmx, and the draft is saved and issued."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tandem.billing.models import BillingSettings, Invoice
from tandem.billing.tests.factories import ContractFactory, ContractLineFactory
from tandem.contracts.models import VatRate
from tandem.testing.browser import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_finance_writes_an_invoice_with_htmx_rows(live_server, browser_page, org):
    VatRate.objects.create(agency=org.agency, valid_from=date(2019, 1, 1), rate_percent=Decimal("22"))
    BillingSettings.objects.create(agency=org.agency, director_name="Иванов")
    contract = ContractFactory(client=org.client_b, vat_mode="no_vat", number="Д-77")
    line = ContractLineFactory(contract=contract)
    page = browser_page
    login(page, live_server, "finance")

    page.goto(f"{live_server.url}/invoices/new/")
    page.select_option("select[name=client]", str(org.client_b.pk))
    page.wait_for_selector(f"select[name=contract] option[value='{contract.pk}']", state="attached")
    page.select_option("select[name=contract]", str(contract.pk))
    # the line's «услуга договора (проект)» follows the contract: its only line comes preselected
    page.wait_for_selector(f"select[name=lines-0-contract_line] option[value='{line.pk}']", state="attached")
    assert page.input_value("select[name=lines-0-contract_line]") == str(line.pk)
    page.fill("input[name=lines-0-name]", "SEO за март")
    page.fill("input[name=lines-0-price]", "1000")
    page.click("#add-line")
    page.wait_for_selector("input[name=lines-1-name]")
    page.fill("input[name=lines-1-name]", "Лишняя строка")
    page.fill("input[name=lines-1-price]", "1")
    page.click("#add-line")
    page.wait_for_selector("input[name=lines-2-name]")
    page.fill("input[name=lines-2-name]", "Аудит")
    page.fill("input[name=lines-2-quantity]", "2")
    page.fill("input[name=lines-2-price]", "250")
    assert page.input_value("select[name=lines-2-contract_line]") == str(line.pk)
    page.locator("tr.line-row", has=page.locator("input[name=lines-1-name]")).locator(".remove-line").click()
    assert page.locator("input[name=lines-1-name]").count() == 0
    page.click("button[name=issue]")
    page.wait_for_selector("text=Счёт выставлен.")
    page.wait_for_load_state("networkidle")  # the PDF preview is served before the database goes away

    invoice = Invoice.objects.get()
    assert invoice.status == "issued" and invoice.contract == contract and invoice.vat_rate is None
    assert [ln.name for ln in invoice.lines.all()] == ["SEO за март", "Аудит"]
    assert invoice.total == Decimal("1500.00")
    assert {ln.contract_line for ln in invoice.lines.all()} == {line}
