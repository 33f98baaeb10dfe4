"""Money is Decimal rounded to kopecks with ROUND_HALF_UP, as in Russian accounting."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import TypedDict

KOPECK = Decimal("0.01")
ZERO = Decimal("0.00")


class MoneyDigits(TypedDict):
    """Keyword arguments of a money DecimalField (model or serializer): `**MONEY`.

    A TypedDict rather than a plain dict so that type checkers see the two keys as ints and
    not as any of the field's other arguments.
    """

    max_digits: int
    decimal_places: int


MONEY_MAX = Decimal("999999999999.99")
"""The largest amount a money column (`max_digits=14, decimal_places=2`) holds."""


def fits_money_column(value: Decimal) -> bool:
    """Whether `value`, rounded to kopecks, fits a money column; anything larger would be a
    database error (numeric overflow) instead of a message."""
    return value.is_finite() and abs(value) <= MONEY_MAX


def to_money(value: Decimal | int | str) -> Decimal:
    """Round to kopecks. Floats are refused: they cannot hold money exactly."""
    if isinstance(value, float):
        raise TypeError("Money must not be a float")
    return Decimal(value).quantize(KOPECK, rounding=ROUND_HALF_UP)


NBSP = "\u00a0"


def _group_thousands(digits: str) -> str:
    groups: list[str] = []
    while len(digits) > 3:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    groups.insert(0, digits)
    return NBSP.join(groups)


def format_money(value: Decimal | int | str) -> str:
    """«122 000,00»: kopecks always shown after a comma, thousands split by a non-breaking space
    (so a sum never wraps inside a table cell), whatever the active language. The one way money
    is written on invoices, acts and letters."""
    amount = to_money(value)
    sign = "-" if amount < 0 else ""
    rubles, kopecks = f"{abs(amount):.2f}".split(".")
    return f"{sign}{_group_thousands(rubles)},{kopecks}"


def format_quantity(value: Decimal | int | str) -> str:
    """A quantity as written on documents: no trailing zeros, comma decimals, grouped thousands
    («1», «0,75», «1 000»), never in exponent form."""
    number = Decimal(value)
    sign = "-" if number < 0 else ""
    text = f"{abs(number):f}"
    whole, _, fraction = text.partition(".")
    fraction = fraction.rstrip("0")
    return f"{sign}{_group_thousands(whole)}" + (f",{fraction}" if fraction else "")
