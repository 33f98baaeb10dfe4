"""Loyalty API: rules CRUD for settings managers (read for the agency), 400 with field messages,
the preview scoped to money clients, invoices with discount fields as documented."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tandem.billing import services
from tandem.billing.models import LoyaltyBasis, LoyaltyRule

pytestmark = pytest.mark.django_db
RULES = "/api/v1/billing/loyalty-rules/"


def _rule(org, name="С первого дня", percent="5"):
    return services.loyalty_rule_create(actor=org.finance.user, name=name, basis=LoyaltyBasis.TENURE_MONTHS,
                                        threshold=Decimal("0"), percent=Decimal(percent))


def test_finance_creates_rule_and_the_list_shows_it(money, api_client_for):
    api = api_client_for(money.finance)

    created = api.post(RULES, {"name": "Комплекс", "basis": "services_count", "threshold": "3", "percent": "7"},
                       format="json")
    listed = api.get(RULES)

    assert created.status_code == 201 and created.json()["basis_label"]
    assert listed.json()["count"] == 1 and listed.json()["results"][0]["name"] == "Комплекс"


def test_bad_rule_is_400_with_field_messages(money, api_client_for):
    api = api_client_for(money.finance)

    response = api.post(RULES, {"name": "Полгода", "basis": "tenure_months", "threshold": "6.5", "percent": "90"},
                        format="json")
    fractional = api.post(RULES, {"name": "Полгода", "basis": "tenure_months", "threshold": "6.5", "percent": "3"},
                          format="json")

    assert response.status_code == 400 and "percent" in response.json()
    assert fractional.status_code == 400 and "threshold" in fractional.json()
    assert not LoyaltyRule.objects.exists()


def test_am_reads_rules_but_cannot_change_them(money, api_client_for):
    rule = _rule(money)
    api = api_client_for(money.am1)

    assert api.get(RULES).json()["count"] == 1
    assert api.post(RULES, {"name": "x", "basis": "tenure_months", "threshold": "1", "percent": "1"},
                    format="json").status_code == 403
    assert api.delete(f"{RULES}{rule.pk}/").status_code == 403
    assert LoyaltyRule.objects.filter(pk=rule.pk).exists()


def test_update_and_delete(money, api_client_for):
    rule = _rule(money)
    api = api_client_for(money.head)

    updated = api.put(f"{RULES}{rule.pk}/", {"name": "С первого дня", "basis": "tenure_months", "threshold": "0",
                                             "percent": "6", "is_active": False}, format="json")
    deleted = api.delete(f"{RULES}{rule.pk}/")

    assert updated.status_code == 200 and updated.json()["percent"] == "6.00" and updated.json()["is_active"] is False
    assert deleted.status_code == 204 and not LoyaltyRule.objects.exists()


def test_preview_scoped_to_money_clients(money, api_client_for):
    _rule(money)

    finance = api_client_for(money.finance).get("/api/v1/billing/loyalty-discount/",
                                                {"client": money.client_a.pk, "on": "2026-02-01"})
    outsider = api_client_for(money.outsider).get("/api/v1/billing/loyalty-discount/", {"client": money.client_a.pk})
    missing = api_client_for(money.finance).get("/api/v1/billing/loyalty-discount/")

    assert finance.status_code == 200 and finance.json()["percent"] == "5.00" and "«С первого дня»" in finance.json()["reason"]
    assert outsider.status_code == 404
    assert missing.status_code == 400 and "client" in missing.json()


def test_invoice_api_applies_rule_and_accepts_manual_discount(money, api_client_for):
    _rule(money)
    api = api_client_for(money.finance)
    body = {"client": money.client_a.pk, "date": "2026-02-02", "lines": [{"name": "SEO", "price": "1000.00"}]}

    auto = api.post("/api/v1/invoices/", body, format="json").json()
    manual = api.post("/api/v1/invoices/", {**body, "discount_percent": "0"}, format="json").json()
    patched = api.patch(f"/api/v1/invoices/{manual['id']}/", {"discount_percent": "20", "discount_reason": "Акция"},
                        format="json").json()

    assert auto["total"] == "950.00" and auto["discount_rule"] is not None
    assert auto["lines"][0]["list_amount"] == "1000.00" and auto["lines"][0]["discount_percent"] == "5.00"
    assert manual["total"] == "1000.00" and manual["discount_rule"] is None
    assert patched["total"] == "800.00" and patched["discount_reason"] == "Акция"
