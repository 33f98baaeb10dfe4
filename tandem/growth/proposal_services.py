"""Commercial proposals (КП) as tracked documents (issue #11).

- Written by those who work on the client's growth (`can_work_on_client`: its AM, group head,
  heads, admins); lines are services of the agency's catalogue with a price and quantity.
- Numbered «КП-<year>-<seq>» per agency, never reused: the highest number of the year + 1. Two
  concurrent creations may read the same highest number (the first КП of a year has no row to
  lock); the unique (agency, number) constraint refuses the second insert, which is then retried
  with a fresh number inside a savepoint (`_create_numbered`).
- Status: draft → sent → accepted / declined (a sent КП may return to draft); every move is kept
  in `ProposalStatusChange`. Only a draft is edited.
- Sending a КП that belongs to an opportunity moves the opportunity to «КП отправлено».
- An accepted КП becomes a draft contract in one action (`proposal_to_contract`), through the
  contracts services (numbering, permissions, the contract's own history), once.
- The document is rendered by `tandem.reports.services.proposal_document` (the agency's
  template or the built-in one), DOCX or PDF.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tandem.clients.models import Client
from tandem.contracts import services as contract_services
from tandem.contracts.models import BillingModel, Contract, Service, VatMode
from tandem.core.errors import ApplicationError, PermissionDenied
from tandem.core.money import to_money
from tandem.org.models import User
from tandem.reports import services as report_services

from .models import (
    PROPOSAL_TRANSITIONS,
    Opportunity,
    Proposal,
    ProposalLine,
    ProposalStatus,
    ProposalStatusChange,
    Stage,
)
from .permissions import can_work_on_client
from .services import opportunity_move

DEFAULT_VALIDITY_DAYS = 14


class ProposalStatusNotAllowed(ApplicationError):
    status_code = 409


@dataclass(frozen=True)
class LineData:
    service: Service
    price: Decimal
    quantity: Decimal = Decimal("1")
    billing_model: str = BillingModel.MONTHLY_RETAINER


def proposal_totals(proposal: Proposal) -> dict[str, Decimal]:
    """Subtotal, discount and total of the КП's lines (VAT included in the prices, as on invoices)."""
    subtotal = to_money(sum((ln.price * ln.quantity for ln in proposal.lines.all()), Decimal("0")))
    discount = to_money(subtotal * proposal.discount_percent / 100)
    return {"subtotal": subtotal, "discount": discount, "total": subtotal - discount}


def _check_lines(client: Client, lines: list[LineData]) -> None:
    if not lines:
        raise ValidationError({"lines": _("Добавьте хотя бы одну услугу.")})
    for line in lines:
        if line.service.agency_id != client.agency_id or not line.service.is_active:
            raise ValidationError({"lines": _("Услуга «%(name)s» не из действующего каталога агентства.") % {"name": line.service.name}})
        if line.price < 0 or line.quantity <= 0:
            raise ValidationError({"lines": _("Цена не может быть отрицательной, количество — больше нуля.")})
        if line.billing_model not in BillingModel.values:
            raise ValidationError({"lines": _("Неизвестная модель оплаты.")})


def _check_terms(*, day: date, valid_until: date, discount_percent: Decimal) -> None:
    errors = {}
    if valid_until < day:
        errors["valid_until"] = _("Срок действия раньше даты КП.")
    elif valid_until > day + timedelta(days=366):
        errors["valid_until"] = _("КП действует не больше года.")
    if not Decimal("0") <= discount_percent <= Decimal("100"):
        errors["discount_percent"] = _("Скидка — от 0 до 100 %.")
    if errors:
        raise ValidationError(errors)


NUMBER_ATTEMPTS = 5


def _next_number(agency_id: int, day: date) -> str:
    prefix = f"КП-{day:%Y}-"
    numbers = Proposal.objects.filter(agency_id=agency_id, number__startswith=prefix)
    last = max((int(n[len(prefix):]) for n in numbers.values_list("number", flat=True) if n[len(prefix):].isdigit()),
               default=0)
    return f"{prefix}{last + 1:04d}"


def _create_numbered(*, agency_id: int, day: date, **fields: Any) -> Proposal:
    """Insert the КП with the next number of the year. A number taken meanwhile by a concurrent
    transaction (its insert committed after our read) fails the unique constraint: the savepoint
    is rolled back and the number read again, which now sees the committed one."""
    for attempt in range(NUMBER_ATTEMPTS):
        number = _next_number(agency_id, day)
        try:
            with transaction.atomic():
                return Proposal.objects.create(agency_id=agency_id, number=number, date=day, **fields)
        except IntegrityError:
            taken = Proposal.objects.filter(agency_id=agency_id, number=number).exists()
            if not taken or attempt == NUMBER_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def _write_lines(proposal: Proposal, lines: list[LineData]) -> None:
    proposal.lines.all().delete()
    ProposalLine.objects.bulk_create(
        ProposalLine(proposal=proposal, service=ln.service, price=to_money(ln.price), quantity=ln.quantity,
                     billing_model=ln.billing_model)
        for ln in lines
    )


@transaction.atomic
def proposal_create(
    *, actor: User, client: Client, lines: list[LineData], valid_until: date | None = None,
    discount_percent: Decimal = Decimal("0"), with_vat: bool = True, notes: str = "",
    opportunity: Opportunity | None = None, today: date | None = None,
) -> Proposal:
    """A draft КП for the client, numbered now. Valid for 14 days unless said otherwise."""
    if not can_work_on_client(actor, client):
        raise PermissionDenied()
    if opportunity is not None and opportunity.client_id != client.pk:
        raise ValidationError({"opportunity": _("Возможность относится к другому клиенту.")})
    day = today or timezone.localdate()
    valid_until = valid_until or day + timedelta(days=DEFAULT_VALIDITY_DAYS)
    _check_lines(client, lines)
    _check_terms(day=day, valid_until=valid_until, discount_percent=discount_percent)
    proposal = _create_numbered(
        agency_id=client.agency_id, day=day, client=client,
        valid_until=valid_until, discount_percent=discount_percent, with_vat=with_vat, author=actor, notes=notes,
        opportunity=opportunity,
    )
    _write_lines(proposal, lines)
    ProposalStatusChange.objects.create(
        proposal=proposal, from_status="", to_status=ProposalStatus.DRAFT, changed_by=actor, changed_at=timezone.now(),
        comment=_("КП создано"),
    )
    return proposal


@transaction.atomic
def proposal_update(
    *, actor: User, proposal: Proposal, data: dict[str, Any], lines: list[LineData] | None = None,
) -> Proposal:
    """Change a draft: valid_until, discount_percent, with_vat, notes and (when given) all lines."""
    if not can_work_on_client(actor, proposal.client):
        raise PermissionDenied()
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.status != ProposalStatus.DRAFT:
        raise ProposalStatusNotAllowed(_("Изменять можно только черновик КП."), field="status")
    for name in ("valid_until", "discount_percent", "with_vat", "notes"):
        if name in data:
            setattr(proposal, name, data[name])
    _check_terms(day=proposal.date, valid_until=proposal.valid_until, discount_percent=proposal.discount_percent)
    proposal.save()
    if lines is not None:
        _check_lines(proposal.client, lines)
        _write_lines(proposal, lines)
    return proposal


@transaction.atomic
def proposal_change_status(*, actor: User, proposal: Proposal, status: str, comment: str = "") -> Proposal:
    """Move the КП (draft → sent → accepted / declined, sent → draft), recorded in its history.
    A КП sent for an open opportunity moves it to «КП отправлено»."""
    if not can_work_on_client(actor, proposal.client):
        raise PermissionDenied()
    proposal = Proposal.objects.select_for_update(of=("self",)).select_related("client", "opportunity").get(pk=proposal.pk)
    if status not in PROPOSAL_TRANSITIONS.get(proposal.status, ()):
        raise ProposalStatusNotAllowed(
            _("Из статуса «%(from)s» нельзя перейти в «%(to)s».") % {
                "from": proposal.get_status_display(),
                "to": ProposalStatus(status).label if status in ProposalStatus.values else status,
            }, field="status",
        )
    if status == ProposalStatus.SENT and not proposal.lines.exists():
        raise ValidationError({"lines": _("В КП нет ни одной услуги.")})
    previous = proposal.status
    proposal.status = status
    proposal.save(update_fields=["status", "updated_at"])
    ProposalStatusChange.objects.create(
        proposal=proposal, from_status=previous, to_status=status, changed_by=actor, changed_at=timezone.now(),
        comment=comment,
    )
    opportunity = proposal.opportunity
    if status == ProposalStatus.SENT and opportunity is not None and opportunity.stage in (Stage.IDEA, Stage.OFFERED):
        opportunity_move(actor=actor, opportunity=opportunity, stage=Stage.PROPOSAL_SENT,
                         comment=_("Отправлено %(n)s") % {"n": proposal.number})
    return proposal


@transaction.atomic
def proposal_to_contract(*, actor: User, proposal: Proposal, start_date: date | None = None) -> Contract:
    """An accepted КП becomes a draft contract with its lines (the discount applied to each line's
    amount), once. Who may: those who may draft contracts of the client."""
    if not can_work_on_client(actor, proposal.client):
        raise PermissionDenied()
    proposal = Proposal.objects.select_for_update(of=("self",)).select_related("client").get(pk=proposal.pk)
    if proposal.status != ProposalStatus.ACCEPTED:
        raise ProposalStatusNotAllowed(_("Договор создаётся только из принятого КП."), field="status")
    if proposal.contract_id is not None:
        raise ProposalStatusNotAllowed(_("По этому КП уже создан договор."), field="contract")
    today = timezone.localdate()
    contract = contract_services.contract_create(
        actor=actor, client=proposal.client,
        data={"date": today, "start_date": start_date or today,
              "vat_mode": VatMode.VAT if proposal.with_vat else VatMode.NO_VAT,
              "notes": _("По КП %(n)s") % {"n": proposal.number}},
    )
    factor = (Decimal("100") - proposal.discount_percent) / Decimal("100")
    for line in proposal.lines.select_related("service"):
        contract_services.contract_line_add(actor=actor, contract=contract, data={
            "service": line.service, "billing_model": line.billing_model,
            "amount": to_money(line.price * line.quantity * factor), "description": _("По КП %(n)s") % {"n": proposal.number},
        })
    proposal.contract = contract
    proposal.save(update_fields=["contract", "updated_at"])
    return contract


def proposal_render(*, actor: User, proposal: Proposal, fmt: str = "docx") -> report_services.GeneratedDocument:
    """The КП's document through the agency's template, as of its own date and number."""
    if not can_work_on_client(actor, proposal.client):
        raise PermissionDenied()
    lines = [report_services.ProposalLine(service=ln.service, price=ln.price, quantity=ln.quantity)
             for ln in proposal.lines.select_related("service")]
    return report_services.proposal_document(
        actor=actor, client=proposal.client, lines=lines, discount_percent=proposal.discount_percent,
        valid_until=proposal.valid_until, vat=proposal.with_vat, fmt=fmt, today=proposal.date, number=proposal.number,
    )
