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


def to_money(value: Decimal | int | str) -> Decimal:
    """Round to kopecks. Floats are refused: they cannot hold money exactly."""
    if isinstance(value, float):
        raise TypeError("Money must not be a float")
    return Decimal(value).quantize(KOPECK, rounding=ROUND_HALF_UP)
