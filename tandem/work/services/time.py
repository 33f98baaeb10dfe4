"""Time entries, the weekly-timesheet cell, cost-rate history and months closed by finance."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from tandem.core.money import to_money
from tandem.core.validators import check_sensible_date
from tandem.org.models import Agency, Employee, User

from .. import permissions
from ..models import ClosedMonth, EmployeeCostRate, Project, RetainerMonthFreezeReason, Task, TimeEntry
from ..selectors import cost_rate_on, is_month_closed
from ._common import require, require_employee
from .retainers import retainer_months_freeze_agency
from .rollups import rollup_key, time_rollup_refresh

STEP = Decimal("0.25")
DAY_CAP = Decimal("24")


def parse_hours(value: Any) -> Decimal:
    """Hours as Decimal: accepts "1,5" and "1.5"; must be a positive multiple of 0.25 up to 24."""
    if isinstance(value, float):
        value = str(value)
    try:
        hours = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        raise ValidationError({"hours": _("Часы — число, например 1,5.")}) from None
    if not hours.is_finite():
        raise ValidationError({"hours": _("Часы — число, например 1,5.")})
    _check_hours(hours)
    return hours


TIME_DAYS_AHEAD = 31


def _check_day_sense(day: date, agency_id: int) -> None:
    """Time is logged for days since 2000 and at most a month ahead (a typo otherwise: 0001, 9999),
    and not before the agency started working (Agency.started_on, when set)."""
    check_sensible_date(day, field="date", today=timezone.localdate(), days_ahead=TIME_DAYS_AHEAD)
    started_on = Agency.objects.filter(pk=agency_id).values_list("started_on", flat=True).first()
    if started_on is not None and day < started_on:
        raise ValidationError({"date": _("Агентство работает с %(day)s: время раньше этой даты не вносится.")
                               % {"day": started_on.strftime("%d.%m.%Y")}})


def _check_hours(hours: Decimal) -> None:
    if hours <= 0:
        raise ValidationError({"hours": _("Часов должно быть больше нуля.")})
    if hours > DAY_CAP:
        raise ValidationError({"hours": _("Не больше 24 ч за день.")})
    if hours % STEP != 0:
        raise ValidationError({"hours": _("Время вносится с шагом 0,25 ч (15 минут).")})


def _check_open(agency_id: int, day: date) -> None:
    if is_month_closed(agency_id=agency_id, day=day):
        raise ValidationError({"date": _("Месяц %(m)s закрыт финансами: время в нём менять нельзя.")
                               % {"m": f"{day:%m.%Y}"}})


def _billed(entry_ids: list[int]) -> bool:
    # `billed_in` is billing.BilledTime (a higher layer: read through the relation, never imported).
    return bool(entry_ids) and TimeEntry.objects.filter(pk__in=entry_ids, billed_in__isnull=False).exists()


def _check_not_billed(entry_ids: list[int]) -> None:
    """Time already billed to the client (by an invoice line) is not changed or removed: the
    invoice would no longer match it. Cancelling the invoice or deleting its draft releases it."""
    if _billed(entry_ids):
        raise ValidationError({"hours": _(
            "Это время уже выставлено клиенту в счёте — его нельзя изменить или удалить. "
            "Сначала аннулируйте счёт или удалите его черновик."
        )})


def _changes_hours(entry: TimeEntry, data: dict[str, Any]) -> bool:
    """Whether an edit touches what an invoice bills: project, task, date or hours."""
    task = data.get("task")
    return (
        ("project" in data and data["project"].pk != entry.project_id)
        or ("task" in data and (task.pk if task else None) != entry.task_id)
        or ("date" in data and data["date"] != entry.date)
        or ("hours" in data and parse_hours(data["hours"]) != entry.hours)
    )


def _check_day_cap(employee: Employee, day: date, hours: Decimal, exclude_ids: list[int]) -> None:
    # Lock the employee row so that two concurrent saves for the same person cannot both pass the cap.
    Employee.objects.select_for_update().filter(pk=employee.pk).exists()
    logged = (
        TimeEntry.objects.filter(employee=employee, date=day).exclude(pk__in=exclude_ids)
        .aggregate(total=Sum("hours"))["total"] or Decimal("0")
    )
    if logged + hours > DAY_CAP:
        raise ValidationError({"hours": _(
            "За %(day)s уже внесено %(logged)s ч — вместе с этим будет больше 24 ч за день."
        ) % {"day": f"{day:%d.%m.%Y}", "logged": logged.normalize()}})


def _check_task(task: Task | None, project: Project) -> None:
    if task is not None and task.project_id != project.pk:
        raise ValidationError({"task": _("Задача из другого проекта.")})


def _fill_cost(entry: TimeEntry) -> None:
    entry.cost_rate = cost_rate_on(employee=entry.employee, day=entry.date)
    entry.cost = to_money(entry.hours * entry.cost_rate)


@transaction.atomic
def time_entry_create(
    *, actor: User, employee: Employee, project: Project, day: date, hours: Decimal | str,
    task: Task | None = None, note: str = "",
) -> TimeEntry:
    """Log hours of `employee` on a project (and optionally one of its tasks) on a day.

    Rules: 0.25 h step; at most 24 h per employee per day in total; not in a month closed by
    finance; a specialist logs only their own time. Cost = hours × the rate valid on the day.
    """
    require(permissions.can_log_time(actor, employee, project))
    hours = parse_hours(hours)
    _check_day_sense(day, project.agency_id)
    _check_task(task, project)
    _check_open(project.agency_id, day)
    _check_day_cap(employee, day, hours, exclude_ids=[])
    entry = TimeEntry(employee=employee, project=project, task=task, date=day, hours=hours, note=note)
    _fill_cost(entry)
    entry.full_clean()
    entry.save()
    time_rollup_refresh([rollup_key(entry)])
    return entry


@transaction.atomic
def time_entry_update(*, actor: User, entry: TimeEntry, data: dict[str, Any]) -> TimeEntry:
    """Change an entry's date, hours, task or note under the same rules; neither the old nor
    the new date may be in a closed month. Of an entry billed to the client only the note changes."""
    require(permissions.can_edit_time_entry(actor, entry))
    unknown = set(data) - {"date", "hours", "task", "note", "project"}
    if unknown:
        raise ValidationError({name: _("Это поле нельзя изменить здесь.") for name in sorted(unknown)})
    _check_open(entry.project.agency_id, entry.date)
    old_key = rollup_key(entry)
    if _changes_hours(entry, data):
        _check_not_billed([entry.pk])
    if "project" in data and data["project"].pk != entry.project_id:
        require(permissions.can_log_time(actor, entry.employee, data["project"]))
        entry.project = data["project"]
        if "task" not in data:
            entry.task = None
    if "hours" in data:
        entry.hours = parse_hours(data["hours"])
    if "date" in data:
        _check_day_sense(data["date"], entry.project.agency_id)
        entry.date = data["date"]
    if "task" in data:
        entry.task = data["task"]
    if "note" in data:
        entry.note = data["note"]
    _check_task(entry.task, entry.project)
    _check_open(entry.project.agency_id, entry.date)
    _check_day_cap(entry.employee, entry.date, entry.hours, exclude_ids=[entry.pk])
    _fill_cost(entry)
    entry.full_clean()
    entry.save()
    time_rollup_refresh([old_key, rollup_key(entry)])
    return entry


@transaction.atomic
def time_entry_delete(*, actor: User, entry: TimeEntry) -> None:
    """Remove an entry (own, or anyone's for heads/admins), not in a closed month, not billed."""
    require(permissions.can_edit_time_entry(actor, entry))
    _check_open(entry.project.agency_id, entry.date)
    _check_not_billed([entry.pk])
    key = rollup_key(entry)
    entry.delete()
    time_rollup_refresh([key])


def _parse_cell(hours: Decimal | str | None) -> Decimal:
    raw = "" if hours is None else str(hours).strip().replace(",", ".")
    if not raw:
        return Decimal("0")
    try:
        if Decimal(raw) == 0:
            return Decimal("0")
    except (InvalidOperation, ValueError):
        raise ValidationError({"hours": _("Часы — число, например 1,5.")}) from None
    return parse_hours(raw)


@transaction.atomic
def timesheet_cell_set(
    *, actor: User, employee: Employee, project: Project, day: date, hours: Decimal | str | None
) -> Decimal:
    """Set the total hours of one weekly-timesheet cell (employee × project × day).

    Entries logged against tasks stay as they are; the cell's one "no task" entry is created,
    changed or removed so that the total equals `hours` (empty or 0 clears it). A total below
    the hours already logged against tasks is refused, and so is a change of hours already
    billed to the client. Returns the new cell total.
    """
    require(permissions.can_log_time(actor, employee, project))
    _check_day_sense(day, project.agency_id)
    _check_open(project.agency_id, day)
    target = _parse_cell(hours)
    cell = TimeEntry.objects.filter(employee=employee, project=project, date=day)
    task_hours = cell.filter(task__isnull=False).aggregate(t=Sum("hours"))["t"] or Decimal("0")
    free = list(cell.filter(task__isnull=True).order_by("id"))
    free_hours = sum((e.hours for e in free), Decimal("0"))
    if target - task_hours != free_hours:
        _check_not_billed([e.pk for e in free])
    if target < task_hours:
        raise ValidationError({"hours": _("По задачам в этот день уже %(h)s ч — меньше поставить нельзя.")
                               % {"h": task_hours.normalize()}})
    rest = target - task_hours
    if rest > 0:
        _check_hours(rest)
        _check_day_cap(employee, day, rest, exclude_ids=[e.pk for e in free])
        entry = free[0] if free else TimeEntry(employee=employee, project=project, date=day)
        entry.hours = rest
        _fill_cost(entry)
        entry.full_clean()
        entry.save()
        free = free[1:]
    TimeEntry.objects.filter(pk__in=[e.pk for e in free]).delete()
    time_rollup_refresh([(project.pk, employee.pk, day.replace(day=1))])
    return target


# ---------------------------------------------------------------- cost rates and closed months


@transaction.atomic
def cost_rate_set(*, actor: User, employee: Employee, valid_from: date, rate: Decimal) -> EmployeeCostRate:
    """Record an employee's hourly cost rate valid from a date (finance, heads, admins).

    Entries from that date on are recosted, except those in closed months: a closed month
    keeps the cost it was closed with.
    """
    require(permissions.can_set_cost_rates(actor))
    me = require_employee(actor)
    if employee.agency_id != me.agency_id:
        raise ValidationError({"employee": _("Сотрудник из другого агентства.")})
    row = EmployeeCostRate.objects.filter(employee=employee, valid_from=valid_from).first() or EmployeeCostRate(
        employee=employee, valid_from=valid_from
    )
    row.rate = rate
    row.set_by = actor
    row.full_clean()
    row.save()
    closed = set(ClosedMonth.objects.filter(agency_id=employee.agency_id).values_list("month", flat=True))
    entries = [
        e for e in TimeEntry.objects.filter(employee=employee, date__gte=valid_from).select_related("employee")
        if e.date.replace(day=1) not in closed
    ]
    for entry in entries:
        _fill_cost(entry)
    TimeEntry.objects.bulk_update(entries, ["cost_rate", "cost"], batch_size=500)
    time_rollup_refresh({rollup_key(e) for e in entries})
    return row


def _first_day(month: date) -> date:
    return month.replace(day=1)


@transaction.atomic
def month_close(*, actor: User, month: date) -> ClosedMonth:
    """Finance closes a month: its time entries can no longer be added, changed or removed, and
    the month's retainer balances are frozen (RetainerMonth) so reopening it later and editing
    time does not move them."""
    require(permissions.can_close_months(actor))
    me = require_employee(actor)
    month = _first_day(month)
    if month > timezone.localdate():
        raise ValidationError({"month": _("Нельзя закрыть месяц, который ещё не начался.")})
    if ClosedMonth.objects.filter(agency=me.agency, month=month).exists():
        raise ValidationError({"month": _("Месяц %(m)s уже закрыт.") % {"m": f"{month:%m.%Y}"}})
    closed = ClosedMonth.objects.create(agency=me.agency, month=month, closed_by=actor, closed_at=timezone.now())
    retainer_months_freeze_agency(
        agency_id=me.agency_id, month=month, reason=RetainerMonthFreezeReason.MONTH_CLOSED, actor=actor
    )
    return closed


def month_reopen(*, actor: User, month: date) -> None:
    """Finance reopens a closed month (e.g. to correct a mistake)."""
    require(permissions.can_close_months(actor))
    me = require_employee(actor)
    deleted, _details = ClosedMonth.objects.filter(agency=me.agency, month=_first_day(month)).delete()
    if not deleted:
        raise ValidationError({"month": _("Месяц не закрыт.")})
