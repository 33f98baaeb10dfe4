"""Payments: manual entry, allocation to invoices, review («на проверку»), re-allocation with an
audit record, and the client's credit. Matching is in matching.py, the statement import in
statements.py."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tandem.clients.models import Client
from tandem.core.errors import NotFound
from tandem.core.events import emit
from tandem.core.money import ZERO, to_money
from tandem.core.validators import check_sensible_date
from tandem.org.models import User
from tandem.work.selectors import is_month_closed

from .. import permissions
from ..events import payment_data
from ..models import (
    OPEN_STATUSES,
    Invoice,
    MatchBasis,
    Payment,
    PaymentAllocation,
    PaymentReallocation,
)
from ..selectors import client_credit
from ._common import require, require_employee
from .invoices import invoice_refresh_paid
from .matching import match_payment, rub

MATCHED = "matched"
PARTLY_MATCHED = "partly_matched"
UNMATCHED = "unmatched"
REJECTED = "rejected"
SKIPPED = "skipped"
REFUNDED = "refunded"
OUTCOME_LABELS = {
    MATCHED: gettext_lazy("Разнесён"), PARTLY_MATCHED: gettext_lazy("Разнесён частично"),
    UNMATCHED: gettext_lazy("Не сопоставлен"), REJECTED: gettext_lazy("Отклонён"), SKIPPED: gettext_lazy("Пропущен"),
    REFUNDED: gettext_lazy("Возврат клиенту"),
}


def _lock_invoice(invoice_id: int) -> Invoice:
    return Invoice.objects.select_for_update().get(pk=invoice_id)


def check_allocation(payment: Payment, invoice: Invoice, amount: Decimal) -> Decimal:
    """The rules for putting `amount` of a payment against an invoice; returns it in kopecks.
    The invoice must be open and the same client's; the amount positive and within what is left
    unallocated in the payment and unpaid on the invoice."""
    amount = to_money(amount)
    if invoice.status not in OPEN_STATUSES:
        raise ValidationError({"invoice": _("Счёт %(n)s не ожидает оплаты.") % {"n": invoice.number}})
    if payment.client_id and payment.client_id != invoice.client_id:
        raise ValidationError({"invoice": _("Счёт %(n)s другого клиента.") % {"n": invoice.number}})
    if amount <= 0:
        raise ValidationError({"amount": _("Сумма должна быть больше нуля.")})
    if amount > payment.amount - payment.allocated_amount:
        raise ValidationError({"amount": _("Больше, чем осталось неразнесённым в платеже.")})
    if amount > invoice.total - invoice.paid_amount:
        raise ValidationError({"amount": _("Больше, чем осталось оплатить по счёту %(n)s.") % {"n": invoice.number}})
    return amount


def _allocate(*, actor: User | None, payment: Payment, invoice: Invoice, amount: Decimal) -> PaymentAllocation:
    """Set `amount` of `payment` against `invoice`. Caller is in a transaction."""
    invoice = _lock_invoice(invoice.pk)
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    amount = check_allocation(payment, invoice, amount)
    allocation = PaymentAllocation.objects.create(payment=payment, invoice=invoice, amount=amount, created_by=actor)
    payment.allocated_amount += amount
    if payment.client_id is None:
        payment.client_id = invoice.client_id
    payment.save(update_fields=["allocated_amount", "client", "updated_at"])
    invoice_refresh_paid(invoice)
    return allocation


def outcome_of(payment: Payment) -> str:
    if payment.client_id is None:
        return UNMATCHED
    return MATCHED if payment.allocated_amount == payment.amount else PARTLY_MATCHED


@transaction.atomic
def payment_record(
    *,
    actor: User,
    date: date,
    amount: Decimal,
    client: Client | None = None,
    payer_name: str = "",
    payer_inn: str = "",
    purpose: str = "",
    number: str = "",
    payer_account: str = "",
    auto_allocate: bool = True,
) -> Payment:
    """Enter a payment by hand. With `auto_allocate` it is matched by the rule of
    `match_payment`, exactly like a statement line (a client chosen here is the known payer);
    an overpayment stays as the client's credit; without a client it waits in the queue, with a
    suggestion when there is one; a decision without a cited invoice is «на проверку»."""
    employee = require_employee(actor)
    require(permissions.can_manage_money(actor))
    if client is not None and client.agency_id != employee.agency_id:
        raise ValidationError({"client": _("Клиент другого агентства.")})
    # A payment has arrived: since 2000 and not beyond a month ahead (a typo otherwise).
    check_sensible_date(date, field="date", today=timezone.localdate(), days_ahead=31)
    payment = Payment(
        agency=employee.agency, client=client, date=date, amount=to_money(amount), payer_name=payer_name,
        payer_inn=payer_inn or (client.inn if client else ""), payer_account=payer_account, purpose=purpose,
        number=number, source=Payment.Source.MANUAL, created_by=actor,
    )
    payment.full_clean()
    payment.save()
    if auto_allocate:
        match = match_payment(
            agency=employee.agency, amount=payment.amount, payer_inn=payment.payer_inn, purpose=purpose,
            client=client, payer_name=payer_name, payer_account=payer_account,
        )
        payment.client = match.client if client is None else client
        payment.match_basis = match.basis
        payment.needs_review = match.needs_review
        payment.review_reason = match.reason if match.needs_review else ""
        payment.suggested_client_id = match.suggested_client_id
        payment.suggested_invoice_id = match.suggested_invoice_id
        payment.save(update_fields=[
            "client", "match_basis", "needs_review", "review_reason", "suggested_client", "suggested_invoice",
            "updated_at",
        ])
        for invoice, part in match.allocations:
            _allocate(actor=actor, payment=payment, invoice=invoice, amount=part)
        payment.refresh_from_db()
    emit("payment.received", agency_id=payment.agency_id, data=payment_data(payment))
    if payment.client_id is None or payment.needs_review:
        emit("payment.unmatched", agency_id=payment.agency_id, data={**payment_data(payment),
                                                                       "review_reason": payment.review_reason})
    return payment


# --- changes by a person: audited, closed months respected --------------------------------------


def _snapshot(payment: Payment) -> list[dict[str, Any]]:
    return [
        {"invoice": a.invoice_id, "number": a.invoice.number, "amount": str(a.amount)}
        for a in payment.allocations.select_related("invoice").order_by("id")
    ]


def _check_month_open(payment: Payment) -> None:
    """Money of a month finance has closed stays as it is (plans, bonuses and reports of that
    month were built on it)."""
    if is_month_closed(agency_id=payment.agency_id, day=payment.date):
        raise ValidationError({"payment": _(
            "Платёж от %(d)s относится к закрытому месяцу %(m)s: его разнесение менять нельзя. "
            "Чтобы исправить, финансы должны сначала открыть месяц."
        ) % {"d": f"{payment.date:%d.%m.%Y}", "m": f"{payment.date:%m.%Y}"}})


def _locked_payment(actor: User, payment: Payment) -> Payment:
    """The stored payment, locked, after the permission checks of every change by a person."""
    employee = require_employee(actor)
    require(permissions.can_manage_money(actor))
    locked = Payment.objects.select_for_update().get(pk=payment.pk)
    if locked.agency_id != employee.agency_id:
        raise NotFound()
    require(permissions.can_reallocate_payment(actor, locked))
    return locked


def _audit(
    *, actor: User, payment: Payment, kind: str, reason: str, client_before: int | None,
    before: list[dict[str, Any]],
) -> PaymentReallocation:
    return PaymentReallocation.objects.create(
        payment=payment, kind=kind, reason=reason, client_before_id=client_before, client_after_id=payment.client_id,
        allocations_before=before, allocations_after=_snapshot(payment), actor=actor,
    )


def _mark_reviewed(payment: Payment, actor: User, *, basis: str | None = None) -> None:
    payment.needs_review = False
    payment.reviewed_by = actor
    payment.reviewed_at = timezone.now()
    payment.suggested_client = None
    payment.suggested_invoice = None
    fields = ["needs_review", "reviewed_by", "reviewed_at", "suggested_client", "suggested_invoice", "updated_at"]
    if basis is not None:
        payment.match_basis = basis
        fields.append("match_basis")
    payment.save(update_fields=fields)


@transaction.atomic
def payment_allocate(
    *, actor: User, payment: Payment, invoice: Invoice, amount: Decimal | None = None, reason: str = ""
) -> PaymentAllocation:
    """Manual matching: set (part of) a payment against an open invoice. The default amount is
    what both still allow. A payment without a client takes the invoice's client. A person did
    it: the payment counts as reviewed; recorded in the audit; refused in a closed month."""
    locked = _locked_payment(actor, payment)
    if invoice.agency_id != locked.agency_id:
        raise ValidationError({"invoice": _("Счёт другого агентства.")})
    _check_month_open(locked)
    before, client_before = _snapshot(locked), locked.client_id
    if amount is None:
        fresh = _lock_invoice(invoice.pk)
        amount = min(locked.amount - locked.allocated_amount, fresh.total - fresh.paid_amount)
    allocation = _allocate(actor=actor, payment=locked, invoice=invoice, amount=amount)
    locked.refresh_from_db()
    _mark_reviewed(locked, actor, basis=MatchBasis.MANUAL)
    _audit(actor=actor, payment=locked, kind=PaymentReallocation.Kind.ALLOCATED, reason=reason,
           client_before=client_before, before=before)
    return allocation


@transaction.atomic
def payment_assign_client(*, actor: User, payment: Payment, client: Client, reason: str = "") -> Payment:
    """Attach an unmatched payment to a client as credit (an advance) without an invoice."""
    locked = _locked_payment(actor, payment)
    if client.agency_id != locked.agency_id:
        raise ValidationError({"client": _("Клиент другого агентства.")})
    if locked.client_id and locked.client_id != client.pk and locked.allocated_amount:
        raise ValidationError({"client": _("Платёж уже разнесён по счетам другого клиента.")})
    _check_month_open(locked)
    client_before, before = locked.client_id, _snapshot(locked)
    locked.client = client
    locked.save(update_fields=["client", "updated_at"])
    _mark_reviewed(locked, actor, basis=MatchBasis.MANUAL)
    _audit(actor=actor, payment=locked, kind=PaymentReallocation.Kind.CLIENT_ASSIGNED, reason=reason,
           client_before=client_before, before=before)
    return locked


@transaction.atomic
def allocation_remove(*, actor: User, allocation: PaymentAllocation, reason: str = "") -> None:
    """Undo a wrong allocation: the amount returns to the payment (the client's credit) and the
    invoice reopens. Recorded in the audit; refused in a closed month."""
    locked = _locked_payment(actor, allocation.payment)
    _check_month_open(locked)
    before = _snapshot(locked)
    invoice = _lock_invoice(allocation.invoice_id)
    locked.allocated_amount -= allocation.amount
    locked.save(update_fields=["allocated_amount", "updated_at"])
    allocation.delete()
    invoice_refresh_paid(invoice)
    _audit(actor=actor, payment=locked, kind=PaymentReallocation.Kind.REMOVED, reason=reason,
           client_before=locked.client_id, before=before)


@dataclass(frozen=True)
class AllocationInput:
    """One target of a re-allocation: an invoice and the amount (None: what both still allow)."""

    invoice: Invoice
    amount: Decimal | None = None


def _reallocate(
    *, actor: User, payment: Payment, client: Client | None, allocations: Sequence[AllocationInput], reason: str,
    kind: str,
) -> Payment:
    locked = _locked_payment(actor, payment)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Укажите причину: она останется в истории платежа.")})
    _check_month_open(locked)
    owners = {a.invoice.client_id for a in allocations}
    if len(owners) > 1:
        raise ValidationError({"allocations": _("Все счета должны быть одного клиента.")})
    if client is not None:
        target: Client | None = client
    elif owners:
        target = allocations[0].invoice.client
    else:
        target = locked.client if locked.client_id else None
    if target is not None and target.agency_id != locked.agency_id:
        raise ValidationError({"client": _("Клиент другого агентства.")})
    seen: set[int] = set()
    for a in allocations:
        if a.invoice.agency_id != locked.agency_id:
            raise ValidationError({"allocations": _("Счёт другого агентства.")})
        if target is not None and a.invoice.client_id != target.pk:
            raise ValidationError({"allocations": _("Счёт %(n)s другого клиента.") % {"n": a.invoice.number}})
        if a.invoice.pk in seen:
            raise ValidationError({"allocations": _("Счёт %(n)s указан дважды.") % {"n": a.invoice.number}})
        seen.add(a.invoice.pk)
    before, client_before = _snapshot(locked), locked.client_id
    old = list(locked.allocations.all())
    # Lock every invoice touched, in one order, before changing any of them.
    invoices = {inv.pk: inv for inv in Invoice.objects.select_for_update().filter(
        pk__in=sorted({a.invoice_id for a in old} | seen)).order_by("pk")}
    PaymentAllocation.objects.filter(pk__in=[a.pk for a in old]).delete()
    locked.allocated_amount = ZERO
    locked.client = target
    locked.save(update_fields=["allocated_amount", "client", "updated_at"])
    for pk in sorted({a.invoice_id for a in old}):
        invoice_refresh_paid(invoices[pk])
    for a in allocations:
        invoice = _lock_invoice(a.invoice.pk)
        amount = a.amount
        if amount is None:
            current = Payment.objects.get(pk=locked.pk)
            amount = min(current.amount - current.allocated_amount, invoice.total - invoice.paid_amount)
        _allocate(actor=actor, payment=locked, invoice=invoice, amount=amount)
    locked.refresh_from_db()
    _mark_reviewed(locked, actor, basis=MatchBasis.MANUAL)
    _audit(actor=actor, payment=locked, kind=kind, reason=reason, client_before=client_before, before=before)
    return locked


@transaction.atomic
def payment_reallocate(
    *, actor: User, payment: Payment, allocations: Sequence[AllocationInput], reason: str,
    client: Client | None = None,
) -> Payment:
    """Undo every allocation of the payment and put the money on `allocations`; what is left
    stays as the credit of the client (`client`, else the invoices' client, else the payment's).
    An empty list leaves the whole amount as credit. Finance and heads only (`can_manage_money`);
    a reason is required and kept with who and when (PaymentReallocation, amounts before and
    after); a payment dated in a closed month is refused. The invoices' paid amounts and
    statuses follow; the payment counts as reviewed."""
    return _reallocate(actor=actor, payment=payment, client=client, allocations=allocations, reason=reason,
                       kind=PaymentReallocation.Kind.REALLOCATED)


@transaction.atomic
def payment_confirm(*, actor: User, payment: Payment, note: str = "") -> Payment:
    """Confirm a payment «на проверку» as it was placed (one click): it leaves the review list.
    Moves no money, so a closed month does not matter. A payment without a client cannot be
    confirmed: accept the suggestion or choose the client."""
    locked = _locked_payment(actor, payment)
    if not locked.needs_review:
        raise ValidationError({"payment": _("Платёж не на проверке.")})
    if locked.client_id is None:
        raise ValidationError({"payment": _("У платежа нет клиента: примите предложение или выберите клиента.")})
    before = _snapshot(locked)
    _mark_reviewed(locked, actor)
    _audit(actor=actor, payment=locked, kind=PaymentReallocation.Kind.CONFIRMED,
           reason=note.strip() or _("Подтверждено как есть."), client_before=locked.client_id, before=before)
    return locked


@transaction.atomic
def payment_accept_suggestion(*, actor: User, payment: Payment) -> Payment:
    """One click for a queue item with a suggestion: the payment goes to the suggested client
    and, when an open invoice of that client was suggested, onto it (what is left is credit).
    Audited and refused in a closed month like any re-allocation."""
    locked = Payment.objects.select_related("suggested_client", "suggested_invoice").get(pk=payment.pk)
    client = locked.suggested_client
    if client is None:
        raise ValidationError({"payment": _("У платежа нет предложения.")})
    targets = []
    words = _("Принято предложение: клиент «%(c)s»") % {"c": client.display_name}
    invoice = locked.suggested_invoice
    if invoice is not None and invoice.client_id == client.pk and invoice.status in OPEN_STATUSES:
        targets.append(AllocationInput(invoice=invoice))
        words += _(", счёт № %(n)s") % {"n": invoice.number}
    return _reallocate(actor=actor, payment=locked, client=client, allocations=targets, reason=words + ".",
                       kind=PaymentReallocation.Kind.SUGGESTION_ACCEPTED)


# --- the client's credit ------------------------------------------------------------------------


def credit_of(client: Client) -> Decimal:
    """The client's credit: unallocated money of its payments (advances and overpayments) less
    what was refunded to it — the rule is written once, in `selectors.client_credit`."""
    return client_credit(client=client)


__all__ = [
    "MATCHED", "OUTCOME_LABELS", "PARTLY_MATCHED", "REFUNDED", "REJECTED", "SKIPPED", "UNMATCHED",
    "AllocationInput", "allocation_remove", "check_allocation", "credit_of", "outcome_of", "payment_accept_suggestion",
    "payment_allocate", "payment_assign_client", "payment_confirm", "payment_reallocate", "payment_record", "rub",
]
