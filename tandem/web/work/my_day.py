"""Work sections of "My day" and reminder/calendar sources for notifications.

Registered here (web is above both work and notifications, so work itself cannot import the
registries); imported by tandem/web/work/urls.py.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tandem.clients.models import Client
from tandem.core.shortlist import shortlist_of
from tandem.notifications.registry import (
    CalendarEvent,
    Reminder,
    register_calendar_source,
    register_reminder_source,
)
from tandem.org.models import Employee
from tandem.web.my_day.sections import (
    AM_ROLES,
    SPECIALIST_ROLES,
    MyDayContext,
    MyDaySection,
    per_am,
    register_section,
    section_data,
)
from tandem.work.models import OPEN_TASK_STATUSES, Stage, StageStatus, Task, WorkSettings
from tandem.work.permissions import can_manage_project
from tandem.work.selectors import (
    clients_with_onboarding_badge,
    overdue_tasks,
    stages_to_prepare,
    stages_to_send,
    stages_waiting_for_client,
    tasks_assigned_open,
    tasks_to_review,
    timesheet_gaps,
    work_settings_for,
)


def _work_settings(ctx: MyDayContext) -> WorkSettings:
    """The agency's work settings, read once per page (two sections need them)."""
    settings = ctx.extra.get("work_settings")
    if settings is None:
        settings = ctx.extra["work_settings"] = work_settings_for(agency=ctx.employee.agency_id)
    return settings


def overdue_tasks_section(ctx: MyDayContext) -> dict[str, Any] | None:
    ids = ctx.am_ids
    listed = shortlist_of(
        overdue_tasks(actor=ctx.actor, today=ctx.today)
        .filter(Q(project__account_manager_id__in=ids) | Q(assignee_id__in=ids) | Q(reviewer_id__in=ids)),
        limit=ctx.limit, by=per_am(ctx, "project__account_manager_id"),
        # Only what the section template reads.
        rows=lambda qs: qs.select_related(None).select_related("project__client", "assignee").only(
            "title", "deadline", "priority", "status", "project__account_manager_id",
            "project__client__brand_name", "project__client__legal_name", "assignee__full_name"),
    )
    return section_data(listed, today=ctx.today)


def stages_waiting_section(ctx: MyDayContext) -> dict[str, Any] | None:
    qs = (stages_waiting_for_client(actor=ctx.actor, today=ctx.today, settings=_work_settings(ctx))
          .filter(project__account_manager_id__in=ctx.am_ids))
    listed = shortlist_of(
        qs, limit=ctx.limit, by=per_am(ctx, "project__account_manager_id"), flags={"flagged": Q(is_flagged=True)},
        rows=lambda qs: qs.select_related(None).select_related("project__client").only(
            "title", "sent_at", "project__agency_id", "project__account_manager_id", "project__client__brand_name",
            "project__client__legal_name", "project__client__agency_id", "project__client__group_id",
            "project__client__account_manager_id"),
    )
    return section_data(listed, manageable=_manageable(ctx, listed.items))


def _manageable(ctx: MyDayContext, stages: list[Stage]) -> set[int]:
    """The stages among those shown that the actor may send and record answers for (the same
    predicate the services check; at most one query: a group head's groups)."""
    return {s.pk for s in stages if can_manage_project(ctx.actor, s.project)}


def _me_or_people(ctx: MyDayContext) -> list[int]:
    return ctx.am_ids or [ctx.employee.pk]


def my_tasks_section(ctx: MyDayContext) -> dict[str, Any] | None:
    """A specialist's open tasks, nearest deadline first, with the next step in one click."""
    listed = shortlist_of(
        tasks_assigned_open(actor=ctx.actor, employee_ids=[ctx.employee.pk]), limit=ctx.limit,
        flags={"overdue": Q(deadline__lt=ctx.today)},
        rows=lambda qs: qs.select_related(None).select_related("project__client").only(
            "title", "deadline", "priority", "status", "assignee_id", "reviewer_id", "project__client__brand_name",
            "project__client__legal_name"),
    )
    return section_data(listed, today=ctx.today)


def tasks_review_section(ctx: MyDayContext) -> dict[str, Any] | None:
    """Tasks waiting for the actor's (or the team's) review: accept in one click."""
    listed = shortlist_of(
        tasks_to_review(actor=ctx.actor, reviewer_ids=_me_or_people(ctx)), limit=ctx.limit,
        by=per_am(ctx, "reviewer_id"),
        rows=lambda qs: qs.select_related(None).select_related("project__client", "assignee").only(
            "title", "deadline", "status", "reviewer_id", "assignee__full_name", "project__client__brand_name",
            "project__client__legal_name"),
    )
    return section_data(listed, today=ctx.today)


def stages_prepare_section(ctx: MyDayContext) -> dict[str, Any] | None:
    """A specialist's stages still to prepare (planned, in work, with remarks)."""
    listed = shortlist_of(
        stages_to_prepare(actor=ctx.actor, specialist_ids=[ctx.employee.pk]), limit=ctx.limit,
        rows=lambda qs: qs.only("title", "status", "due_date", "project_id", "project__client__brand_name",
                                "project__client__legal_name"),
    )
    return section_data(listed, today=ctx.today)


def stages_send_section(ctx: MyDayContext) -> dict[str, Any] | None:
    """Stages of the AM's projects in work or reworked: send to the client in one click once
    the result is attached."""
    listed = shortlist_of(
        stages_to_send(actor=ctx.actor, am_ids=ctx.am_ids), limit=ctx.limit,
        by=per_am(ctx, "project__account_manager_id"),
        # Only what the section template and `can_manage_project` read (the full stage, project and
        # client rows of ~2,500 candidates were sorted for a head's first ten).
        rows=lambda qs: qs.only(
            "title", "status", "due_date", "deliverable_url", "deliverable_file", "project__agency_id",
            "project__account_manager_id", "project__client__brand_name", "project__client__legal_name",
            "project__client__agency_id", "project__client__group_id", "project__client__account_manager_id"),
    )
    return section_data(listed, today=ctx.today, manageable=_manageable(ctx, listed.items))


def timesheet_gaps_section(ctx: MyDayContext) -> dict[str, Any] | None:
    """Working days of this week with fewer hours logged than the day norm."""
    gaps = timesheet_gaps(employee=ctx.employee, today=ctx.today)
    shown = gaps if ctx.limit is None else gaps[:ctx.limit]
    return {"items": shown, "total": len(gaps), "today": ctx.today}


@dataclass(frozen=True)
class NewClientRow:
    client: Client
    started_on: date
    done: bool
    day: int  # the how-many-th day since the first signing (1 on the day itself)


def new_clients_section(ctx: MyDayContext) -> dict[str, Any] | None:
    """Clients in their first two months (the onboarding badge period, 60 days by default after
    the first signing): the riskiest time, so the AM and the group head see them every day.
    Newest first."""
    qs = (clients_with_onboarding_badge(actor=ctx.actor, today=ctx.today, settings=_work_settings(ctx))
          .filter(account_manager_id__in=ctx.am_ids).order_by("-onboarding__started_on", "pk"))
    listed = shortlist_of(
        qs, limit=ctx.limit, by=per_am(ctx, "account_manager_id"),
        rows=lambda qs: qs.select_related("account_manager", "onboarding").only(
            "brand_name", "legal_name", "account_manager_id", "account_manager__full_name",
            "onboarding__started_on", "onboarding__completed_at"),
    )
    listed.items = [
        NewClientRow(client=c, started_on=c.onboarding.started_on, done=c.onboarding.completed_at is not None,
                     day=(ctx.today - c.onboarding.started_on).days + 1)
        for c in listed.items
    ]
    return section_data(listed)


register_section(MyDaySection("work_overdue_tasks", gettext_lazy("Просроченные задачи"),
                              "web/work/_my_day_overdue.html", overdue_tasks_section, order=35))
register_section(MyDaySection("work_stages_waiting", gettext_lazy("Этапы ждут ответа клиента"),
                              "web/work/_my_day_stages.html", stages_waiting_section, order=45))
register_section(MyDaySection("work_new_clients", gettext_lazy("Первые два месяца"),
                              "web/work/_my_day_new_clients.html", new_clients_section, order=47))
register_section(MyDaySection("work_my_tasks", gettext_lazy("Мои задачи по срокам"), "web/work/_my_day_my_tasks.html",
                              my_tasks_section, order=5, audience=SPECIALIST_ROLES))
register_section(MyDaySection("work_tasks_review", gettext_lazy("Задачи на проверке"),
                              "web/work/_my_day_review.html", tasks_review_section, order=36,
                              audience=AM_ROLES | SPECIALIST_ROLES))
register_section(MyDaySection("work_stages_prepare", gettext_lazy("Этапы к подготовке"),
                              "web/work/_my_day_stages_prepare.html", stages_prepare_section, order=15,
                              audience=SPECIALIST_ROLES))
register_section(MyDaySection("work_stages_send", gettext_lazy("Этапы к отправке клиенту"),
                              "web/work/_my_day_stages_send.html", stages_send_section, order=44))
register_section(MyDaySection("work_timesheet_gaps", gettext_lazy("Табель этой недели: не хватает часов"),
                              "web/work/_my_day_timesheet.html", timesheet_gaps_section, order=25,
                              audience=SPECIALIST_ROLES))


def overdue_task_reminders(now: datetime) -> Iterable[Reminder]:
    """One reminder a day per overdue task to its assignee (dedupe by task and date)."""
    today = timezone.localdate(now)
    for task in Task.objects.filter(status__in=OPEN_TASK_STATUSES, deadline__lt=today).only(
        "pk", "title", "assignee_id", "deadline"
    ):
        yield Reminder(
            recipient_id=task.assignee_id, kind="task_overdue",
            title=_("Просрочена задача: %(t)s") % {"t": task.title},
            dedupe_key=f"work.task_overdue:{task.pk}:{today}", url=reverse("web:task_detail", args=[task.pk]),
        )


def stage_waiting_reminders(now: datetime) -> Iterable[Reminder]:
    """Once per stage sending: tell the project's AM the client is past the waiting threshold."""
    today = timezone.localdate(now)
    for stage in Stage.objects.filter(status=StageStatus.SENT, project__account_manager__isnull=False).select_related(
        "project"
    ):
        am_id = stage.project.account_manager_id
        assert am_id is not None  # the filter excludes projects without an AM
        limit = work_settings_for(agency=stage.project.agency_id).stage_wait_flag_days
        if stage.sent_at and (today - timezone.localdate(stage.sent_at)).days > limit:
            yield Reminder(
                recipient_id=am_id, kind="stage_waiting",
                title=_("Клиент не ответил по этапу «%(s)s» больше %(d)s дн.") % {"s": stage.title, "d": limit},
                dedupe_key=f"work.stage_waiting:{stage.pk}:{stage.sent_at:%Y%m%d%H%M}",
                url=reverse("web:project_detail", args=[stage.project_id]),
            )


def task_deadline_events(employee: Employee, start: date, end: date) -> Iterable[CalendarEvent]:
    for task in Task.objects.filter(assignee=employee, status__in=OPEN_TASK_STATUSES, deadline__gte=start,
                                    deadline__lte=end):
        assert task.deadline is not None  # the filter excludes tasks without a deadline
        yield CalendarEvent(uid=f"task-{task.pk}@tandem", summary=task.title, start=task.deadline,
                            end=task.deadline + timedelta(days=1), category="task",
                            url=reverse("web:task_detail", args=[task.pk]))


register_reminder_source("work.overdue_tasks", overdue_task_reminders)
register_reminder_source("work.stages_waiting", stage_waiting_reminders)
register_calendar_source("work.task_deadlines", task_deadline_events)
