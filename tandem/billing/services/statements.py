"""1CClientBankExchange statement import: every incoming document becomes a payment matched by
the rule of `matching.match_payment`; outgoing documents to a client are refunds of its credit."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import DecimalField, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from tandem.core.events import emit_many
from tandem.core.money import ZERO, to_money
from tandem.integrations.bank_statement import (
    BANK_ORDER,
    INCOMING,
    INTERNAL,
    OUTGOING,
    StatementDocument,
    StatementFormatError,
    parse_statement,
)
from tandem.org.models import Agency, User

from .. import permissions
from ..events import invoice_data, payment_data
from ..models import (
    CollectionReminder,
    Invoice,
    InvoiceStatus,
    Payment,
    PaymentAllocation,
    Refund,
    StatementImport,
)
from ._common import require, require_employee, settings_for
from .invoices import invoice_apply_paid
from .matching import MatchLookup, Payer, _, chunks, load_lookup, match_payment, rub
from .payments import (
    MATCHED,
    PARTLY_MATCHED,
    REFUNDED,
    REJECTED,
    SKIPPED,
    UNMATCHED,
    check_allocation,
    outcome_of,
)


@dataclass
class ImportRow:
    """One document of the file and what was decided: `outcome` (matched, partly_matched,
    unmatched, refunded, rejected, skipped), `reason` in plain words, `review` when a person
    must confirm it («на проверку»), and the suggestion for a queue item."""

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
    review: bool = False
    basis: str = ""
    client: str = ""
    suggested_client: str = ""
    suggested_invoice: str = ""
    refund_id: int | None = None


OUTCOMES = (MATCHED, PARTLY_MATCHED, UNMATCHED, REFUNDED, REJECTED, SKIPPED)


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
        return {k: self.count(k) for k in OUTCOMES}

    @property
    def review_count(self) -> int:
        """Documents «на проверку» (matched without a citation, or queued with a suggestion)."""
        return sum(1 for r in self.rows if r.review)

    def as_dict(self) -> dict[str, Any]:
        return {
            "import_id": self.import_id, "file_name": self.file_name, "encoding": self.encoding,
            "duplicate_file": self.duplicate_file, "counts": self.counts, "review_count": self.review_count,
            "rows": [asdict(r) for r in self.rows],
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


MAX_STATEMENT_MB = 10
MAX_STATEMENT_BYTES = MAX_STATEMENT_MB * 1024 * 1024


def statement_check_size(*, size: int) -> None:
    """A statement is at most 10 MB (a year of a busy account is well under 1 MB); callers check
    the upload's size before reading it, `statement_import` checks the bytes again."""
    if size > MAX_STATEMENT_BYTES:
        raise ValidationError({"file": _(
            "Файл больше %(max)s МБ (%(size).1f МБ): выгрузите выписку за меньший период."
        ) % {"max": MAX_STATEMENT_MB, "size": size / 1024 / 1024}})


def statement_import(*, actor: User, data: bytes, file_name: str = "") -> ImportReport:
    """Import a 1CClientBankExchange statement: every incoming document becomes a payment,
    matched and allocated by the rule of `match_payment` (as a manual one); an outgoing document
    whose recipient INN is exactly one client's is a refund of that client's credit.

    - Idempotent: a file already imported (same SHA-256) returns its stored report and changes
      nothing; a document already imported from another file is skipped.
    - All or nothing: a malformed file is refused with the line named (ValidationError on "file");
      any failure while writing rolls the whole file back.
    - Direction: the agency's accounts from billing settings decide (the statement's own
      account if none is set). Bank fees (ВидОплаты=17), other outgoing payments and transfers
      between own accounts are skipped with a note; documents where no account is ours are
      rejected with the reason. Invalid payer INNs are warnings.
    - The report says per document what was decided and why, and which payments are «на проверку».
    """
    employee = require_employee(actor)
    require(permissions.can_manage_money(actor))
    agency = employee.agency
    statement_check_size(size=len(data))
    digest = hashlib.sha256(data).hexdigest()
    previous = _previous_import(agency, digest)
    if previous is not None:
        return ImportReport.from_dict(previous.report, duplicate_file=True)
    try:
        statement = parse_statement(data)
    except StatementFormatError as exc:
        raise ValidationError({"file": str(exc)}) from None
    own = settings_for(agency).own_accounts() or set(statement.own_accounts())
    try:
        with transaction.atomic():
            record = StatementImport.objects.create(
                agency=agency, file_name=file_name[:255], file_sha256=digest, encoding=statement.encoding,
                uploaded_by=actor,
            )
            documents = statement.documents
            known: set[str] = set()
            for keys in chunks([d.key for d in documents]):
                known.update(
                    Payment.objects.filter(agency=agency, external_key__in=keys).values_list("external_key", flat=True)
                )
                known.update(
                    Refund.objects.filter(agency=agency, external_key__in=keys).values_list("external_key", flat=True)
                )
            incoming = [d for d in documents if not d.is_bank_fee and d.direction(own) == INCOMING]
            outgoing = [d for d in documents if not d.is_bank_fee and d.direction(own) == OUTGOING]
            lookup = load_lookup(
                agency, [Payer(d.payer_inn, d.purpose, d.payer_name, d.payer_account) for d in incoming],
                extra_inns={d.recipient_inn for d in outgoing},
            )
            batch = _ImportBatch(actor=actor, agency=agency, record=record, lookup=lookup)
            refund_clients = set()
            for d in outgoing:
                found = lookup.clients_by_inn(d.recipient_inn)
                if len(found) == 1:
                    refund_clients.add(found[0].pk)
            batch.load_credits(refund_clients)
            rows = [_import_document(batch, doc, own, known) for doc in documents]
            batch.write()
            report = ImportReport(
                import_id=record.pk, file_name=file_name, encoding=statement.encoding, duplicate_file=False, rows=rows
            )
            record.report = report.as_dict()
            record.save(update_fields=["report"])
    except IntegrityError:
        # Two uploads of the same file at once: the loser's insert of the (agency, sha256) row
        # waits for the winner and fails; it answers with the winner's report, as a re-upload does.
        stored = StatementImport.objects.filter(agency=agency, file_sha256=digest).first()
        if stored is None:
            raise
        return ImportReport.from_dict(stored.report, duplicate_file=True)
    return report


def _previous_import(agency: Agency, digest: str) -> StatementImport | None:
    """The earlier import of the same file (same SHA-256) by this agency, if any."""
    return StatementImport.objects.filter(agency=agency, file_sha256=digest).first()


class _ImportBatch:
    """Payments, allocations, refunds and invoice changes of one statement, applied in memory
    with the rules of `_allocate` and `invoice_refresh_paid`, then written in bulk by `write()`."""

    def __init__(self, *, actor: User, agency: Agency, record: StatementImport, lookup: MatchLookup) -> None:
        self.actor, self.agency, self.record, self.lookup = actor, agency, record, lookup
        self.payments: list[tuple[Payment, ImportRow | None]] = []
        self.refunds: list[tuple[Refund, ImportRow]] = []
        self.allocations: list[PaymentAllocation] = []
        self.changed: dict[int, Invoice] = {}
        # Invoices already paid before this file (their «paid» event was sent then).
        self.paid_before: set[int] = set()
        self.allocated: dict[int, Decimal] | None = None
        self.credits: dict[int, Decimal] = {}

    def load_credits(self, client_ids: set[int]) -> None:
        """The credit of the clients refunds go to (payments less allocations less refunds), in
        two queries; the file's own payments and refunds keep it current."""
        self.credits = {pk: ZERO for pk in client_ids}
        for part in chunks(sorted(client_ids)):
            if not part:
                continue
            for client_id, amount, allocated in Payment.objects.filter(client_id__in=part).values(
                "client_id"
            ).annotate(a=Sum("amount"), b=Sum("allocated_amount")).values_list("client_id", "a", "b"):
                self.credits[client_id] += to_money((amount or ZERO) - (allocated or ZERO))
            for client_id, amount in Refund.objects.filter(client_id__in=part).values("client_id").annotate(
                a=Sum("amount")
            ).values_list("client_id", "a"):
                self.credits[client_id] -= to_money(amount or ZERO)

    def _allocated_sums(self) -> dict[int, Decimal]:
        """Sum of the existing allocations per loaded invoice (what invoice_refresh_paid reads)."""
        if self.allocated is None:
            ids = sorted(self.lookup.objects)
            self.allocated = {}
            for part in chunks(ids):
                self.allocated.update(
                    PaymentAllocation.objects.filter(invoice_id__in=part).values("invoice_id")
                    .annotate(s=Sum("amount")).values_list("invoice_id", "s")
                )
        return self.allocated

    def add_payment(self, payment: Payment) -> None:
        self.payments.append((payment, None))

    def set_row(self, payment: Payment, row: ImportRow) -> None:
        self.payments[-1] = (payment, row)

    def add_refund(self, refund: Refund, row: ImportRow) -> None:
        self.refunds.append((refund, row))

    def allocate(self, payment: Payment, invoice: Invoice, amount: Decimal) -> None:
        """`_allocate` without the round trips: same checks, same effect."""
        amount = check_allocation(payment, invoice, amount)
        self.allocations.append(
            PaymentAllocation(payment=payment, invoice=invoice, amount=amount, created_by=self.actor)
        )
        payment.allocated_amount += amount
        if payment.client_id is None:
            payment.client_id = invoice.client_id
        sums = self._allocated_sums()
        paid = sums.get(invoice.pk, ZERO) + amount
        sums[invoice.pk] = paid
        if invoice.pk not in self.changed and invoice.status == InvoiceStatus.PAID:
            self.paid_before.add(invoice.pk)
        invoice_apply_paid(invoice, paid)
        self.changed[invoice.pk] = invoice

    def write(self) -> None:
        """Insert the payments, allocations and refunds, update the invoices, cancel the planned
        reminders of invoices now paid, and put the ids into the report rows."""
        Payment.objects.bulk_create([p for p, _row in self.payments], batch_size=1000)
        # Field history (bulk_create skips simple-history's signals): one bulk insert per model,
        # written by the importer with the file as the reason.
        reason = _("Загрузка выписки %(file)s") % {"file": self.record.file_name or ""}
        Payment.history.bulk_history_create([p for p, _row in self.payments], batch_size=1000,
                                            default_user=self.actor, default_change_reason=reason)
        for payment, row in self.payments:
            if row is not None:
                row.payment_id = payment.pk
        Refund.objects.bulk_create([r for r, _row in self.refunds], batch_size=1000)
        for refund, row in self.refunds:
            row.refund_id = refund.pk
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
            for part in chunks(sorted(ids)):
                Invoice.objects.filter(pk__in=part).update(paid_amount=paid_total, status=status, updated_at=now)
        # The UPDATE above skips history too: record the invoices' new paid amount and status
        # (one read of the changed invoices per chunk, one bulk insert).
        for part in chunks(sorted(self.changed)):
            if part:
                Invoice.history.bulk_history_create(list(Invoice.objects.filter(pk__in=part)), update=True,
                                                    batch_size=1000, default_user=self.actor,
                                                    default_change_reason=reason)
        for part in chunks(sorted(by_status.get(InvoiceStatus.PAID, []))):
            if part:
                CollectionReminder.objects.filter(
                    invoice_id__in=part, status=CollectionReminder.Status.PLANNED
                ).update(status=CollectionReminder.Status.CANCELLED)
        # Events for the agency's other systems (webhooks): each payment, and each invoice now paid.
        agency_id = self.record.agency_id
        emit_many("payment.received", agency_id=agency_id, items=[payment_data(p) for p, _row in self.payments])
        emit_many("payment.unmatched", agency_id=agency_id, items=[
            {**payment_data(p), "review_reason": p.review_reason} for p, _row in self.payments
            if p.client_id is None or p.needs_review
        ])
        emit_many("invoice.paid", agency_id=agency_id, items=[
            invoice_data(inv) for inv in self.changed.values()
            if inv.status == InvoiceStatus.PAID and inv.pk not in self.paid_before
        ])


def _import_document(batch: _ImportBatch, doc: StatementDocument, own: set[str], known: set[str]) -> ImportRow:
    if doc.is_bank_fee:
        return _row(doc, SKIPPED, _("Банковская комиссия (банковский ордер, ВидОплаты=17) — не платёж клиента."))
    direction = doc.direction(own)
    if direction == OUTGOING:
        return _import_outgoing(batch, doc, known)
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
    match = match_payment(
        agency=batch.agency, amount=doc.amount, payer_inn=doc.payer_inn, purpose=doc.purpose,
        payer_name=doc.payer_name, payer_account=doc.payer_account, lookup=batch.lookup,
    )
    payment = Payment(
        agency=batch.agency, date=day, amount=doc.amount, number=doc.number[:40], payer_name=doc.payer_name[:500],
        payer_inn=doc.payer_inn[:16], payer_account=doc.payer_account[:34], purpose=doc.purpose,
        source=Payment.Source.BANK, statement_import=batch.record, external_key=doc.key,
        warnings="\n".join(doc.warnings), created_by=batch.actor, client=match.client, match_basis=match.basis,
        needs_review=match.needs_review, review_reason=match.reason if match.needs_review else "",
        suggested_client_id=match.suggested_client_id, suggested_invoice_id=match.suggested_invoice_id,
    )
    batch.add_payment(payment)
    numbers = []
    for invoice, part in match.allocations:
        batch.allocate(payment, invoice, part)
        numbers.append(invoice.number)
    row = _row(
        doc, outcome_of(payment), match.reason, invoices=numbers, review=match.needs_review, basis=match.basis,
        client=batch.lookup.client_name(payment.client_id),
        suggested_client=batch.lookup.client_name(match.suggested_client_id),
        suggested_invoice=batch.lookup.invoice_number(match.suggested_invoice_id),
    )
    batch.set_row(payment, row)
    if payment.client_id in batch.credits:
        batch.credits[payment.client_id] += payment.amount - payment.allocated_amount
    return row


def _import_outgoing(batch: _ImportBatch, doc: StatementDocument, known: set[str]) -> ImportRow:
    """A refund when a payment order goes to the INN of exactly one client; anything else (bank
    orders, transfers where the recipient's INN is the payer's own, other recipients) is skipped."""
    clients = batch.lookup.clients_by_inn(doc.recipient_inn)
    is_bank_order = doc.kind.strip().lower() == BANK_ORDER
    if len(clients) != 1 or doc.amount <= 0 or is_bank_order or doc.recipient_inn == doc.payer_inn:
        return _row(doc, SKIPPED, _("Списание с нашего счёта, получатель — не клиент: не поступление."))
    if doc.key in known:
        return _row(doc, SKIPPED, _("Этот документ уже загружен из другой выписки."))
    known.add(doc.key)
    client = clients[0]
    day = doc.date_debited or doc.date
    if day is None:
        return _row(doc, REJECTED, _("Нет даты документа."))
    refund = Refund(
        agency=batch.agency, client=client, date=day, amount=doc.amount, number=doc.number[:40],
        recipient_name=doc.recipient_name[:500], recipient_inn=doc.recipient_inn[:16],
        recipient_account=doc.recipient_account[:34], purpose=doc.purpose, statement_import=batch.record,
        external_key=doc.key, created_by=batch.actor,
    )
    reason = _("Возврат денег клиенту «%(c)s» (ИНН получателя %(inn)s): аванс клиента уменьшен на %(x)s.") % {
        "c": client.display_name, "inn": doc.recipient_inn, "x": rub(doc.amount)}
    row = _row(doc, REFUNDED, reason, client=client.display_name)
    credit = batch.credits.get(client.pk, ZERO)
    if doc.amount > credit:
        row.warnings.append(_("Возврат больше аванса клиента (%(c)s): проверьте, не ошибка ли это.") % {"c": rub(credit)})
    batch.credits[client.pk] = credit - doc.amount
    row.payer, row.payer_inn = doc.recipient_name, doc.recipient_inn
    batch.add_refund(refund, row)
    return row


__all__ = ["ImportReport", "ImportRow", "OUTCOMES", "statement_import"]
