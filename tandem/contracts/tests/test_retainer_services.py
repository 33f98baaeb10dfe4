"""Retainer terms and expenses on contract lines: who may set them, validation, history."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from tandem.contracts import services
from tandem.contracts.models import BillingModel, ContractStatus, RetainerExpense, RetainerTerms
from tandem.contracts.tests.factories import ContractFactory, ContractLineFactory
from tandem.core.errors import PermissionDenied

pytestmark = pytest.mark.django_db

TERMS = {"hours_per_month": Decimal("20"), "rollover_months": 2, "rollover_cap_hours": Decimal("15"),
         "overage_allowed": True, "overage_rate": Decimal("3500")}


@pytest.fixture
def line(org):
    contract = ContractFactory(client=org.client_a, status=ContractStatus.SIGNED, start_date=date(2026, 2, 17))
    return ContractLineFactory(contract=contract)


def test_terms_are_set_on_a_signed_contract_with_history(org, line):
    terms = services.retainer_terms_set(actor=org.am1.user, line=line, data=TERMS)
    assert terms.start_month == date(2026, 2, 1)
    services.retainer_terms_set(actor=org.am1.user, line=line, data={"hours_per_month": Decimal("25")})
    terms.refresh_from_db()
    assert terms.hours_per_month == 25 and terms.rollover_months == 2
    assert [h.hours_per_month for h in terms.history.order_by("history_date")] == [20, 25]


def test_terms_need_some_budget_and_a_month_start(org, line):
    with pytest.raises(ValidationError) as exc:
        services.retainer_terms_set(actor=org.am1.user, line=line, data={"hours_per_month": Decimal("0")})
    assert "hours_per_month" in exc.value.message_dict
    assert not RetainerTerms.objects.exists()


def test_terms_only_for_retainer_or_hourly_lines(org, line):
    line.billing_model = BillingModel.FIXED_PRICE
    line.save()
    with pytest.raises(ValidationError):
        services.retainer_terms_set(actor=org.am1.user, line=line, data=TERMS)
    assert not RetainerTerms.objects.exists()


@pytest.mark.parametrize("role,allowed", [
    ("am1", True), ("group_head", True), ("head", True), ("admin", True), ("am2", False), ("finance", False),
    ("spec1", False), ("outsider", False),
])
def test_who_sets_terms(org, line, role, allowed):
    actor = org.by_role_name(role).user
    if allowed:
        services.retainer_terms_set(actor=actor, line=line, data=TERMS)
        assert RetainerTerms.objects.filter(line=line).exists()
    else:
        with pytest.raises(PermissionDenied):
            services.retainer_terms_set(actor=actor, line=line, data=TERMS)
        assert not RetainerTerms.objects.exists()


def test_expense_needs_terms_and_is_booked(org, line):
    data = {"kind": "ad_budget", "date": date(2026, 3, 5), "amount": Decimal("70000"), "description": "Директ"}
    with pytest.raises(ValidationError):
        services.retainer_expense_add(actor=org.am1.user, line=line, data=data)
    services.retainer_terms_set(actor=org.am1.user, line=line, data={**TERMS, "money_per_month": Decimal("90000")})
    expense = services.retainer_expense_add(actor=org.am1.user, line=line, data=data)
    assert (expense.amount, expense.created_by) == (Decimal("70000"), org.am1.user)
    with pytest.raises(PermissionDenied):
        services.retainer_expense_delete(actor=org.am2.user, expense=expense)
    services.retainer_expense_delete(actor=org.am1.user, expense=expense)
    assert not RetainerExpense.objects.exists()
