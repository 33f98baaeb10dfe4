"""Payments «на проверку» over the API (issue 10): fields, filter, confirm, accept-suggestion,
re-allocate and history; role-parametrized, nothing changes when denied."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tandem.billing import services
from tandem.billing.models import (
    BillingSettings,
    InvoiceStatus,
    Payment,
    PaymentAllocation,
    PaymentReallocation,
)
from tandem.billing.tests.helpers import issued_invoice, statement
from tandem.contracts.models import VatRate
from tandem.work.models import ClosedMonth

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
    org.client_b.inn = "7728168971"
    org.client_b.save()
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


def test_payment_fields_describe_the_review(money, api_client_for):
    body = api_client_for(money.finance).get(f"/api/v1/payments/{money.placed.pk}/").json()

    assert body["needs_review"] is True and body["match_basis"] == "earliest_due"
    assert "319.1" in body["review_reason"] and body["match_basis_label"]
    assert [(a["invoice_number"], a["amount"]) for a in body["allocations"]] == [
        (money.early.number, "500.00"), (money.late.number, "200.00")]
    queued = api_client_for(money.finance).get(f"/api/v1/payments/{money.queued.pk}/").json()
    assert (queued["suggested_client"], queued["suggested_invoice"]) == (money.client_b.pk, money.invoice_b.pk)
    assert queued["suggested_client_name"] == "Бета" and queued["suggested_invoice_number"] == money.invoice_b.number


def test_needs_review_filter(money, api_client_for):
    services.payment_confirm(actor=money.finance.user, payment=money.placed)

    body = api_client_for(money.finance).get("/api/v1/payments/?needs_review=true").json()

    assert [p["id"] for p in body["results"]] == [money.queued.pk]


@pytest.mark.parametrize("role", ROLES)
def test_confirm_by_role(money, api_client_for, role):
    before = _snapshot()

    response = api_client_for(money.by_role_name(role)).post(f"/api/v1/payments/{money.placed.pk}/confirm/",
                                                             {"note": "сверено"}, format="json")

    if role in WRITERS:
        assert response.status_code == 200 and response.json()["needs_review"] is False
        assert PaymentReallocation.objects.get().reason == "сверено"
    else:
        assert response.status_code == (403 if role in SEES_A else 404)
        assert _snapshot() == before


@pytest.mark.parametrize("role", ROLES)
def test_accept_suggestion_by_role(money, api_client_for, role):
    before = _snapshot()

    response = api_client_for(money.by_role_name(role)).post(f"/api/v1/payments/{money.queued.pk}/accept-suggestion/")

    money.invoice_b.refresh_from_db()
    if role in WRITERS:
        assert response.status_code == 200 and response.json()["client"] == money.client_b.pk
        assert money.invoice_b.status == InvoiceStatus.PAID
    else:
        # The queued payment has no client: only those who see all money see it at all.
        assert response.status_code == 404
        assert _snapshot() == before and money.invoice_b.status == InvoiceStatus.ISSUED


@pytest.mark.parametrize("role", ROLES)
def test_reallocate_by_role(money, api_client_for, role):
    before = _snapshot()

    response = api_client_for(money.by_role_name(role)).post(
        f"/api/v1/payments/{money.placed.pk}/reallocate/",
        {"allocations": [{"invoice": money.late.pk, "amount": "500.00"}], "reason": "клиент уточнил"}, format="json",
    )

    if role in WRITERS:
        assert response.status_code == 200
        body = response.json()
        assert [(a["invoice"], a["amount"]) for a in body["allocations"]] == [(money.late.pk, "500.00")]
        assert body["unallocated"] == "200.00" and body["needs_review"] is False
        history = api_client_for(money.head).get(f"/api/v1/payments/{money.placed.pk}/history/").json()
        assert history[0]["kind"] == "reallocated" and history[0]["reason"] == "клиент уточнил"
        assert history[0]["actor_id"] == money.by_role_name(role).user.pk
    else:
        assert response.status_code == (403 if role in SEES_A else 404)
        assert _snapshot() == before


def test_reallocate_in_a_closed_month_is_a_400_with_the_reason(money, api_client_for):
    ClosedMonth.objects.create(agency=money.agency, month=date(2026, 2, 1), closed_by=money.finance.user,
                               closed_at=timezone.now())
    before = _snapshot()

    response = api_client_for(money.finance).post(
        f"/api/v1/payments/{money.placed.pk}/reallocate/", {"allocations": [], "reason": "аванс"}, format="json")

    assert response.status_code == 400 and "закрытому месяцу" in str(response.json())
    assert _snapshot() == before


def test_reallocate_without_reason_is_refused(money, api_client_for):
    response = api_client_for(money.finance).post(
        f"/api/v1/payments/{money.placed.pk}/reallocate/", {"allocations": []}, format="json")

    assert response.status_code == 400 and "reason" in response.json()


def test_statement_report_rows_carry_the_review_state(money, api_client_for):
    data = statement({"amount": "50.00", "inn": "7728168971", "purpose": "Оплата", "number": 77})
    upload = SimpleUploadedFile("st.txt", data)

    body = api_client_for(money.finance).post("/api/v1/statements/", {"file": upload}, format="multipart").json()

    row = body["rows"][0]
    assert row["review"] is True and row["basis"] == "earliest_due" and row["client"] == "Бета"
    assert body["review_count"] == 1 and "refunded" in body["counts"]


@pytest.mark.parametrize("role", ROLES)
def test_refunds_list_by_role(money, api_client_for, role):
    from tandem.billing.models import Refund

    Refund.objects.create(agency=money.agency, client=money.client_a, date=date(2026, 2, 15), amount=Decimal("40.00"))

    response = api_client_for(money.by_role_name(role)).get("/api/v1/refunds/")

    assert response.status_code == 200
    assert [r["amount"] for r in response.json()["results"]] == (["40.00"] if role in SEES_A else [])
