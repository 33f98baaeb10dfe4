"""`{% load money %}`: `{{ amount|money }}` → «122 000,00», `{{ quantity|qty }}` → «0,75».

The same functions format amounts in Python (amount in words, VAT line, letters), so every
amount on a document is written alike.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template

from tandem.core.money import format_money, format_quantity

register = template.Library()


@register.filter(name="money")
def money(value: Decimal | int | str | None) -> str:
    if value is None or value == "":
        return ""
    try:
        return format_money(value)
    except (InvalidOperation, TypeError, ValueError):
        return str(value)


@register.filter(name="qty")
def qty(value: Decimal | int | str | None) -> str:
    if value is None or value == "":
        return ""
    try:
        return format_quantity(value)
    except (InvalidOperation, TypeError, ValueError):
        return str(value)
