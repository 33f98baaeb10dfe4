"""Retainer balances from time entries, frozen months and query counts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tandem.contracts.models import RetainerExpense, RetainerExpenseKind
from tandem.testing.retainers import log, month_ago, retainer_project
from tandem.work import services
from tandem.work.models import RetainerMonth
from tandem.work.retainers import project_retainer_balance, retainer_balance, retainer_balances

pytestmark = pytest.mark.django_db


def test_balance_rolls_over_hours_from_the_line_projects_time(org):
    # given 10 h a month carried for one month, starting three months ago
    project = retainer_project(org, hours="10", carry=1, start_ago=3)
    log(project, month_ago(3), "4")    # leaves 6
    log(project, month_ago(2), "2")    # carried 6 first -> 6-2=4 carried + 10 own = 14
    log(project, month_ago(1), "30")   # 14 expires? no: carry 1 month, month-3 lot (4) lapses
    # when
    balance = project_retainer_balance(project=project)
    # then
    rows = balance.rows
    assert [r.month for r in rows] == [month_ago(k) for k in (3, 2, 1, 0)]
    assert (rows[0].used, rows[0].closing) == (4, 6)
    assert (rows[1].opening, rows[1].carried_in, rows[1].used, rows[1].closing) == (6, 6, 2, 14)
    assert (rows[2].opening, rows[2].expired, rows[2].carried_in, rows[2].used, rows[2].overage, rows[2].closing) == (
        14, 4, 10, 30, 10, 0)
    assert (rows[3].opening, rows[3].carried_in, rows[3].budget, rows[3].closing) == (0, 0, 10, 10)
    assert balance.hours_left == Decimal(10)


def test_other_projects_time_does_not_count_and_money_counts_expenses(org):
    project = retainer_project(org, hours="10", money="50000", start_ago=0)
    other = retainer_project(org, client=org.client_b, hours="10", start_ago=0)
    log(other, month_ago(0), "9")
    RetainerExpense.objects.create(line=project.contract_line, kind=RetainerExpenseKind.AD_BUDGET,
                                   date=timezone.localdate().replace(day=1), amount=Decimal("42000"),
                                   created_by=org.am1.user)
    row = retainer_balance(line=project.contract_line).current
    assert (row.used, row.money_spent, row.money_left) == (0, Decimal("42000"), Decimal("8000"))
    assert row.threshold == 80


def test_line_without_terms_has_no_balance(org):
    from tandem.work.tests.factories import signed_project

    assert project_retainer_balance(project=signed_project(org)) is None


def test_closing_a_month_freezes_it_and_later_edits_do_not_change_it(org):
    # given a month with 12 h used of 10
    project = retainer_project(org, hours="10", carry=0, start_ago=2)
    month = month_ago(1)
    entries = log(project, month, "12")
    # when finance closes it, reopens it and the time is cut
    services.month_close(actor=org.finance.user, month=month)
    frozen = RetainerMonth.objects.get(line=project.contract_line, month=month)
    services.month_reopen(actor=org.finance.user, month=month)
    entries[0].delete()
    # then the frozen month keeps its figures
    row = next(r for r in retainer_balance(line=project.contract_line).rows if r.month == month)
    assert row.frozen and (row.used, row.overage) == (12, 2)
    assert (frozen.used, frozen.overage, frozen.closing) == (12, 2, 0)


def test_closing_again_does_not_rewrite_a_frozen_month(org):
    project = retainer_project(org, hours="10", start_ago=2)
    month = month_ago(1)
    log(project, month, "3")
    services.month_close(actor=org.finance.user, month=month)
    services.month_reopen(actor=org.finance.user, month=month)
    log(project, month, "5")
    services.month_close(actor=org.finance.user, month=month)
    assert RetainerMonth.objects.get(line=project.contract_line, month=month).used == 3


def test_a_year_of_balances_takes_constant_queries(org):
    # given two lines with twelve months of time each
    projects = [retainer_project(org, hours="10", carry=3, start_ago=11),
                retainer_project(org, client=org.client_b, hours="20", start_ago=11)]
    for project in projects:
        for k in range(12):
            log(project, month_ago(k), str(5 + k))
    lines = [p.contract_line for p in projects]
    for line in lines:
        line.contract  # noqa: B018 - loaded before counting
    # when
    with CaptureQueriesContext(connection) as ctx:
        balances = retainer_balances(lines=lines)
    # then
    assert len(ctx.captured_queries) <= 4
    assert [len(b.rows) for b in balances.values()] == [12, 12]


def test_contract_end_stops_the_months(org):
    project = retainer_project(org, hours="10", start_ago=3)
    contract = project.contract_line.contract
    contract.end_date = month_ago(2).replace(day=20)
    contract.save()
    balance = retainer_balance(line=project.contract_line, until=date.today())
    assert [r.month for r in balance.rows] == [month_ago(3), month_ago(2)]
