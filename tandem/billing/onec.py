"""Exchange with 1C:Бухгалтерия: the export of issued invoices and acts (with the clients as
counterparties) as an EnterpriseData XML file, and the record of every export.

Rules:
- a period is chosen by document date; invoices count once issued (issued, partly paid, paid);
  acts count from creation (they are numbered when created);
- mode «только новые и изменённые» takes a document only if it was never exported or what 1C
  sees of it (number, date, client, sums, VAT, lines, cancellation) changed since its last export;
  a changed document is written again with the same 1C reference, so 1C updates it;
- a cancelled invoice is exported only if it went to 1C before (as a change, with the
  comment «Аннулирован»); one never exported stays out;
- mode «все за период» writes every such document of the period again (1C updates by reference);
- an export with no documents is still recorded (the user sees that nothing was new).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from tandem.clients.models import Client
from tandem.core.errors import PermissionDenied
from tandem.integrations import onec as xml
from tandem.org.models import Agency, User
from tandem.org.permissions import actor_employee

from .calc import HUNDRED, to_money
from .models import (
    BILLED_STATUSES,
    ZERO,
    Act,
    ActLine,
    BillingSettings,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    OneCExport,
    OneCExportItem,
)
from .permissions import can_export_onec, onec_exports_visible_to

Kind = OneCExportItem.Kind


@dataclass(frozen=True)
class _Candidate:
    kind: str
    obj: Invoice | Act
    document: xml.Document
    digest: str


def _party(client: Client) -> xml.Party:
    return xml.Party(
        ref=xml.stable_ref("client", client.agency_id, client.pk), name=client.legal_name[:100],
        full_name=client.legal_name, inn=client.inn, kpp=client.kpp,
    )


def _organization(agency: Agency) -> xml.Party:
    bs = BillingSettings.objects.filter(agency=agency).first()
    name = (bs.supplier_name if bs else "") or agency.name
    return xml.Party(ref=xml.stable_ref("agency", agency.pk), name=name[:100], full_name=name,
                     inn=bs.inn if bs else "", kpp=bs.kpp if bs else "")


def _lines(lines: Sequence[InvoiceLine | ActLine], rate: Decimal | None, vat_total: Decimal) -> list[xml.Line]:
    """Lines with their share of VAT; the last line takes the rounding so the lines add up to the document."""
    out: list[xml.Line] = []
    left = vat_total
    for i, line in enumerate(lines):
        if rate is None or rate == 0:
            vat = ZERO
        elif i == len(lines) - 1:
            vat = left
        else:
            vat = to_money(line.amount * rate / (HUNDRED + rate))
        left -= vat
        out.append(xml.Line(name=line.name, quantity=line.quantity, unit=line.unit, price=line.price,
                            amount=line.amount, vat_amount=vat))
    return out


def _digest(doc: xml.Document) -> str:
    data = {
        "kind": doc.kind, "number": doc.number, "date": doc.date.isoformat(), "client": doc.counterparty.__dict__,
        "total": str(doc.total), "vat": str(doc.vat_amount), "rate": str(doc.vat_rate), "comment": doc.comment,
        "contract": doc.contract,
        "lines": [[ln.name, str(ln.quantity), ln.unit, str(ln.price), str(ln.amount)] for ln in doc.lines],
    }
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _invoice_document(invoice: Invoice) -> xml.Document:
    comment = ""
    if invoice.status == InvoiceStatus.CANCELLED:
        comment = f"Аннулирован: {invoice.cancel_reason}".strip().rstrip(":")
    return xml.Document(
        kind=xml.INVOICE, ref=xml.stable_ref("invoice", invoice.agency_id, invoice.pk), number=invoice.number,
        date=invoice.date, counterparty=_party(invoice.client), total=invoice.total, vat_amount=invoice.vat_amount,
        vat_rate=invoice.vat_rate, lines=_lines(list(invoice.lines.all()), invoice.vat_rate, invoice.vat_amount),
        comment=comment, contract=str(invoice.contract.number) if invoice.contract else "",
    )


def _act_document(act: Act) -> xml.Document:
    return xml.Document(
        kind=xml.SALE, ref=xml.stable_ref("act", act.agency_id, act.pk), number=act.number, date=act.date,
        counterparty=_party(act.client), total=act.total, vat_amount=act.vat_amount, vat_rate=act.vat_rate,
        lines=_lines(list(act.lines.all()), act.vat_rate, act.vat_amount),
        contract=str(act.contract.number) if act.contract else "",
    )


def _last_digests(agency: Agency) -> dict[tuple[str, int], str]:
    """The digest each document had in its latest export."""
    rows = (OneCExportItem.objects.filter(export__agency=agency).order_by("export__created_at", "id")
            .values_list("kind", "object_id", "digest"))
    return {(kind, object_id): digest for kind, object_id, digest in rows}


def _candidates(agency: Agency, start: date, end: date) -> list[_Candidate]:
    invoices = (Invoice.objects.filter(agency=agency, date__range=(start, end),
                                       status__in=[*BILLED_STATUSES, InvoiceStatus.CANCELLED])
                .exclude(number="").select_related("client", "contract")
                .prefetch_related(Prefetch("lines", InvoiceLine.objects.order_by("position", "id")))
                .order_by("date", "id"))
    acts = (Act.objects.filter(agency=agency, date__range=(start, end)).select_related("client", "contract")
            .prefetch_related("lines").order_by("date", "id"))
    out: list[_Candidate] = []
    for invoice in invoices:
        doc = _invoice_document(invoice)
        out.append(_Candidate(Kind.INVOICE, invoice, doc, _digest(doc)))
    for act in acts:
        doc = _act_document(act)
        out.append(_Candidate(Kind.ACT, act, doc, _digest(doc)))
    return out


@transaction.atomic
def onec_export_create(*, actor: User, period_start: date, period_end: date,
                       mode: str = OneCExport.Mode.CHANGED) -> OneCExport:
    """Build the EnterpriseData file of the period and record it with every document it carried
    (see the module rules). Only finance, the head of accounts and admins export."""
    employee = actor_employee(actor)
    if employee is None or not can_export_onec(actor):
        raise PermissionDenied()
    if period_end < period_start:
        raise ValidationError({"period_end": _("Конец периода раньше начала.")})
    if mode not in OneCExport.Mode.values:
        raise ValidationError({"mode": _("Неизвестный режим выгрузки.")})
    agency = employee.agency
    # One export at a time per agency, so two clicks never put a document into two files.
    Agency.objects.select_for_update().filter(pk=agency.pk).first()
    last = _last_digests(agency)
    chosen: list[tuple[_Candidate, bool]] = []
    for c in _candidates(agency, period_start, period_end):
        previous = last.get((c.kind, c.obj.pk))
        cancelled = isinstance(c.obj, Invoice) and c.obj.status == InvoiceStatus.CANCELLED
        if cancelled and previous is None:
            continue
        if mode == OneCExport.Mode.CHANGED and previous == c.digest:
            continue
        chosen.append((c, previous is not None and previous != c.digest))
    now = timezone.now()
    documents = [c.document for c, _change in chosen]
    # 1C reads CreationDate without an offset as its local time, so the agency's time, not UTC.
    content = xml.enterprise_data_xml(organization=_organization(agency), documents=documents,
                                      created_at=timezone.localtime(now))
    export = OneCExport(
        agency=agency, period_start=period_start, period_end=period_end, mode=mode, created_by=actor,
        file_name=f"1c_{period_start:%Y%m%d}_{period_end:%Y%m%d}_{timezone.localtime(now):%H%M%S}.xml",
        content=content, invoice_count=sum(1 for c, _ch in chosen if c.kind == Kind.INVOICE),
        act_count=sum(1 for c, _ch in chosen if c.kind == Kind.ACT),
        counterparty_count=len(xml.counterparties_of(documents)),
    )
    export.full_clean(exclude=["content"])
    export.save()
    OneCExportItem.objects.bulk_create([
        OneCExportItem(export=export, kind=c.kind, object_id=c.obj.pk, number=c.obj.number,
                       version=c.obj.updated_at, digest=c.digest, is_change=change)
        for c, change in chosen
    ])
    return export


def onec_export_list(*, actor: User) -> QuerySet[OneCExport]:
    """The agency's exports, newest first, with who made them and how many were changes;
    the file content is deferred (lists never load it)."""
    return (onec_exports_visible_to(actor).select_related("created_by__employee").defer("content")
            .annotate(change_count=Count("items", filter=Q(items__is_change=True))).order_by("-created_at", "-id"))
