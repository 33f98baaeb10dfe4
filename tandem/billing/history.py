"""Reads: field history (who changed what, when) of invoices, acts, payments and allocations.

Heads and finance only (`can_view_field_history`); the caller has fetched the record through
its scoped lookup (`invoice_get_for` …), so visibility is already checked. An allocation is
told in the history of both its payment and its invoice, as «Разнесение»: created, changed or
removed, with the amount and the other side.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Model
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from tandem.core.errors import PermissionDenied
from tandem.core.history import HistoryEntry, Labeller, field_history, merged
from tandem.org.models import User
from tandem.org.permissions import can_view_field_history

from .models import Act, Invoice, Payment, PaymentAllocation


def _invoice_label(invoice: Any) -> str:
    return _("Счёт № %(number)s от %(date)s") % {
        "number": invoice.number or "—", "date": invoice.date.strftime("%d.%m.%Y")}


def _payment_label(payment: Any) -> str:
    return _("Платёж № %(number)s от %(date)s на %(amount)s ₽") % {
        "number": payment.number or "—", "date": payment.date.strftime("%d.%m.%Y"),
        "amount": number_format(payment.amount, decimal_pos=2, use_l10n=True, force_grouping=True)}


LABELS: dict[type[Model], Labeller] = {Invoice: _invoice_label, Payment: _payment_label}


def _check(actor: User) -> None:
    if not can_view_field_history(actor):
        raise PermissionDenied(_("Историю изменений видят руководители и финансы."))


def invoice_history(*, actor: User, invoice: Invoice) -> list[HistoryEntry]:
    """The invoice's changes and the allocations of payments to it, newest first."""
    _check(actor)
    allocations = PaymentAllocation.history.filter(invoice_id=invoice.pk)
    return merged(
        field_history(invoice.history.all(), labels=LABELS),
        field_history(allocations, subject=_("Разнесение"), created_fields=("payment", "amount"), labels=LABELS),
    )


def act_history(*, actor: User, act: Act) -> list[HistoryEntry]:
    """The act's changes, newest first."""
    _check(actor)
    return field_history(act.history.all(), labels=LABELS)


def payment_history(*, actor: User, payment: Payment) -> list[HistoryEntry]:
    """The payment's changes and its allocations to invoices, newest first."""
    _check(actor)
    allocations = PaymentAllocation.history.filter(payment_id=payment.pk)
    return merged(
        field_history(payment.history.all(), labels=LABELS),
        field_history(allocations, subject=_("Разнесение"), created_fields=("invoice", "amount"), labels=LABELS),
    )
