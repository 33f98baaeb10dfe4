"""Money is Decimal rounded to kopecks with ROUND_HALF_UP, as in Russian accounting."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

KOPECK = Decimal("0.01")
ZERO = Decimal("0.00")


def to_money(value: Decimal | int | str) -> Decimal:
    """Round to kopecks. Floats are refused: they cannot hold money exactly."""
    if isinstance(value, float):
        raise TypeError("Money must not be a float")
    return Decimal(value).quantize(KOPECK, rounding=ROUND_HALF_UP)
