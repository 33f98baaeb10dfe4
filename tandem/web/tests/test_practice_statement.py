"""The practice bank statement on the upload page: who may download it, that it is a real
1CClientBankExchange file in windows-1251, and that importing it pays the invoices it cites."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.test import override_settings
from django.urls import reverse

from tandem.billing import services
from tandem.billing.models import Invoice, InvoiceStatus, Payment
from tandem.billing.tests.helpers import issued_invoice
from tandem.integrations.bank_statement import parse_statement
from tandem.testing.billing import OWN_ACCOUNT

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("practice_on")]


@pytest.fixture
def practice_on(settings):
    settings.TANDEM_PRACTICE_STATEMENT = True


@pytest.fixture
def open_invoices(money):
    money.client_b.inn = "7728168971"
    money.client_b.save()
    a1 = issued_invoice(money.finance, money.client_a, "10000", on=date(2026, 2, 2))
    a2 = issued_invoice(money.finance, money.client_a, "20000", on=date(2026, 2, 3))
    b1 = issued_invoice(money.finance, money.client_b, "30000", on=date(2026, 2, 4))
    return money, [a1, a2, b1]


@pytest.mark.parametrize("role, allowed", [
    ("head", True), ("finance", True), ("admin", True), ("group_head", False), ("am1", False), ("spec1", False),
])
def test_download_per_role(open_invoices, web_client_for, role, allowed):
    money, _invoices = open_invoices
    web = web_client_for(money.by_role_name(role))
    payments = Payment.objects.count()

    response = web.get(reverse("web:statement_practice"))

    assert response.status_code == (200 if allowed else 404)
    assert Payment.objects.count() == payments  # downloading never records anything
    if allowed:
        assert response["Content-Type"] == "text/plain; charset=windows-1251"
        assert "attachment" in response["Content-Disposition"]


def test_off_in_production_settings(open_invoices, web_client_for, settings):
    money, _invoices = open_invoices
    settings.TANDEM_PRACTICE_STATEMENT = False
    web = web_client_for(money.finance)

    assert web.get(reverse("web:statement_practice")).status_code == 404
    assert reverse("web:statement_practice") not in web.get(reverse("web:statement_upload")).content.decode()


def test_upload_page_links_to_it(open_invoices, web_client_for):
    money, _invoices = open_invoices

    html = web_client_for(money.finance).get(reverse("web:statement_upload")).content.decode()

    assert reverse("web:statement_practice") in html


def test_statement_is_cp1251_and_importing_it_pays_the_cited_invoices(open_invoices, web_client_for):
    money, (a1, a2, b1) = open_invoices
    data = web_client_for(money.finance).get(reverse("web:statement_practice")).content

    data.decode("cp1251")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    statement = parse_statement(data)
    assert statement.own_accounts() == {OWN_ACCOUNT}
    incoming = [d for d in statement.documents if d.recipient_account == OWN_ACCOUNT]
    assert {d.payer_inn for d in incoming} >= {money.client_a.inn, money.client_b.inn}

    report = services.statement_import(actor=money.finance.user, data=data, file_name="practice.txt")

    for invoice in (a1, a2):  # client_a pays both of its invoices in one payment
        invoice.refresh_from_db()
        assert invoice.status == InvoiceStatus.PAID
    b1.refresh_from_db()
    assert b1.status == InvoiceStatus.PARTLY_PAID and b1.paid_amount == b1.total / 2
    assert report.counts["matched"] == 2
    assert report.counts["unmatched"] == 1  # the advance without INN waits in the queue
    assert report.counts["skipped"] == 1  # the bank fee
    assert Payment.objects.filter(client__isnull=True, amount=Decimal("25000.00")).exists()


def test_no_own_account_is_a_clear_message(open_invoices, web_client_for):
    money, _invoices = open_invoices
    from tandem.billing.models import BillingSettings

    BillingSettings.objects.filter(agency=money.agency).update(bank_account="")

    response = web_client_for(money.finance).get(reverse("web:statement_practice"))

    assert response.status_code == 409
    assert "расчётный счёт" in response.content.decode()
    assert Invoice.objects.filter(status=InvoiceStatus.PAID).count() == 0


@override_settings(TANDEM_PRACTICE_STATEMENT=True)
def test_nothing_open_gives_a_statement_with_only_the_advance_and_the_fee(money, web_client_for):
    data = web_client_for(money.finance).get(reverse("web:statement_practice")).content

    kinds = [d.kind for d in parse_statement(data).documents]

    assert kinds == ["Платежное поручение", "Банковский ордер"]
