"""Profitability by AM and group follows the AM responsible on each amount's date, not the
client's current AM (AccountManagerChange history), in a constant number of queries."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tandem.billing import selectors, services
from tandem.clients.models import AccountManagerChange
from tandem.clients.tests.factories import ClientFactory
from tandem.work.models import Project, TimeEntry
from tandem.work.services import time_rollup_refresh
from tandem.work.services.rollups import rollup_key

from .helpers import issued_invoice

pytestmark = pytest.mark.django_db
START, END = date(2026, 3, 1), date(2026, 3, 31)


def _aware(day: date) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, 12, 0))


def _switch_am(money, client, new, on: date) -> None:
    """The client's AM changed on `on` (history row + current AM, as the clients service does)."""
    AccountManagerChange.objects.create(client=client, previous_manager=client.account_manager, new_manager=new,
                                        changed_by=money.head.user, changed_at=_aware(on))
    client.account_manager = new
    client.save(update_fields=["account_manager"])


def _time(money, client, employee, day: date, hours: str, rate: str) -> None:
    project = Project.objects.filter(client=client).first() or Project.objects.create(
        agency=money.agency, client=client, contract_line=client.contracts.first().lines.first(), name="SEO",
        start_date=date(2026, 1, 1),
    )
    entry = TimeEntry.objects.create(employee=employee, project=project, date=day, hours=Decimal(hours),
                                     cost_rate=Decimal(rate), cost=Decimal(hours) * Decimal(rate))
    time_rollup_refresh([rollup_key(entry)])  # as the work services do after writing time


@pytest.fixture
def switched(money):
    """client_b (no VAT, am2 of SEO 2) moves to am1 (SEO 1) on 15 March: an act, time and a
    payment on each side of the change."""
    client = money.client_b
    before = issued_invoice(money.finance, client, "1000.00", on=date(2026, 3, 2), contract=money.contract_b)
    after = issued_invoice(money.finance, client, "600.00", on=date(2026, 3, 16), contract=money.contract_b)
    services.act_create(actor=money.finance.user, invoice=before, date=date(2026, 3, 10))
    services.act_create(actor=money.finance.user, invoice=after, date=date(2026, 3, 20))
    services.payment_record(actor=money.finance.user, client=client, date=date(2026, 3, 12), amount=Decimal("1000"))
    services.payment_record(actor=money.finance.user, client=client, date=date(2026, 3, 25), amount=Decimal("600"))
    _time(money, client, money.spec2, date(2026, 3, 5), "2", "100")
    _time(money, client, money.spec2, date(2026, 3, 18), "3", "100")
    services.subcontractor_cost_create(actor=money.finance.user, client=client, month=date(2026, 3, 1),
                                       amount=Decimal("50"))
    _switch_am(money, client, money.am1, date(2026, 3, 15))
    return money


@pytest.mark.parametrize("basis", ["acts", "payments"])
def test_by_am_splits_a_client_at_the_change(switched, basis):
    report = selectors.profitability(actor=switched.head.user, start=START, end=END, by="am", basis=basis)

    rows = {r.key: r for r in report.rows}
    am1, am2 = rows[switched.am1.pk], rows[switched.am2.pk]
    assert (am2.revenue, am2.staff_cost, am2.hours, am2.subcontractor_cost) == (
        Decimal("1000.00"), Decimal("200.00"), Decimal("2"), Decimal("50.00"))
    assert (am1.revenue, am1.staff_cost, am1.hours, am1.subcontractor_cost) == (
        Decimal("600.00"), Decimal("300.00"), Decimal("3"), Decimal("0.00"))
    assert [c.label for c in am1.children] == ["Бета"] and [c.label for c in am2.children] == ["Бета"]
    assert report.total.revenue == Decimal("1600.00")


def test_by_group_follows_the_am_at_the_time(switched):
    report = selectors.profitability(actor=switched.head.user, start=START, end=END, by="group", basis="acts")

    rows = {r.label: r for r in report.rows}
    assert rows["SEO 2"].revenue == Decimal("1000.00") and rows["SEO 1"].revenue == Decimal("600.00")
    assert rows["SEO 2"].margin == Decimal("750.00") and rows["SEO 1"].margin == Decimal("300.00")


def test_a_period_before_the_change_belongs_to_the_previous_am(switched):
    report = selectors.profitability(actor=switched.head.user, start=START, end=date(2026, 3, 14), by="am")

    assert [(r.key, r.revenue) for r in report.rows] == [(switched.am2.pk, Decimal("1000.00"))]


def test_totals_agree_with_the_client_view(switched):
    by_client = selectors.profitability(actor=switched.head.user, start=START, end=END, by="client")
    by_am = selectors.profitability(actor=switched.head.user, start=START, end=END, by="am")

    assert (by_am.total.revenue, by_am.total.staff_cost, by_am.total.subcontractor_cost, by_am.total.hours) == (
        by_client.total.revenue, by_client.total.staff_cost, by_client.total.subcontractor_cost,
        by_client.total.hours)


@pytest.mark.parametrize("by", ["am", "group"])
def test_query_count_does_not_grow_with_clients(switched, by):
    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            selectors.profitability(actor=switched.head.user, start=START, end=END, by=by, basis="payments")
        return len(ctx.captured_queries)

    small = count()
    for i in range(8):
        client = ClientFactory(agency=switched.agency, account_manager=switched.am2, group=switched.seo2)
        # Numbers follow dates: after the fixture's invoice of 16.03 and act of 20.03.
        inv = issued_invoice(switched.finance, client, f"{100 + i}.00", on=date(2026, 3, 16))
        services.act_create(actor=switched.finance.user, invoice=inv, date=date(2026, 3, 20))
        services.payment_record(actor=switched.finance.user, client=client, date=date(2026, 3, 5 + i),
                                amount=Decimal("10"))
        _switch_am(switched, client, switched.am1, date(2026, 3, 10 + i))

    assert count() == small


def test_profit_by_month_equals_the_monthly_reports(switched):
    # given acts, time and subcontractor costs in March on client_b, plus an act on client_a in April
    april = issued_invoice(switched.finance, switched.client_a, "500.00", on=date(2026, 4, 2))
    services.act_create(actor=switched.finance.user, invoice=april, date=date(2026, 4, 3))
    months = [date(2026, 2, 1), date(2026, 3, 1), date(2026, 4, 1)]
    # when
    with CaptureQueriesContext(connection) as queries:
        trend = selectors.profit_by_month(actor=switched.head.user, months=months)
    # then each month is the by-client report's total of that month, in three queries
    assert len(queries.captured_queries) <= 4
    for month, row in zip(months, trend, strict=True):
        end = date(month.year, month.month + 1, 1) - (date(2026, 1, 2) - date(2026, 1, 1))
        total = selectors.profitability(actor=switched.head.user, start=month, end=end, by="client").total
        assert (row.month, row.revenue, row.staff_cost, row.subcontractor_cost) == (
            month, total.revenue, total.staff_cost, total.subcontractor_cost)
    assert trend[1].staff_cost == Decimal("500.00") and trend[1].subcontractor_cost == Decimal("50.00")
    assert trend[2].revenue > 0 and trend[0].revenue == 0
    # an AM sees only their clients' months: am2 no longer has client_b, am1 has both
    assert selectors.profit_by_month(actor=switched.am2.user, months=months)[1].revenue == 0


def test_profit_by_month_reads_acts_whose_lines_add_up_to_their_total(switched):
    # given an invoice with VAT and three odd amounts, closed by two acts in April (two lines, then one)
    invoice = services.invoice_issue(actor=switched.finance.user, invoice=services.invoice_create(
        actor=switched.finance.user, client=switched.client_a, date=date(2026, 4, 2),
        lines=[services.LineInput(name=name, price=Decimal(price))
               for name, price in (("SEO", "333.33"), ("Контекст", "100.01"), ("Аудит", "0.05"))],
    ))
    first, second, third = invoice.lines.order_by("pk")
    acts = [
        services.act_create(actor=switched.finance.user, invoice=invoice, date=date(2026, 4, 3),
                            line_ids=[first.pk, third.pk]),
        services.act_create(actor=switched.finance.user, invoice=invoice, date=date(2026, 4, 20)),
    ]
    assert all(act.vat_amount > 0 for act in acts)
    assert [sum(line.amount for line in act.lines.all()) for act in acts] == [act.total for act in acts]
    # when
    april = selectors.profit_by_month(actor=switched.head.user, months=[date(2026, 4, 1)])[0]
    # then the month's revenue is the acts' totals net of VAT, and the by-client report (line by line) agrees
    assert april.revenue == sum(act.total - act.vat_amount for act in acts)
    report = selectors.profitability(actor=switched.head.user, start=date(2026, 4, 1), end=date(2026, 4, 30), by="client")
    assert report.total.revenue == april.revenue
