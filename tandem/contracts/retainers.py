"""Retainer rollover arithmetic: plain Python, no database.

Rules (one row per month, in order):
- `opening` is what the previous month closed with (0 for the first month);
- at the start of a month, hours carried for more than `carry_months` months lapse, and then
  the carried balance is cut to `cap` (the oldest hours go first); both count as `expired`;
  `carried_in = opening - expired`;
- hours are spent oldest first: carried hours before the month's own `budget`;
- what `used` exceeds `carried_in + budget` is `overage` (billed or written off elsewhere, it
  never reduces a later month); `closing = carried_in + budget - used` when that is positive,
  else 0 — the hours left at the end of the month.

`carry_months = 0` means no rollover: everything unused lapses at the start of the next month.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

ZERO = Decimal("0")


@dataclass(frozen=True)
class RolloverRow:
    opening: Decimal
    expired: Decimal
    carried_in: Decimal
    budget: Decimal
    used: Decimal
    overage: Decimal
    closing: Decimal

    @property
    def available(self) -> Decimal:
        """Hours the month may use before over-service: carried in plus its own budget."""
        return self.carried_in + self.budget


@dataclass
class _Lot:
    origin: int
    hours: Decimal


def _total(lots: list[_Lot]) -> Decimal:
    return sum((lot.hours for lot in lots), ZERO)


def rollover(
    months: Sequence[tuple[Decimal, Decimal]], *, carry_months: int, cap: Decimal | None = None
) -> list[RolloverRow]:
    """The balance rows of a sequence of monthly (budget, used) hours under the rollover rule.

    `carry_months` ≥ 0; `cap` is the most hours that may be carried into a month (None: no cap).
    Budgets and used hours must not be negative.
    """
    if carry_months < 0:
        raise ValueError("carry_months must not be negative")
    # Hours carried, oldest first: (origin month index, hours).
    lots: list[_Lot] = []
    rows: list[RolloverRow] = []
    for index, (budget, used) in enumerate(months):
        if budget < 0 or used < 0:
            raise ValueError("budget and used must not be negative")
        opening = _total(lots)
        lots = [lot for lot in lots if index - lot.origin <= carry_months]
        if cap is not None:
            excess = _total(lots) - cap
            for lot in lots:
                if excess <= 0:
                    break
                cut = min(lot.hours, excess)
                lot.hours -= cut
                excess -= cut
        carried_in = _total(lots)
        lots.append(_Lot(index, budget))
        remaining = used
        for lot in lots:
            take = min(lot.hours, remaining)
            lot.hours -= take
            remaining -= take
        lots = [lot for lot in lots if lot.hours > 0]
        rows.append(RolloverRow(
            opening=opening, expired=opening - carried_in, carried_in=carried_in, budget=budget, used=used,
            overage=remaining, closing=_total(lots),
        ))
    return rows


def percent_used(used: Decimal, available: Decimal) -> Decimal | None:
    """Used as a share of the available hours, in percent (None when nothing is available)."""
    if available <= 0:
        return None
    return (used * 100 / available).quantize(Decimal("0.1"))
