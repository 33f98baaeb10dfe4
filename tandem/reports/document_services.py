"""Writes and generation of documents from the agency's DOCX templates. Re-exported from
tandem.reports.services.

- `document_template_upload`: heads and admins upload a template of a kind; it is checked
  (documents.validate_template) and refused with the reason if it cannot be rendered; the new
  one becomes the active one of its kind, the previous one stays inactive as history.
- `contract_document`, `act_document`, `proposal_document`: the DOCX from the active template
  (or the built-in default) filled with the data of a contract, an act or a commercial
  proposal, and its PDF.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tandem.billing.loyalty import loyalty_discount_for
from tandem.billing.models import Act, BillingSettings
from tandem.clients.models import Client
from tandem.contracts.models import Contract, Service, VatMode
from tandem.contracts.permissions import can_view_contract
from tandem.contracts.selectors import contract_vat_rate
from tandem.core.errors import PermissionDenied
from tandem.core.money import format_money, format_quantity, to_money
from tandem.org.models import Agency, User
from tandem.org.permissions import actor_employee

from . import documents
from .models import DocumentKind, DocumentTemplate
from .permissions import can_manage_document_templates, can_prepare_client_report

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@dataclass(frozen=True)
class GeneratedDocument:
    content: bytes
    filename: str
    content_type: str


@transaction.atomic
def document_template_upload(*, actor: User, kind: str, name: str, content: bytes) -> DocumentTemplate:
    """Check and store the agency's template of `kind`; it replaces the active one. A template
    with an unknown placeholder, broken syntax or that fails on sample data is refused
    (`file`: the reason). Who may: heads of accounts and admins."""
    if not can_manage_document_templates(actor):
        raise PermissionDenied()
    if kind not in DocumentKind.values:
        raise ValidationError({"kind": _("Неизвестный вид документа.")})
    if not name.strip():
        raise ValidationError({"name": _("Укажите название шаблона.")})
    try:
        documents.validate_template(kind, content)
    except documents.TemplateInvalid as exc:
        raise ValidationError({"file": _("Шаблон не принят: %(reason)s") % {"reason": exc}}) from None
    employee = actor_employee(actor)
    assert employee is not None
    DocumentTemplate.objects.filter(agency_id=employee.agency_id, kind=kind, is_active=True).update(is_active=False)
    template = DocumentTemplate(agency_id=employee.agency_id, kind=kind, name=name.strip(), uploaded_by=actor)
    template.file.save(f"{kind}.docx", ContentFile(content), save=False)
    template.save()
    return template


def document_template_deactivate(*, actor: User, template: DocumentTemplate) -> DocumentTemplate:
    """Go back to the built-in template of the kind."""
    if not can_manage_document_templates(actor):
        raise PermissionDenied()
    template.is_active = False
    template.save(update_fields=["is_active", "updated_at"])
    return template


def active_template(agency: Agency | int, kind: str) -> bytes:
    """The agency's active template of `kind`, or the built-in default."""
    agency_id = agency if isinstance(agency, int) else agency.pk
    template = DocumentTemplate.objects.filter(agency_id=agency_id, kind=kind, is_active=True).first()
    if template is None:
        return documents.default_template(kind)
    with template.file.open("rb") as fh:
        return bytes(fh.read())


def agency_fields(agency: Agency) -> dict[str, str]:
    cfg = BillingSettings.objects.filter(agency=agency).first()
    if cfg is None:
        return {k: "" for k in documents.sample_context(DocumentKind.ACT)["agency"]} | {"name": agency.name}
    return {
        "name": cfg.supplier_name or agency.name, "inn": cfg.inn, "kpp": cfg.kpp, "ogrn": cfg.ogrn,
        "address": cfg.address, "bank_name": cfg.bank_name, "bik": cfg.bik, "bank_account": cfg.bank_account,
        "correspondent_account": cfg.correspondent_account, "director_name": cfg.director_name,
        "director_position": cfg.director_position,
    }


def client_fields(client: Client) -> dict[str, str]:
    return {
        "name": client.legal_name, "brand": client.display_name, "inn": client.inn, "kpp": client.kpp,
        "ogrn": client.ogrn, "address": client.legal_address, "bank_name": client.bank_name, "bik": client.bik,
        "bank_account": client.bank_account,
    }


def _base(agency: Agency, client: Client) -> dict[str, Any]:
    return {"today": documents.fmt_date(timezone.localdate()), "agency": agency_fields(agency),
            "client": client_fields(client)}


def _output(agency: Agency, kind: str, context: dict[str, Any], name: str, fmt: str) -> GeneratedDocument:
    docx = documents.render_docx(active_template(agency, kind), context)
    if fmt == "pdf":
        pdf = documents.docx_to_pdf(docx, title=name, use_libreoffice=getattr(settings, "USE_LIBREOFFICE", False))
        return GeneratedDocument(pdf, f"{name}.pdf", "application/pdf")
    if fmt != "docx":
        raise ValidationError({"format": _("Формат: docx или pdf.")})
    return GeneratedDocument(docx, f"{name}.docx", DOCX_TYPE)


def _render_or_explain(agency: Agency, kind: str, context: dict[str, Any], name: str, fmt: str) -> GeneratedDocument:
    try:
        return _output(agency, kind, context, name, fmt)
    except documents.TemplateInvalid as exc:
        raise ValidationError({"template": _("Шаблон не заполняется: %(reason)s") % {"reason": exc}}) from None


def contract_document_context(contract: Contract) -> dict[str, Any]:
    lines = list(contract.lines.select_related("service").order_by("pk"))
    total = sum((line.amount for line in lines), Decimal("0"))
    vat_rate = contract_vat_rate(contract=contract) if contract.vat_mode == VatMode.VAT else None
    vat_amount = to_money(total * vat_rate / (100 + vat_rate)) if vat_rate is not None else Decimal("0")
    return {
        **_base(contract.agency, contract.client),
        "contract": {
            "number": contract.number, "date": documents.fmt_date(contract.date),
            "start_date": documents.fmt_date(contract.start_date), "end_date": documents.fmt_date(contract.end_date),
            "payment_terms_days": contract.payment_terms_days,
        },
        "lines": [
            {"service": line.service.name, "billing_model": line.get_billing_model_display(),
             "description": line.description, "amount": format_money(line.amount)}
            for line in lines
        ],
        **documents.money_fields(total, vat_rate, vat_amount),
    }


def contract_document(*, actor: User, contract: Contract, fmt: str = "docx") -> GeneratedDocument:
    """The contract from the agency's «contract» template. Who may: whoever sees the contract."""
    if not can_view_contract(actor, contract):
        raise PermissionDenied()
    return _render_or_explain(contract.agency, DocumentKind.CONTRACT, contract_document_context(contract),
                              f"contract-{contract.number}".replace("/", "-"), fmt)


def act_document_context(act: Act) -> dict[str, Any]:
    contract = act.contract
    period = f"{documents.fmt_date(act.period_start)} – {documents.fmt_date(act.period_end)}" if act.period_start else ""
    return {
        **_base(act.agency, act.client),
        "act": {
            "number": act.number, "date": documents.fmt_date(act.date), "period": period,
            "invoice_number": act.invoice.number if act.invoice else "",
            "contract": f"№ {contract.number} от {documents.fmt_date(contract.date)}" if contract else "",
            "supplier_signer": act.supplier_signer_name, "supplier_signer_position": act.supplier_signer_position,
            "client_signer": act.client_signer_name, "client_signer_position": act.client_signer_position,
        },
        "lines": [
            {"name": ln.name, "quantity": format_quantity(ln.quantity), "unit": ln.unit,
             "price": format_money(ln.price), "amount": format_money(ln.amount)}
            for ln in act.lines.order_by("pk")
        ],
        **documents.money_fields(act.total, act.vat_rate, act.vat_amount),
    }


def act_document(*, actor: User, act: Act, fmt: str = "docx") -> GeneratedDocument:
    """The act from the agency's «act» template (the caller got `act` through `act_get_for`)."""
    if actor_employee(actor) is None:
        raise PermissionDenied()
    return _render_or_explain(act.agency, DocumentKind.ACT, act_document_context(act), f"act-{act.number}", fmt)


@dataclass(frozen=True)
class ProposalLine:
    service: Service
    price: Decimal
    quantity: Decimal = Decimal("1")


def proposal_document(
    *, actor: User, client: Client, lines: list[ProposalLine], discount_percent: Decimal | None = None,
    valid_until: date | None = None, vat: bool = True, fmt: str = "docx", today: date | None = None,
    number: str = "",
) -> GeneratedDocument:
    """A commercial proposal (КП) for `client` with services of the agency's catalogue at the
    given prices and quantities, less the discount; valid for 14 days by default. VAT at the
    agency's rate of the day, or «Без НДС». Without `discount_percent` the agency's loyalty rules
    decide it, as on invoices (tandem.billing.loyalty), and the КП names the rule. A tracked КП
    (tandem.growth Proposal) passes its own `number` and date as `today`. Who may: those
    who run the client (`can_prepare_client_report`)."""
    if not can_prepare_client_report(actor, client):
        raise PermissionDenied()
    errors: dict[str, str] = {}
    if not lines:
        errors["lines"] = _("Добавьте хотя бы одну услугу.")
    if any(ln.service.agency_id != client.agency_id for ln in lines):
        errors["lines"] = _("Услуга не из каталога агентства.")
    if any(ln.price < 0 or ln.quantity <= 0 for ln in lines):
        errors["lines"] = _("Цена не может быть отрицательной, количество — больше нуля.")
    today = today or timezone.localdate()
    discount_reason = ""
    if discount_percent is None:
        loyalty = loyalty_discount_for(client=client, on=today)
        discount_percent = loyalty.percent if loyalty else Decimal("0")
        discount_reason = loyalty.reason if loyalty else ""
    if not Decimal("0") <= discount_percent <= Decimal("100"):
        errors["discount_percent"] = _("Скидка — от 0 до 100 %.")
    valid_until = valid_until or today + timedelta(days=14)
    if valid_until < today:
        errors["valid_until"] = _("Срок действия уже прошёл.")
    elif valid_until > today + timedelta(days=366):
        errors["valid_until"] = _("КП действует не больше года.")
    if errors:
        raise ValidationError(errors)
    from tandem.contracts.selectors import vat_rate_on

    subtotal = to_money(sum((ln.price * ln.quantity for ln in lines), Decimal("0")))
    discount = to_money(subtotal * discount_percent / 100)
    total = subtotal - discount
    vat_rate = vat_rate_on(agency=client.agency_id, day=today) if vat else None
    vat_amount = to_money(total * vat_rate / (100 + vat_rate)) if vat_rate is not None else Decimal("0")
    employee = actor_employee(actor)
    number = number or f"КП-{client.pk}-{today:%Y%m%d}"
    context = {
        **_base(client.agency, client),
        "proposal": {
            "number": number, "date": documents.fmt_date(today), "valid_until": documents.fmt_date(valid_until),
            "discount_percent": format_quantity(discount_percent), "subtotal": format_money(subtotal),
            "discount": format_money(discount), "discount_reason": discount_reason,
            "author": employee.full_name if employee else "",
        },
        "lines": [
            {"name": ln.service.name, "description": ln.service.description, "quantity": format_quantity(ln.quantity),
             "price": format_money(ln.price), "amount": format_money(to_money(ln.price * ln.quantity))}
            for ln in lines
        ],
        **documents.money_fields(total, vat_rate, vat_amount),
    }
    return _render_or_explain(client.agency, DocumentKind.PROPOSAL, context, number, fmt)
