"""Billing API additions: draft edit, service lines, act detail and partial acts; billing settings,
bonus rules and subcontractor costs (heads, admins, finance only; 404 for others, nothing changed)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tandem.billing import services
from tandem.billing.models import Act, BillingSettings, BonusRule, Invoice, SubcontractorCost
from tandem.billing.tests.factories import ServiceFactory
from tandem.billing.tests.helpers import issued_invoice
from tandem.testing.billing import OWN_ACCOUNT

pytestmark = pytest.mark.django_db
ROLES = ["head", "finance", "admin", "group_head", "am1", "am2", "spec1", "spec2", "outsider"]
WRITERS = {"head", "finance", "admin"}
SEES_A = WRITERS | {"group_head", "am1"}


def _draft(money) -> Invoice:
    return services.invoice_create(actor=money.finance.user, client=money.client_a, contract=money.contract_a,
                                   date=date(2026, 3, 2), lines=[services.LineInput(name="x", price=Decimal("5"))])


# --- invoices and acts -----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_patch_draft_by_role(money, api_client_for, role):
    draft = _draft(money)
    service = ServiceFactory(agency=money.agency, name="SEO")
    payload = {"notes": "правка", "lines": [{"service": service.pk, "price": "1220.00", "quantity": "2"}]}

    response = api_client_for(money.by_role_name(role)).patch(f"/api/v1/invoices/{draft.pk}/", payload,
                                                              format="json")

    draft.refresh_from_db()
    if role in WRITERS:
        assert response.status_code == 200
        body = response.json()
        assert body["lines"][0]["name"] == "SEO" and body["lines"][0]["service"] == service.pk
        assert draft.total == Decimal("2440.00") and draft.notes == "правка"
    else:
        assert response.status_code == (403 if role in SEES_A else 404)
        assert draft.total == Decimal("5.00") and draft.notes == ""


def test_patch_issued_invoice_is_400(money, api_client_for):
    invoice = issued_invoice(money.finance, money.client_a, "100.00")

    response = api_client_for(money.finance).patch(f"/api/v1/invoices/{invoice.pk}/", {"notes": "x"}, format="json")

    assert response.status_code == 400 and "status" in response.json()


def test_line_errors_are_400_with_the_field(money, api_client_for):
    other_service = ServiceFactory()  # another agency's
    api = api_client_for(money.finance)

    no_lines = api.patch(f"/api/v1/invoices/{_draft(money).pk}/", {"lines": []}, format="json")
    foreign = api.post("/api/v1/invoices/", {"client": money.client_a.pk, "date": "2026-03-02",
                                             "lines": [{"service": other_service.pk, "price": "1"}]}, format="json")
    period = api.patch(f"/api/v1/invoices/{_draft(money).pk}/",
                       {"period_start": "2026-03-31", "period_end": "2026-03-01"}, format="json")

    assert no_lines.status_code == 400 and "lines" in no_lines.json()
    assert foreign.status_code == 400 and "service" in foreign.json()["lines"]["0"]
    assert period.status_code == 400 and "period_end" in period.json()


def test_partial_act_and_act_detail(money, api_client_for):
    invoice = services.invoice_create(
        actor=money.finance.user, client=money.client_a, date=date(2026, 2, 2),
        lines=[services.LineInput(name="A", price=Decimal("100")), services.LineInput(name="B", price=Decimal("50"))],
    )
    invoice = services.invoice_issue(actor=money.finance.user, invoice=invoice)
    line_a = invoice.lines.get(name="A")
    api = api_client_for(money.finance)

    created = api.post(f"/api/v1/invoices/{invoice.pk}/acts/", {"line_ids": [line_a.pk], "date": "2026-02-28"},
                       format="json")
    detail = api.get(f"/api/v1/acts/{created.json()['id']}/")

    assert created.status_code == 201 and Decimal(created.json()["total"]) == Decimal("100.00")
    assert [ln["name"] for ln in detail.json()["lines"]] == ["A"]
    assert api_client_for(money.am2).get(f"/api/v1/acts/{created.json()['id']}/").status_code == 404


def test_signed_before_act_date_is_400(money, api_client_for):
    act = services.act_create(actor=money.finance.user, invoice=issued_invoice(money.finance, money.client_a, "10"),
                              date=date(2026, 2, 28))

    response = api_client_for(money.finance).post(f"/api/v1/acts/{act.pk}/signed/", {"signed_on": "2026-02-01"},
                                                  format="json")

    act.refresh_from_db()
    assert response.status_code == 400 and "signed_on" in response.json() and act.status == "draft"
    assert Act.objects.count() == 1


# --- settings ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_settings_by_role(money, api_client_for, role):
    api = api_client_for(money.by_role_name(role))

    got = api.get("/api/v1/billing/settings/")
    patched = api.patch("/api/v1/billing/settings/", {"bik": "044525225", "ogrn": "1027700132195",
                                                      "default_payment_terms_days": 9}, format="json")

    cfg = BillingSettings.objects.get(agency=money.agency)
    if role in WRITERS:
        assert got.status_code == 200 and got.json()["bank_account"] == OWN_ACCOUNT
        assert patched.status_code == 200 and cfg.ogrn == "1027700132195" and cfg.default_payment_terms_days == 9
    elif role == "outsider":
        assert got.status_code == 200 and got.json()["bank_account"] == ""  # their own agency
        assert cfg.ogrn == ""
    else:
        assert got.status_code == 404 and patched.status_code == 404
        assert cfg.ogrn == "" and cfg.default_payment_terms_days == 5


@pytest.mark.parametrize(("payload", "field"), [
    ({"bik": "044525225", "bank_account": "40702810300000000001"}, "bank_account"),
    ({"inn": "7712345678"}, "inn"),
    ({"kpp": "12"}, "kpp"),
    ({"act_number_pattern": "A-{n}"}, "act_number_pattern"),
    ({"default_payment_terms_days": -1}, "default_payment_terms_days"),
    ({"status": "x"}, "status"),
])
def test_settings_400_names_the_field(money, api_client_for, payload, field):
    response = api_client_for(money.finance).patch("/api/v1/billing/settings/", payload, format="json")

    assert response.status_code == 400 and field in response.json()
    assert BillingSettings.objects.get(agency=money.agency).kpp == ""


@pytest.mark.parametrize("role", ROLES)
def test_bonus_rules_by_role(money, api_client_for, role):
    api = api_client_for(money.by_role_name(role))
    payload = {"valid_from": "2026-04-15", "fixed_salary": "50000",
               "tiers": [{"from_percent": "80", "share_percent": "5"}, {"from_percent": "100", "share_percent": "8"}]}

    created = api.post("/api/v1/billing/bonus-rules/", payload, format="json")
    listed = api.get("/api/v1/billing/bonus-rules/")

    rules = BonusRule.objects.filter(agency=money.agency)
    if role in WRITERS:
        assert created.status_code == 201 and created.json()["valid_from"] == "2026-04-01"
        assert len(listed.json()) == 1 and len(listed.json()[0]["tiers"]) == 2
    else:
        assert created.status_code == (201 if role == "outsider" else 404)
        assert listed.status_code == (200 if role == "outsider" else 404)
        assert not rules.exists()


def test_bonus_rule_400(money, api_client_for):
    api = api_client_for(money.finance)

    no_tiers = api.post("/api/v1/billing/bonus-rules/", {"valid_from": "2026-04-01", "fixed_salary": "1",
                                                         "tiers": []}, format="json")
    bad = api.post("/api/v1/billing/bonus-rules/", {"valid_from": "2026-04-01", "fixed_salary": "1",
                                                    "tiers": [{"from_percent": "80", "share_percent": "101"}]},
                   format="json")

    assert no_tiers.status_code == 400 and "tiers" in no_tiers.json()
    assert bad.status_code == 400 and "tiers" in bad.json()
    assert not BonusRule.objects.exists()


@pytest.mark.parametrize("role", ROLES)
def test_subcontractor_costs_crud_by_role(money, api_client_for, role):
    existing = services.subcontractor_cost_create(actor=money.finance.user, client=money.client_b,
                                                  month=date(2026, 2, 1), amount=Decimal("10"))
    api = api_client_for(money.by_role_name(role))

    created = api.post("/api/v1/billing/subcontractor-costs/", {
        "client": money.client_a.pk, "contract": money.contract_a.pk, "month": "2026-03-20", "amount": "300.00"},
        format="json")
    updated = api.put(f"/api/v1/billing/subcontractor-costs/{existing.pk}/", {
        "client": money.client_b.pk, "month": "2026-02-01", "amount": "20.00"}, format="json")
    deleted = api.delete(f"/api/v1/billing/subcontractor-costs/{existing.pk}/")

    if role in WRITERS:
        assert created.status_code == 201 and created.json()["month"] == "2026-03-01"
        assert updated.status_code == 200 and updated.json()["amount"] == "20.00"
        assert deleted.status_code == 204
        assert list(SubcontractorCost.objects.values_list("amount", flat=True)) == [Decimal("300.00")]
    else:
        assert created.status_code in (400, 404) and updated.status_code == 404 and deleted.status_code == 404
        assert list(SubcontractorCost.objects.values_list("amount", flat=True)) == [Decimal("10.00")]


def test_subcontractor_cost_list_filters_and_400(money, api_client_for):
    for client, month in ((money.client_a, 1), (money.client_a, 3), (money.client_b, 3)):
        services.subcontractor_cost_create(actor=money.finance.user, client=client, month=date(2026, month, 1),
                                           amount=Decimal("1"))
    api = api_client_for(money.finance)

    rows = api.get(f"/api/v1/billing/subcontractor-costs/?client={money.client_a.pk}&from=2026-02").json()["results"]
    bad = api.post("/api/v1/billing/subcontractor-costs/", {"client": money.client_a.pk, "contract":
                   money.contract_b.pk, "month": "2026-03-01", "amount": "-5"}, format="json")
    wrong_contract = api.post("/api/v1/billing/subcontractor-costs/", {
        "client": money.client_a.pk, "contract": money.contract_b.pk, "month": "2026-03-01", "amount": "5"},
        format="json")

    assert [r["month"] for r in rows] == ["2026-03-01"]
    assert bad.status_code == 400 and "amount" in bad.json()
    assert wrong_contract.status_code == 400 and "contract" in wrong_contract.json()
