"""Collection of receivables: reminders around the due date, promised payments, escalation."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tandem.clients.models import Contact
from tandem.org.models import User

from .. import permissions
from ..models import OPEN_STATUSES, BillingSettings, CollectionReminder, Invoice, PromisedPayment
from ._common import require

Kind = CollectionReminder.Kind


def accountant_contact(invoice: Invoice) -> Contact | None:
    """Whom reminders go to: the client's active accountant, else the urgent contact, else anyone."""
    contacts = list(Contact.objects.filter(client_id=invoice.client_id, is_active=True))
    for test in (lambda c: c.role == Contact.Role.ACCOUNTANT, lambda c: c.is_urgent_contact, lambda c: True):
        for contact in contacts:
            if test(contact):
                return contact
    return None


def reminders_schedule(*, invoice: Invoice, cfg: BillingSettings) -> list[CollectionReminder]:
    """Plan reminders for an issued invoice: `remind_days_before` the due date, each of
    `remind_days_after` days after it (through the accountant contact's channel, for the AM),
    and an escalation to the group head `escalation_days` after the due date. Replaces the
    invoice's still planned reminders."""
    invoice.reminders.filter(status=CollectionReminder.Status.PLANNED).delete()
    contact = accountant_contact(invoice)
    channel = contact.preferred_channel if contact else ""
    client = invoice.client
    am_id = client.account_manager_id
    head_id = client.group.head_id if client.group_id and client.group else None
    plans: list[tuple[str, date, int | None]] = []
    if cfg.remind_days_before:
        plans.append((Kind.BEFORE_DUE, invoice.due_date - timedelta(days=cfg.remind_days_before), am_id))
    for days in cfg.days_after():
        plans.append((Kind.AFTER_DUE, invoice.due_date + timedelta(days=days), am_id))
    plans.append((Kind.ESCALATION, invoice.due_date + timedelta(days=cfg.escalation_days), head_id or am_id))
    seen = set()
    objs = []
    for kind, due_on, assignee in plans:
        if (kind, due_on) in seen:
            continue
        seen.add((kind, due_on))
        objs.append(
            CollectionReminder(
                invoice=invoice, kind=kind, due_on=due_on, channel=channel, contact=contact, assignee_id=assignee
            )
        )
    return CollectionReminder.objects.bulk_create(objs)


def reminders_cancel(*, invoice: Invoice) -> None:
    """Paid or cancelled invoices need no more reminders."""
    invoice.reminders.filter(status=CollectionReminder.Status.PLANNED).update(
        status=CollectionReminder.Status.CANCELLED
    )


def _reminder_close(*, actor: User, reminder: CollectionReminder, status: str, note: str) -> CollectionReminder:
    require(permissions.can_collect(actor, reminder.invoice))
    stored = CollectionReminder.objects.select_for_update().only("status").get(pk=reminder.pk)
    if stored.status != CollectionReminder.Status.PLANNED:
        raise ValidationError({"status": _("Напоминание уже закрыто.")})
    reminder.status = status
    reminder.done_at = timezone.now()
    reminder.note = note.strip()
    reminder.save(update_fields=["status", "done_at", "note"])
    return reminder


@transaction.atomic
def reminder_complete(*, actor: User, reminder: CollectionReminder, note: str = "") -> CollectionReminder:
    """Mark a planned reminder done (the call was made, the letter sent) with an optional note.
    Who may: whoever may collect the invoice (`can_collect`: the client's AM, its group head,
    finance and heads). The stored status is checked with the row locked."""
    return _reminder_close(actor=actor, reminder=reminder, status=CollectionReminder.Status.DONE, note=note)


@transaction.atomic
def reminder_cancel(*, actor: User, reminder: CollectionReminder, note: str = "") -> CollectionReminder:
    """Cancel a planned reminder that is no longer needed (the client confirmed the payment,
    the AM agreed otherwise), with an optional reason. Same people as `reminder_complete`."""
    return _reminder_close(actor=actor, reminder=reminder, status=CollectionReminder.Status.CANCELLED, note=note)


@transaction.atomic
def promised_payment_add(
    *, actor: User, invoice: Invoice, promised_on: date, note: str = "", amount: Decimal | None = None
) -> PromisedPayment:
    """Record the client's promise to pay an open invoice by a date (not in the past)."""
    require(permissions.can_collect(actor, invoice))
    if invoice.status not in OPEN_STATUSES:
        raise ValidationError({"invoice": _("Счёт не ожидает оплаты.")})
    if promised_on < timezone.localdate():
        raise ValidationError({"promised_on": _("Дата обещания не может быть в прошлом.")})
    if amount is not None and (amount <= 0 or amount > invoice.total - invoice.paid_amount):
        raise ValidationError({"amount": _("Сумма должна быть от 0 до остатка по счёту.")})
    promise = PromisedPayment(invoice=invoice, promised_on=promised_on, note=note, amount=amount, created_by=actor)
    promise.full_clean()
    promise.save()
    return promise
