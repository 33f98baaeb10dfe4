"""Invoices and acts: create, issue, cancel, generate monthly retainers; acts from invoices."""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from tandem.clients.models import Client
from tandem.contracts.models import (
    BillingModel,
    Contract,
    ContractLine,
    ContractStatus,
    Service,
    VatMode,
    VatRate,
)
from tandem.core.events import emit
from tandem.core.money import MONEY_MAX, ZERO, fits_money_column, to_money
from tandem.core.validators import check_sensible_date
from tandem.org.models import Agency, User

from .. import permissions
from ..calc import document_totals, line_amount
from ..events import act_data, invoice_data
from ..loyalty import loyalty_discount_for
from ..models import (
    Act,
    ActLine,
    ActStatus,
    BilledTime,
    BillingSettings,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    PaymentAllocation,
)
from ._common import (
    check_series_date,
    first_of_month,
    next_number,
    require,
    require_employee,
    series_last_date,
    settings_for,
)

MONTHS_RU = [
    "", "январь", "февраль", "март", "апрель", "май", "июнь",
    "июль", "август", "сентябрь", "октябрь", "ноябрь", "декабрь",
]

EDITABLE_SETTINGS = (
    "supplier_name", "inn", "kpp", "address", "bank_name", "bik", "correspondent_account", "bank_account",
    "other_accounts", "director_name", "director_position", "accountant_name", "invoice_number_pattern",
    "act_number_pattern", "remind_days_before", "remind_days_after", "escalation_days",
    "ogrn", "default_payment_terms_days", "reminder_email_subject", "reminder_email_body",
)


@dataclass(frozen=True)
class LineInput:
    """One invoice line as entered: amount = quantity × price rounded to kopecks."""

    name: str
    price: Decimal
    quantity: Decimal = Decimal("1")
    unit: str = "усл."
    service_id: int | None = None
    contract_line_id: int | None = None
    period_start: date | None = None
    period_end: date | None = None


def billing_settings_update(*, actor: User, data: dict[str, Any]) -> BillingSettings:
    """Change the agency's requisites, numbering patterns and collection rules (finance, heads, admin)."""
    employee = require_employee(actor)
    require(permissions.can_manage_settings(actor))
    obj = settings_for(employee.agency)
    unknown = set(data) - set(EDITABLE_SETTINGS)
    if unknown:
        raise ValidationError({name: _("Это поле нельзя изменить здесь.") for name in sorted(unknown)})
    for key, value in data.items():
        setattr(obj, key, value)
    obj.full_clean()
    obj.save()
    return obj


def vat_rate_for(*, agency: Agency, vat_mode: str, on: date) -> Decimal | None:
    """The VAT % for a document dated `on`: None for «Без НДС», else the agency's VatRate valid
    that day (latest valid_from <= on). A VAT contract with no rate on file is an input error."""
    if vat_mode == VatMode.NO_VAT:
        return None
    rate = VatRate.objects.filter(agency=agency, valid_from__lte=on).order_by("-valid_from").first()
    if rate is None:
        raise ValidationError({"date": _("Не задана ставка НДС на %(d)s.") % {"d": on.strftime("%d.%m.%Y")}})
    return rate.rate_percent


def _check_contract(client: Client, contract: Contract | None) -> None:
    if contract is None:
        return
    if contract.client_id != client.pk:
        raise ValidationError({"contract": _("Договор другого клиента.")})
    if contract.status not in (ContractStatus.SIGNED, ContractStatus.CLOSED):
        raise ValidationError({"contract": _("Счёт выставляется только по подписанному договору.")})


def _with_contract_lines(invoice: Invoice, lines: Sequence[LineInput]) -> list[LineInput]:
    """Every line bills a line of the invoice's contract (and so its project): the chosen one,
    which must belong to that contract; the contract's only line when it has one; a choice is
    required when it has several. Invoices without a contract carry no contract lines. A line
    with a contract line and no service gets the contract line's service."""
    contract_lines = (
        {cl.pk: cl for cl in ContractLine.objects.filter(contract_id=invoice.contract_id).only("id", "service_id")}
        if invoice.contract_id else {}
    )
    result = []
    for number, line in enumerate(lines, start=1):
        chosen = line.contract_line_id
        if chosen is not None and chosen not in contract_lines:
            raise ValidationError({"lines": _(
                "Строка %(n)s: услуга не из договора этого счёта — выберите услугу из списка договора."
            ) % {"n": number}})
        if chosen is None and len(contract_lines) == 1:
            chosen = next(iter(contract_lines))
        if chosen is None and len(contract_lines) > 1:
            raise ValidationError({"lines": _(
                "Строка %(n)s: выберите услугу договора (проект) — в договоре их несколько, "
                "а выручка считается по проектам."
            ) % {"n": number}})
        service_id = line.service_id
        if chosen is not None and service_id is None:
            service_id = contract_lines[chosen].service_id
        result.append(replace(line, contract_line_id=chosen, service_id=service_id))
    return result


def _write_lines(invoice: Invoice, lines: Sequence[LineInput]) -> None:
    """Replace the invoice's lines. Time billed by the old lines moves to the new line of the
    same contract line; time whose contract line no longer appears is released."""
    if not lines:
        raise ValidationError({"lines": _("В счёте должна быть хотя бы одна строка.")})
    lines = _with_contract_lines(invoice, lines)
    billed = list(
        BilledTime.objects.filter(invoice_line__invoice=invoice)
        .values_list("time_entry_id", "invoice_line__contract_line_id", "billed_at", "billed_by_id")
    )
    service_names = dict(
        Service.objects.filter(agency_id=invoice.agency_id, pk__in={ln.service_id for ln in lines if ln.service_id})
        .values_list("pk", "name")
    )
    if any(ln.service_id and ln.service_id not in service_names for ln in lines):
        raise ValidationError({"lines": _("Услуга не найдена в каталоге агентства.")})
    # A line with a catalogue service and no description is named after the service.
    lines = [
        replace(ln, name=service_names[ln.service_id]) if ln.service_id and not ln.name.strip() else ln
        for ln in lines
    ]
    invoice.lines.all().delete()
    objs = []
    for position, line in enumerate(lines, start=1):
        if line.period_start and line.period_end and line.period_end < line.period_start:
            raise ValidationError({"lines": _("Период строки: конец раньше начала.")})
        if line.quantity <= 0:
            raise ValidationError({"lines": _("Количество должно быть больше нуля.")})
        if line.price < 0:
            raise ValidationError({"lines": _("Цена не может быть отрицательной.")})
        if not line.name.strip():
            raise ValidationError({"lines": _("У строки нет наименования.")})
        if not fits_money_column(line.price) or not fits_money_column(line.quantity * line.price):
            raise ValidationError({"lines": _("Сумма строки «%(name)s» больше допустимой (%(max)s).") % {
                "name": line.name.strip()[:60], "max": MONEY_MAX}})
        list_amount = line_amount(line.quantity, to_money(line.price))
        objs.append(
            InvoiceLine(
                invoice=invoice, position=position, name=line.name.strip(), quantity=line.quantity, unit=line.unit,
                price=to_money(line.price), list_amount=list_amount, discount_percent=invoice.discount_percent,
                amount=discounted(list_amount, invoice.discount_percent),
                service_id=line.service_id, contract_line_id=line.contract_line_id,
                period_start=line.period_start, period_end=line.period_end,
            )
        )
    InvoiceLine.objects.bulk_create(objs)
    if billed:
        by_contract_line: dict[int | None, InvoiceLine] = {}
        for obj in objs:
            by_contract_line.setdefault(obj.contract_line_id, obj)
        BilledTime.objects.bulk_create(
            BilledTime(time_entry_id=entry_id, invoice_line=by_contract_line[cl_id], billed_at=at, billed_by_id=by)
            for entry_id, cl_id, at, by in billed if cl_id in by_contract_line
        )
    if not fits_money_column(sum((o.amount for o in objs), ZERO)):
        raise ValidationError({"lines": _("Сумма счёта больше допустимой (%(max)s).") % {"max": MONEY_MAX}})
    totals = document_totals([o.amount for o in objs], invoice.vat_rate)
    invoice.subtotal, invoice.vat_amount, invoice.total = totals.subtotal, totals.vat, totals.total


def _check_invoice_date(agency: Agency, on: date) -> None:
    check_series_date(agency=agency, kind="invoice", pattern=settings_for(agency).invoice_number_pattern, on=on)


def _check_invoice_dates(on: date, period_start: date | None, period_end: date | None) -> None:
    """Invoice and billed-period dates between 2000 and five years ahead (a typo otherwise)."""
    today = timezone.localdate()
    check_sensible_date(on, field="date", today=today)
    check_sensible_date(period_start, field="period_start", today=today)
    check_sensible_date(period_end, field="period_end", today=today)


def _due_date(on: date, contract: Contract | None, terms_days: int | None) -> date:
    """`on` plus the payment terms; terms that reach past the calendar are a 400 on the terms."""
    days = terms_days if terms_days is not None else (contract.payment_terms_days if contract else 5)
    try:
        return on + timedelta(days=days)
    except OverflowError:
        raise ValidationError({"payment_terms_days": _("Срок оплаты уходит за пределы календаря.")}) from None


def discounted(list_amount: Decimal, percent: Decimal) -> Decimal:
    """A line's amount after the invoice's discount, rounded half-up to kopecks once."""
    if not percent:
        return list_amount
    return to_money(list_amount * (Decimal("100") - percent) / Decimal("100"))


def _set_discount(invoice: Invoice, *, client: Client, percent: Decimal | None, reason: str = "") -> None:
    """`percent` None: the loyalty rule in force on the invoice date (or none); a number: the
    percentage finance entered, with its reason (or «задана вручную»)."""
    if percent is None:
        found = loyalty_discount_for(client=client, on=invoice.date)
        invoice.discount_percent = found.percent if found else ZERO
        invoice.discount_rule = found.rule if found else None
        invoice.discount_reason = found.reason if found else ""
        return
    if not Decimal("0") <= percent <= Decimal("100"):
        raise ValidationError({"discount_percent": _("Скидка — от 0 до 100 %.")})
    invoice.discount_percent = to_money(percent)
    invoice.discount_rule = None
    invoice.discount_reason = (reason.strip() or _("Скидка задана вручную")) if percent else ""


@transaction.atomic
def invoice_create(
    *,
    actor: User,
    client: Client,
    lines: Sequence[LineInput],
    date: date | None = None,
    contract: Contract | None = None,
    vat_mode: str | None = None,
    payment_terms_days: int | None = None,
    period_start: date | None = None,
    period_end: date | None = None,
    notes: str = "",
    kind: str = Invoice.Kind.REGULAR,
    discount_percent: Decimal | None = None,
    discount_reason: str = "",
) -> Invoice:
    """A draft invoice for a visible client. VAT mode comes from the contract (or `vat_mode`
    without one) and the rate from the VatRate valid on `date`; the due date is `date` plus the
    contract's payment terms; no date means today. Numbers are given on issue, and follow the
    dates: a date before the last issued invoice of its series is refused here already.
    Without `discount_percent` the agency's loyalty rules decide the discount (see
    tandem.billing.loyalty); with it, that percentage applies and `discount_reason` says why."""
    employee = require_employee(actor)
    require(permissions.can_manage_money(actor))
    if client.agency_id != employee.agency_id:
        raise ValidationError({"client": _("Клиент другого агентства.")})
    _check_contract(client, contract)
    date = date or timezone.localdate()
    _check_invoice_dates(date, period_start, period_end)
    _check_invoice_date(employee.agency, date)
    mode = contract.vat_mode if contract else (vat_mode or VatMode.VAT)
    if contract is None and payment_terms_days is None:
        payment_terms_days = settings_for(employee.agency).default_payment_terms_days
    invoice = Invoice(
        agency=employee.agency, client=client, contract=contract, kind=kind, date=date,
        due_date=_due_date(date, contract, payment_terms_days), vat_rate=vat_rate_for(
            agency=employee.agency, vat_mode=mode, on=date
        ),
        period_start=period_start, period_end=period_end, notes=notes, created_by=actor,
    )
    _set_discount(invoice, client=client, percent=discount_percent, reason=discount_reason)
    invoice.full_clean(exclude=["number"])
    invoice.save()
    _write_lines(invoice, lines)
    invoice.save(update_fields=["subtotal", "vat_amount", "total", "updated_at"])
    return invoice


@transaction.atomic
def invoice_update(
    *, actor: User, invoice: Invoice, lines: Sequence[LineInput] | None = None, date: date | None = None,
    notes: str | None = None, period_start: date | None = None, period_end: date | None = None,
    discount_percent: Decimal | None = None, discount_reason: str = "",
) -> Invoice:
    """Change a draft: its lines, date (VAT rate and due date follow), billed period, note or
    discount (a percentage entered here replaces the loyalty rule's, with its reason; every line
    is recounted).
    Issued invoices are fixed: cancel and re-issue instead. The stored status is checked with the
    row locked (the caller's copy may predate an issue in another request), and only these
    fields are written, never status, number or paid amount."""
    require(permissions.can_manage_invoice(actor, invoice))
    stored = Invoice.objects.select_for_update().only("status").get(pk=invoice.pk)
    if stored.status != InvoiceStatus.DRAFT or invoice.status != InvoiceStatus.DRAFT:
        raise ValidationError({"status": _("Изменять можно только черновик.")})
    if date is not None and date != invoice.date:
        terms = (invoice.due_date - invoice.date).days
        mode = VatMode.NO_VAT if invoice.vat_rate is None else VatMode.VAT
        _check_invoice_dates(date, None, None)
        _check_invoice_date(invoice.agency, date)
        invoice.date = date
        invoice.due_date = _due_date(date, None, terms)
        invoice.vat_rate = vat_rate_for(agency=invoice.agency, vat_mode=mode, on=date)
    if notes is not None:
        invoice.notes = notes
    if period_start is not None:
        invoice.period_start = period_start
    if period_end is not None:
        invoice.period_end = period_end
    _check_invoice_dates(invoice.date, period_start, period_end)
    if invoice.period_start and invoice.period_end and invoice.period_end < invoice.period_start:
        raise ValidationError({"period_end": _("Конец периода раньше начала.")})
    if discount_percent is not None:
        _set_discount(invoice, client=invoice.client, percent=discount_percent, reason=discount_reason)
        if lines is None:
            lines = _current_lines(invoice)
    if lines is not None:
        _write_lines(invoice, lines)
    else:
        totals = document_totals(invoice.lines.values_list("amount", flat=True), invoice.vat_rate)
        invoice.subtotal, invoice.vat_amount, invoice.total = totals.subtotal, totals.vat, totals.total
    invoice.full_clean(exclude=["number"])
    invoice.save(update_fields=["date", "due_date", "vat_rate", "notes", "period_start", "period_end", "subtotal",
                                "vat_amount", "total", "discount_percent", "discount_rule", "discount_reason",
                                "updated_at"])
    return invoice


def _current_lines(invoice: Invoice) -> list[LineInput]:
    return [
        LineInput(name=ln.name, price=ln.price, quantity=ln.quantity, unit=ln.unit, service_id=ln.service_id,
                  contract_line_id=ln.contract_line_id, period_start=ln.period_start, period_end=ln.period_end)
        for ln in invoice.lines.all()
    ]


@transaction.atomic
def invoice_issue(*, actor: User, invoice: Invoice) -> Invoice:
    """Draft → issued: the number is taken from the agency's pattern and sequence, reminders are
    scheduled. A zero invoice cannot be issued, nor one dated before the last issued invoice of
    its series (`date` error saying which one)."""
    from .collection import reminders_schedule

    require(permissions.can_manage_invoice(actor, invoice))
    invoice = Invoice.objects.select_for_update().select_related("agency", "client").get(pk=invoice.pk)
    if invoice.status != InvoiceStatus.DRAFT:
        raise ValidationError({"status": _("Выставить можно только черновик.")})
    if invoice.total <= 0:
        raise ValidationError({"lines": _("Сумма счёта должна быть больше нуля.")})
    cfg = settings_for(invoice.agency)
    invoice.number = next_number(
        agency=invoice.agency, kind="invoice", pattern=cfg.invoice_number_pattern, on=invoice.date
    )
    invoice.status = InvoiceStatus.ISSUED
    invoice.issued_at = timezone.now()
    invoice.full_clean()
    invoice.save()
    reminders_schedule(invoice=invoice, cfg=cfg)
    emit("invoice.issued", agency_id=invoice.agency_id, data=invoice_data(invoice))
    return invoice


@transaction.atomic
def invoice_cancel(*, actor: User, invoice: Invoice, reason: str) -> Invoice:
    """Issued or draft → cancelled, with a reason. An invoice with payments set against it is
    not cancelled (move the payments first). Cancelled invoices stay in the register."""
    from .collection import reminders_cancel

    require(permissions.can_manage_invoice(actor, invoice))
    if invoice.status in (InvoiceStatus.CANCELLED, InvoiceStatus.PAID, InvoiceStatus.PARTLY_PAID):
        raise ValidationError({"status": _("Этот счёт нельзя аннулировать.")})
    if invoice.allocations.exists():
        raise ValidationError({"status": _("По счёту есть оплаты.")})
    if not reason.strip():
        raise ValidationError({"reason": _("Укажите причину.")})
    invoice.status = InvoiceStatus.CANCELLED
    invoice.cancelled_at = timezone.now()
    invoice.cancel_reason = reason.strip()
    invoice.save()
    # The hours it billed may be billed again (by a corrected invoice).
    BilledTime.objects.filter(invoice_line__invoice=invoice).delete()
    reminders_cancel(invoice=invoice)
    emit("invoice.cancelled", agency_id=invoice.agency_id, data={**invoice_data(invoice), "reason": invoice.cancel_reason})
    return invoice


def invoice_delete(*, actor: User, invoice: Invoice) -> None:
    """Only a draft that was never issued may be deleted; issued invoices are cancelled instead."""
    require(permissions.can_manage_invoice(actor, invoice))
    if invoice.status != InvoiceStatus.DRAFT or invoice.number:
        raise ValidationError({"status": _("Выставленный счёт не удаляется — его можно аннулировать.")})
    invoice.delete()  # its lines and their BilledTime rows go too: the time is released


def invoice_apply_paid(invoice: Invoice, paid: Decimal) -> None:
    """Set the paid amount and the status it implies: paid in full → paid, something → partly
    paid, nothing → issued. Drafts and cancelled invoices keep their status. Does not save."""
    invoice.paid_amount = paid
    if invoice.status not in (InvoiceStatus.DRAFT, InvoiceStatus.CANCELLED):
        if paid >= invoice.total:
            invoice.status = InvoiceStatus.PAID
        elif paid > 0:
            invoice.status = InvoiceStatus.PARTLY_PAID
        else:
            invoice.status = InvoiceStatus.ISSUED


def invoice_refresh_paid(invoice: Invoice) -> Invoice:
    """Recompute paid amount and status from allocations. Caller holds a lock on the invoice."""
    from .collection import reminders_cancel

    paid = PaymentAllocation.objects.filter(invoice=invoice).aggregate(s=Sum("amount"))["s"] or ZERO
    was_paid = invoice.status == InvoiceStatus.PAID
    invoice_apply_paid(invoice, paid)
    invoice.save(update_fields=["paid_amount", "status", "updated_at"])
    if invoice.status == InvoiceStatus.PAID:
        reminders_cancel(invoice=invoice)
        if not was_paid:
            emit("invoice.paid", agency_id=invoice.agency_id, data=invoice_data(invoice))
    return invoice


@dataclass
class RetainerRun:
    month: date
    created: list[Invoice] = field(default_factory=list)
    skipped_existing: list[Contract] = field(default_factory=list)


def _month_bounds(month: date) -> tuple[date, date]:
    start = first_of_month(month)
    return start, start.replace(day=calendar.monthrange(start.year, start.month)[1])


@transaction.atomic
def retainer_invoices_generate(*, actor: User, month: date, issue: bool = True) -> RetainerRun:
    """One invoice per signed contract with monthly-retainer lines active in `month`, dated the
    first day of the month — or the date of the last issued invoice when one was issued later
    (numbers follow dates). A contract that already has a (not cancelled) retainer invoice for
    the month is skipped, so running it twice creates nothing new."""
    employee = require_employee(actor)
    require(permissions.can_manage_money(actor))
    start, end = _month_bounds(month)
    run = RetainerRun(month=start)
    contracts = (
        Contract.objects.filter(agency=employee.agency, status=ContractStatus.SIGNED, start_date__lte=end)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=start))
        .filter(lines__billing_model=BillingModel.MONTHLY_RETAINER)
        .select_related("client")
        .distinct()
        .order_by("client__legal_name", "number")
    )
    existing = set(
        Invoice.objects.filter(
            agency=employee.agency, kind=Invoice.Kind.RETAINER, period_start=start
        ).exclude(status=InvoiceStatus.CANCELLED).values_list("contract_id", flat=True)
    )
    retainer_lines: dict[int, list[ContractLine]] = {}
    for line in ContractLine.objects.filter(
        contract__in=contracts, billing_model=BillingModel.MONTHLY_RETAINER
    ).select_related("service"):
        retainer_lines.setdefault(line.contract_id, []).append(line)
    label = f"{MONTHS_RU[start.month]} {start.year}"
    pattern = settings_for(employee.agency).invoice_number_pattern
    last_date = series_last_date(agency=employee.agency, kind="invoice", pattern=pattern, on=start)
    dated = max(start, last_date) if last_date else start
    for contract in contracts:
        if contract.pk in existing:
            run.skipped_existing.append(contract)
            continue
        lines = [
            LineInput(
                name=f"{line.description or line.service.name} за {label}",
                price=line.amount, service_id=line.service_id, contract_line_id=line.pk,
                period_start=start, period_end=end,
            )
            for line in retainer_lines.get(contract.pk, [])
        ]
        invoice = invoice_create(
            actor=actor, client=contract.client, contract=contract, date=dated, lines=lines,
            period_start=start, period_end=end, kind=Invoice.Kind.RETAINER,
        )
        if issue:
            invoice = invoice_issue(actor=actor, invoice=invoice)
        run.created.append(invoice)
    return run


# --- acts --------------------------------------------------------------------------------------


@transaction.atomic
def act_create(
    *,
    actor: User,
    invoice: Invoice,
    date: date | None = None,
    line_ids: Sequence[int] | None = None,
    client_signer_name: str = "",
    client_signer_position: str = "",
) -> Act:
    """An act for the lines of an issued invoice not yet closed by another act (all of them by
    default), dated `date` or today. Requisites per 402-ФЗ ст. 9: the supplier's signer and
    position come from the billing settings and must be filled in. Act numbers follow their
    dates: a date before the last act of its series is refused (`date`)."""
    require(permissions.can_manage_invoice(actor, invoice))
    if invoice.status in (InvoiceStatus.DRAFT, InvoiceStatus.CANCELLED):
        raise ValidationError({"invoice": _("Акт составляется по выставленному счёту.")})
    cfg = settings_for(invoice.agency)
    if not cfg.director_name or not cfg.director_position:
        raise ValidationError(
            {"supplier_signer_name": _("Заполните руководителя и его должность в реквизитах агентства.")}
        )
    open_lines = invoice.lines.exclude(act_lines__isnull=False)
    if line_ids is not None:
        open_lines = open_lines.filter(pk__in=line_ids)
    lines = list(open_lines)
    if not lines:
        raise ValidationError({"lines": _("Все строки счёта уже закрыты актами.")})
    on = date or timezone.localdate()
    if on < invoice.date:
        raise ValidationError({"date": _("Акт не может быть раньше счёта.")})
    totals = document_totals([line.amount for line in lines], invoice.vat_rate)
    act = Act(
        agency=invoice.agency, client=invoice.client, contract=invoice.contract, invoice=invoice,
        number=next_number(agency=invoice.agency, kind="act", pattern=cfg.act_number_pattern, on=on), date=on,
        period_start=min((ln.period_start for ln in lines if ln.period_start), default=invoice.period_start),
        period_end=max((ln.period_end for ln in lines if ln.period_end), default=invoice.period_end),
        vat_rate=invoice.vat_rate, vat_amount=totals.vat, total=totals.total,
        supplier_signer_name=cfg.director_name, supplier_signer_position=cfg.director_position,
        client_signer_name=client_signer_name, client_signer_position=client_signer_position, created_by=actor,
    )
    act.full_clean()
    act.save()
    ActLine.objects.bulk_create(
        ActLine(act=act, invoice_line=ln, name=ln.name, quantity=ln.quantity, unit=ln.unit, price=ln.price,
                discount_percent=ln.discount_percent, amount=ln.amount)
        for ln in lines
    )
    return act


def act_mark_sent(*, actor: User, act: Act) -> Act:
    """Draft → sent to the client."""
    require(permissions.can_manage_money(actor) and act.agency_id == require_employee(actor).agency_id)
    if act.status != ActStatus.DRAFT:
        raise ValidationError({"status": _("Отправить можно только черновик акта.")})
    act.status = ActStatus.SENT
    act.sent_at = timezone.now()
    act.save(update_fields=["status", "sent_at", "updated_at"])
    return act


def act_mark_signed(
    *, actor: User, act: Act, signed_on: date | None = None, client_signer_name: str = "",
    client_signer_position: str = "",
) -> Act:
    """Sent (or draft handed over on paper) → signed by the client, with the date and signer."""
    require(permissions.can_manage_money(actor) and act.agency_id == require_employee(actor).agency_id)
    if act.status == ActStatus.SIGNED:
        raise ValidationError({"status": _("Акт уже подписан.")})
    signed_on = signed_on or timezone.localdate()
    if signed_on < act.date:
        raise ValidationError({"signed_on": _("Клиент не мог подписать акт раньше его даты.")})
    if signed_on > timezone.localdate():
        raise ValidationError({"signed_on": _("Дата подписания ещё не наступила.")})
    act.status = ActStatus.SIGNED
    act.signed_on = signed_on
    if client_signer_name:
        act.client_signer_name = client_signer_name
    if client_signer_position:
        act.client_signer_position = client_signer_position
    if act.sent_at is None:
        act.sent_at = timezone.now()
    act.save()
    emit("act.signed", agency_id=act.agency_id, data=act_data(act))
    return act
