"""Payments: manual entry, allocation to invoices, and 1CClientBankExchange statement import."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import DecimalField, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce, Upper
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tandem.clients.models import Client
from tandem.core.money import ZERO, to_money
from tandem.integrations.bank_statement import (
    INCOMING,
    INTERNAL,
    OUTGOING,
    StatementDocument,
    StatementFormatError,
    extract_invoice_refs,
    parse_statement,
)
from tandem.org.models import Agency, User

from .. import permissions
from ..calc import allocate_fifo
from ..models import (
    OPEN_STATUSES,
    CollectionReminder,
    Invoice,
    InvoiceStatus,
    Payment,
    PaymentAllocation,
    StatementImport,
)
from ._common import require, require_employee, settings_for
from .invoices import invoice_apply_paid, invoice_refresh_paid

MATCHED = "matched"
PARTLY_MATCHED = "partly_matched"
UNMATCHED = "unmatched"
REJECTED = "rejected"
SKIPPED = "skipped"
OUTCOME_LABELS = {
    MATCHED: gettext_lazy("Разнесён"), PARTLY_MATCHED: gettext_lazy("Разнесён частично"),
    UNMATCHED: gettext_lazy("Не сопоставлен"), REJECTED: gettext_lazy("Отклонён"), SKIPPED: gettext_lazy("Пропущен"),
}


@dataclass
class MatchResult:
    client: Client | None
    allocations: list[tuple[Invoice, Decimal]] = field(default_factory=list)
    note: str = ""


def _lock_invoice(invoice_id: int) -> Invoice:
    return Invoice.objects.select_for_update().get(pk=invoice_id)


def _check_allocation(payment: Payment, invoice: Invoice, amount: Decimal) -> Decimal:
    """The rules for putting `amount` of a payment against an invoice; returns it in kopecks.
    The invoice must be open and the same client's; the amount positive and within what is left
    unallocated in the payment and unpaid on the invoice."""
    amount = to_money(amount)
    if invoice.status not in OPEN_STATUSES:
        raise ValidationError({"invoice": _("Счёт %(n)s не ожидает оплаты.") % {"n": invoice.number}})
    if payment.client_id and payment.client_id != invoice.client_id:
        raise ValidationError({"invoice": _("Счёт другого клиента.")})
    if amount <= 0:
        raise ValidationError({"amount": _("Сумма должна быть больше нуля.")})
    if amount > payment.amount - payment.allocated_amount:
        raise ValidationError({"amount": _("Больше, чем осталось неразнесённым в платеже.")})
    if amount > invoice.total - invoice.paid_amount:
        raise ValidationError({"amount": _("Больше, чем осталось оплатить по счёту.")})
    return amount


def _allocate(*, actor: User | None, payment: Payment, invoice: Invoice, amount: Decimal) -> PaymentAllocation:
    """Set `amount` of `payment` against `invoice`. Caller is in a transaction."""
    invoice = _lock_invoice(invoice.pk)
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    amount = _check_allocation(payment, invoice, amount)
    allocation = PaymentAllocation.objects.create(payment=payment, invoice=invoice, amount=amount, created_by=actor)
    payment.allocated_amount += amount
    if payment.client_id is None:
        payment.client_id = invoice.client_id
    payment.save(update_fields=["allocated_amount", "client", "updated_at"])
    invoice_refresh_paid(invoice)
    return allocation


class _DatabaseLookup:
    """Invoices and clients for matching, read from the database at the moment of the call."""

    def __init__(self, agency: Agency) -> None:
        self.agency = agency

    def cited(self, refs: list[str]) -> dict[str, Invoice]:
        # Only the cited numbers are fetched (index billing_invoice_number_upper), not every
        # open invoice of the agency.
        return {
            inv.number.upper(): inv
            for inv in Invoice.objects.annotate(number_upper=Upper("number"))
            .filter(agency=self.agency, status__in=OPEN_STATUSES, number_upper__in=refs)
            .exclude(number="")
        }

    def clients_by_inn(self, inn: str) -> list[Client]:
        return list(Client.objects.filter(agency=self.agency, inn=inn)[:2])

    def open_invoices(self, client: Client) -> list[Invoice]:
        return list(
            Invoice.objects.filter(agency=self.agency, client=client, status__in=OPEN_STATUSES).order_by(
                "due_date", "id"
            )
        )


class _StatementLookup:
    """The same answers as `_DatabaseLookup`, from rows loaded (and locked) once per statement.

    The invoices are the open invoices cited anywhere in the file plus every open invoice of the
    clients the file can reach (by INN or through a cited invoice); allocations change them in
    memory, so `status` and `paid_amount` are always the ones the database would return."""

    def __init__(self, *, clients: list[Client], invoices: list[Invoice]) -> None:
        self.by_inn: dict[str, list[Client]] = {}
        for c in clients:
            self.by_inn.setdefault(c.inn, []).append(c)
        self.by_number: dict[str, Invoice] = {}
        self.of_client: dict[int, list[Invoice]] = {}
        for inv in invoices:  # in the model's default order, as the per-line query returns them
            if inv.number:
                self.by_number[inv.number.upper()] = inv
            self.of_client.setdefault(inv.client_id, []).append(inv)
        for rows in self.of_client.values():
            rows.sort(key=lambda inv: (inv.due_date, inv.pk))

    def cited(self, refs: list[str]) -> dict[str, Invoice]:
        found = (self.by_number.get(r) for r in refs)
        return {inv.number.upper(): inv for inv in found if inv is not None and inv.status in OPEN_STATUSES}

    def clients_by_inn(self, inn: str) -> list[Client]:
        return self.by_inn.get(inn, [])[:2]

    def open_invoices(self, client: Client) -> list[Invoice]:
        return [inv for inv in self.of_client.get(client.pk, []) if inv.status in OPEN_STATUSES]


def match_payment(
    *,
    agency: Agency,
    amount: Decimal,
    payer_inn: str,
    purpose: str,
    client: Client | None = None,
    lookup: _DatabaseLookup | _StatementLookup | None = None,
) -> MatchResult:
    """Decide the client and invoices for an incoming payment (reads only).

    1. The client: given, or the agency's only client with the payer's INN.
    2. Invoices cited in the purpose (№ 198, сч.198, 199, N198, INV-…) that belong to that
       client are paid in the order cited; without a cited invoice the client's open invoices
       are paid oldest due date first. What is left stays on the payment as the client's credit.
    3. Without a client by INN, cited open invoices that all belong to one client decide it
       (noted, since the INN differs).

    `lookup` answers the reads (the database by default; the statement import passes the rows
    it has loaded and locked for the whole file).
    """
    source = lookup or _DatabaseLookup(agency)
    refs = [r.upper() for r in extract_invoice_refs(purpose)]
    cited: list[Invoice] = []
    if refs:
        by_number = source.cited(refs)
        cited = [by_number[r] for r in refs if r in by_number]
    note = ""
    if client is None and payer_inn:
        candidates = source.clients_by_inn(payer_inn)
        if len(candidates) == 1:
            client = candidates[0]
        elif len(candidates) > 1:
            note = _("Несколько клиентов с ИНН %(inn)s.") % {"inn": payer_inn}
    if client is None:
        owners = {inv.client_id for inv in cited}
        if len(owners) == 1:
            client = cited[0].client
            note = _("Клиент определён по номеру счёта: ИНН плательщика не совпадает.")
        else:
            return MatchResult(client=None, note=note or _("Клиент с таким ИНН не найден, счета не указаны."))
    own_cited = [inv for inv in cited if inv.client_id == client.pk]
    if own_cited:
        order = own_cited
        how = _("по номерам счетов в назначении")
    else:
        order = source.open_invoices(client)
        how = _("по ИНН, старые счета первыми")
    plan = allocate_fifo(amount, [(inv.pk, inv.total - inv.paid_amount) for inv in order])
    invoices = {inv.pk: inv for inv in order}
    allocations = [(invoices[pk], part) for pk, part in plan]
    note = " ".join(x for x in (note, how if allocations else _("Открытых счетов нет.")) if x)
    return MatchResult(client=client, allocations=allocations, note=note)


def _outcome(payment: Payment) -> str:
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
    auto_allocate: bool = True,
) -> Payment:
    """Enter a payment by hand. With `auto_allocate` it is matched like a statement line; an
    overpayment stays as the client's credit; without a client it waits in the queue."""
    employee = require_employee(actor)
    require(permissions.can_manage_money(actor))
    if client is not None and client.agency_id != employee.agency_id:
        raise ValidationError({"client": _("Клиент другого агентства.")})
    payment = Payment(
        agency=employee.agency, client=client, date=date, amount=to_money(amount), payer_name=payer_name,
        payer_inn=payer_inn or (client.inn if client else ""), purpose=purpose, number=number,
        source=Payment.Source.MANUAL, created_by=actor,
    )
    payment.full_clean()
    payment.save()
    if auto_allocate:
        match = match_payment(
            agency=employee.agency, amount=payment.amount, payer_inn=payment.payer_inn, purpose=purpose, client=client
        )
        if match.client is not None and payment.client_id is None:
            payment.client = match.client
            payment.save(update_fields=["client", "updated_at"])
        for invoice, part in match.allocations:
            _allocate(actor=actor, payment=payment, invoice=invoice, amount=part)
        payment.refresh_from_db()
    return payment


@transaction.atomic
def payment_allocate(
    *, actor: User, payment: Payment, invoice: Invoice, amount: Decimal | None = None
) -> PaymentAllocation:
    """Manual matching: set (part of) a payment against an open invoice. The default amount is
    what both still allow. A payment without a client takes the invoice's client."""
    require(permissions.can_manage_money(actor))
    require_employee(actor)
    if invoice.agency_id != payment.agency_id:
        raise ValidationError({"invoice": _("Счёт другого агентства.")})
    if amount is None:
        amount = min(payment.amount - payment.allocated_amount, invoice.total - invoice.paid_amount)
    return _allocate(actor=actor, payment=payment, invoice=invoice, amount=amount)


@transaction.atomic
def payment_assign_client(*, actor: User, payment: Payment, client: Client) -> Payment:
    """Attach an unmatched payment to a client as credit (an advance) without an invoice."""
    require(permissions.can_manage_money(actor))
    if client.agency_id != payment.agency_id:
        raise ValidationError({"client": _("Клиент другого агентства.")})
    if payment.client_id and payment.client_id != client.pk and payment.allocated_amount:
        raise ValidationError({"client": _("Платёж уже разнесён по счетам другого клиента.")})
    payment.client = client
    payment.save(update_fields=["client", "updated_at"])
    return payment


@transaction.atomic
def allocation_remove(*, actor: User, allocation: PaymentAllocation) -> None:
    """Undo a wrong allocation: the amount returns to the payment and the invoice reopens."""
    require(permissions.can_manage_money(actor))
    invoice = _lock_invoice(allocation.invoice_id)
    payment = Payment.objects.select_for_update().get(pk=allocation.payment_id)
    payment.allocated_amount -= allocation.amount
    payment.save(update_fields=["allocated_amount", "updated_at"])
    allocation.delete()
    invoice_refresh_paid(invoice)


# --- statement import --------------------------------------------------------------------------


@dataclass
class ImportRow:
    line: int
    number: str
    date: str
    amount: str
    payer: str
    payer_inn: str
    outcome: str
    reason: str
    invoices: list[str] = field(default_factory=list)
    payment_id: int | None = None
    warnings: list[str] = field(default_factory=list)


@dataclass
class ImportReport:
    import_id: int | None
    file_name: str
    encoding: str
    duplicate_file: bool
    rows: list[ImportRow]

    def count(self, outcome: str) -> int:
        return sum(1 for r in self.rows if r.outcome == outcome)

    @property
    def counts(self) -> dict[str, int]:
        return {k: self.count(k) for k in (MATCHED, PARTLY_MATCHED, UNMATCHED, REJECTED, SKIPPED)}

    def as_dict(self) -> dict[str, Any]:
        return {
            "import_id": self.import_id, "file_name": self.file_name, "encoding": self.encoding,
            "duplicate_file": self.duplicate_file, "counts": self.counts, "rows": [asdict(r) for r in self.rows],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, duplicate_file: bool) -> ImportReport:
        return cls(
            import_id=data.get("import_id"), file_name=data.get("file_name", ""), encoding=data.get("encoding", ""),
            duplicate_file=duplicate_file, rows=[ImportRow(**r) for r in data.get("rows", [])],
        )


def _row(doc: StatementDocument, outcome: str, reason: str, **kw: Any) -> ImportRow:
    return ImportRow(
        line=doc.line, number=doc.number, date=doc.date.strftime("%d.%m.%Y") if doc.date else "",
        amount=str(doc.amount), payer=doc.payer_name, payer_inn=doc.payer_inn, outcome=outcome, reason=reason,
        warnings=list(doc.warnings), **kw,
    )


def statement_import(*, actor: User, data: bytes, file_name: str = "") -> ImportReport:
    """Import a 1CClientBankExchange statement: every incoming document becomes a payment,
    matched and allocated like a manual one.

    - Idempotent: a file already imported (same SHA-256) returns its stored report and changes
      nothing; a document already imported from another file is skipped.
    - All or nothing: a malformed file is refused with the line named (ValidationError on "file");
      any failure while writing rolls the whole file back.
    - Direction: the agency's accounts from billing settings decide (the statement's own
      account if none is set). Bank fees (ВидОплаты=17) and outgoing payments are skipped with
      a note; documents where no account is ours are rejected with the reason. Invalid payer
      INNs are warnings.
    """
    employee = require_employee(actor)
    require(permissions.can_manage_money(actor))
    agency = employee.agency
    digest = hashlib.sha256(data).hexdigest()
    previous = StatementImport.objects.filter(agency=agency, file_sha256=digest).first()
    if previous is not None:
        return ImportReport.from_dict(previous.report, duplicate_file=True)
    try:
        statement = parse_statement(data)
    except StatementFormatError as exc:
        raise ValidationError({"file": str(exc)}) from None
    own = settings_for(agency).own_accounts() or set(statement.own_accounts())
    with transaction.atomic():
        record = StatementImport.objects.create(
            agency=agency, file_name=file_name[:255], file_sha256=digest, encoding=statement.encoding,
            uploaded_by=actor,
        )
        documents = statement.documents
        known: set[str] = set()
        for keys in _chunks([d.key for d in documents]):
            known.update(
                Payment.objects.filter(agency=agency, external_key__in=keys).values_list("external_key", flat=True)
            )
        batch = _ImportBatch(actor=actor, agency=agency, record=record, lookup=_statement_lookup(agency, documents))
        rows = [_import_document(batch, doc, own, known) for doc in documents]
        batch.write()
        report = ImportReport(
            import_id=record.pk, file_name=file_name, encoding=statement.encoding, duplicate_file=False, rows=rows
        )
        record.report = report.as_dict()
        record.save(update_fields=["report"])
    return report


_CHUNK = 2000


def _chunks(items: list[Any]) -> list[list[Any]]:
    """IN-lists of bounded size (SQLite caps the number of query parameters)."""
    return [items[i : i + _CHUNK] for i in range(0, len(items), _CHUNK)] or [[]]


# What matching and allocation read from an invoice (and its client, only to assign it).
_MATCH_FIELDS = (
    "id", "agency_id", "client_id", "number", "date", "due_date", "status", "total", "paid_amount", "client__id",
)


def _statement_lookup(agency: Agency, documents: Sequence[StatementDocument]) -> _StatementLookup:
    """Load, in a few queries, everything matching can read for the whole file and lock the
    invoices it may pay: the open invoices cited in any purpose and every open invoice of the
    clients reachable by the payers' INNs or through a cited invoice."""
    inns = sorted({d.payer_inn for d in documents if d.payer_inn})
    refs = sorted({r.upper() for d in documents for r in extract_invoice_refs(d.purpose)})
    clients: list[Client] = []
    for part in _chunks(inns):
        clients += Client.objects.filter(agency=agency, inn__in=part)
    per_inn: dict[str, int] = {}
    for c in clients:
        per_inn[c.inn] = per_inn.get(c.inn, 0) + 1
    client_ids = {c.pk for c in clients if per_inn[c.inn] == 1}
    open_invoices = Invoice.objects.filter(agency=agency, status__in=OPEN_STATUSES)
    cited_ids: set[int] = set()
    for part in _chunks(refs):
        for pk, client_id in (
            open_invoices.annotate(number_upper=Upper("number"))
            .filter(number_upper__in=part).exclude(number="").values_list("pk", "client_id")
        ):
            cited_ids.add(pk)
            client_ids.add(client_id)
    invoices: dict[int, Invoice] = {}
    for ids, field_name in [(p, "pk__in") for p in _chunks(sorted(cited_ids))] + [
        (p, "client_id__in") for p in _chunks(sorted(client_ids))
    ]:
        if ids:
            locked = (
                open_invoices.filter(**{field_name: ids}).select_related("client")
                .only(*_MATCH_FIELDS).select_for_update(of=("self",))
            )
            invoices.update((inv.pk, inv) for inv in locked)
    ordered = sorted(invoices.values(), key=lambda inv: (inv.date, inv.pk), reverse=True)  # Invoice.Meta.ordering
    return _StatementLookup(clients=clients, invoices=ordered)


class _ImportBatch:
    """Payments, allocations and invoice changes of one statement, applied in memory with the
    rules of `_allocate` and `invoice_refresh_paid`, then written in bulk by `write()`."""

    def __init__(self, *, actor: User, agency: Agency, record: StatementImport, lookup: _StatementLookup) -> None:
        self.actor, self.agency, self.record, self.lookup = actor, agency, record, lookup
        self.payments: list[tuple[Payment, ImportRow | None]] = []
        self.allocations: list[PaymentAllocation] = []
        self.changed: dict[int, Invoice] = {}
        self.allocated: dict[int, Decimal] | None = None

    def _allocated_sums(self) -> dict[int, Decimal]:
        """Sum of the existing allocations per loaded invoice (what invoice_refresh_paid reads)."""
        if self.allocated is None:
            ids = sorted({inv.pk for rows in self.lookup.of_client.values() for inv in rows})
            self.allocated = {}
            for part in _chunks(ids):
                self.allocated.update(
                    PaymentAllocation.objects.filter(invoice_id__in=part).values("invoice_id")
                    .annotate(s=Sum("amount")).values_list("invoice_id", "s")
                )
        return self.allocated

    def add_payment(self, payment: Payment) -> None:
        self.payments.append((payment, None))

    def set_row(self, payment: Payment, row: ImportRow) -> None:
        self.payments[-1] = (payment, row)

    def allocate(self, payment: Payment, invoice: Invoice, amount: Decimal) -> None:
        """`_allocate` without the round trips: same checks, same effect."""
        amount = _check_allocation(payment, invoice, amount)
        self.allocations.append(
            PaymentAllocation(payment=payment, invoice=invoice, amount=amount, created_by=self.actor)
        )
        payment.allocated_amount += amount
        if payment.client_id is None:
            payment.client_id = invoice.client_id
        sums = self._allocated_sums()
        paid = sums.get(invoice.pk, ZERO) + amount
        sums[invoice.pk] = paid
        invoice_apply_paid(invoice, paid)
        self.changed[invoice.pk] = invoice

    def write(self) -> None:
        """Insert the payments and allocations, update the invoices, cancel the planned reminders
        of invoices now paid, and put the payment ids into the report rows."""
        Payment.objects.bulk_create([p for p, _row in self.payments], batch_size=1000)
        # Field history (bulk_create skips simple-history's signals): one bulk insert per model,
        # written by the importer with the file as the reason.
        reason = _("Загрузка выписки %(file)s") % {"file": self.record.file_name or ""}
        Payment.history.bulk_history_create([p for p, _row in self.payments], batch_size=1000,
                                            default_user=self.actor, default_change_reason=reason)
        for payment, row in self.payments:
            if row is not None:
                row.payment_id = payment.pk
        for allocation in self.allocations:
            allocation.payment_id = allocation.payment.pk
        PaymentAllocation.objects.bulk_create(self.allocations, batch_size=1000)
        PaymentAllocation.history.bulk_history_create(self.allocations, batch_size=1000,
                                                      default_user=self.actor, default_change_reason=reason)
        # paid_amount is recomputed from the allocations as invoice_refresh_paid does, in one UPDATE
        # per status and chunk (bulk_update's per-row CASE costs seconds in Python for thousands).
        now = timezone.now()
        paid_total = Coalesce(
            Subquery(
                PaymentAllocation.objects.filter(invoice_id=OuterRef("pk")).order_by().values("invoice_id")
                .annotate(s=Sum("amount")).values("s")[:1]
            ),
            ZERO,
            output_field=DecimalField(max_digits=14, decimal_places=2),
        )
        by_status: dict[str, list[int]] = {}
        for inv in self.changed.values():
            by_status.setdefault(inv.status, []).append(inv.pk)
        for status, ids in sorted(by_status.items()):
            for part in _chunks(sorted(ids)):
                Invoice.objects.filter(pk__in=part).update(paid_amount=paid_total, status=status, updated_at=now)
        # The UPDATE above skips history too: record the invoices' new paid amount and status
        # (one read of the changed invoices per chunk, one bulk insert).
        for part in _chunks(sorted(self.changed)):
            if part:
                Invoice.history.bulk_history_create(list(Invoice.objects.filter(pk__in=part)), update=True,
                                                    batch_size=1000, default_user=self.actor,
                                                    default_change_reason=reason)
        for part in _chunks(sorted(by_status.get(InvoiceStatus.PAID, []))):
            if part:
                CollectionReminder.objects.filter(
                    invoice_id__in=part, status=CollectionReminder.Status.PLANNED
                ).update(status=CollectionReminder.Status.CANCELLED)


def _import_document(batch: _ImportBatch, doc: StatementDocument, own: set[str], known: set[str]) -> ImportRow:
    if doc.is_bank_fee:
        return _row(doc, SKIPPED, _("Банковская комиссия (банковский ордер, ВидОплаты=17) — не платёж клиента."))
    direction = doc.direction(own)
    if direction == OUTGOING:
        return _row(doc, SKIPPED, _("Списание с нашего счёта — не поступление."))
    if direction == INTERNAL:
        return _row(doc, SKIPPED, _("Перевод между счетами агентства."))
    if direction != INCOMING:
        return _row(doc, REJECTED, _("Ни счёт плательщика, ни счёт получателя не принадлежат агентству."))
    if doc.amount <= 0:
        return _row(doc, REJECTED, _("Нулевая сумма."))
    day = doc.date_received or doc.date
    if day is None:
        return _row(doc, REJECTED, _("Нет даты документа."))
    if doc.key in known:
        return _row(doc, SKIPPED, _("Этот документ уже загружен из другой выписки."))
    known.add(doc.key)
    payment = Payment(
        agency=batch.agency, date=day, amount=doc.amount, number=doc.number[:40], payer_name=doc.payer_name[:500],
        payer_inn=doc.payer_inn[:16], payer_account=doc.payer_account[:34], purpose=doc.purpose,
        source=Payment.Source.BANK, statement_import=batch.record, external_key=doc.key,
        warnings="\n".join(doc.warnings), created_by=batch.actor,
    )
    batch.add_payment(payment)
    match = match_payment(
        agency=batch.agency, amount=doc.amount, payer_inn=doc.payer_inn, purpose=doc.purpose, lookup=batch.lookup
    )
    if match.client is not None:
        payment.client = match.client
    numbers = []
    for invoice, part in match.allocations:
        batch.allocate(payment, invoice, part)
        numbers.append(invoice.number)
    outcome = _outcome(payment)
    reason = match.note
    if outcome == PARTLY_MATCHED and payment.allocated_amount:
        reason += " " + _("Остаток %(x)s ₽ — аванс клиента.") % {"x": payment.amount - payment.allocated_amount}
    elif outcome == PARTLY_MATCHED:
        reason += " " + _("Вся сумма — аванс клиента.")
    row = _row(doc, outcome, reason.strip(), invoices=numbers)
    batch.set_row(payment, row)
    return row


def credit_of(client: Client) -> Decimal:
    """The client's unallocated money (advances and overpayments)."""
    total = ZERO
    for amount, allocated in Payment.objects.filter(client=client).values_list("amount", "allocated_amount"):
        total += amount - allocated
    return total
