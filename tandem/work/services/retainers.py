"""Freezing months of retainer balances (RetainerMonth)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.utils import timezone

from tandem.contracts.models import ContractLine
from tandem.org.models import User

from ..models import RetainerMonth
from ..retainers import RetainerMonthRow, first_of_month, retainer_balances


def _frozen(line_id: int, row: RetainerMonthRow, *, reason: str, actor: User | None) -> RetainerMonth:
    return RetainerMonth(
        line_id=line_id, month=row.month, opening=row.opening, expired=row.expired, carried_in=row.carried_in,
        budget=row.budget, used=row.used, overage=row.overage, closing=row.closing,
        money_budget=row.money_budget, money_spent=row.money_spent, reason=reason, frozen_at=timezone.now(),
        frozen_by=actor,
    )


def retainer_months_freeze(
    *, lines: Iterable[ContractLine], month: date, reason: str, actor: User | None = None
) -> int:
    """Store the balance row of `month` for each line that has one and is not frozen yet; a
    frozen month is never rewritten (its figures stay whatever happens to time or terms later).
    Returns how many months were frozen. Constant number of queries for any number of lines;
    pass lines with `contract` loaded."""
    month = first_of_month(month)
    balances = retainer_balances(lines=lines, until=month)
    rows = [
        _frozen(line_id, balance.rows[-1], reason=reason, actor=actor)
        for line_id, balance in balances.items()
        if balance.rows and balance.rows[-1].month == month and not balance.rows[-1].frozen
    ]
    return len(RetainerMonth.objects.bulk_create(rows, ignore_conflicts=True))


def retainer_month_freeze(*, line: ContractLine, month: date, reason: str, actor: User | None = None) -> RetainerMonth | None:
    """Freeze one line's month (see `retainer_months_freeze`); the stored row, or None when the
    month is outside the line's retainer."""
    retainer_months_freeze(lines=[line], month=month, reason=reason, actor=actor)
    return RetainerMonth.objects.filter(line=line, month=first_of_month(month)).first()


def retainer_months_freeze_agency(*, agency_id: int, month: date, reason: str, actor: User | None = None) -> int:
    """Freeze `month` for every retainer line of the agency (called when the month is closed)."""
    lines = ContractLine.objects.filter(
        contract__agency_id=agency_id, retainer_terms__start_month__lte=first_of_month(month)
    ).select_related("contract")
    return retainer_months_freeze(lines=list(lines), month=month, reason=reason, actor=actor)
