"""Over-service of retainer lines: billed on a draft invoice or written off, once per month;
and the 80 % / 100 % budget alerts to the client's AM."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from tandem.contracts.models import ContractLine, ContractStatus, RetainerTerms
from tandem.core.money import to_money
from tandem.notifications.models import Notification
from tandem.notifications.services import notify
from tandem.org.models import User
from tandem.work.models import Project, RetainerMonthFreezeReason
from tandem.work.retainers import first_of_month, retainer_balances, retainer_month_row
from tandem.work.services import retainer_month_freeze

from .. import permissions
from ..models import RetainerOverageDecision
from ._common import require
from .invoices import LineInput, invoice_create

MONTHS_RU = (
    "январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь", "октябрь", "ноябрь",
    "декабрь",
)


def _month_label(month: date) -> str:
    return f"{MONTHS_RU[month.month - 1]} {month.year}"


def _month_end(month: date) -> date:
    nxt = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    return date.fromordinal(nxt.toordinal() - 1)


def _overage_hours(line: ContractLine, month: date) -> Decimal:
    if month >= first_of_month(timezone.localdate()):
        raise ValidationError({"month": _("Решение о сверхлимите принимают после окончания месяца.")})
    row = retainer_month_row(line=line, month=month)
    if row is None or row.overage <= 0:
        raise ValidationError({"month": _("В этом месяце нет работ сверх лимита.")})
    if RetainerOverageDecision.objects.filter(line=line, month=month).exists():
        raise ValidationError({"month": _("По этому месяцу решение уже принято.")})
    return row.overage


def _terms_of(line: ContractLine) -> RetainerTerms:
    terms = RetainerTerms.objects.filter(line=line).first()
    if terms is None:
        raise ValidationError({"month": _("У строки договора нет условий абонемента.")})
    return terms


def _save_once(decision: RetainerOverageDecision) -> RetainerOverageDecision:
    try:
        with transaction.atomic():
            decision.save()
    except IntegrityError:
        # Someone decided the same month in parallel: the database refused the second decision.
        raise ValidationError({"month": _("По этому месяцу решение уже принято.")}) from None
    return decision


@transaction.atomic
def retainer_overage_bill(
    *, actor: User, line: ContractLine, month: date, invoice_date: date | None = None
) -> RetainerOverageDecision:
    """Bill a past month's over-service: a draft invoice to the client under the line's contract
    with one line «hours × overage rate», and the decision row (one per line and month, guarded
    by a unique constraint — never billed twice). The month's balance is frozen. Requires the
    terms to allow over-service and a positive overage rate."""
    require(permissions.can_decide_retainer_overage(actor, line))
    month = first_of_month(month)
    ContractLine.objects.select_for_update().filter(pk=line.pk).first()
    terms = _terms_of(line)
    if not terms.overage_allowed or terms.overage_rate <= 0:
        raise ValidationError({"month": _("Условия абонемента не допускают выставление сверхлимита: спишите его.")})
    hours = _overage_hours(line, month)
    service = line.service
    invoice = invoice_create(
        actor=actor, client=line.contract.client, contract=line.contract, date=invoice_date,
        period_start=month, period_end=_month_end(month),
        lines=[LineInput(
            name=_("%(service)s: работы сверх абонемента за %(month)s") % {
                "service": service.name, "month": _month_label(month)},
            price=terms.overage_rate, quantity=hours, unit="ч", service_id=service.pk, contract_line_id=line.pk,
            period_start=month, period_end=_month_end(month),
        )],
    )
    invoice_line = invoice.lines.get()
    decision = _save_once(RetainerOverageDecision(
        agency_id=line.contract.agency_id, line=line, month=month, decision=RetainerOverageDecision.Decision.BILLED,
        hours=hours, rate=terms.overage_rate, amount=invoice_line.amount, invoice_line=invoice_line,
        decided_by=actor, decided_at=timezone.now(),
    ))
    retainer_month_freeze(line=line, month=month, reason=RetainerMonthFreezeReason.OVERAGE_DECIDED, actor=actor)
    return decision


@transaction.atomic
def retainer_overage_write_off(*, actor: User, line: ContractLine, month: date, reason: str) -> RetainerOverageDecision:
    """Write off a past month's over-service with a reason (recorded with who and when); once per
    line and month. The month's balance is frozen."""
    require(permissions.can_decide_retainer_overage(actor, line))
    month = first_of_month(month)
    if not reason.strip():
        raise ValidationError({"reason": _("Укажите причину списания.")})
    ContractLine.objects.select_for_update().filter(pk=line.pk).first()
    terms = _terms_of(line)
    hours = _overage_hours(line, month)
    decision = _save_once(RetainerOverageDecision(
        agency_id=line.contract.agency_id, line=line, month=month,
        decision=RetainerOverageDecision.Decision.WRITTEN_OFF, hours=hours, rate=terms.overage_rate,
        amount=to_money(hours * terms.overage_rate), reason=reason.strip(), decided_by=actor,
        decided_at=timezone.now(),
    ))
    retainer_month_freeze(line=line, month=month, reason=RetainerMonthFreezeReason.OVERAGE_DECIDED, actor=actor)
    return decision


@dataclass
class RetainerAlertRun:
    created: int = 0
    existing: int = 0


def retainer_alerts_run(
    *, today: date | None = None, agency_id: int | None = None, line_ids: list[int] | None = None
) -> RetainerAlertRun:
    """Notify each retainer line's client AM when this month's use reaches 80 % and 100 % of
    the available hours (carried in + budget) or of the money budget. Each line, month and
    threshold is notified once (dedupe key); crossing both at once sends only the 100 % one
    and the 80 % one is not sent later. Safe to run any number of times (daily job)."""
    today = today or timezone.localdate()
    month = first_of_month(today)
    lines = ContractLine.objects.filter(
        retainer_terms__start_month__lte=month, contract__status=ContractStatus.SIGNED,
        contract__client__account_manager__isnull=False,
    ).select_related("contract__client__account_manager__user", "service")
    if agency_id is not None:
        lines = lines.filter(contract__agency_id=agency_id)
    if line_ids is not None:
        lines = lines.filter(pk__in=line_ids)
    run = RetainerAlertRun()
    for line_id, balance in retainer_balances(lines=list(lines), until=today).items():
        row = balance.current
        if row is None or row.month != month or row.threshold is None:
            continue
        line = balance.line
        client = line.contract.client
        if client.account_manager is None:
            continue
        key = f"retainer:{line_id}:{month:%Y-%m}:{{}}"
        threshold = row.threshold
        if threshold == 80 and Notification.objects.filter(dedupe_key=key.format(100)).exists():
            continue
        title = (_("Ретейнер исчерпан: %(client)s, %(service)s") if threshold == 100 else
                 _("Ретейнер близко к бюджету: %(client)s, %(service)s")) % {
            "client": client.display_name, "service": line.service.name}
        body = _("Использовано %(used)s ч из %(available)s ч (%(percent)s %%) за %(month)s.") % {
            "used": row.used, "available": row.available, "percent": row.percent_used or 0,
            "month": _month_label(month)}
        _n, created = notify(
            recipient=client.account_manager, kind="retainer_budget", title=title, body=body,
            dedupe_key=key.format(threshold), url=reverse("web:line_retainer", args=[line_id]),
        )
        if created:
            run.created += 1
        else:
            run.existing += 1
    return run


def retainer_alerts_after_time(*, project: Project) -> None:
    """Time was logged on the project: check its retainer line's alerts after commit (a job;
    cheap — one line). The daily job catches anything this misses."""
    line_id = project.contract_line_id
    if line_id is None:
        return
    from ..tasks import retainer_alerts_line_task

    transaction.on_commit(lambda: retainer_alerts_line_task.delay(line_id))
