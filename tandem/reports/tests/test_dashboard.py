"""The head's dashboard read: money vs plan, at-risk clients with their reason, scope, bounded queries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tandem.billing.models import Payment, PaymentPlan
from tandem.clients.models import LifecycleStatus
from tandem.clients.services import client_change_status
from tandem.reports import dashboard as d
from tandem.reports import permissions
from tandem.reports import retention as r
from tandem.reports.tests.retention_data import build_history

D = dt.date
Q1 = r.period_of(last_month=D(2026, 3, 1), months=3)


@pytest.fixture
def history(org):
    h = build_history(org)
    PaymentPlan.objects.create(agency=org.agency, employee=org.am1, month=D(2026, 2, 1), amount=Decimal("400"))
    PaymentPlan.objects.create(agency=org.agency, employee=org.am2, month=D(2026, 2, 1), amount=Decimal("100"))
    Payment.objects.create(agency=org.agency, client=h.c1, date=D(2026, 2, 20), amount=Decimal("100"))
    Payment.objects.create(agency=org.agency, client=h.c3, date=D(2026, 2, 21), amount=Decimal("80"))
    return h


def test_money_by_month_against_plan(org, history):
    jan, feb, mar = d.money_by_month(actor=org.head.user, period=Q1)
    # February invoices: C1 100 + C2 50 + C3 80 + C4 60 + C7 100 = 390; payments 180; plans 500
    assert (feb.revenue, feb.payments, feb.plan, feb.plan_percent) == (
        Decimal("390.00"), Decimal("180.00"), Decimal("500.00"), Decimal("36.00"))
    assert (jan.revenue, jan.plan, jan.plan_percent) == (Decimal("380.00"), Decimal("0"), None)
    assert mar.revenue == Decimal("250.00")


def test_group_head_money_is_their_groups(org, history):
    feb = d.money_by_month(actor=org.group_head.user, period=Q1)[1]
    # seo1: C1 100 + C2 50 + C7 100; C1's payment; am1's plan only
    assert (feb.revenue, feb.payments, feb.plan) == (Decimal("250.00"), Decimal("100.00"), Decimal("400.00"))


def test_the_dashboard_lists_at_risk_clients_with_the_reason_of_their_latest_move(org, history):
    client_change_status(actor=org.head.user, client=history.c1, to_status=LifecycleStatus.AT_RISK,
                         reason="Молчит третью неделю")
    client_change_status(actor=org.head.user, client=history.c1, to_status=LifecycleStatus.ACTIVE, reason="Ожил")
    client_change_status(actor=org.head.user, client=history.c1, to_status=LifecycleStatus.AT_RISK,
                         reason="Просит скидку 30 %")
    board = d.dashboard(actor=org.head.user, period=Q1, today=D(2026, 3, 31))
    assert [(row.client.brand_name, row.top_reason, row.accepted) for row in board.at_risk] == [
        ("C1", "Просит скидку 30 %", True)]
    assert board.at_risk_count == 1
    assert d.dashboard(actor=org.am2.user, period=Q1, today=D(2026, 3, 31)).at_risk == []


def test_dashboard_queries_do_not_grow_with_clients(org, history, django_assert_max_num_queries):
    with django_assert_max_num_queries(60):
        board = d.dashboard(actor=org.head.user, period=Q1, today=D(2026, 3, 31))
    assert board.churn.total.churned == 2
    assert board.new_count == 3  # C3, C4, C7
    assert [m.month for m in board.profit] == Q1.months


@pytest.mark.parametrize(("role", "allowed"), [
    ("head", True), ("admin", True), ("group_head", True), ("am1", False), ("spec1", False), ("finance", False),
])
def test_who_opens_the_management_reports(org, role, allowed):
    actor = org.by_role_name(role).user
    assert permissions.can_view_dashboard(actor) is allowed
    assert permissions.can_view_retention(actor) is allowed


def test_the_month_not_over_yet_is_flagged_and_closed_months_are_not() -> None:
    # given a trend of three months whose last one is the current month, without acts yet
    def month(day: dt.date, revenue: str) -> d.ProfitMonth:
        return d.ProfitMonth(month=day, revenue=Decimal(revenue), staff_cost=Decimal("70"),
                             subcontractor_cost=Decimal("0"))

    trend = [month(D(2026, 1, 1), "100"), month(D(2026, 2, 1), "0"), month(D(2026, 3, 1), "0")]
    # when the dashboard reads it on 15 March
    rows = d.profit_rows(trend, today=D(2026, 3, 15))
    # then only March is unfinished and waits for its acts; a closed month with 0 revenue stays a result
    assert [(r.unfinished, r.awaiting_acts) for r in rows] == [(False, False), (False, False), (True, True)]
    assert [r.profit for r in rows] == trend  # the figures themselves are not touched
    # and once an act of March is issued, March is still unfinished but no longer waits for acts
    partial = d.profit_rows([month(D(2026, 3, 1), "40")], today=D(2026, 3, 15))[0]
    assert (partial.unfinished, partial.awaiting_acts) == (True, False)


def test_the_dashboard_flags_its_current_month(org, history):
    board = d.dashboard(actor=org.head.user, period=Q1, today=D(2026, 3, 15))
    assert [r.unfinished for r in board.profit_rows] == [False, False, True]
    closed = d.dashboard(actor=org.head.user, period=Q1, today=D(2026, 4, 1))
    assert not any(r.unfinished for r in closed.profit_rows)
