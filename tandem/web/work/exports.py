"""Columns of the work pages' XLSX exports (hours report, tasks); rows come from the pages'
own selectors (see tandem.web.exports)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from tandem.reports.exports import Column, Kind, chunked, iterate
from tandem.work import selectors
from tandem.work.models import Project, Task
from tandem.work.selectors import EmployeeLoadRow, ProjectMonthRow


def _name(employee: object | None) -> str:
    return getattr(employee, "full_name", "") if employee is not None else ""


def project_hours_columns(*, show_cost: bool) -> list[Column[ProjectMonthRow]]:
    columns: list[Column[ProjectMonthRow]] = [
        Column(_("Клиент"), lambda r: r.project.client.display_name),
        Column(_("Проект"), lambda r: r.project.name, width=36),
        Column(_("Аккаунт"), lambda r: _name(r.project.account_manager)),
        Column(_("Специалист"), lambda r: _name(r.project.specialist)),
        Column(_("План, ч"), lambda r: r.planned_hours, Kind.HOURS),
        Column(_("Факт, ч"), lambda r: r.logged_hours, Kind.HOURS),
        Column("%", lambda r: r.percent, Kind.INT, width=8),
    ]
    if show_cost:
        columns.append(Column(_("Себестоимость, ₽"), lambda r: r.cost, Kind.MONEY))
    return columns


def project_hours_rows(projects: QuerySet[Project], *, month: date) -> Iterator[ProjectMonthRow]:
    """Every project of the report, its month's hours summed one batch of projects at a time
    (one query per thousand projects, never every project in memory)."""
    for batch in chunked(iterate(projects)):
        yield from selectors.project_month_rows(batch, month=month)


def employee_load_columns() -> list[Column[EmployeeLoadRow]]:
    return [
        Column(_("Сотрудник"), lambda r: r.employee.full_name),
        Column(_("Группа"), lambda r: r.employee.group.name if r.employee.group else "", width=20),
        Column(_("Факт, ч"), lambda r: r.logged_hours, Kind.HOURS),
        Column(_("Норма, ч"), lambda r: r.capacity_hours, Kind.HOURS),
        Column(_("Загрузка, %"), lambda r: r.percent, Kind.INT, width=12),
    ]


def task_columns() -> list[Column[Task]]:
    return [
        Column(_("Задача"), lambda t: t.title, width=40),
        Column(_("Клиент"), lambda t: t.project.client.display_name),
        Column(_("Проект"), lambda t: t.project.name),
        Column(_("Исполнитель"), lambda t: _name(t.assignee)),
        Column(_("Проверяющий"), lambda t: _name(t.reviewer)),
        Column(_("Срок"), lambda t: t.deadline, Kind.DATE),
        Column(_("Оценка, ч"), lambda t: t.estimate_hours, Kind.HOURS),
        Column(_("Приоритет"), lambda t: t.get_priority_display(), width=12),
        Column(_("Статус"), lambda t: t.get_status_display(), width=16),
    ]
