"""Writes for the services catalogue, VAT rates, subcontractors and contracts.

Signing is special: it opens projects and the onboarding checklist, which live in the
higher `work` app. So this module only marks a contract signed (`contract_mark_signed`);
callers sign through `tandem.work.services.contract_sign`.
"""

from __future__ import annotations

import string
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tandem.clients.models import Client
from tandem.clients.services import client_service_start_extend
from tandem.core.errors import PermissionDenied
from tandem.core.validators import check_sensible_date
from tandem.org.models import Agency, User
from tandem.org.permissions import actor_employee

from . import permissions
from .models import (
    RETAINER_BILLING_MODELS,
    Contract,
    ContractLine,
    ContractNumberCounter,
    ContractSettings,
    ContractStatus,
    ContractStatusChange,
    RetainerExpense,
    RetainerTerms,
    Service,
    Subcontractor,
    VatRate,
)
from .selectors import contract_number_pattern

CS = ContractStatus

# Allowed moves. Signing goes through work.services.contract_sign (it opens projects).
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    CS.DRAFT: frozenset({CS.IN_APPROVAL}),
    CS.IN_APPROVAL: frozenset({CS.DRAFT, CS.SIGNED}),
    CS.SIGNED: frozenset({CS.CLOSED}),
    CS.CLOSED: frozenset(),
}
EDITABLE_STATUSES = (CS.DRAFT, CS.IN_APPROVAL)

CONTRACT_EDITABLE_FIELDS = (
    "date", "start_date", "end_date", "vat_mode", "payment_terms_days", "subcontractor",
    "account_functions", "notes",
)
LINE_EDITABLE_FIELDS = ("service", "billing_model", "amount", "planned_hours_per_month", "description")
SERVICE_EDITABLE_FIELDS = ("name", "kind", "description", "is_active")
SUBCONTRACTOR_EDITABLE_FIELDS = ("name", "inn", "contact")


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied()


def _apply(instance: Any, data: dict[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = set(data) - set(allowed)
    if unknown:
        raise ValidationError({name: _("Это поле нельзя изменить здесь.") for name in sorted(unknown)})
    for name, value in data.items():
        setattr(instance, name, value)


def _agency_of(actor: User) -> Agency:
    employee = actor_employee(actor)
    if employee is None:
        raise PermissionDenied()
    return employee.agency


# ---------------------------------------------------------------- catalogue


def service_create(*, actor: User, data: dict[str, Any]) -> Service:
    """Add a service to the agency's catalogue (admins and the head of accounts)."""
    _require(permissions.can_edit_catalogue(actor))
    service = Service(agency=_agency_of(actor))
    _apply(service, data, SERVICE_EDITABLE_FIELDS)
    service.full_clean()
    service.save()
    return service


def service_update(*, actor: User, service: Service, data: dict[str, Any]) -> Service:
    """Edit a catalogue item; a used service is retired with is_active=False, never deleted."""
    _require(permissions.can_edit_catalogue(actor) and service.agency_id == _agency_of(actor).pk)
    _apply(service, data, SERVICE_EDITABLE_FIELDS)
    service.full_clean()
    service.save()
    return service


# ---------------------------------------------------------------- VAT


def vat_rate_set(*, actor: User, valid_from: date, rate_percent: Decimal, note: str = "") -> VatRate:
    """Record the VAT rate valid from a date (finance and admins). Setting a rate for a date
    that already has one replaces it; earlier periods keep their rate."""
    _require(permissions.can_edit_vat_rates(actor))
    agency = _agency_of(actor)
    rate = VatRate.objects.filter(agency=agency, valid_from=valid_from).first() or VatRate(
        agency=agency, valid_from=valid_from
    )
    rate.rate_percent = rate_percent
    rate.note = note
    rate.full_clean()
    rate.save()
    return rate


# ---------------------------------------------------------------- subcontractors


def subcontractor_create(*, actor: User, data: dict[str, Any]) -> Subcontractor:
    """Record a subcontractor company of the actor's agency."""
    _require(permissions.can_edit_subcontractors(actor))
    sub = Subcontractor(agency=_agency_of(actor))
    _apply(sub, data, SUBCONTRACTOR_EDITABLE_FIELDS)
    sub.full_clean()
    sub.save()
    return sub


def subcontractor_update(*, actor: User, subcontractor: Subcontractor, data: dict[str, Any]) -> Subcontractor:
    _require(permissions.can_edit_subcontractors(actor) and subcontractor.agency_id == _agency_of(actor).pk)
    _apply(subcontractor, data, SUBCONTRACTOR_EDITABLE_FIELDS)
    subcontractor.full_clean()
    subcontractor.save()
    return subcontractor


# ---------------------------------------------------------------- numbering


def _pattern_fields(pattern: str) -> set[str]:
    try:
        return {name for _text, name, _spec, _conv in string.Formatter().parse(pattern) if name is not None}
    except ValueError:
        return {"?"}


def validate_number_pattern(pattern: str) -> None:
    """A pattern must contain {seq} and only the known fields, and format cleanly."""
    fields = _pattern_fields(pattern)
    if "seq" not in fields or not fields <= {"year", "yy", "month", "seq"}:
        raise ValidationError({"number_pattern": _(
            "Шаблон должен содержать {seq} и может использовать только {year}, {yy}, {month}, {seq}."
        )})
    try:
        sample = pattern.format(year=2026, yy="26", month="01", seq=1)
    except (ValueError, KeyError, IndexError):
        raise ValidationError({"number_pattern": _("Шаблон не форматируется: проверьте скобки и формат.")}) from None
    if not sample or len(sample) > 50:
        raise ValidationError({"number_pattern": _("Номер по шаблону пуст или длиннее 50 символов.")})


def contract_settings_update(*, actor: User, number_pattern: str) -> ContractSettings:
    """Change the agency's contract-number pattern (admins and the head of accounts)."""
    _require(permissions.can_edit_contract_settings(actor))
    validate_number_pattern(number_pattern)
    settings_row, _created = ContractSettings.objects.get_or_create(agency=_agency_of(actor))
    settings_row.number_pattern = number_pattern
    settings_row.full_clean()
    settings_row.save()
    return settings_row


def _period_key(pattern: str, day: date) -> str:
    fields = _pattern_fields(pattern)
    if "month" in fields:
        return f"{day.year}-{day.month:02d}"
    if fields & {"year", "yy"}:
        return str(day.year)
    return "all"


def contract_number_next(*, agency: Agency, day: date) -> str:
    """Issue the next free contract number for the agency by its pattern.

    Race-safe: the period counter row is locked (select_for_update) for the rest of the
    caller's transaction, and numbers already taken (e.g. typed by hand) are skipped.
    Must run inside a transaction.
    """
    pattern = contract_number_pattern(agency=agency)
    period = _period_key(pattern, day)
    try:
        with transaction.atomic():
            ContractNumberCounter.objects.get_or_create(agency=agency, period=period)
    except IntegrityError:
        pass  # created concurrently: fine, lock it below
    counter = ContractNumberCounter.objects.select_for_update().get(agency=agency, period=period)
    while True:
        counter.last_value += 1
        number = pattern.format(year=day.year, yy=f"{day.year % 100:02d}", month=f"{day.month:02d}",
                                seq=counter.last_value)
        if not Contract.objects.filter(agency=agency, number=number).exists():
            break
    counter.save(update_fields=["last_value"])
    return number


# ---------------------------------------------------------------- contracts


def _check_subcontractor(contract: Contract) -> None:
    if contract.subcontractor is not None and contract.subcontractor.agency_id != contract.agency_id:
        raise ValidationError({"subcontractor": _("Субподрядчик из другого агентства.")})
    if contract.subcontractor_id and not contract.account_functions:
        raise ValidationError({"account_functions": _("Укажите, кто ведёт аккаунтинг при субподряде.")})
    if not contract.subcontractor_id:
        contract.account_functions = ""


@transaction.atomic
@transaction.atomic
def contract_create(*, actor: User, client: Client, data: dict[str, Any], number: str = "") -> Contract:
    """Draft a contract for a visible client. The number comes from the agency's pattern
    unless given by hand (then it must be unused in the agency). A start date before the
    client's recorded start of service moves that start back (and the first AM's credit with
    it: `tandem.clients.services.client_service_start_extend`)."""
    _require(permissions.can_manage_contracts(actor, client))
    data = dict(data)
    today = timezone.localdate()
    data.setdefault("date", today)
    data.setdefault("start_date", data["date"])
    contract = Contract(agency_id=client.agency_id, client=client, status=CS.DRAFT)
    _apply(contract, data, CONTRACT_EDITABLE_FIELDS)
    _check_dates(contract)
    _check_subcontractor(contract)
    if number:
        if Contract.objects.filter(agency_id=client.agency_id, number=number).exists():
            raise ValidationError({"number": _("Договор с номером %(n)s уже есть.") % {"n": number}})
        contract.number = number
    else:
        contract.number = contract_number_next(agency=client.agency, day=contract.date)
    contract.full_clean()
    contract.save()
    ContractStatusChange.objects.create(
        contract=contract, from_status="", to_status=CS.DRAFT, changed_by=actor, changed_at=timezone.now(),
        effective_date=contract.date, comment=_("Договор создан"),
    )
    client_service_start_extend(actor=actor, client=client, day=contract.start_date)
    return contract


def _require_editable(contract: Contract) -> None:
    if contract.status not in EDITABLE_STATUSES:
        raise ValidationError({"status": _("Договор в статусе «%(s)s» менять нельзя.")
                               % {"s": CS(contract.status).label}})


def _require_editable_now(contract: Contract) -> None:
    """`_require_editable` on the stored status, with the row locked until the caller's
    transaction ends: the copy being edited may predate a signing in another request."""
    _require_editable(Contract.objects.select_for_update().only("status").get(pk=contract.pk))


@transaction.atomic
def contract_update(*, actor: User, contract: Contract, data: dict[str, Any]) -> Contract:
    """Edit a draft or in-approval contract. Signed and closed contracts are fixed (checked on
    the locked row); only the edited fields are written, never status or number. An earlier
    start date moves the client's start of service back as on creation."""
    _require(permissions.can_manage_contracts(actor, contract.client))
    _require_editable_now(contract)
    _apply(contract, data, CONTRACT_EDITABLE_FIELDS)
    _check_dates(contract)
    _check_subcontractor(contract)
    contract.full_clean()
    contract.save(update_fields=[*CONTRACT_EDITABLE_FIELDS, "updated_at"])
    if "start_date" in data:
        client_service_start_extend(actor=actor, client=contract.client, day=contract.start_date)
    return contract


def _check_dates(contract: Contract) -> None:
    """Contract dates since 2000; signed within five years ahead, ending within twenty-five."""
    today = timezone.localdate()
    check_sensible_date(contract.date, field="date", today=today)
    check_sensible_date(contract.start_date, field="start_date", today=today)
    check_sensible_date(contract.end_date, field="end_date", today=today, years_ahead=25)


def _check_line(line: ContractLine) -> None:
    if line.service.agency_id != line.contract.agency_id:
        raise ValidationError({"service": _("Услуга из другого агентства.")})
    if not line.service.is_active and line._state.adding:
        raise ValidationError({"service": _("Эта услуга больше не используется.")})


@transaction.atomic
def contract_line_add(*, actor: User, contract: Contract, data: dict[str, Any]) -> ContractLine:
    """Add a service line (monthly retainer, fixed price or hourly) to an editable contract."""
    _require(permissions.can_manage_contracts(actor, contract.client))
    _require_editable_now(contract)
    line = ContractLine(contract=contract)
    _apply(line, data, LINE_EDITABLE_FIELDS)
    if line.service_id is None:
        raise ValidationError({"service": _("Выберите услугу.")})
    _check_line(line)
    line.full_clean()
    line.save()
    return line


@transaction.atomic
def contract_line_update(*, actor: User, line: ContractLine, data: dict[str, Any]) -> ContractLine:
    _require(permissions.can_manage_contracts(actor, line.contract.client))
    _require_editable_now(line.contract)
    _apply(line, data, LINE_EDITABLE_FIELDS)
    _check_line(line)
    line.full_clean()
    line.save()
    return line


@transaction.atomic
def contract_line_remove(*, actor: User, line: ContractLine) -> None:
    _require(permissions.can_manage_contracts(actor, line.contract.client))
    _require_editable_now(line.contract)
    line.delete()


def _transition(
    *, actor: User, contract: Contract, to_status: str, on_date: date | None, comment: str
) -> Contract:
    _require(permissions.can_manage_contracts(actor, contract.client))
    contract = Contract.objects.select_for_update().select_related("client", "agency").get(pk=contract.pk)
    if to_status not in CS.values:
        raise ValidationError({"to_status": _("Неизвестный статус договора.")})
    if to_status not in ALLOWED_TRANSITIONS[contract.status]:
        raise ValidationError({"to_status": _("Нельзя перевести договор из «%(from)s» в «%(to)s».")
                               % {"from": CS(contract.status).label, "to": CS(to_status).label}})
    now = timezone.now()
    on_date = on_date or timezone.localdate()
    if on_date > timezone.localdate():
        raise ValidationError({"on_date": _("Дата перехода не может быть в будущем.")})
    if on_date < contract.date:
        raise ValidationError({"on_date": _("Дата перехода раньше даты договора.")})
    from_status = contract.status
    contract.status = to_status
    if to_status == CS.SIGNED:
        contract.signed_at = now
    if to_status == CS.CLOSED:
        contract.closed_at = now
        if contract.end_date is None or contract.end_date > on_date:
            contract.end_date = max(on_date, contract.start_date)
    contract.full_clean()
    contract.save()
    ContractStatusChange.objects.create(
        contract=contract, from_status=from_status, to_status=to_status, changed_by=actor, changed_at=now,
        effective_date=on_date, comment=comment,
    )
    return contract


@transaction.atomic
def contract_change_status(
    *, actor: User, contract: Contract, to_status: str, on_date: date | None = None, comment: str = ""
) -> Contract:
    """Move a contract draft → in approval (→ back to draft) and signed → closed, with the
    business date and who. Signing is refused here: use tandem.work.services.contract_sign.
    Closing sets end_date to the closing date if the term ran longer."""
    if to_status == CS.SIGNED:
        raise ValidationError({"to_status": _("Подписание оформляется отдельным действием «Подписать».")})
    return _transition(actor=actor, contract=contract, to_status=to_status, on_date=on_date, comment=comment)


@transaction.atomic
def contract_mark_signed(*, actor: User, contract: Contract, on_date: date | None = None, comment: str = "") -> Contract:
    """Mark an in-approval contract signed (needs at least one line). Only for
    tandem.work.services.contract_sign, which also opens projects and onboarding."""
    if not contract.lines.exists():
        raise ValidationError({"lines": _("В договоре нет ни одной услуги — подписывать нечего.")})
    return _transition(actor=actor, contract=contract, to_status=CS.SIGNED, on_date=on_date, comment=comment)


def contract_rate_subcontractor(*, actor: User, contract: Contract, rating: int, comment: str = "") -> Contract:
    """Rate the subcontractor's account work on this contract 1–10 with a comment.
    Only contracts with a subcontractor, once signed."""
    _require(permissions.can_manage_contracts(actor, contract.client))
    if not contract.subcontractor_id:
        raise ValidationError({"rating": _("В договоре нет субподрядчика.")})
    if contract.status not in (CS.SIGNED, CS.CLOSED):
        raise ValidationError({"rating": _("Оценить субподрядчика можно после подписания договора.")})
    if not isinstance(rating, int) or not 1 <= rating <= 10:
        raise ValidationError({"rating": _("Оценка — целое число от 1 до 10.")})
    contract.subcontractor_rating = rating
    contract.subcontractor_rating_comment = comment
    contract.full_clean()
    contract.save(update_fields=["subcontractor_rating", "subcontractor_rating_comment", "updated_at"])
    return contract


RETAINER_TERMS_FIELDS = (
    "start_month", "hours_per_month", "money_per_month", "rollover_months", "rollover_cap_hours",
    "overage_allowed", "overage_rate",
)
RETAINER_EXPENSE_FIELDS = ("kind", "date", "amount", "subcontractor", "description")


def _require_retainer_line(line: ContractLine) -> None:
    if line.billing_model not in RETAINER_BILLING_MODELS:
        raise ValidationError({"billing_model": _("Бюджет часов задаётся только для абонемента или почасовой оплаты.")})
    if line.contract.status == CS.CLOSED:
        raise ValidationError({"status": _("Договор закрыт.")})


@transaction.atomic
def retainer_terms_set(*, actor: User, line: ContractLine, data: dict[str, Any]) -> RetainerTerms:
    """Create or change the retainer terms of a monthly-retainer or hourly line. Allowed on every
    contract that is not closed (budgets change during a signed contract); each change is kept
    in history. Months already frozen (closed or decided) keep their stored figures. The first
    month defaults to the month the contract starts."""
    _require(permissions.can_manage_contracts(actor, line.contract.client))
    _require_retainer_line(line)
    terms = RetainerTerms.objects.select_for_update().filter(line=line).first()
    if terms is None:
        start = line.contract.start_date
        terms = RetainerTerms(line=line, start_month=start.replace(day=1))
    _apply(terms, data, RETAINER_TERMS_FIELDS)
    if terms.start_month:
        terms.start_month = terms.start_month.replace(day=1)
    terms.full_clean()
    terms.save()
    return terms


@transaction.atomic
def retainer_expense_add(*, actor: User, line: ContractLine, data: dict[str, Any]) -> RetainerExpense:
    """Book an ad budget or a subcontractor's cost against a retainer line's money budget of the
    expense's month. The line must have retainer terms; the subcontractor is of the same agency."""
    _require(permissions.can_manage_contracts(actor, line.contract.client))
    if not RetainerTerms.objects.filter(line=line).exists():
        raise ValidationError({"line": _("У строки договора нет условий абонемента.")})
    expense = RetainerExpense(line=line, created_by=actor)
    _apply(expense, data, RETAINER_EXPENSE_FIELDS)
    if expense.subcontractor is not None and expense.subcontractor.agency_id != line.contract.agency_id:
        raise ValidationError({"subcontractor": _("Субподрядчик другого агентства.")})
    check_sensible_date(expense.date, field="date", today=timezone.localdate())
    expense.full_clean()
    expense.save()
    return expense


@transaction.atomic
def retainer_expense_delete(*, actor: User, expense: RetainerExpense) -> None:
    """Remove a booked expense (a mistake); history keeps the record."""
    _require(permissions.can_manage_contracts(actor, expense.line.contract.client))
    expense.delete()
