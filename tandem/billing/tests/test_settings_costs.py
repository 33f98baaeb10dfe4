"""Services behind the settings pages: requisites validation, default payment terms, the bonus
rule, subcontractor costs, draft edits with service lines and act signing dates."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tandem.billing import selectors, services
from tandem.billing.models import BillingSettings, SubcontractorCost
from tandem.contracts.models import Subcontractor
from tandem.core.errors import NotFound, PermissionDenied
from tandem.testing.billing import OWN_ACCOUNT

from .factories import ServiceFactory
from .helpers import issued_invoice

pytestmark = pytest.mark.django_db
BIK = "044525225"


def test_settlement_account_is_checked_against_the_bik(money):
    with pytest.raises(ValidationError) as exc:
        services.billing_settings_update(actor=money.finance.user, data={"bik": BIK,
                                                                         "bank_account": "40702810300000000001"})

    assert set(exc.value.message_dict) == {"bank_account"}
    cfg = services.billing_settings_update(actor=money.finance.user, data={"bik": BIK, "bank_account": OWN_ACCOUNT})
    assert cfg.bank_account == OWN_ACCOUNT


def test_all_invalid_requisites_are_reported_together(money):
    with pytest.raises(ValidationError) as exc:
        services.billing_settings_update(actor=money.finance.user, data={
            "bik": BIK, "ogrn": "123", "kpp": "x", "other_accounts": "4070\n", "act_number_pattern": "{n}"})

    assert set(exc.value.message_dict) >= {"ogrn", "kpp", "other_accounts", "act_number_pattern"}
    assert BillingSettings.objects.get(agency=money.agency).bik == ""


@pytest.mark.parametrize("role", ["group_head", "am1", "spec1"])
def test_only_settings_managers_edit(money, role):
    with pytest.raises(PermissionDenied):
        services.billing_settings_update(actor=money.by_role_name(role).user, data={"bik": BIK})
    with pytest.raises(NotFound):
        selectors.billing_settings_get(actor=money.by_role_name(role).user)

    assert selectors.bonus_rule_list(actor=money.by_role_name(role).user).count() == 0


def test_default_terms_for_invoices_without_contract_and_contract_terms_otherwise(money):
    services.billing_settings_update(actor=money.finance.user, data={"bik": BIK, "default_payment_terms_days": 20})

    loose = services.invoice_create(actor=money.finance.user, client=money.client_a, date=date(2026, 3, 2),
                                    lines=[services.LineInput(name="x", price=Decimal("1"))])
    by_contract = services.invoice_create(actor=money.finance.user, client=money.client_a, date=date(2026, 3, 2),
                                          contract=money.contract_a,
                                          lines=[services.LineInput(name="x", price=Decimal("1"))])

    assert loose.due_date == date(2026, 3, 22) and by_contract.due_date == date(2026, 3, 12)


def test_service_lines_are_named_after_the_service_and_foreign_services_refused(money):
    own = ServiceFactory(agency=money.agency, name="SMM")
    foreign = ServiceFactory()

    invoice = services.invoice_create(actor=money.finance.user, client=money.client_a, date=date(2026, 3, 2),
                                      lines=[services.LineInput(name="", price=Decimal("10"), service_id=own.pk)])
    with pytest.raises(ValidationError):
        services.invoice_update(actor=money.finance.user, invoice=invoice,
                                lines=[services.LineInput(name="x", price=Decimal("1"), service_id=foreign.pk)])

    assert [ln.name for ln in invoice.lines.all()] == ["SMM"]


def test_draft_period_is_edited_and_checked(money):
    draft = services.invoice_create(actor=money.finance.user, client=money.client_a, date=date(2026, 3, 2),
                                    lines=[services.LineInput(name="x", price=Decimal("1"))])

    services.invoice_update(actor=money.finance.user, invoice=draft, period_start=date(2026, 3, 1),
                            period_end=date(2026, 3, 31))
    with pytest.raises(ValidationError):
        services.invoice_update(actor=money.finance.user, invoice=draft, period_start=date(2026, 4, 1))

    draft.refresh_from_db()
    assert (draft.period_start, draft.period_end) == (date(2026, 3, 1), date(2026, 3, 31))


def test_act_signing_date_is_between_the_act_date_and_today(money):
    act = services.act_create(actor=money.finance.user, invoice=issued_invoice(money.finance, money.client_a, "5"),
                              date=date(2026, 2, 10))

    with pytest.raises(ValidationError):
        services.act_mark_signed(actor=money.finance.user, act=act, signed_on=date(2026, 2, 9))
    with pytest.raises(ValidationError):
        services.act_mark_signed(actor=money.finance.user, act=act,
                                 signed_on=timezone.localdate() + timedelta(days=1))
    services.act_mark_signed(actor=money.finance.user, act=act, signed_on=date(2026, 2, 12))

    assert act.status == "signed" and act.signed_on == date(2026, 2, 12) and act.sent_at is not None


def test_subcontractor_cost_month_and_contract_subcontractor(money):
    sub = Subcontractor.objects.create(agency=money.agency, name="ИП Верстов")
    money.contract_a.subcontractor = sub
    money.contract_a.save()

    cost = services.subcontractor_cost_create(actor=money.finance.user, client=money.client_a,
                                              contract=money.contract_a, month=date(2026, 3, 17),
                                              amount=Decimal("99.999"))

    assert (cost.date, cost.subcontractor, cost.amount) == (date(2026, 3, 1), sub, Decimal("100.00"))
    with pytest.raises(ValidationError):
        services.subcontractor_cost_create(actor=money.finance.user, client=money.client_a,
                                           contract=money.contract_b, month=date(2026, 3, 1), amount=Decimal("1"))
    with pytest.raises(PermissionDenied):
        services.subcontractor_cost_delete(actor=money.am1.user, cost=cost)
    assert SubcontractorCost.objects.count() == 1


def test_subcontractor_cost_shows_in_profitability(money):
    services.subcontractor_cost_create(actor=money.finance.user, client=money.client_a, month=date(2026, 3, 1),
                                       amount=Decimal("70"))

    report = selectors.profitability(actor=money.head.user, start=date(2026, 3, 1), end=date(2026, 3, 31))

    assert [(r.client_id, r.subcontractor_cost, r.negative) for r in report.rows] == [
        (money.client_a.pk, Decimal("70.00"), True)]
