"""Billing API: role-parametrized permissions (nothing changes when denied), import, aging, plans."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tandem.billing import services
from tandem.billing.models import BillingSettings, Invoice, Payment, PaymentPlan, StatementImport
from tandem.billing.tests.helpers import issued_invoice, statement
from tandem.contracts.models import VatRate

pytestmark = pytest.mark.django_db
ROLES = ["head", "finance", "admin", "group_head", "am1", "am2", "spec1", "spec2", "outsider"]
WRITERS = {"head", "finance", "admin"}


@pytest.fixture
def money(org):
    VatRate.objects.create(agency=org.agency, valid_from=date(2019, 1, 1), rate_percent=Decimal("20"))
    VatRate.objects.create(agency=org.agency, valid_from=date(2026, 1, 1), rate_percent=Decimal("22"))
    BillingSettings.objects.create(agency=org.agency, bank_account="40702810200000000001",
                                   director_name="Иванов И. И.")
    org.client_a.inn = "7702070139"
    org.client_a.save()
    org.invoice_a = issued_invoice(org.finance, org.client_a, "1000.00")
    return org


# which roles see client_a's invoice (seo1 group, am1)
SEES_A = {"head", "finance", "admin", "group_head", "am1"}


@pytest.mark.parametrize("role", ROLES)
def test_invoice_detail_visibility(money, api_client_for, role):
    response = api_client_for(money.by_role_name(role)).get(f"/api/v1/invoices/{money.invoice_a.pk}/")

    assert response.status_code == (200 if role in SEES_A else 404)


@pytest.mark.parametrize("role", ROLES)
def test_invoice_list_is_scoped(money, api_client_for, role):
    issued_invoice(money.finance, money.client_b, "5.00")

    response = api_client_for(money.by_role_name(role)).get("/api/v1/invoices/")

    assert response.status_code == 200
    if True:
        numbers = {r["client"] for r in response.json()["results"]}
        expected = {"outsider": set(),
            "head": {money.client_a.pk, money.client_b.pk}, "finance": {money.client_a.pk, money.client_b.pk},
            "admin": {money.client_a.pk, money.client_b.pk}, "group_head": {money.client_a.pk},
            "am1": {money.client_a.pk}, "am2": {money.client_b.pk}, "spec1": set(), "spec2": set(),
        }[role]
        assert numbers == expected


@pytest.mark.parametrize("role", ROLES)
def test_create_invoice_only_money_managers(money, api_client_for, role):
    before = Invoice.objects.count()
    payload = {"client": money.client_a.pk, "date": "2026-02-10", "vat_mode": "vat",
               "lines": [{"name": "SEO", "price": "1220.00"}]}

    response = api_client_for(money.by_role_name(role)).post("/api/v1/invoices/", payload, format="json")

    if role in WRITERS:
        assert response.status_code == 201
        assert response.json()["vat_amount"] == "220.00"
    else:
        assert response.status_code == (400 if role == "outsider" else 403)  # outsider: client not in scope
        assert Invoice.objects.count() == before


@pytest.mark.parametrize("role", ROLES)
def test_cancel_denied_changes_nothing(money, api_client_for, role):
    response = api_client_for(money.by_role_name(role)).post(
        f"/api/v1/invoices/{money.invoice_a.pk}/cancel/", {"reason": "ошибка"}, format="json"
    )

    money.invoice_a.refresh_from_db()
    if role in WRITERS:
        assert response.status_code == 200 and money.invoice_a.status == "cancelled"
    else:
        assert response.status_code in (403, 404) and money.invoice_a.status == "issued"


@pytest.mark.parametrize("role", ROLES)
def test_statement_upload_permissions(money, api_client_for, role):
    data = statement({"amount": "400.00", "inn": "7702070139", "purpose": f"Оплата сч.{money.invoice_a.number}"})

    response = api_client_for(money.by_role_name(role)).post(
        "/api/v1/statements/", {"file": SimpleUploadedFile("st.txt", data)}, format="multipart"
    )

    if role in WRITERS:
        assert response.status_code == 200
        assert response.json()["counts"]["matched"] == 1
    elif role == "outsider":  # a head of another agency imports into their own agency only
        assert response.status_code == 200 and response.json()["counts"]["unmatched"] == 1
        assert not Payment.objects.filter(agency=money.agency).exists()
        assert Payment.objects.get().agency == money.outsider.agency
    else:
        assert response.status_code == 403
        assert not Payment.objects.exists() and not StatementImport.objects.exists()


def test_malformed_statement_is_400_naming_the_line(money, api_client_for):
    response = api_client_for(money.finance).post(
        "/api/v1/statements/", {"file": SimpleUploadedFile("x.txt", b"garbage\r\n")}, format="multipart"
    )

    assert response.status_code == 400 and response.json()["file"][0].startswith("Строка 1:")


@pytest.mark.parametrize("role", ROLES)
def test_manual_allocation_permissions(money, api_client_for, role):
    payment = services.payment_record(actor=money.finance.user, date=date(2026, 2, 5), amount=Decimal("300"))

    response = api_client_for(money.by_role_name(role)).post(
        f"/api/v1/payments/{payment.pk}/allocate/", {"invoice": money.invoice_a.pk}, format="json"
    )

    payment.refresh_from_db()
    if role in WRITERS:
        assert response.status_code == 200 and payment.allocated_amount == Decimal("300.00")
    else:
        assert response.status_code in (403, 404) and payment.allocated_amount == 0


@pytest.mark.parametrize("role", ROLES)
def test_aging_api(money, api_client_for, role):
    response = api_client_for(money.by_role_name(role)).get("/api/v1/receivables/aging/?by=am")

    body = response.json()
    assert body["reconciles"] is True
    assert Decimal(body["totals"]["total"]) == (Decimal("1000.00") if role in SEES_A else 0)


@pytest.mark.parametrize("role", ROLES)
def test_plan_set_permissions(money, api_client_for, role):
    response = api_client_for(money.by_role_name(role)).put(
        "/api/v1/plans/", {"employee": money.am1.pk, "month": "2026-03-01", "amount": "100000"}, format="json"
    )

    if role in {"head", "admin", "group_head"}:
        assert response.status_code == 200
    else:
        assert response.status_code in (400, 403, 404)
        assert not PaymentPlan.objects.exists()


def test_am_sees_own_plan_only(money, api_client_for):
    services.payment_plan_set(actor=money.head.user, employee=money.am1, month=date(2026, 3, 1), amount=Decimal("1"))
    services.payment_plan_set(actor=money.head.user, employee=money.am2, month=date(2026, 3, 1), amount=Decimal("1"))

    rows = api_client_for(money.am1).get("/api/v1/plans/?month=2026-03").json()

    assert [r["employee"] for r in rows] == [money.am1.pk]
    assert api_client_for(money.am1).post(f"/api/v1/plans/{money.am2.pk}/bonus/?month=2026-03").status_code == 404


def test_invoice_pdf(money, api_client_for):
    response = api_client_for(money.am1).get(f"/api/v1/invoices/{money.invoice_a.pk}/pdf/")

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_retainers_twice_creates_once(money, api_client_for):
    from tandem.billing.tests.factories import ContractFactory, ContractLineFactory

    ContractLineFactory(contract=ContractFactory(client=money.client_b))
    api = api_client_for(money.finance)

    first = api.post("/api/v1/invoices/generate-retainers/", {"month": "2026-04-01"}, format="json").json()
    second = api.post("/api/v1/invoices/generate-retainers/", {"month": "2026-04-01"}, format="json").json()

    assert len(first["created"]) == 1 and second["created"] == [] and len(second["skipped_contracts"]) == 1


@pytest.mark.parametrize("role", ROLES)
def test_profitability_api(money, api_client_for, role):
    response = api_client_for(money.by_role_name(role)).get("/api/v1/profitability/?start=2026-01-01&end=2026-12-31")

    assert response.status_code == 200


def test_chase_and_promise(money, api_client_for):
    api = api_client_for(money.am1)

    chase = api.get("/api/v1/collection/chase/").json()["results"]
    promise = api.post(f"/api/v1/invoices/{money.invoice_a.pk}/promises/",
                       {"promised_on": "2099-01-01", "note": "обещали"}, format="json")

    assert [r["id"] for r in chase] == [money.invoice_a.pk]
    assert promise.status_code == 201
    assert api_client_for(money.am2).post(f"/api/v1/invoices/{money.invoice_a.pk}/promises/",
                                          {"promised_on": "2099-01-01"}, format="json").status_code == 404
