"""The payments page with «на проверку» (issue 10): reason and suggestion shown, filter, one-click
confirm and accept, the re-allocation page; role-parametrized, nothing changes when denied."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tandem.billing import services
from tandem.billing.models import (
    BillingSettings,
    InvoiceStatus,
    Payment,
    PaymentAllocation,
    PaymentReallocation,
)
from tandem.billing.tests.helpers import issued_invoice
from tandem.contracts.models import VatRate

pytestmark = pytest.mark.django_db
ROLES = ["head", "finance", "admin", "group_head", "am1", "am2", "spec1", "spec2", "outsider"]
WRITERS = {"head", "finance", "admin"}
SEES_A = {"head", "finance", "admin", "group_head", "am1"}


@pytest.fixture
def money(org):
    VatRate.objects.create(agency=org.agency, valid_from=date(2019, 1, 1), rate_percent=Decimal("22"))
    BillingSettings.objects.create(agency=org.agency, bank_account="40702810200000000001", director_name="Иванов")
    org.client_a.inn = "7702070139"
    org.client_a.save()
    org.early = issued_invoice(org.finance, org.client_a, "500.00", on=date(2026, 1, 5))
    org.late = issued_invoice(org.finance, org.client_a, "500.00", on=date(2026, 1, 20))
    org.invoice_b = issued_invoice(org.finance, org.client_b, "300.00")
    org.placed = services.payment_record(actor=org.finance.user, date=date(2026, 2, 10), amount=Decimal("700.00"),
                                         payer_inn="7702070139", purpose="Оплата по договору")
    org.queued = services.payment_record(actor=org.finance.user, date=date(2026, 2, 11), amount=Decimal("300.00"),
                                         payer_inn="5001007329", purpose=f"Оплата сч. {org.invoice_b.number}")
    return org


def _snapshot():
    return (list(Payment.objects.order_by("id").values_list("client_id", "allocated_amount", "needs_review")),
            list(PaymentAllocation.objects.order_by("id").values_list("invoice_id", "amount")),
            PaymentReallocation.objects.count())


def test_review_filter_lists_reason_suggestion_and_actions(money, web_client_for):
    html = web_client_for(money.finance).get("/payments/?show=review").content.decode()

    assert "на проверку" in html and "319.1" in html and "третье лицо" in html
    assert f"/payments/{money.placed.pk}/confirm/" in html
    assert f"/payments/{money.queued.pk}/accept/" in html and "Бета" in html
    assert f"/payments/{money.placed.pk}/reallocate/" in html


def test_am_sees_the_review_state_but_no_actions(money, web_client_for):
    html = web_client_for(money.am1).get("/payments/?show=review").content.decode()

    assert "на проверку" in html and f"payment-{money.placed.pk}" in html
    assert "/confirm/" not in html and f"payment-{money.queued.pk}" not in html


def test_payments_page_queries_do_not_grow(money, web_client_for, django_assert_max_num_queries):
    for i in range(15):
        services.payment_record(actor=money.finance.user, date=date(2026, 2, 12), amount=Decimal("10.00") + i,
                                payer_inn="7702070139", purpose="Оплата")
    client = web_client_for(money.finance)

    with django_assert_max_num_queries(16):
        response = client.get("/payments/")
    with django_assert_max_num_queries(16):
        client.get("/payments/?show=all")

    assert response.status_code == 200


@pytest.mark.parametrize("role", ROLES)
def test_confirm_by_role(money, web_client_for, role):
    before = _snapshot()

    response = web_client_for(money.by_role_name(role)).post(f"/payments/{money.placed.pk}/confirm/")

    if role in WRITERS:
        assert response.status_code == 302 and not Payment.objects.get(pk=money.placed.pk).needs_review
    else:
        assert response.status_code == (403 if role in SEES_A else 404) and _snapshot() == before


@pytest.mark.parametrize("role", ROLES)
def test_accept_suggestion_by_role(money, web_client_for, role):
    before = _snapshot()

    response = web_client_for(money.by_role_name(role)).post(f"/payments/{money.queued.pk}/accept/")

    money.invoice_b.refresh_from_db()
    if role in WRITERS:
        assert response.status_code == 302 and money.invoice_b.status == InvoiceStatus.PAID
    else:
        assert response.status_code == 404 and _snapshot() == before


@pytest.mark.parametrize("role", ROLES)
def test_reallocate_page_by_role(money, web_client_for, role):
    before = _snapshot()
    client = web_client_for(money.by_role_name(role))

    page = client.get(f"/payments/{money.placed.pk}/reallocate/")
    response = client.post(f"/payments/{money.placed.pk}/reallocate/", {
        "client": money.client_a.pk, f"amount_{money.late.pk}": "500.00", "reason": "клиент уточнил"})

    if role in WRITERS:
        assert page.status_code == 200 and "клиент уточнил" not in page.content.decode()
        assert response.status_code == 302
        assert list(PaymentAllocation.objects.values_list("invoice_id", "amount")) == [(money.late.pk, Decimal("500.00"))]
        history = client.get(f"/payments/{money.placed.pk}/reallocate/").content.decode()
        assert "клиент уточнил" in history and "Перераспределён" in history
    else:
        assert page.status_code == 404 and response.status_code == 404 and _snapshot() == before


def test_reallocate_without_reason_shows_the_error(money, web_client_for):
    before = _snapshot()

    response = web_client_for(money.finance).post(f"/payments/{money.placed.pk}/reallocate/", {
        "client": money.client_a.pk, f"amount_{money.late.pk}": "500.00", "reason": ""})

    assert response.status_code == 400 and _snapshot() == before


def test_reallocate_page_lists_another_clients_invoices_when_chosen(money, web_client_for):
    html = web_client_for(money.finance).get(
        f"/payments/{money.placed.pk}/reallocate/?client={money.client_b.pk}").content.decode()

    assert f"amount_{money.invoice_b.pk}" in html and f"amount_{money.early.pk}" not in html


def test_manual_entry_by_inn_follows_the_same_rule(money, web_client_for):
    response = web_client_for(money.finance).post("/payments/new/", {
        "date": "2026-02-12", "amount": "300.00", "payer_inn": "7702070139", "payer_name": "ООО Альфа",
        "purpose": "Оплата по договору"})

    payment = Payment.objects.latest("id")
    assert response.status_code == 302 and payment.client_id == money.client_a.pk
    assert payment.needs_review and payment.match_basis == "exact_amount"


def test_statement_report_shows_review_state_and_reason(money, web_client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tandem.billing.tests.helpers import statement

    client = web_client_for(money.finance)
    data = statement({"amount": "50.00", "inn": "7702070139", "purpose": "Оплата", "number": 88},
                     {"amount": "60.00", "inn": "5001007329", "purpose": f"Оплата сч. {money.invoice_b.number}",
                      "number": 89})
    report_url = client.post("/payments/upload/", {"file": SimpleUploadedFile("st.txt", data)})["Location"]

    html = client.get(report_url).content.decode()
    assert html.count("badge warning\">на проверку") == 2 and "319.1" in html and "Предложение:" in html

    services.payment_confirm(actor=money.finance.user, payment=Payment.objects.get(amount=Decimal("50.00")))
    html = client.get(report_url).content.decode()
    assert html.count("badge warning\">на проверку") == 1 and "проверен" in html
