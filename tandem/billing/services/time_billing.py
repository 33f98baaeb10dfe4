"""Revenue per project: invoicing the logged time of hourly contract lines, and fixing which
contract line (project) an invoice line bills."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tandem.contracts.models import BillingModel, Contract, ContractLine, ContractStatus
from tandem.core.errors import NotFound
from tandem.org.models import User
from tandem.work.models import TimeEntry

from .. import permissions
from ..models import BilledTime, Invoice, InvoiceLine, InvoiceStatus
from ._common import require, require_employee
from .invoices import MONTHS_RU, LineInput, _month_bounds, invoice_create


def _hours_label(hours: Decimal) -> str:
    text = f"{hours.normalize():f}"
    return text.replace(".", ",")


@transaction.atomic
def invoice_from_time(
    *, actor: User, contract: Contract, month: date, contract_line: ContractLine | None = None,
    on: date | None = None,
) -> Invoice:
    """A draft invoice for the logged time of a month on the contract's hourly lines.

    - the contract is signed or closed and its client's money is visible to the actor, who
      manages money (finance, heads, admin);
    - `contract_line` (an hourly line of this contract) or, without it, every hourly line;
    - one invoice line per contract line: hours = the sum of the month's time entries of the
      line's project not billed yet, price = the line's hourly rate, unit «ч»;
    - the entries are marked billed by that line (BilledTime), so they are never billed twice:
      the contract lines are locked (select_for_update) before the unbilled entries are read,
      and BilledTime allows one row per entry; deleting the draft or cancelling the invoice
      releases them;
    - nothing to bill (no hourly line, no project, no unbilled hours) is a ValidationError.
    The invoice is dated `on` (default today) and covers the month.
    """
    employee = require_employee(actor)
    require(permissions.can_manage_money(actor))
    if contract.agency_id != employee.agency_id or not permissions.money_clients_visible_to(actor).filter(
        pk=contract.client_id
    ).exists():
        raise NotFound()
    if contract.status not in (ContractStatus.SIGNED, ContractStatus.CLOSED):
        raise ValidationError({"contract": _("Счёт выставляется только по подписанному договору.")})
    hourly = ContractLine.objects.filter(contract=contract, billing_model=BillingModel.HOURLY)
    if contract_line is not None:
        if contract_line.contract_id != contract.pk:
            raise ValidationError({"contract_line": _("Услуга из другого договора.")})
        if contract_line.billing_model != BillingModel.HOURLY:
            raise ValidationError({"contract_line": _("Услуга оплачивается не почасово.")})
        hourly = hourly.filter(pk=contract_line.pk)
    # Lock the hourly lines first: a second run for the same lines waits here and then reads
    # the entries the first one billed.
    lines = list(hourly.select_for_update(of=("self",)).select_related("service").order_by("id"))
    if not lines:
        raise ValidationError({"contract_line": _("В договоре нет почасовых услуг.")})
    start, end = _month_bounds(month)
    label = f"{MONTHS_RU[start.month]} {start.year}"
    inputs: list[LineInput] = []
    entries_by_line: dict[int, list[int]] = {}
    for line in lines:
        ids, hours = _unbilled(line, start, end)
        if not ids or hours <= 0:
            continue
        entries_by_line[line.pk] = ids
        inputs.append(LineInput(
            # Document text, Russian like the rest of the invoice (as the retainer lines are).
            name=f"{line.description or line.service.name}: {_hours_label(hours)} ч за {label}",
            price=line.amount, quantity=hours, unit="ч", service_id=line.service_id, contract_line_id=line.pk,
            period_start=start, period_end=end,
        ))
    if not inputs:
        raise ValidationError({"month": _(
            "За %(month)s нет невыставленного времени по почасовым услугам договора."
        ) % {"month": label}})
    invoice = invoice_create(
        actor=actor, client=contract.client, contract=contract, date=on or timezone.localdate(), lines=inputs,
        period_start=start, period_end=end,
    )
    now = timezone.now()
    invoice_lines = {ln.contract_line_id: ln for ln in invoice.lines.all()}
    try:
        with transaction.atomic():
            BilledTime.objects.bulk_create(
                BilledTime(time_entry_id=entry_id, invoice_line=invoice_lines[line_id], billed_at=now,
                           billed_by=actor)
                for line_id, ids in entries_by_line.items() for entry_id in ids
            )
    except IntegrityError:
        # Another run billed some of these entries meanwhile (one BilledTime per entry): the
        # whole invoice is rolled back rather than billing an hour twice.
        raise ValidationError({"month": _(
            "Часть этого времени только что выставлена другим счётом. Обновите страницу и повторите."
        )}) from None
    return invoice


def _unbilled(line: ContractLine, start: date, end: date) -> tuple[list[int], Decimal]:
    """Ids and total hours of the time entries of the line's project dated start..end that no
    invoice line bills yet."""
    entries = TimeEntry.objects.filter(
        project__contract_line=line, date__gte=start, date__lte=end, billed_in__isnull=True
    ).order_by()
    rows = list(entries.values_list("id", "hours"))  # one read: the ids and the hours agree
    return [pk for pk, _h in rows], sum((h for _pk, h in rows), Decimal("0"))


@transaction.atomic
def invoice_line_set_contract_line(
    *, actor: User, line: InvoiceLine, contract_line: ContractLine | None
) -> InvoiceLine:
    """Say which contract line (project) an invoice line bills, also on an issued or paid
    invoice: it is how revenue is attributed to projects, not a part of the printed document.
    The contract line must be one of the invoice's contract; a cancelled invoice is left alone."""
    invoice = line.invoice
    require(permissions.can_manage_invoice(actor, invoice))
    if invoice.status == InvoiceStatus.CANCELLED:
        raise ValidationError({"contract_line": _("Счёт аннулирован.")})
    if contract_line is not None and (invoice.contract_id is None or contract_line.contract_id != invoice.contract_id):
        raise ValidationError({"contract_line": _("Услуга не из договора этого счёта.")})
    line.contract_line = contract_line
    line.save(update_fields=["contract_line"])
    return line
