"""Hand-written SQL for the aggregates the app computes, and comparison with the app's numbers.

Each `*_sql` function computes, in plain SQL over the tables, the same numbers as a selector:
receivables aging (billing.selectors.receivables_aging), profitability by client for a period
(billing.profitability.profitability, basis "acts"), and AM plan fulfilment for a month
(billing.selectors.plan_overview). `*_app` returns the selector's numbers in the same shape,
so the benchmark can time both and assert they are equal.

PostgreSQL is exact (numeric). SQLite keeps decimals as floats in SUM(), so there sums are
rounded to kopecks and profitability revenue (a ratio) may differ by one kopeck.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any, NotRequired, TypedDict

from django.db import connection

from tandem.billing import selectors as billing_selectors
from tandem.billing.models import (
    Act,
    ActLine,
    Invoice,
    Payment,
    PaymentAllocation,
    PaymentPlan,
    SubcontractorCost,
)
from tandem.clients.models import AccountManagerChange, Client
from tandem.core.money import ZERO, to_money
from tandem.org.models import Employee, User
from tandem.work.models import Project, TimeEntry

Money = Decimal
# (revenue net of VAT by acts, staff cost, subcontractor cost, hours) of a client.
ProfitRow = tuple[Decimal, Decimal, Decimal, Decimal]
# (plan, paid) of an employee.
PlanRow = tuple[Decimal, Decimal]


class AgingNumbers(TypedDict):
    """Receivables aging: {group key: {bucket: amount}} and the billed and allocated sums."""

    rows: dict[int | str | None, dict[str, Decimal]]
    billed: Decimal
    allocated: Decimal
    reconciles: NotRequired[bool]  # the app's own check (not computed by the SQL side)


def _t(model: Any) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _money(value: Any) -> Decimal:
    if value is None:
        return ZERO
    if isinstance(value, float):
        return to_money(Decimal(repr(value)))
    return to_money(Decimal(value))


def _rows(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


# --- receivables aging ---------------------------------------------------------------------------


def aging_sql(*, agency_id: int, today: date) -> AgingNumbers:
    """{"rows": {client_id: {bucket: amount}}, "billed": Σ, "allocated": Σ} in three statements."""
    d = [today - timedelta(days=n) for n in (0, 30, 60, 90)]
    rows = _rows(
        f"""
        SELECT client_id, bucket, SUM(total - paid_amount)
        FROM (
          SELECT client_id, total, paid_amount,
                 CASE WHEN due_date >= %s THEN 'not_due'
                      WHEN due_date >= %s THEN 'd1_30'
                      WHEN due_date >= %s THEN 'd31_60'
                      WHEN due_date >= %s THEN 'd61_90'
                      ELSE 'd90_plus' END AS bucket
          FROM {_t(Invoice)}
          WHERE agency_id = %s AND status IN ('issued', 'partly_paid')
        ) AS x
        GROUP BY client_id, bucket
        """,
        [*d, agency_id],
    )
    # Keys are client ids; typed as the selector's row key (AgingRow.key) so both sides compare.
    result: dict[int | str | None, dict[str, Decimal]] = {}
    for client_id, bucket, amount in rows:
        result.setdefault(client_id, {})[bucket] = _money(amount)
    billed = _rows(
        f"SELECT SUM(total) FROM {_t(Invoice)} WHERE agency_id = %s AND status IN ('issued', 'partly_paid', 'paid')",
        [agency_id],
    )[0][0]
    allocated = _rows(
        f"""SELECT SUM(a.amount) FROM {_t(PaymentAllocation)} a JOIN {_t(Invoice)} i ON i.id = a.invoice_id
            WHERE i.agency_id = %s AND i.status IN ('issued', 'partly_paid', 'paid')""",
        [agency_id],
    )[0][0]
    return {"rows": result, "billed": _money(billed), "allocated": _money(allocated)}


def aging_app(*, actor: User, today: date) -> AgingNumbers:
    report = billing_selectors.receivables_aging(actor=actor, by="client", today=today)
    rows = {r.key: dict(r.buckets) for r in report.rows}
    assert report.billed_total is not None and report.allocated_total is not None  # reconciled by default
    return {"rows": rows, "billed": report.billed_total, "allocated": report.allocated_total,
            "reconciles": report.reconciles}


def aging_equal(app: AgingNumbers, sql: AgingNumbers) -> list[str]:
    problems = []
    if app["billed"] != sql["billed"]:
        problems.append(f"billed {app['billed']} != {sql['billed']}")
    if app["allocated"] != sql["allocated"]:
        problems.append(f"allocated {app['allocated']} != {sql['allocated']}")
    keys = set(app["rows"]) | set(sql["rows"])
    for key in sorted(keys, key=str):
        a = {b: v for b, v in app["rows"].get(key, {}).items() if v}
        s = {b: v for b, v in sql["rows"].get(key, {}).items() if v}
        if a != s:
            problems.append(f"client {key}: app {a} != sql {s}")
    return problems[:10]


# --- profitability -------------------------------------------------------------------------------


def profitability_sql(*, agency_id: int, start: date, end: date) -> dict[int, ProfitRow]:
    """{client_id: (revenue net of VAT by acts, staff cost, subcontractor cost, hours)} for clients
    with anything in the period, four GROUP BY statements."""
    revenue = _rows(
        f"""
        SELECT a.client_id,
               SUM(CASE WHEN a.total = 0 THEN l.amount ELSE l.amount * (a.total - a.vat_amount) / a.total END)
        FROM {_t(ActLine)} l JOIN {_t(Act)} a ON a.id = l.act_id
        WHERE a.agency_id = %s AND a.date >= %s AND a.date <= %s
        GROUP BY a.client_id
        """,
        [agency_id, start, end],
    )
    time_rows = _rows(
        f"""
        SELECT p.client_id, SUM(t.cost), SUM(t.hours)
        FROM {_t(TimeEntry)} t JOIN {_t(Project)} p ON p.id = t.project_id
        WHERE p.agency_id = %s AND t.date >= %s AND t.date <= %s
        GROUP BY p.client_id
        """,
        [agency_id, start, end],
    )
    sub_rows = _rows(
        f"""SELECT client_id, SUM(amount) FROM {_t(SubcontractorCost)}
            WHERE agency_id = %s AND date >= %s AND date <= %s GROUP BY client_id""",
        [agency_id, start, end],
    )
    out: dict[int, list[Decimal]] = {}
    for client_id, amount in revenue:
        out.setdefault(client_id, [ZERO] * 4)[0] = _money(amount)
    for client_id, cost, hours in time_rows:
        row = out.setdefault(client_id, [ZERO] * 4)
        row[1], row[3] = _money(cost), _money(hours)
    for client_id, amount in sub_rows:
        out.setdefault(client_id, [ZERO] * 4)[2] = _money(amount)
    return {k: (v[0], v[1], v[2], v[3]) for k, v in out.items() if any(v)}


def profitability_app(*, actor: User, start: date, end: date) -> dict[int, ProfitRow]:
    report = billing_selectors.profitability(actor=actor, start=start, end=end, by="client", basis="acts")
    return {r.client_id: (r.revenue, r.staff_cost, r.subcontractor_cost, r.hours) for r in report.rows
            if r.client_id is not None}


def profitability_equal(app: dict[int, ProfitRow], sql: dict[int, ProfitRow], *,
                        kopeck_tolerance: bool = False) -> list[str]:
    problems = []
    for key in sorted(set(app) | set(sql)):
        a, s = app.get(key), sql.get(key)
        if a == s:
            continue
        if kopeck_tolerance and a and s and all(abs(x - y) <= Decimal("0.01") for x, y in zip(a, s, strict=True)):
            continue
        problems.append(f"client {key}: app {a} != sql {s}")
    return problems[:10]


# --- plan fulfilment ------------------------------------------------------------------------------


def _local_date(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"(({column}) AT TIME ZONE 'Europe/Moscow')::date"
    # SQLite stores UTC; Moscow is UTC+3 all year since 2014.
    return f"date({column}, '+3 hours')"


def plan_sql(*, agency_id: int, month: date) -> dict[int, PlanRow]:
    """{employee_id: (plan, paid)} for every AM and group head (and anyone with a plan) of the
    agency in `month`. A payment counts for the AM responsible for its client on the payment
    date: the new manager of the last AM change on or before that day; before the first change,
    that change's previous manager; with no changes, the client's current AM."""
    start, end = billing_selectors.month_bounds(month)
    amc, ld = _t(AccountManagerChange), _local_date("c.changed_at")
    rows = _rows(
        f"""
        WITH resp AS (
          SELECT p.amount,
                 CASE
                   WHEN EXISTS (SELECT 1 FROM {amc} c WHERE c.client_id = p.client_id AND {ld} <= p.date)
                     THEN (SELECT c.new_manager_id FROM {amc} c WHERE c.client_id = p.client_id AND {ld} <= p.date
                           ORDER BY c.changed_at DESC, c.id DESC LIMIT 1)
                   WHEN EXISTS (SELECT 1 FROM {amc} c WHERE c.client_id = p.client_id)
                     THEN (SELECT c.previous_manager_id FROM {amc} c WHERE c.client_id = p.client_id
                           ORDER BY c.changed_at, c.id LIMIT 1)
                   ELSE cl.account_manager_id
                 END AS am_id
          FROM {_t(Payment)} p JOIN {_t(Client)} cl ON cl.id = p.client_id
          WHERE p.agency_id = %s AND p.date >= %s AND p.date <= %s
        ),
        paid AS (SELECT am_id, SUM(amount) AS paid FROM resp GROUP BY am_id)
        SELECT e.id, COALESCE(pl.amount, 0), COALESCE(paid.paid, 0)
        FROM {_t(Employee)} e
        LEFT JOIN {_t(PaymentPlan)} pl ON pl.employee_id = e.id AND pl.month = %s
        LEFT JOIN paid ON paid.am_id = e.id
        WHERE e.agency_id = %s AND (e.role IN ('account_manager', 'group_head') OR pl.id IS NOT NULL)
        """,
        [agency_id, start, end, start, agency_id],
    )
    return {emp_id: (_money(plan), _money(paid)) for emp_id, plan, paid in rows}


def plan_app(*, actor: User, month: date) -> dict[int, PlanRow]:
    return {r.employee.pk: (r.plan, r.paid) for r in billing_selectors.plan_overview(actor=actor, month=month)}


def plan_equal(app: dict[int, PlanRow], sql: dict[int, PlanRow]) -> list[str]:
    return [f"employee {k}: app {app.get(k)} != sql {sql.get(k)}" for k in sorted(set(app) | set(sql))
            if app.get(k) != sql.get(k)][:10]
