"""Retainer balances: monthly burn from time entries and booked expenses, rolled over by
tandem.contracts.retainers, with frozen months (RetainerMonth) kept as stored.

Reads only. Callers pass lines they already looked up through a scoped lookup
(`contract_line_get_for`, `project_get_for`, the actor's clients); the selectors here do not
scope again. Every selector runs a constant number of queries, whatever the number of months
or lines.

Public entry points:
- `retainer_balance(*, line, until=None) -> RetainerBalance | None` — one line;
- `retainer_balances(*, lines, until=None) -> dict[line_id, RetainerBalance]` — many lines at once;
- `project_retainer_balance(*, project, until=None) -> RetainerBalance | None` — the line of a project
  (what the client portal shows as «hours left»: `.hours_left`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from tandem.contracts.models import ContractLine, RetainerExpense, RetainerTerms
from tandem.contracts.retainers import percent_used, rollover

from .models import Project, RetainerMonth, TimeEntry

ZERO = Decimal("0")
ALERT_THRESHOLDS = (80, 100)


def first_of_month(day: date) -> date:
    return day.replace(day=1)


def next_month(month: date) -> date:
    return date(month.year + (month.month == 12), month.month % 12 + 1, 1)


def months_between(start: date, end: date) -> list[date]:
    """First days of the months from `start`'s to `end`'s, both included."""
    months: list[date] = []
    month = first_of_month(start)
    while month <= end:
        months.append(month)
        month = next_month(month)
    return months


@dataclass(frozen=True)
class RetainerMonthRow:
    """One month of a retainer line: hours (opening, expired, carried in, budget, used, overage,
    closing), money (budget, spent on booked expenses, left) and whether the month is frozen."""

    month: date
    opening: Decimal
    expired: Decimal
    carried_in: Decimal
    budget: Decimal
    used: Decimal
    overage: Decimal
    closing: Decimal
    money_budget: Decimal
    money_spent: Decimal
    frozen: bool

    @property
    def available(self) -> Decimal:
        return self.carried_in + self.budget

    @property
    def money_left(self) -> Decimal:
        return self.money_budget - self.money_spent

    @property
    def percent_used(self) -> Decimal | None:
        """Hours used of the hours available this month (carried in + budget), in percent."""
        return percent_used(self.used, self.available)

    @property
    def money_percent_used(self) -> Decimal | None:
        return percent_used(self.money_spent, self.money_budget)

    @property
    def threshold(self) -> int | None:
        """The highest alert threshold (80 or 100 %) reached by hours or money, else None."""
        shares = [p for p in (self.percent_used, self.money_percent_used) if p is not None]
        reached = [t for t in ALERT_THRESHOLDS if shares and max(shares) >= t]
        return reached[-1] if reached else None


@dataclass(frozen=True)
class RetainerBalance:
    line: ContractLine
    terms: RetainerTerms
    rows: list[RetainerMonthRow]

    @property
    def current(self) -> RetainerMonthRow | None:
        """The last month shown (the month of `until`)."""
        return self.rows[-1] if self.rows else None

    @property
    def hours_left(self) -> Decimal:
        """Hours left in the current month (carried in + budget − used, not below zero)."""
        return self.current.closing if self.current else ZERO


def _last_month(line: ContractLine, until: date) -> date:
    end = line.contract.end_date
    last = first_of_month(until)
    if end is not None and first_of_month(end) < last:
        last = first_of_month(end)
    return last


def retainer_balances(
    *, lines: Iterable[ContractLine], until: date | None = None
) -> dict[int, RetainerBalance]:
    """Balances of the given lines month by month, from the terms' first month to `until`'s
    month (today by default; the contract's end month if earlier). Lines without retainer terms
    are left out. Hours used come from the time entries of the line's project, money spent from
    the expenses booked on the line; frozen months show their stored figures and later months
    continue from them. Four queries for any number of lines and months; pass lines with
    `contract` loaded."""
    until = until or timezone.localdate()
    by_id = {line.pk: line for line in lines}
    if not by_id:
        return {}
    terms = {t.line_id: t for t in RetainerTerms.objects.filter(line_id__in=by_id)}
    if not terms:
        return {}
    ids = list(terms)
    start = min(t.start_month for t in terms.values())
    end = next_month(first_of_month(until))
    used: dict[tuple[int, date], Decimal] = {}
    for row in (
        TimeEntry.objects.filter(project__contract_line_id__in=ids, date__gte=start, date__lt=end)
        .annotate(m=TruncMonth("date")).values("project__contract_line_id", "m").annotate(h=Sum("hours"))
        .order_by()
    ):
        used[(row["project__contract_line_id"], _as_date(row["m"]))] = row["h"] or ZERO
    spent: dict[tuple[int, date], Decimal] = {}
    for money_row in (
        RetainerExpense.objects.filter(line_id__in=ids, date__gte=start, date__lt=end)
        .annotate(m=TruncMonth("date")).values("line_id", "m").annotate(s=Sum("amount")).order_by()
    ):
        spent[(money_row["line_id"], _as_date(money_row["m"]))] = money_row["s"] or ZERO
    frozen = {(f.line_id, f.month): f for f in RetainerMonth.objects.filter(line_id__in=ids)}
    result: dict[int, RetainerBalance] = {}
    for line_id, t in terms.items():
        line = by_id[line_id]
        months = months_between(t.start_month, _last_month(line, until)) if t.start_month <= until else []
        inputs: list[tuple[Decimal, Decimal]] = []
        for month in months:
            stored = frozen.get((line_id, month))
            if stored is not None:
                inputs.append((stored.budget, stored.used))
            else:
                inputs.append((t.hours_per_month, used.get((line_id, month), ZERO)))
        computed = rollover(inputs, carry_months=t.rollover_months, cap=t.rollover_cap_hours)
        rows: list[RetainerMonthRow] = []
        for month, calc in zip(months, computed, strict=True):
            stored = frozen.get((line_id, month))
            if stored is not None:
                rows.append(RetainerMonthRow(
                    month=month, opening=stored.opening, expired=stored.expired, carried_in=stored.carried_in,
                    budget=stored.budget, used=stored.used, overage=stored.overage, closing=stored.closing,
                    money_budget=stored.money_budget, money_spent=stored.money_spent, frozen=True,
                ))
            else:
                rows.append(RetainerMonthRow(
                    month=month, opening=calc.opening, expired=calc.expired, carried_in=calc.carried_in,
                    budget=calc.budget, used=calc.used, overage=calc.overage, closing=calc.closing,
                    money_budget=t.money_per_month, money_spent=spent.get((line_id, month), ZERO), frozen=False,
                ))
        result[line_id] = RetainerBalance(line=line, terms=t, rows=rows)
    return result


def _as_date(value: date) -> date:
    # TruncMonth over a DateField gives a date on every backend; a datetime would be a bug upstream.
    return value if type(value) is date else value.date()  # type: ignore[attr-defined]


def retainer_balance(*, line: ContractLine, until: date | None = None) -> RetainerBalance | None:
    """The balance of one line (None when it has no retainer terms); see `retainer_balances`."""
    return retainer_balances(lines=[line], until=until).get(line.pk)


def project_retainer_balance(*, project: Project, until: date | None = None) -> RetainerBalance | None:
    """The retainer balance of the project's contract line, or None (no line or no terms).
    The caller got the project through a scoped lookup (`project_get_for`)."""
    if project.contract_line_id is None:
        return None
    line = ContractLine.objects.select_related("contract", "service").get(pk=project.contract_line_id)
    return retainer_balance(line=line, until=until)


def retainer_month_row(*, line: ContractLine, month: date) -> RetainerMonthRow | None:
    """The balance row of `month` for the line (None outside its months or without terms)."""
    balance = retainer_balance(line=line, until=first_of_month(month))
    if balance is None or not balance.rows or balance.rows[-1].month != first_of_month(month):
        return None
    return balance.rows[-1]
