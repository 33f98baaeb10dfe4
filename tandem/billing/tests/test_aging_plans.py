"""Receivables aging (reconciles to the kopeck), collection lists, plan fulfilment with AM
history, bonus statements."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from tandem.billing import selectors, services
from tandem.billing.models import BonusStatement, Invoice, PaymentAllocation, PaymentPlan
from tandem.clients.models import AccountManagerChange
from tandem.core.errors import NotFound

from .helpers import issued_invoice

pytestmark = pytest.mark.django_db
MSK = ZoneInfo("Europe/Moscow")
TODAY = date(2026, 6, 30)


def _aging_fixture(money):
    specs = [  # (client, amount, invoice date, paid)
        (money.client_a, "1000.00", date(2026, 6, 25), "0"),      # not due (due 07-05)
        (money.client_a, "2000.00", date(2026, 6, 1), "500.55"),  # due 06-11: 19 days
        (money.client_b, "3000.33", date(2026, 5, 1), "0"),       # due 05-06: 55 days
        (money.client_b, "4000.00", date(2026, 4, 1), "3999.99"), # due 04-06: 85 days
        (money.client_a, "5000.00", date(2026, 1, 5), "0"),       # 90+
        (money.client_b, "100.00", date(2026, 1, 5), "100.00"),   # paid
    ]
    for client, amount, on, paid in sorted(specs, key=lambda spec: spec[2]):  # numbers follow dates
        inv = issued_invoice(money.finance, client, amount, on=on)
        if Decimal(paid):
            p = services.payment_record(
                actor=money.finance.user, client=client, date=on, amount=Decimal(paid), auto_allocate=False
            )
            services.payment_allocate(actor=money.finance.user, payment=p, invoice=inv)


def test_aging_buckets_and_reconciliation(money):
    _aging_fixture(money)

    report = selectors.receivables_aging(actor=money.finance.user, by="client", today=TODAY)

    t = report.totals.buckets
    assert t["not_due"] == Decimal("1000.00")
    assert t["d1_30"] == Decimal("1499.45")
    assert t["d31_60"] == Decimal("3000.33")
    assert t["d61_90"] == Decimal("0.01")
    assert t["d90_plus"] == Decimal("5000.00")
    billed = sum(Invoice.objects.values_list("total", flat=True))
    allocated = sum(PaymentAllocation.objects.values_list("amount", flat=True))
    assert report.totals.total == billed - allocated == Decimal("10499.79")
    assert report.reconciles


@pytest.mark.parametrize("by", ["client", "am", "group", "agency"])
def test_every_grouping_sums_to_the_same_total(money, by):
    _aging_fixture(money)

    report = selectors.receivables_aging(actor=money.head.user, by=by, today=TODAY)

    assert sum((r.total for r in report.rows), Decimal("0")) == report.totals.total == Decimal("10499.79")


def test_agency_grouping_is_one_row_of_every_open_invoice(money, django_assert_max_num_queries):
    _aging_fixture(money)
    open_count = Invoice.objects.filter(status__in=["issued", "partly_paid"]).count()

    with django_assert_max_num_queries(6):
        report = selectors.receivables_aging(actor=money.head.user, by="agency", today=TODAY)

    assert [(r.key, r.invoice_count) for r in report.rows] == [("agency", open_count)]
    assert report.rows[0].buckets == report.totals.buckets


def test_aging_scoped_for_am_and_empty_for_specialist(money):
    _aging_fixture(money)

    am1 = selectors.receivables_aging(actor=money.am1.user, today=TODAY)
    spec = selectors.receivables_aging(actor=money.spec1.user, today=TODAY)

    assert [r.label for r in am1.rows] == ["Альфа"] and am1.reconciles
    assert spec.rows == [] and spec.totals.total == 0


class TestAgingReconcilesProperty(HypothesisTestCase):
    """Random invoices and partial payments: buckets always equal billed − allocated."""

    @settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(
        st.tuples(
            st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999.99"), places=2),
            st.integers(min_value=0, max_value=200),
            st.integers(min_value=0, max_value=100),
        ),
        min_size=1, max_size=6,
    ))
    def test_reconciles(self, specs):
        from tandem.clients.tests.factories import ClientFactory
        from tandem.org.roles import Role
        from tandem.org.tests.factories import EmployeeFactory

        from .factories import VatRateFactory

        fin = EmployeeFactory(role=Role.FINANCE)
        VatRateFactory(agency=fin.agency, valid_from=date(2020, 1, 1))
        client = ClientFactory(agency=fin.agency)
        for amount, age, paid_pct in sorted(specs, key=lambda spec: -spec[1]):  # numbers follow dates
            on = TODAY - timedelta(days=age)
            inv = services.invoice_create(
                actor=fin.user, client=client, date=on, vat_mode="vat",
                lines=[services.LineInput(name="x", price=amount)],
            )
            inv = services.invoice_issue(actor=fin.user, invoice=inv)
            part = (amount * paid_pct / 100).quantize(Decimal("0.01"))
            if part > 0:
                p = services.payment_record(actor=fin.user, client=client, date=on, amount=part, auto_allocate=False)
                services.payment_allocate(actor=fin.user, payment=p, invoice=inv)
        report = selectors.receivables_aging(actor=fin.user, today=TODAY)
        assert report.reconciles
        assert report.totals.total == sum((a for a, _g, _p in specs), Decimal("0")) - sum(
            PaymentAllocation.objects.filter(invoice__agency=fin.agency).values_list("amount", flat=True), Decimal("0")
        )


def test_invoices_to_chase_and_promises(money):
    overdue = issued_invoice(money.finance, money.client_a, "100.00", on=date(2026, 6, 1))
    issued_invoice(money.finance, money.client_b, "400.00", on=date(2026, 6, 1))
    soon = issued_invoice(money.finance, money.client_a, "200.00", on=date(2026, 6, 28))  # due 07-03: in 3 days
    issued_invoice(money.finance, money.client_a, "300.00", on=date(2026, 6, 29))  # due 07-04: 4 days ahead

    chase = list(selectors.invoices_to_chase(actor=money.am1.user, today=TODAY))

    assert [i.pk for i in chase] == [overdue.pk, soon.pk]
    assert chase[0].outstanding_amount == Decimal("100.00")
    assert list(selectors.invoices_to_chase(actor=money.spec1.user, today=TODAY)) == []


def test_promised_payments_due(money, monkeypatch):
    invoice = issued_invoice(money.finance, money.client_a, "100.00", on=date(2026, 6, 1))
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a: date(2026, 6, 20))
    services.promised_payment_add(actor=money.am1.user, invoice=invoice, promised_on=date(2026, 6, 25), note="обещали")

    assert list(selectors.promised_payments_due(actor=money.am1.user, today=date(2026, 6, 24))) == []
    due = list(selectors.promised_payments_due(actor=money.am1.user, today=TODAY))
    assert [p.note for p in due] == ["обещали"]
    assert list(selectors.promised_payments_due(actor=money.am2.user, today=TODAY)) == []


def test_reminders_follow_accountant_channel_and_escalate_to_group_head(money):
    from tandem.clients.tests.factories import ContactFactory

    ContactFactory(client=money.client_a, role="accountant", preferred_channel="phone")
    invoice = issued_invoice(money.finance, money.client_a, "100.00", on=date(2026, 6, 1))

    reminders = {r.kind: r for r in invoice.reminders.all()}
    assert reminders["before_due"].channel == "phone"
    assert reminders["before_due"].due_on == invoice.due_date - timedelta(days=3)
    assert reminders["escalation"].assignee == money.group_head
    assert reminders["escalation"].due_on == invoice.due_date + timedelta(days=30)
    due_for_head = selectors.reminders_due(actor=money.group_head.user, today=TODAY + timedelta(days=10))
    assert [r.kind for r in due_for_head] == ["escalation"]


# --- plans and bonus ----------------------------------------------------------------------------


def _pay(money, client, day, amount):
    return services.payment_record(actor=money.finance.user, client=client, date=day, amount=Decimal(amount),
                                   auto_allocate=False)


def test_payment_counts_for_the_am_responsible_on_the_payment_date(money):
    # client_a moves from am1 to am2 on 15 March
    AccountManagerChange.objects.create(
        client=money.client_a, previous_manager=money.am1, new_manager=money.am2, changed_by=money.head.user,
        changed_at=datetime(2026, 3, 15, 10, 0, tzinfo=MSK),
    )
    money.client_a.account_manager = money.am2
    money.client_a.save()
    _pay(money, money.client_a, date(2026, 3, 14), "60000")
    _pay(money, money.client_a, date(2026, 3, 15), "40000")
    _pay(money, money.client_b, date(2026, 3, 20), "25000")
    _pay(money, money.client_b, date(2026, 4, 1), "99999")
    services.payment_plan_set(actor=money.head.user, employee=money.am1, month=date(2026, 3, 1), amount=Decimal("48000"))
    services.payment_plan_set(actor=money.head.user, employee=money.am2, month=date(2026, 3, 1), amount=Decimal("80000"))

    am1 = selectors.plan_fulfilment(actor=money.head.user, employee=money.am1, month=date(2026, 3, 10))
    am2 = selectors.plan_fulfilment(actor=money.am2.user, employee=money.am2, month=date(2026, 3, 1))

    assert (am1.plan, am1.paid, am1.percent) == (Decimal("48000.00"), Decimal("60000.00"), Decimal("125.00"))
    assert (am2.paid, am2.percent) == (Decimal("65000.00"), Decimal("81.25"))
    overview = {f.employee.pk: f for f in selectors.plan_overview(actor=money.head.user, month=date(2026, 3, 1))}
    assert overview[money.am1.pk].paid == am1.paid and overview[money.am2.pk].paid == am2.paid


def test_am_sees_only_own_plan(money):
    with pytest.raises(NotFound):
        selectors.plan_fulfilment(actor=money.am1.user, employee=money.am2, month=date(2026, 3, 1))
    with pytest.raises(NotFound):
        selectors.plan_fulfilment(actor=money.spec1.user, employee=money.spec1, month=date(2026, 3, 1))
    assert [f.employee for f in selectors.plan_overview(actor=money.am1.user, month=date(2026, 3, 1))] == [money.am1]


def test_bonus_statement_is_reproducible(money):
    services.bonus_rule_set(
        actor=money.head.user, valid_from=date(2026, 1, 1), fixed_salary=Decimal("60000"),
        tiers=[(Decimal("80"), Decimal("5")), (Decimal("100"), Decimal("8"))],
    )
    services.payment_plan_set(actor=money.head.user, employee=money.am1, month=date(2026, 3, 1), amount=Decimal("100000"))
    _pay(money, money.client_a, date(2026, 3, 3), "70000")
    _pay(money, money.client_a, date(2026, 3, 20), "20000.50")

    first = services.bonus_statement_build(actor=money.head.user, employee=money.am1, month=date(2026, 3, 1))
    snapshot = (first.plan, first.paid, first.percent, first.share_percent, first.bonus, first.total, first.details)
    second = services.bonus_statement_build(actor=money.finance.user, employee=money.am1, month=date(2026, 3, 1))

    assert snapshot == (second.plan, second.paid, second.percent, second.share_percent, second.bonus, second.total,
                        second.details)
    assert first.paid == Decimal("90000.50") and first.percent == Decimal("90.00")
    assert first.share_percent == Decimal("5.00") and first.bonus == Decimal("4500.03")
    assert first.total == Decimal("64500.03")
    assert BonusStatement.objects.count() == 1


def test_bonus_below_threshold_and_plan_salary_override(money):
    services.bonus_rule_set(actor=money.finance.user, valid_from=date(2026, 1, 1), fixed_salary=Decimal("60000"),
                            tiers=[(Decimal("80"), Decimal("5"))])
    services.payment_plan_set(actor=money.group_head.user, employee=money.am1, month=date(2026, 3, 1),
                              amount=Decimal("100000"), fixed_salary=Decimal("70000"))
    _pay(money, money.client_a, date(2026, 3, 3), "79000")

    st_ = services.bonus_statement_build(actor=money.head.user, employee=money.am1, month=date(2026, 3, 1))

    assert st_.bonus == 0 and st_.total == Decimal("70000.00")


def test_group_head_sets_plans_only_in_own_group(money):
    from tandem.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.payment_plan_set(actor=money.group_head.user, employee=money.am2, month=date(2026, 3, 1),
                                  amount=Decimal("1"))
    with pytest.raises(PermissionDenied):
        services.payment_plan_set(actor=money.am1.user, employee=money.am1, month=date(2026, 3, 1), amount=Decimal("1"))
    assert not PaymentPlan.objects.exists()
