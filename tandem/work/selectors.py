"""Reads for projects, stages, onboarding, tasks and time. Results are scoped to the actor;
the agency-level money aggregates (`time_cost_by_client`, `hours_by_client`) are for the
billing/profitability code, which has already checked who may see money."""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeAlias, TypedDict, cast

from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateField,
    DecimalField,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.db.models.query import ModelIterable
from django.utils import timezone

from tandem.clients.models import Client, TeamMember
from tandem.contracts.models import Contract
from tandem.core.money import to_money
from tandem.core.months import add_months
from tandem.integrations.workcalendar import WorkCalendar
from tandem.org.models import Agency, Employee, User
from tandem.org.permissions import actor_employee, head_group_ids
from tandem.org.roles import ALL_CLIENTS_ROLES, Role

from .models import (
    DEFAULT_STAGE_WAIT_DAYS,
    OPEN_TASK_STATUSES,
    ClosedMonth,
    EmployeeCostRate,
    OnboardingChecklist,
    OnboardingItem,
    Project,
    ProjectStatus,
    Stage,
    StageStatus,
    StageSubmission,
    Task,
    TaskStatus,
    TaskTransition,
    TimeEntry,
    TimeMonthRollup,
    WorkSettings,
)
from .permissions import projects_visible_to, tasks_visible_to, time_entries_visible_to

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

ZERO = Decimal("0")
_DEC = DecimalField(max_digits=14, decimal_places=2)


def _agency_id(agency: Agency | int) -> int:
    return agency if isinstance(agency, int) else agency.pk


def month_bounds(month: date) -> tuple[date, date]:
    """First and last day of the month containing `month`."""
    first = month.replace(day=1)
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


def work_settings_for(*, agency: Agency | int) -> WorkSettings:
    """The agency's work settings, or an unsaved row with the defaults."""
    agency_id = _agency_id(agency)
    return WorkSettings.objects.filter(agency_id=agency_id).first() or WorkSettings(agency_id=agency_id)


# ---------------------------------------------------------------- cost rates, closed months


def cost_rate_on(*, employee: Employee, day: date) -> Decimal:
    """The employee's hourly cost rate valid on `day`: the latest history row with
    valid_from <= day, else Employee.hourly_cost_rate."""
    rate = (
        EmployeeCostRate.objects.filter(employee=employee, valid_from__lte=day)
        .order_by("-valid_from").values_list("rate", flat=True).first()
    )
    return rate if rate is not None else employee.hourly_cost_rate


def cost_rate_history(*, employee: Employee) -> QuerySet[EmployeeCostRate]:
    return EmployeeCostRate.objects.filter(employee=employee).select_related("set_by").order_by("-valid_from")


def is_month_closed(*, agency_id: int, day: date) -> bool:
    """True when finance has closed the month containing `day`."""
    return ClosedMonth.objects.filter(agency_id=agency_id, month=day.replace(day=1)).exists()


def closed_months(*, agency: Agency | int) -> QuerySet[ClosedMonth]:
    return ClosedMonth.objects.filter(agency_id=_agency_id(agency)).select_related("closed_by__employee").order_by("-month")


# ---------------------------------------------------------------- projects and stages


def project_list(*, actor: User, client_id: int | None = None, status: str = "") -> QuerySet[Project]:
    """Visible projects with client, AM, specialist and the contract line's service joined."""
    qs = projects_visible_to(actor).select_related(
        "client", "account_manager", "specialist", "contract_line", "contract_line__service",
        "contract_line__contract",
    )
    if client_id:
        qs = qs.filter(client_id=client_id)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("client__legal_name", "name", "id")


def project_stages(*, project: Project) -> QuerySet[Stage]:
    """The project's stages with every sending and answer prefetched (answer times visible)."""
    return project.stages.prefetch_related(
        Prefetch("submissions", queryset=StageSubmission.objects.select_related("sent_by__employee", "answer_recorded_by__employee", "contact"))
    ).order_by("due_date", "id")


class _WaitingIterable(ModelIterable):
    """Adds `days_waiting` (whole days since the stage was sent) to each stage."""

    def __iter__(self):  # type: ignore[no-untyped-def]
        for obj in super().__iter__():
            today = obj.waiting_today
            if isinstance(today, str):  # pragma: no cover - depends on the backend's converter
                today = date.fromisoformat(today)
            obj.days_waiting = (today - timezone.localdate(obj.sent_at)).days if obj.sent_at else 0
            yield obj


class _WaitingAnnotations(TypedDict):
    waiting_today: date
    wait_flag_days: int
    is_flagged: bool


StageWaiting: TypeAlias = "WithAnnotations[Stage, _WaitingAnnotations]"


def stages_waiting_for_client(*, actor: User, today: date | None = None,
                              settings: WorkSettings | None = None) -> QuerySet[StageWaiting]:
    """Stages visible to the actor that were sent to the client and are not answered yet.

    Each stage carries `days_waiting` (days since sending, computed per row) and `is_flagged`
    (SQL annotation: waiting longer than the agency's `stage_wait_flag_days`, default 5),
    plus `wait_flag_days`. Oldest sending first; project, client and AM joined.
    """
    employee = actor_employee(actor)
    if employee is None:
        # No rows, so nothing to annotate; the type is the annotated one of the other branch.
        return cast("QuerySet[StageWaiting]", Stage.objects.none())
    today = today or timezone.localdate()
    settings = settings or work_settings_for(agency=employee.agency_id)
    limit = settings.stage_wait_flag_days or DEFAULT_STAGE_WAIT_DAYS
    threshold = today - timedelta(days=limit)
    qs = (
        Stage.objects.filter(project__in=projects_visible_to(actor), status=StageStatus.SENT)
        .select_related("project", "project__client", "project__account_manager")
        .annotate(
            waiting_today=Value(today, output_field=DateField()),
            wait_flag_days=Value(limit),
            is_flagged=Case(
                When(sent_at__date__lt=threshold, then=Value(True)), default=Value(False),
                output_field=BooleanField(),
            ),
        )
        .order_by("sent_at", "id")
    )
    qs._iterable_class = _WaitingIterable
    return qs


# ---------------------------------------------------------------- onboarding


@dataclass
class OnboardingState:
    checklist: OnboardingChecklist
    items: list[OnboardingItem]
    done: int
    total: int
    badge: bool
    badge_until: date
    overdue_items: int

    @property
    def in_onboarding(self) -> bool:
        return self.checklist.completed_at is None


def client_onboarding(*, client: Client, today: date | None = None) -> OnboardingState | None:
    """The client's onboarding checklist with progress and the badge: shown for the first
    `onboarding_badge_days` (60) days after signing. None when there is no checklist."""
    today = today or timezone.localdate()
    checklist = OnboardingChecklist.objects.filter(client=client).first()
    if checklist is None:
        return None
    items = list(checklist.items.select_related("owner", "done_by").order_by("position", "id"))
    days = work_settings_for(agency=client.agency_id).onboarding_badge_days
    until = checklist.badge_until(days)
    return OnboardingState(
        checklist=checklist, items=items, done=sum(1 for i in items if i.done_at), total=len(items),
        badge=today <= until, badge_until=until,
        overdue_items=sum(1 for i in items if not i.done_at and i.due_date < today),
    )


def clients_with_onboarding_badge(*, actor: User, today: date | None = None,
                                  settings: WorkSettings | None = None) -> QuerySet[Client]:
    """Visible clients within their first 60 (configurable) days after the first signing.
    `settings`: the agency's work settings when the caller has read them already."""
    from tandem.clients.permissions import clients_visible_to

    employee = actor_employee(actor)
    if employee is None:
        return Client.objects.none()
    today = today or timezone.localdate()
    days = (settings or work_settings_for(agency=employee.agency_id)).onboarding_badge_days
    return clients_visible_to(actor).filter(onboarding__started_on__gte=today - timedelta(days=days))


# ---------------------------------------------------------------- tasks


@dataclass(frozen=True)
class TaskFilters:
    assignee_id: int | None = None
    reviewer_id: int | None = None
    involving_id: int | None = None  # assignee or reviewer
    client_id: int | None = None
    project_id: int | None = None
    group_id: int | None = None
    account_manager_id: int | None = None
    statuses: tuple[str, ...] = field(default_factory=tuple)
    open_only: bool = False
    overdue: bool = False
    search: str = ""


def task_list(*, actor: User, filters: TaskFilters | None = None, today: date | None = None) -> QuerySet[Task]:
    """Visible tasks with project, client, assignee and reviewer joined (no N+1)."""
    f = filters or TaskFilters()
    qs = tasks_visible_to(actor).select_related(
        "project", "project__client", "project__account_manager", "assignee", "reviewer"
    )
    if f.assignee_id:
        qs = qs.filter(assignee_id=f.assignee_id)
    if f.reviewer_id:
        qs = qs.filter(reviewer_id=f.reviewer_id)
    if f.involving_id:
        qs = qs.filter(Q(assignee_id=f.involving_id) | Q(reviewer_id=f.involving_id))
    if f.client_id:
        qs = qs.filter(project__client_id=f.client_id)
    if f.project_id:
        qs = qs.filter(project_id=f.project_id)
    if f.group_id:
        qs = qs.filter(project__client__group_id=f.group_id)
    if f.account_manager_id:
        qs = qs.filter(project__account_manager_id=f.account_manager_id)
    if f.statuses:
        qs = qs.filter(status__in=f.statuses)
    if f.open_only or f.overdue:
        qs = qs.filter(status__in=OPEN_TASK_STATUSES)
    if f.overdue:
        qs = qs.filter(deadline__lt=today or timezone.localdate())
    if f.search:
        qs = qs.filter(Q(title__icontains=f.search) | Q(project__client__legal_name__icontains=f.search)
                       | Q(project__client__brand_name__icontains=f.search))
    return qs.order_by("deadline", "-priority", "id")


def task_detail(*, task: Task) -> Task:
    """The task with its transitions (and who made them) prefetched."""
    return (
        Task.objects.select_related("project", "project__client", "assignee", "reviewer", "created_by")
        .prefetch_related(Prefetch("transitions", queryset=TaskTransition.objects.select_related("changed_by__employee")))
        .get(pk=task.pk)
    )


def overdue_tasks(*, actor: User, today: date | None = None) -> QuerySet[Task]:
    """Tasks visible to the actor that are still open (not done or cancelled) and whose
    deadline is before `today` (default: the local date). Oldest deadline first; project,
    client, assignee and reviewer joined."""
    return task_list(actor=actor, filters=TaskFilters(overdue=True), today=today)


_OVERDUE_GROUPING: dict[str, tuple[str, str]] = {
    "account_manager": ("project__account_manager_id", "project__account_manager__full_name"),
    "specialist": ("assignee_id", "assignee__full_name"),
    "client": ("project__client_id", "project__client__legal_name"),
    "group": ("project__client__group_id", "project__client__group__name"),
}


@dataclass(frozen=True)
class OverdueCount:
    key: int | None
    name: str
    count: int


def overdue_task_counts(*, actor: User, by: str, today: date | None = None) -> list[OverdueCount]:
    """Overdue tasks visible to the actor counted per AM, specialist (assignee), client or
    group, in one query, most overdue first."""
    key, name = _OVERDUE_GROUPING[by]
    rows = (
        overdue_tasks(actor=actor, today=today).order_by().values(key, name)
        .annotate(n=Count("id")).order_by("-n", name)
    )
    return [OverdueCount(key=r[key], name=r[name] or "—", count=r["n"]) for r in rows]


# ---------------------------------------------------------------- time: aggregates


# Sums over whole months read the month rollup (TimeMonthRollup, kept exact by every write of
# time entries: work.services.rollups); the days of a partial month at either edge of a period
# are summed from the raw rows, in the same query (UNION ALL). Issue 16.

_RAW_FIELD = {"client": "project__client_id", "project": "project_id", "employee": "employee_id",
              "agency": "project__agency_id"}
_ROLLUP_FIELD = {"client": "client_id", "project": "project_id", "employee": "employee_id", "agency": "agency_id"}


def whole_months(start: date, end: date) -> tuple[date, date] | None:
    """The whole calendar months inside start..end inclusive as [first, stop) of first days,
    or None when the period holds no whole month."""
    first = start if start.day == 1 else add_months(start, 1)
    stop = (end + timedelta(days=1)).replace(day=1)
    return (first, stop) if first < stop else None


def time_totals(
    *, start: date, end: date, by: str, agency: Agency | int | None = None,
    **within: Iterable[int] | QuerySet[Any],
) -> dict[int, tuple[Decimal, Decimal]]:
    """Staff cost and hours of the time entries dated start..end inclusive, per client, project
    or employee (`by`): {id: (cost, hours)}, one query. Optional filters: the agency, and
    `<client|project|employee>=ids` (a list or a values() queryset). Whole months come from the
    rollup and partial edge months from the raw rows; the sums equal the raw rows' sums."""
    raw_filters: dict[str, Any] = {}
    rollup_filters: dict[str, Any] = {}
    if agency is not None:
        raw_filters[_RAW_FIELD["agency"]] = rollup_filters[_ROLLUP_FIELD["agency"]] = _agency_id(agency)
    for name, ids in within.items():
        raw_filters[f"{_RAW_FIELD[name]}__in"] = rollup_filters[f"{_ROLLUP_FIELD[name]}__in"] = ids
    raw = TimeEntry.objects.filter(**raw_filters)
    months = whole_months(start, end)
    ranges: list[tuple[date, date]] = []  # raw [from, to] inclusive
    parts: list[QuerySet[Any]] = []
    if months is None:
        ranges.append((start, end))
    else:
        first, stop = months
        parts.append(TimeMonthRollup.objects.filter(month__gte=first, month__lt=stop, **rollup_filters)
                     .values(k=F(_ROLLUP_FIELD[by])))
        if start < first:
            ranges.append((start, first - timedelta(days=1)))
        if stop <= end:
            ranges.append((stop, end))
    parts += [raw.filter(date__gte=lo, date__lte=hi).values(k=F(_RAW_FIELD[by])) for lo, hi in ranges]
    queries = [p.annotate(c=Sum("cost"), h=Sum("hours")).values_list("k", "c", "h").order_by() for p in parts]
    rows = queries[0].union(*queries[1:], all=True) if len(queries) > 1 else queries[0]
    totals: dict[int, tuple[Decimal, Decimal]] = {}
    for key, cost, hours in rows:
        c, h = totals.get(key, (ZERO, ZERO))
        totals[key] = (c + (cost or ZERO), h + (hours or ZERO))
    return {key: (to_money(c), to_money(h)) for key, (c, h) in totals.items()}


def time_cost_by_client(*, start: date, end: date, agency: Agency | int) -> dict[int, Decimal]:
    """Staff time cost per client of the agency for entries dated start..end inclusive,
    summed in SQL: {client_id: Decimal}. Cost is hours × the employee's rate valid on the
    entry's date (stored on the entry). Clients without time are absent."""
    return {k: cost for k, (cost, _h) in time_totals(start=start, end=end, by="client", agency=agency).items()}


def hours_by_client(*, start: date, end: date, agency: Agency | int) -> dict[int, Decimal]:
    """Logged hours per client of the agency for entries dated start..end inclusive, summed
    in SQL: {client_id: Decimal}. Clients without time are absent."""
    return {k: hours for k, (_c, hours) in time_totals(start=start, end=end, by="client", agency=agency).items()}


def time_by_client(*, start: date, end: date, agency: Agency | int) -> dict[int, tuple[Decimal, Decimal]]:
    """Staff time cost and logged hours per client of the agency for entries dated start..end
    inclusive, in one SQL pass: {client_id: (cost, hours)}. The same numbers as
    `time_cost_by_client` and `hours_by_client`; clients without time are absent."""
    return time_totals(start=start, end=end, by="client", agency=agency)


def time_entry_list(
    *, actor: User, employee_id: int | None = None, project_id: int | None = None, client_id: int | None = None,
    start: date | None = None, end: date | None = None,
) -> QuerySet[TimeEntry]:
    qs = time_entries_visible_to(actor).select_related("employee", "project", "project__client", "task")
    if employee_id:
        qs = qs.filter(employee_id=employee_id)
    if project_id:
        qs = qs.filter(project_id=project_id)
    if client_id:
        qs = qs.filter(project__client_id=client_id)
    if start:
        qs = qs.filter(date__gte=start)
    if end:
        qs = qs.filter(date__lte=end)
    return qs.order_by("-date", "-id")


@dataclass(frozen=True)
class ProjectMonthRow:
    project: Project
    planned_hours: Decimal
    logged_hours: Decimal
    cost: Decimal

    @property
    def percent(self) -> int | None:
        return round(100 * self.logged_hours / self.planned_hours) if self.planned_hours else None

    @property
    def state(self) -> str:
        pct = self.percent
        return "ok" if pct is None or pct <= 100 else ("warning" if pct <= 120 else "over")


def project_month_projects(
    *, actor: User, month: date, client_id: int | None = None, project_id: int | None = None
) -> QuerySet[Project]:
    """The visible projects of a month's hours report: active ones and any with time logged that
    month (an index lookup per project), ordered by client and name."""
    start, end = month_bounds(month)
    projects = project_list(actor=actor, client_id=client_id)
    if project_id:
        projects = projects.filter(pk=project_id)
    in_month = TimeEntry.objects.filter(project=OuterRef("pk"), date__gte=start, date__lte=end)
    return projects.filter(Q(status=ProjectStatus.ACTIVE) | Q(Exists(in_month)))


def project_month_rows(projects: Iterable[Project], *, month: date) -> list[ProjectMonthRow]:
    """Planned hours (the contract line's monthly plan), logged hours and their cost in `month`
    for these projects (one query over the month's time entries of just these projects)."""
    start, end = month_bounds(month)
    projects = list(projects)
    logged = time_totals(start=start, end=end, by="project", project=[p.pk for p in projects])
    rows = []
    for p in projects:
        cost, hours = logged.get(p.pk, (ZERO, ZERO))
        rows.append(ProjectMonthRow(project=p, planned_hours=p.contract_line.planned_hours_per_month,
                                    logged_hours=to_money(hours or ZERO), cost=to_money(cost or ZERO)))
    return rows


def project_month_summary(
    *, actor: User, month: date, client_id: int | None = None, project_id: int | None = None
) -> list[ProjectMonthRow]:
    """Every row of the month's hours report (two queries). Pages with many projects use
    `project_month_projects` + `project_month_rows` on one page of projects."""
    return project_month_rows(
        project_month_projects(actor=actor, month=month, client_id=client_id, project_id=project_id), month=month
    )


@dataclass(frozen=True)
class EmployeeLoadRow:
    employee: Employee
    logged_hours: Decimal
    capacity_hours: int

    @property
    def percent(self) -> int:
        return round(100 * self.logged_hours / self.capacity_hours) if self.capacity_hours else 0

    @property
    def state(self) -> str:
        return "ok" if self.percent <= 100 else ("warning" if self.percent <= 115 else "over")


def employees_for_load(actor: User) -> QuerySet[Employee]:
    """Whose logged time the actor may compare with capacity: everyone for heads, finance and
    admins; their groups for group heads; themselves otherwise."""
    me = actor_employee(actor)
    if me is None:
        return Employee.objects.none()
    qs = Employee.objects.filter(agency_id=me.agency_id, is_active=True)
    if me.role in ALL_CLIENTS_ROLES:
        return qs
    if me.role == Role.GROUP_HEAD:
        return qs.filter(Q(group_id__in=head_group_ids(me)) | Q(pk=me.pk))
    return qs.filter(pk=me.pk)


def employee_month_load(*, actor: User, month: date) -> list[EmployeeLoadRow]:
    """Logged hours vs monthly capacity per employee the actor may see. Two queries: the month's
    hours per employee (the (employee, date) index), then the people."""
    start, end = month_bounds(month)
    people = employees_for_load(actor)
    logged = {pk: hours for pk, (_c, hours) in
              time_totals(start=start, end=end, by="employee", employee=people.values("pk")).items()}
    return [
        EmployeeLoadRow(employee=e, logged_hours=logged.get(e.pk, ZERO),
                        capacity_hours=e.monthly_capacity_hours)
        for e in people.select_related("group").order_by("group__name", "full_name")
    ]


# ---------------------------------------------------------------- weekly timesheet


@dataclass
class TimesheetCell:
    project_id: int
    day: date
    hours: Decimal
    task_hours: Decimal
    closed: bool
    error: str = ""
    # Some of the cell's time is billed to the client (billing.BilledTime): shown, not edited.
    billed: bool = False

    @property
    def value(self) -> str:
        """Hours for an input box: "7.5", "8", "" for zero (locale-neutral, no trailing zeros)."""
        if not self.hours:
            return ""
        text = f"{self.hours:f}"
        return text.rstrip("0").rstrip(".") if "." in text else text


@dataclass
class TimesheetRow:
    project: Project
    cells: list[TimesheetCell]

    @property
    def total(self) -> Decimal:
        return sum((c.hours for c in self.cells), ZERO)


@dataclass
class TimesheetWeek:
    employee: Employee
    week_start: date
    days: list[date]
    rows: list[TimesheetRow]
    day_totals: list[Decimal]
    closed_days: set[date]

    @property
    def total(self) -> Decimal:
        return sum(self.day_totals, ZERO)

    @property
    def prev_week(self) -> date:
        return self.week_start - timedelta(days=7)

    @property
    def next_week(self) -> date:
        return self.week_start + timedelta(days=7)


def week_start_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def timesheet_projects(*, actor: User, employee: Employee) -> QuerySet[Project]:
    """Active projects the employee works on (specialist, AM or client team) that the actor sees."""
    team_clients = TeamMember.objects.filter(employee=employee).values("client_id")
    return project_list(actor=actor, status=ProjectStatus.ACTIVE).filter(
        Q(specialist=employee) | Q(account_manager=employee) | Q(client_id__in=team_clients)
    )


def timesheet_week(*, actor: User, employee: Employee, week_start: date) -> TimesheetWeek:
    """The employee's week as a grid project × day (Monday first): cell hours, the part
    logged against tasks, whether any of it is billed to the client, day totals and which days
    are in closed months. Four queries."""
    week_start = week_start_of(week_start)
    days = [week_start + timedelta(days=i) for i in range(7)]
    end = days[-1]
    sums: dict[tuple[int, date], tuple[Decimal, Decimal]] = {}
    rows_qs = (
        TimeEntry.objects.filter(employee=employee, date__gte=week_start, date__lte=end)
        .order_by().values("project_id", "date")
        .annotate(h=Sum("hours"), th=Coalesce(Sum("hours", filter=Q(task__isnull=False)), Value(ZERO),
                                             output_field=_DEC),
                  billed=Count("pk", filter=Q(billed_in__isnull=False)))
    )
    billed_cells: set[tuple[int, date]] = set()
    for r in rows_qs:
        sums[(r["project_id"], r["date"])] = (to_money(r["h"]), to_money(r["th"]))
        if r["billed"]:
            billed_cells.add((r["project_id"], r["date"]))
    logged_ids = {pid for pid, _d in sums}
    projects = list(
        project_list(actor=actor).filter(
            Q(pk__in=timesheet_projects(actor=actor, employee=employee).values("pk")) | Q(pk__in=logged_ids)
        )
    )
    months = {d.replace(day=1) for d in days}
    closed = set(
        ClosedMonth.objects.filter(agency_id=employee.agency_id, month__in=months).values_list("month", flat=True)
    )
    closed_days = {d for d in days if d.replace(day=1) in closed}
    rows = [
        TimesheetRow(project=p, cells=[
            TimesheetCell(project_id=p.pk, day=d, hours=sums.get((p.pk, d), (ZERO, ZERO))[0],
                          task_hours=sums.get((p.pk, d), (ZERO, ZERO))[1], closed=d in closed_days,
                          billed=(p.pk, d) in billed_cells)
            for d in days
        ])
        for p in projects
    ]
    day_totals_map: dict[date, Decimal] = defaultdict(lambda: ZERO)
    for (_pid, d), (h, _th) in sums.items():
        day_totals_map[d] += h
    return TimesheetWeek(employee=employee, week_start=week_start, days=days, rows=rows,
                         day_totals=[day_totals_map[d] for d in days], closed_days=closed_days)


def employee_day_total(*, employee: Employee, day: date) -> Decimal:
    return to_money(TimeEntry.objects.filter(employee=employee, date=day).aggregate(t=Sum("hours"))["t"] or ZERO)


# ---------------------------------------------------------------- client card panel


@dataclass
class ClientWork:
    client: Client
    contracts: Sequence[Contract]
    projects: list[Project]
    open_tasks: list[Task]
    waiting_stages: list[StageWaiting]
    onboarding: OnboardingState | None
    extra: dict[str, Any] = field(default_factory=dict)


def client_work_overview(*, actor: User, client: Client, today: date | None = None) -> ClientWork:
    """Contracts, projects, open tasks, stages waiting for the client and onboarding of one
    visible client, for the client card (a fixed number of queries)."""
    contracts = list(
        Contract.objects.filter(client=client).annotate(line_count=Count("lines")).order_by("-date", "-id")
    )
    projects = list(project_list(actor=actor, client_id=client.pk))
    open_tasks = list(task_list(actor=actor, filters=TaskFilters(client_id=client.pk, open_only=True))[:20])
    waiting = list(stages_waiting_for_client(actor=actor, today=today).filter(project__client=client))
    return ClientWork(client=client, contracts=contracts, projects=projects, open_tasks=open_tasks,
                      waiting_stages=waiting, onboarding=client_onboarding(client=client, today=today))


# ---------------------------------------------------------------- "My day" of specialists and AMs


def tasks_assigned_open(*, actor: User, employee_ids: Sequence[int]) -> QuerySet[Task]:
    """Open tasks assigned to these employees that the actor sees, nearest deadline first
    (tasks without a deadline last)."""
    return (
        task_list(actor=actor, filters=TaskFilters(open_only=True))
        .filter(assignee_id__in=list(employee_ids))
        .order_by(F("deadline").asc(nulls_last=True), "-priority", "id")
    )


def tasks_to_review(*, actor: User, reviewer_ids: Sequence[int]) -> QuerySet[Task]:
    """Tasks waiting for these reviewers to accept them or send them back (status review),
    oldest deadline first."""
    return (
        task_list(actor=actor, filters=TaskFilters(statuses=(TaskStatus.REVIEW,)))
        .filter(reviewer_id__in=list(reviewer_ids))
        .order_by(F("deadline").asc(nulls_last=True), "id")
    )


STAGES_TO_PREPARE = (StageStatus.PLANNED, StageStatus.IN_WORK, StageStatus.CHANGES_REQUESTED)


def stages_to_prepare(*, actor: User, specialist_ids: Sequence[int]) -> QuerySet[Stage]:
    """Stages of active projects these specialists work on that still need work before the
    client sees them (planned, in work, or with the client's remarks), nearest due date first."""
    return (
        Stage.objects.filter(project__in=projects_visible_to(actor), project__status=ProjectStatus.ACTIVE,
                             project__specialist_id__in=list(specialist_ids), status__in=STAGES_TO_PREPARE)
        .select_related("project", "project__client")
        .order_by(F("due_date").asc(nulls_last=True), "id")
    )


def stages_to_send(*, actor: User, am_ids: Sequence[int]) -> QuerySet[Stage]:
    """Stages of these AMs' projects ready to go to the client: in work or reworked after
    remarks (the AM sends them once the deliverable is attached), nearest due date first."""
    return (
        Stage.objects.filter(project__in=projects_visible_to(actor), project__account_manager_id__in=list(am_ids),
                             status__in=(StageStatus.IN_WORK, StageStatus.CHANGES_REQUESTED))
        .select_related("project", "project__client")
        .order_by(F("due_date").asc(nulls_last=True), "id")
    )


@dataclass(frozen=True)
class TimesheetGap:
    day: date
    logged: Decimal
    norm: Decimal

    @property
    def missing(self) -> Decimal:
        return self.norm - self.logged


# A full-time working day and month: the norm of a day scales with the employee's capacity.
FULL_DAY_HOURS = Decimal("8")
FULL_MONTH_HOURS = Decimal("160")


def day_norm(*, employee: Employee) -> Decimal:
    """Hours a working day asks of the employee: 8 for full time (a monthly capacity of 160 h),
    in proportion for others (80 h a month: 4 h a day). Which days are working days is the
    working calendar's business (`timesheet_gaps`)."""
    return to_money(FULL_DAY_HOURS * Decimal(employee.monthly_capacity_hours) / FULL_MONTH_HOURS)


def timesheet_gaps(*, employee: Employee, today: date, work_calendar: WorkCalendar | None = None) -> list[TimesheetGap]:
    """Working days of the current week up to `today` (public holidays and moved days off of the
    working calendar excluded) on which the employee logged fewer hours than the day norm
    (`day_norm`). One query."""
    cal = work_calendar or WorkCalendar()
    start = week_start_of(today)
    days = [start + timedelta(days=i) for i in range((today - start).days + 1)]
    logged = dict(
        TimeEntry.objects.filter(employee=employee, date__gte=start, date__lte=today)
        .order_by().values("date").annotate(h=Sum("hours")).values_list("date", "h")
    )
    norm = day_norm(employee=employee)
    gaps = []
    for d in days:
        if not cal.is_working_day(d):
            continue
        hours = to_money(logged.get(d) or ZERO)
        if hours < norm:
            gaps.append(TimesheetGap(day=d, logged=hours, norm=norm))
    return gaps
