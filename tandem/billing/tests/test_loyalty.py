"""Loyalty discounts: the client's measures on the invoice date, the largest rule met, the
discount on every line to the kopeck, manual override, acts copy it, history of rules."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from tandem.billing import selectors, services
from tandem.billing.loyalty import client_measures, loyalty_discount_for
from tandem.billing.models import LoyaltyBasis, LoyaltyRule
from tandem.billing.tests.factories import ContractLineFactory, ServiceFactory
from tandem.core.errors import PermissionDenied

from .helpers import issued_invoice

pytestmark = pytest.mark.django_db


def _rule(org, name, basis, threshold, percent, **kw):
    return services.loyalty_rule_create(actor=org.finance.user, name=name, basis=basis,
                                        threshold=Decimal(threshold), percent=Decimal(percent), **kw)


def test_tenure_counts_whole_months_from_served_since(money):
    money.client_a.served_since = date(2024, 3, 15)
    money.client_a.save()

    on_eve = client_measures(client=money.client_a, on=date(2026, 3, 14), bases={LoyaltyBasis.TENURE_MONTHS})
    on_day = client_measures(client=money.client_a, on=date(2026, 3, 15), bases={LoyaltyBasis.TENURE_MONTHS})

    assert on_eve[LoyaltyBasis.TENURE_MONTHS] == Decimal(23)
    assert on_day[LoyaltyBasis.TENURE_MONTHS] == Decimal(24)


def test_tenure_without_served_since_starts_at_first_signed_contract(money):
    # contract_a (the money fixture) starts 2025-12-01
    measures = client_measures(client=money.client_a, on=date(2026, 6, 1), bases={LoyaltyBasis.TENURE_MONTHS})

    assert measures[LoyaltyBasis.TENURE_MONTHS] == Decimal(6)


def test_monthly_volume_is_three_previous_whole_months_over_three(money):
    issued_invoice(money.finance, money.client_a, "30000.00", on=date(2026, 1, 31))  # outside the window
    issued_invoice(money.finance, money.client_a, "60000.00", on=date(2026, 2, 10))
    issued_invoice(money.finance, money.client_a, "30000.00", on=date(2026, 4, 30))
    issued_invoice(money.finance, money.client_a, "99999.00", on=date(2026, 5, 2))  # the month itself: not counted

    measures = client_measures(client=money.client_a, on=date(2026, 5, 20), bases={LoyaltyBasis.MONTHLY_VOLUME})

    assert measures[LoyaltyBasis.MONTHLY_VOLUME] == Decimal("30000.00")


def test_services_count_distinct_services_of_active_signed_contracts(money):
    ContractLineFactory(contract=money.contract_a, service=ServiceFactory(agency=money.agency, name="SMM"))

    measures = client_measures(client=money.client_a, on=date(2026, 2, 1), bases={LoyaltyBasis.SERVICES_COUNT})

    assert measures[LoyaltyBasis.SERVICES_COUNT] == Decimal(2)


def test_largest_rule_met_applies_rules_do_not_add_up(money):
    money.client_a.served_since = date(2023, 1, 1)
    money.client_a.save()
    _rule(money, "Год с нами", LoyaltyBasis.TENURE_MONTHS, "12", "3")
    _rule(money, "Три года", LoyaltyBasis.TENURE_MONTHS, "36", "7")
    _rule(money, "Пять услуг", LoyaltyBasis.SERVICES_COUNT, "5", "10")  # not met: one service

    found = loyalty_discount_for(client=money.client_a, on=date(2026, 2, 1))

    assert found is not None and found.rule.name == "Три года" and found.percent == Decimal("7.00")
    assert "37 мес." in found.reason and "«Три года»" in found.reason


def test_inactive_rules_and_unmet_thresholds_give_nothing(money):
    _rule(money, "Выключено", LoyaltyBasis.TENURE_MONTHS, "0", "5", is_active=False)
    _rule(money, "Десять лет", LoyaltyBasis.TENURE_MONTHS, "120", "5")

    assert loyalty_discount_for(client=money.client_a, on=date(2026, 2, 1)) is None


def test_new_invoice_gets_the_discount_on_every_line_to_the_kopeck(money):
    _rule(money, "С первого дня", LoyaltyBasis.TENURE_MONTHS, "0", "5")

    invoice = services.invoice_create(
        actor=money.finance.user, client=money.client_a, contract=money.contract_a, date=date(2026, 2, 1),
        lines=[services.LineInput(name="SEO", price=Decimal("33333.33")),
               services.LineInput(name="Часы", quantity=Decimal("2.5"), price=Decimal("1333.33"))],
    )

    lines = list(invoice.lines.all())
    assert [ln.list_amount for ln in lines] == [Decimal("33333.33"), Decimal("3333.33")]
    # 33333.33 × 0.95 = 31666.6635 → 31666.66; 3333.33 × 0.95 = 3166.6635 → 3166.66
    assert [ln.amount for ln in lines] == [Decimal("31666.66"), Decimal("3166.66")]
    assert invoice.total == Decimal("34833.32")
    assert invoice.discount_percent == Decimal("5.00") and invoice.discount_rule is not None
    assert "С первого дня" in invoice.discount_reason


def test_issued_invoices_keep_their_amounts_when_rules_change(money):
    rule = _rule(money, "С первого дня", LoyaltyBasis.TENURE_MONTHS, "0", "5")
    invoice = issued_invoice(money.finance, money.client_a, "1000.00", on=date(2026, 2, 1))

    services.loyalty_rule_update(actor=money.finance.user, rule=rule, name=rule.name, basis=rule.basis,
                                 threshold=rule.threshold, percent=Decimal("20"), is_active=True)
    invoice.refresh_from_db()

    assert invoice.total == Decimal("950.00")
    assert rule.history.count() == 2


def test_manual_discount_overrides_the_rules_with_a_reason(money):
    _rule(money, "С первого дня", LoyaltyBasis.TENURE_MONTHS, "0", "5")

    invoice = services.invoice_create(
        actor=money.finance.user, client=money.client_a, date=date(2026, 2, 1), discount_percent=Decimal("0"),
        lines=[services.LineInput(name="Аудит", price=Decimal("1000.00"))],
    )
    assert invoice.total == Decimal("1000.00") and invoice.discount_rule is None and invoice.discount_reason == ""

    invoice = services.invoice_update(actor=money.finance.user, invoice=invoice, discount_percent=Decimal("12.5"),
                                      discount_reason="Акция к юбилею")

    assert [ln.amount for ln in invoice.lines.all()] == [Decimal("875.00")]
    assert invoice.total == Decimal("875.00") and invoice.discount_reason == "Акция к юбилею"


def test_discount_out_of_range_is_refused(money):
    with pytest.raises(ValidationError) as exc:
        services.invoice_create(
            actor=money.finance.user, client=money.client_a, date=date(2026, 2, 1), discount_percent=Decimal("101"),
            lines=[services.LineInput(name="Аудит", price=Decimal("1000.00"))],
        )
    assert "discount_percent" in exc.value.message_dict


def test_act_copies_the_discount_of_the_invoice_lines(money):
    _rule(money, "С первого дня", LoyaltyBasis.TENURE_MONTHS, "0", "10")
    invoice = issued_invoice(money.finance, money.client_a, "1000.00", on=date(2026, 2, 1))

    act = services.act_create(actor=money.finance.user, invoice=invoice)

    line = act.lines.get()
    assert line.discount_percent == Decimal("10.00") and line.amount == Decimal("900.00")
    assert act.total == Decimal("900.00")


def test_retainer_invoices_get_the_discount(money):
    _rule(money, "С первого дня", LoyaltyBasis.TENURE_MONTHS, "0", "5")

    run = services.retainer_invoices_generate(actor=money.finance.user, month=date(2026, 2, 1))

    totals = sorted(inv.total for inv in run.created)
    assert totals == [Decimal("47500.00"), Decimal("95000.00")]


def test_only_settings_managers_keep_rules(money):
    with pytest.raises(PermissionDenied):
        _rule(_AsAm(money), "Нельзя", LoyaltyBasis.TENURE_MONTHS, "0", "5")


def test_duplicate_rule_name_and_fractional_months_are_field_errors(money):
    _rule(money, "Год с нами", LoyaltyBasis.TENURE_MONTHS, "12", "3")

    with pytest.raises(ValidationError) as dup:
        _rule(money, "Год с нами", LoyaltyBasis.TENURE_MONTHS, "24", "5")
    with pytest.raises(ValidationError) as frac:
        _rule(money, "Полгода", LoyaltyBasis.TENURE_MONTHS, "6.5", "5")

    assert "name" in dup.value.message_dict and "threshold" in frac.value.message_dict


def test_selector_preview_is_scoped_to_money_clients(money):
    _rule(money, "С первого дня", LoyaltyBasis.TENURE_MONTHS, "0", "5")

    found = selectors.client_loyalty_discount(actor=money.finance.user, client_id=money.client_a.pk,
                                              on=date(2026, 2, 1))

    assert found is not None and found.percent == Decimal("5.00")
    assert list(selectors.loyalty_rule_list(actor=money.am1.user)) == list(LoyaltyRule.objects.all())


class _AsAm:
    """The org seen by an AM: `finance` is the AM, so `_rule` acts as the AM."""

    def __init__(self, org):
        self.finance = org.am1
