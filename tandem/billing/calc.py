"""Pure money arithmetic for billing: line amounts, VAT, numbering, aging buckets, bonus tiers.

No database here, so the rules can be property-tested directly.

VAT rule: line prices include VAT when the contract is "С НДС" (the usual «в т.ч. НДС» invoice);
VAT is computed once on the document total: vat = round(total × rate / (100 + rate)), and
subtotal = total − vat, so subtotal + vat == total to the kopeck. "Без НДС": rate None, vat 0.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext_noop

from tandem.core.money import ZERO, to_money

HUNDRED = Decimal("100")


def line_amount(quantity: Decimal, price: Decimal) -> Decimal:
    """quantity × price rounded half-up to kopecks."""
    return to_money(quantity * price)


@dataclass(frozen=True)
class Totals:
    subtotal: Decimal
    vat: Decimal
    total: Decimal


def document_totals(amounts: Iterable[Decimal], vat_rate: Decimal | None) -> Totals:
    """Totals of a document whose line amounts (already in kopecks) include VAT at `vat_rate` %."""
    total = to_money(sum((to_money(a) for a in amounts), ZERO))
    if vat_rate is None or vat_rate == 0:
        return Totals(subtotal=total, vat=ZERO, total=total)
    vat = to_money(total * vat_rate / (HUNDRED + vat_rate))
    return Totals(subtotal=total - vat, vat=vat, total=total)


def plural_ru(n: int, one: str, few: str, many: str) -> str:
    """The Russian noun form agreeing with `n`: 1, 21, 101 → one; 2–4, 22–24 → few; 0, 5–20,
    11–14 of every hundred, 25–30 → many («1 рубль», «2 рубля», «11 рублей», «21 копейка»)."""
    n = abs(n)
    if n % 100 in (11, 12, 13, 14):
        return many
    if n % 10 == 1:
        return one
    if n % 10 in (2, 3, 4):
        return few
    return many


def format_number(pattern: str, *, seq: int, on: date) -> str:
    """Render a document number pattern: {seq}, {seq:04d}, {year}, {yy}, {month:02d}."""
    return pattern.format(seq=seq, year=on.year, yy=on.year % 100, month=on.month)


def sequence_period(pattern: str, on: date) -> str:
    """Numbering restarts every year when the pattern shows the year, never otherwise."""
    return str(on.year) if ("{year" in pattern or "{yy" in pattern) else "all"


BUCKETS = ("not_due", "d1_30", "d31_60", "d61_90", "d90_plus")
# Marked for the catalogue only; the web layer translates them when rendering.
BUCKET_LABELS = {
    "not_due": gettext_noop("Не просрочено"),
    "d1_30": gettext_noop("1–30 дн."),
    "d31_60": gettext_noop("31–60 дн."),
    "d61_90": gettext_noop("61–90 дн."),
    "d90_plus": gettext_noop("Более 90 дн."),
}


def aging_bucket(days_overdue: int) -> str:
    """0 or less: not due; then 1–30, 31–60, 61–90, 90+ days past the due date."""
    if days_overdue <= 0:
        return "not_due"
    if days_overdue <= 30:
        return "d1_30"
    if days_overdue <= 60:
        return "d31_60"
    if days_overdue <= 90:
        return "d61_90"
    return "d90_plus"


def percent(part: Decimal, whole: Decimal) -> Decimal | None:
    """part / whole as a percentage with 2 decimals; None when there is no plan."""
    if not whole:
        return None
    return (part * HUNDRED / whole).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class BonusResult:
    percent: Decimal | None
    share_percent: Decimal
    bonus: Decimal
    fixed_salary: Decimal
    total: Decimal


def compute_bonus(
    *, plan: Decimal, paid: Decimal, fixed_salary: Decimal, tiers: Sequence[tuple[Decimal, Decimal]]
) -> BonusResult:
    """Fixed salary + paid × share, the share taken from the highest tier whose threshold the
    fulfilment % reaches. No plan (0) means no fulfilment and no bonus share."""
    fulfilment = percent(paid, plan)
    share = ZERO
    if fulfilment is not None:
        for threshold, tier_share in sorted(tiers):
            if fulfilment >= threshold:
                share = tier_share
    bonus = to_money(paid * share / HUNDRED)
    return BonusResult(
        percent=fulfilment, share_percent=share, bonus=bonus, fixed_salary=to_money(fixed_salary),
        total=to_money(fixed_salary) + bonus,
    )


def allocate_fifo(amount: Decimal, outstanding: Sequence[tuple[int, Decimal]]) -> list[tuple[int, Decimal]]:
    """Split `amount` over (invoice id, outstanding) in the given order; the rest stays credit."""
    left = amount
    result = []
    for invoice_id, owed in outstanding:
        if left <= 0:
            break
        part = min(left, owed)
        if part > 0:
            result.append((invoice_id, part))
            left -= part
    return result
