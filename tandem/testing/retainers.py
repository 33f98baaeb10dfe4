"""Retainer test helpers: a signed project whose line has retainer terms, and months around today."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.utils import timezone

from tandem.contracts.models import RetainerTerms
from tandem.work.models import Project, TimeEntry
from tandem.work.retainers import first_of_month
from tandem.work.tests.factories import TimeEntryFactory, signed_project


def month_ago(k: int, today: date | None = None) -> date:
    """The first day of the month `k` months before today's."""
    month = first_of_month(today or timezone.localdate())
    total = month.year * 12 + month.month - 1 - k
    return date(total // 12, total % 12 + 1, 1)


def retainer_project(
    org, *, client=None, hours: str = "10", carry: int = 0, cap: str | None = None, start_ago: int = 3,
    overage_allowed: bool = True, rate: str = "3000", money: str = "0",
) -> Project:
    """A signed project (client_a by default) whose contract line has retainer terms starting
    `start_ago` months before this month."""
    project = signed_project(org, client=client)
    RetainerTerms.objects.create(
        line=project.contract_line, start_month=month_ago(start_ago), hours_per_month=Decimal(hours),
        money_per_month=Decimal(money), rollover_months=carry,
        rollover_cap_hours=None if cap is None else Decimal(cap), overage_allowed=overage_allowed,
        overage_rate=Decimal(rate),
    )
    return project


def log(project: Project, month: date, hours: str, *, employee=None) -> list[TimeEntry]:
    """Time on the project in `month` (written directly, not through services), 8 h a day from
    the 1st."""
    left, day, entries = Decimal(hours), 1, []
    while left > 0:
        chunk = min(left, Decimal(8))
        entries.append(TimeEntryFactory.create(
            project=project, employee=employee or project.specialist or project.account_manager,
            date=month.replace(day=day), hours=chunk,
        ))
        left -= chunk
        day += 1
    return entries
