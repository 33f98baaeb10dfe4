"""The agency's SLA terms and working calendar (defaults when the agency set nothing)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from zoneinfo import available_timezones

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from tandem.core.errors import PermissionDenied
from tandem.integrations.workcalendar import WorkCalendar
from tandem.org.models import Agency, User
from tandem.org.permissions import actor_employee

from ..models import Priority, SlaPolicy, WorkSchedule
from ..permissions import can_configure_sla


@dataclass(frozen=True)
class SlaTerms:
    first_response_minutes: int
    resolve_minutes: int
    head_escalation_minutes: int
    round_the_clock: bool


# Columns of the SLA grid: client tiers, then "" = any tier (the fallback for the others).
SLA_TIERS: tuple[str, ...] = ("key", "current", "new", "")

H = 60
# (priority, tier) → terms; tier "" is the default for any tier. Business minutes unless round the clock.
DEFAULT_SLA: dict[tuple[str, str], SlaTerms] = {
    (Priority.CRITICAL, ""): SlaTerms(1 * H, 8 * H, 1 * H, True),
    (Priority.URGENT, ""): SlaTerms(4 * H, 18 * H, 4 * H, False),
    (Priority.URGENT, "key"): SlaTerms(2 * H, 9 * H, 2 * H, False),
    (Priority.NORMAL, ""): SlaTerms(8 * H, 45 * H, 9 * H, False),
    (Priority.NORMAL, "key"): SlaTerms(4 * H, 27 * H, 9 * H, False),
}


def sla_terms(*, agency: Agency, priority: str, tier: str, policies: list[SlaPolicy] | None = None) -> SlaTerms:
    """Terms for a request: the agency's policy for (priority, tier), else (priority, any),
    else the built-in default for (priority, tier), else (priority, any)."""
    if policies is None:
        policies = list(SlaPolicy.objects.filter(agency=agency, priority=priority))
    by_tier = {p.tier: p for p in policies if p.priority == priority}
    policy = by_tier.get(tier) or by_tier.get("")
    if policy is not None:
        return SlaTerms(policy.first_response_minutes, policy.resolve_minutes, policy.head_escalation_minutes,
                        policy.round_the_clock)
    return DEFAULT_SLA.get((priority, tier)) or DEFAULT_SLA[(priority, "")]


def work_calendar(*, agency: Agency | int) -> WorkCalendar:
    """The agency's working calendar: its hours (default 10:00–19:00 Moscow) on the RU calendar."""
    agency_id = agency if isinstance(agency, int) else agency.pk
    schedule = WorkSchedule.objects.filter(agency_id=agency_id).first()
    if schedule is None:
        return WorkCalendar()
    return WorkCalendar(day_start=schedule.day_start, day_end=schedule.day_end, tz=schedule.time_zone)


@transaction.atomic
def work_schedule_update(*, actor: User, data: dict[str, Any]) -> WorkSchedule:
    """Heads of accounts and admins set the working hours used by SLA clocks from now on."""
    employee = actor_employee(actor)
    if employee is None or not can_configure_sla(actor):
        raise PermissionDenied()
    schedule, _created = WorkSchedule.objects.get_or_create(agency=employee.agency)
    for name in ("day_start", "day_end", "time_zone"):
        if name in data:
            setattr(schedule, name, data[name])
    if schedule.time_zone not in available_timezones():
        raise ValidationError({"time_zone": _("Неизвестный часовой пояс.")})
    if schedule.day_end <= schedule.day_start:
        raise ValidationError({"day_end": _("Конец рабочего дня должен быть позже начала.")})
    schedule.full_clean()
    schedule.save()
    return schedule


def sla_policy_set(*, actor: User, priority: str, tier: str, data: dict[str, Any]) -> SlaPolicy:
    """Create or change the agency's terms for (priority, tier). New requests use them."""
    employee = actor_employee(actor)
    if employee is None or not can_configure_sla(actor):
        raise PermissionDenied()
    if priority not in Priority.values:
        raise ValidationError({"priority": _("Неизвестный приоритет.")})
    if tier not in SLA_TIERS:
        raise ValidationError({"tier": _("Неизвестная категория клиента.")})
    defaults = sla_terms(agency=employee.agency, priority=priority, tier=tier)
    policy = SlaPolicy.objects.filter(agency=employee.agency, priority=priority, tier=tier).first() or SlaPolicy(
        agency=employee.agency, priority=priority, tier=tier,
        first_response_minutes=defaults.first_response_minutes, resolve_minutes=defaults.resolve_minutes,
        head_escalation_minutes=defaults.head_escalation_minutes, round_the_clock=defaults.round_the_clock,
    )
    for name in ("first_response_minutes", "resolve_minutes", "head_escalation_minutes", "round_the_clock"):
        if name in data:
            setattr(policy, name, data[name])
    if policy.resolve_minutes < policy.first_response_minutes:
        raise ValidationError({"resolve_minutes": _("Срок решения не может быть короче срока первого ответа.")})
    policy.full_clean()
    policy.save()
    return policy
