"""Calendar months as their first days."""

from __future__ import annotations

from datetime import date


def add_months(day: date, months: int) -> date:
    """The first day of the month `months` after (or before, when negative) `day`'s month."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)
