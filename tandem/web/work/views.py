"""Work pages: tasks, projects with stages and client approvals, onboarding, the weekly
timesheet (htmx, cell by cell), hours reports, closed months, cost rates and the client-card
panel. Views parse input, look objects up through scoped lookups, call one service, render."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import localize
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from tandem.billing.services import retainer_alerts_after_time
from tandem.clients import selectors as client_selectors
from tandem.clients.permissions import client_get_for
from tandem.core.errors import ApplicationError
from tandem.org.models import Employee
from tandem.org.permissions import actor_employee, employee_get_for, employees_visible_to
from tandem.reports.exports import Sheet, iterate
from tandem.web.contracts.retainers import project_retainer_block
from tandem.web.decorators import AuthedRequest, employee_required
from tandem.web.exports import wants_xlsx, xlsx_response, xlsx_sheets_response
from tandem.web.forms_util import add_domain_error
from tandem.work import permissions as perms
from tandem.work import selectors, services
from tandem.work.models import TaskStatus

from . import my_day  # noqa: F401  (registers the My-day sections and reminder sources)
from .exports import employee_load_columns, project_hours_columns, project_hours_rows, task_columns
from .forms import (
    CostRateForm,
    MonthForm,
    StageAnswerForm,
    StageForm,
    StageSendForm,
    TaskFilterForm,
    TaskForm,
    TaskTransitionForm,
)

TS = TaskStatus
# Projects per page of the hours report (a head of accounts has thousands of active projects).
HOURS_PAGE_SIZE = 50


def _me(request: AuthedRequest) -> Employee:
    me = actor_employee(request.user)
    assert me is not None  # employee_required
    return me


def _error_text(exc: ValidationError | ApplicationError) -> str:
    return exc.message if isinstance(exc, ApplicationError) else " ".join(exc.messages)


def _month_param(request: AuthedRequest) -> date:
    raw = request.GET.get("month", "")
    for fmt in ("%Y-%m", "%Y-%m-%d"):
        try:
            return datetime.strptime(raw, fmt).date().replace(day=1)
        except ValueError:
            continue
    return timezone.localdate().replace(day=1)


# ---------------------------------------------------------------- tasks


TASK_PAGE_SIZE = 50


TASK_TABLE_FIELDS = (
    "title", "deadline", "priority", "status", "project_id", "assignee_id", "reviewer_id",
    "project__name", "project__client_id", "project__account_manager_id",
    "project__client__brand_name", "project__client__legal_name",
    "project__account_manager__full_name", "assignee__full_name", "reviewer__full_name",
)


@employee_required
def task_list(request: AuthedRequest) -> HttpResponse | FileResponse:
    me = _me(request)
    form = TaskFilterForm(request.GET or None)
    scope, status, overdue, q = "mine", "", False, ""
    if form.is_valid():
        scope = form.cleaned_data["scope"] or "mine"
        status, overdue, q = form.cleaned_data["status"], form.cleaned_data["overdue"], form.cleaned_data["q"]
    filters = selectors.TaskFilters(
        involving_id=me.pk if scope == "mine" else None,
        reviewer_id=me.pk if scope == "review" else None,
        statuses=(TS.REVIEW,) if scope == "review" else ((status,) if status not in ("", "any") else ()),
        open_only=status == "", overdue=overdue, search=q,
    )
    tasks = selectors.task_list(actor=request.user, filters=filters)
    if wants_xlsx(request):
        return xlsx_response(task_columns(), iterate(tasks), _("Задачи"))
    # Only the columns the table shows (issue 16): fifty full task, project, client and two employee
    # rows cost more to build than the query.
    tasks = tasks.only(*TASK_TABLE_FIELDS)
    page = Paginator(tasks, TASK_PAGE_SIZE).get_page(request.GET.get("page"))
    ctx = {"form": form, "tasks": page.object_list, "page": page, "today": timezone.localdate(),
           "overdue_by_am": selectors.overdue_task_counts(actor=request.user, by="account_manager")
           if me.role != "specialist" else [],
           "can_edit_settings": perms.can_edit_work_settings(request.user)}
    return render(request, "web/work/_task_table.html" if request.htmx else "web/work/task_list.html", ctx)


@employee_required
def task_create(request: AuthedRequest) -> HttpResponse:
    project = perms.project_get_for(request.user, request.GET.get("project") or request.POST.get("project") or 0)
    form = TaskForm(request.POST or None, employees=employees_visible_to(request.user),
                    initial={"assignee": project.specialist_id, "reviewer": project.account_manager_id})
    if request.method == "POST" and form.is_valid():
        try:
            task = services.task_create(actor=request.user, project=project, data=form.cleaned_data)
        except (ValidationError, ApplicationError) as exc:
            add_domain_error(form, exc)
        else:
            return redirect("web:task_detail", pk=task.pk)
    return render(request, "web/work/task_form.html", {"form": form, "project": project})


if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# Keyed by the status value as stored (a str), as in `task.status`.
TASK_ACTIONS: dict[str, list[tuple[TaskStatus, StrOrPromise, str]]] = {
    TS.NEW: [(TS.IN_PROGRESS, gettext_lazy("Взять в работу"), "assignee"), (TS.CANCELLED, gettext_lazy("Отменить"), "manager")],
    TS.IN_PROGRESS: [(TS.REVIEW, gettext_lazy("На проверку"), "assignee"), (TS.CANCELLED, gettext_lazy("Отменить"), "manager")],
    TS.REVIEW: [(TS.DONE, gettext_lazy("Принять"), "reviewer"), (TS.CHANGES_REQUESTED, gettext_lazy("Вернуть на доработку"), "reviewer"),
                (TS.CANCELLED, gettext_lazy("Отменить"), "manager")],
    TS.CHANGES_REQUESTED: [(TS.IN_PROGRESS, gettext_lazy("Взять в работу"), "assignee"), (TS.REVIEW, gettext_lazy("На проверку"), "assignee"),
                           (TS.CANCELLED, gettext_lazy("Отменить"), "manager")],
}


@employee_required
def task_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    task = perms.task_get_for(request.user, pk)
    me = _me(request)
    form = TaskTransitionForm(request.POST or None)
    status_code = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.task_change_status(actor=request.user, task=task, to_status=form.cleaned_data["to_status"],
                                            comment=form.cleaned_data["comment"])
            except (ValidationError, ApplicationError) as exc:
                add_domain_error(form, exc)
                status_code = 403 if isinstance(exc, ApplicationError) and exc.status_code == 403 else 400
            else:
                return redirect("web:task_detail", pk=task.pk)
        else:
            status_code = 400
    task = selectors.task_detail(task=task)
    is_manager = perms.can_manage_project(request.user, task.project)
    allowed = {
        "assignee": task.assignee_id == me.pk or task.reviewer_id == me.pk or is_manager,
        "reviewer": task.reviewer_id == me.pk,
        "manager": task.reviewer_id == me.pk or is_manager,
    }
    actions = [(s, label) for s, label, who in TASK_ACTIONS.get(task.status, []) if allowed[who]]
    return render(request, "web/work/task_detail.html", {
        "task": task, "form": form, "actions": actions, "today": timezone.localdate(),
        "can_edit": task.is_open and perms.can_edit_task(request.user, task),
        "transitions": list(task.transitions.all()),
        "entries": list(selectors.time_entry_list(actor=request.user).filter(task=task)[:50]),
    }, status=status_code)


# ---------------------------------------------------------------- projects and stages


def _client_contacts(request: AuthedRequest, project: Any) -> list[Any]:
    """The project client's current contacts, once per page: the choices of «who answered»."""
    return list(client_selectors.contact_list(actor=request.user, client=project.client).filter(is_active=True))


def _stage_context(request: AuthedRequest, stage: Any, *, contacts: list[Any], **extra: Any) -> dict[str, Any]:
    project = stage.project
    ctx = {
        "stage": stage, "submissions": list(stage.submissions.all()),
        "can_manage": perms.can_manage_project(request.user, project),
        "can_work": perms.can_work_on_project(request.user, project),
        "send_form": StageSendForm(initial={"deliverable_url": stage.deliverable_url}, prefix=f"s{stage.pk}"),
        "answer_form": StageAnswerForm(prefix=f"a{stage.pk}", contacts=contacts),
        "error": "",
    }
    ctx.update(extra)
    return ctx


@employee_required
def project_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    project = perms.project_get_for(request.user, pk)
    month = _month_param(request)
    form = StageForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.stage_create(actor=request.user, project=project, data=form.cleaned_data)
            except (ValidationError, ApplicationError) as exc:
                add_domain_error(form, exc)
            else:
                return redirect("web:project_detail", pk=project.pk)
    stages = list(selectors.project_stages(project=project))
    contacts = _client_contacts(request, project)
    summary = selectors.project_month_summary(actor=request.user, month=month, project_id=project.pk)
    return render(request, "web/work/project_detail.html", {
        "project": project, "stage_form": form, "month": month,
        "stage_blocks": [_stage_context(request, s, contacts=contacts) for s in stages],
        "tasks": list(selectors.task_list(actor=request.user,
                                          filters=selectors.TaskFilters(project_id=project.pk, open_only=True))),
        "summary": summary[0] if summary else None, "show_cost": perms.can_view_cost(request.user),
        "can_manage": perms.can_manage_project(request.user, project),
        "can_work": perms.can_work_on_project(request.user, project), "today": timezone.localdate(),
        "retainer_blocks": [b for b in [project_retainer_block(request.user, project)] if b],
    })


@employee_required
@require_POST
def stage_action(request: AuthedRequest, pk: int, action: str) -> HttpResponse:
    """start / send / answer a stage; htmx gets the stage block back (errors shown in it)."""
    stage = perms.stage_get_for(request.user, pk)
    error = ""
    contacts = _client_contacts(request, stage.project)
    send_form = StageSendForm(request.POST, prefix=f"s{stage.pk}")
    answer_form = StageAnswerForm(request.POST, prefix=f"a{stage.pk}", contacts=contacts)
    try:
        if action == "start":
            services.stage_start(actor=request.user, stage=stage)
        elif action == "send" and send_form.is_valid():
            services.stage_send(actor=request.user, stage=stage, note=send_form.cleaned_data["note"],
                                deliverable_url=send_form.cleaned_data["deliverable_url"] or None)
        elif action == "answer" and answer_form.is_valid():
            answered_on = answer_form.cleaned_data["answered_on"]
            answered_at = None
            if answered_on and answered_on != timezone.localdate():
                answered_at = timezone.make_aware(datetime.combine(answered_on, time(12, 0)))
            services.stage_record_answer(
                actor=request.user, stage=stage, decision=answer_form.cleaned_data["decision"],
                comment=answer_form.cleaned_data["comment"], answered_at=answered_at,
                contact=answer_form.cleaned_data["contact"],
            )
        else:
            error = _("Проверьте поля формы.")
    except (ValidationError, ApplicationError) as exc:
        error = _error_text(exc)
        form = answer_form if action == "answer" else send_form if action == "send" else None
        if form is not None and isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
            # The service says answered_at/sent_at; the forms ask for a date: show it there.
            fields = {"answered_at": "answered_on"}
            add_domain_error(form, ValidationError(
                {fields.get(k, k): v for k, v in exc.error_dict.items()}))
            error = _("Проверьте поля формы.")
    stage = selectors.project_stages(project=stage.project).select_related("project", "project__client").get(pk=pk)
    if not request.htmx:
        if error:
            messages.error(request, error)
        return redirect("web:project_detail", pk=stage.project_id)
    ctx = _stage_context(request, stage, contacts=contacts, error=error)
    if error and action == "send":
        ctx["send_form"] = send_form
    if error and action == "answer":
        ctx["answer_form"] = answer_form
    return render(request, "web/work/_stage.html", ctx)


# ---------------------------------------------------------------- onboarding


@employee_required
@require_POST
def onboarding_toggle(request: AuthedRequest, pk: int) -> HttpResponse:
    item = perms.onboarding_item_get_for(request.user, pk)
    error = ""
    try:
        services.onboarding_item_set_done(actor=request.user, item=item, done=request.POST.get("done") == "1")
    except (ValidationError, ApplicationError) as exc:
        error = _error_text(exc)
    client = item.checklist.client
    if not request.htmx:
        if error:
            messages.error(request, error)
        return redirect("web:client_work_panel", pk=client.pk)
    return render(request, "web/work/_onboarding.html", {
        "onboarding": selectors.client_onboarding(client=client), "today": timezone.localdate(), "error": error})


# ---------------------------------------------------------------- timesheet


def _timesheet_employee(request: AuthedRequest) -> Employee:
    me = _me(request)
    raw = request.GET.get("employee") or request.POST.get("employee")
    if raw and str(raw) != str(me.pk):
        employee = employee_get_for(request.user, raw)
        if employee not in {r.employee for r in selectors.employee_month_load(actor=request.user,
                                                                            month=timezone.localdate())}:
            from tandem.core.errors import NotFound

            raise NotFound()
        return employee
    return me


@employee_required
def timesheet(request: AuthedRequest) -> HttpResponse:
    employee = _timesheet_employee(request)
    try:
        week_start = date.fromisoformat(request.GET.get("week", ""))
    except ValueError:
        week_start = timezone.localdate()
    week = selectors.timesheet_week(actor=request.user, employee=employee, week_start=week_start)
    return render(request, "web/work/timesheet.html", {
        "week": week, "employee": employee, "today": timezone.localdate(),
        "editable": employee.pk == _me(request).pk or _me(request).role in perms.TIME_ADMIN_ROLES,
    })


@employee_required
@require_POST
def timesheet_cell(request: AuthedRequest) -> HttpResponse:
    """Save one cell; answer with the cell (value or the error in place) and, out of band,
    the day's total."""
    employee = _timesheet_employee(request)
    project = perms.project_get_for(request.user, request.POST.get("project") or 0)
    try:
        day = date.fromisoformat(request.POST.get("date", ""))
    except ValueError:
        return HttpResponse(status=400)
    raw = request.POST.get("hours", "")
    error = ""
    try:
        hours = services.timesheet_cell_set(actor=request.user, employee=employee, project=project, day=day,
                                            hours=raw)
        retainer_alerts_after_time(project=project)
    except (ValidationError, ApplicationError) as exc:
        error = _error_text(exc)
        hours = None
    cell = selectors.TimesheetCell(project_id=project.pk, day=day, hours=hours if hours is not None else Decimal(0),
                                   task_hours=Decimal(0),
                                   closed=selectors.is_month_closed(agency_id=project.agency_id, day=day),
                                   error=error)
    return render(request, "web/work/_timesheet_cell.html", {
        "cell": cell, "raw": raw if error else None, "employee": employee, "editable": True, "oob_total": True,
        "day_total": selectors.employee_day_total(employee=employee, day=day), "day_index": day.weekday(),
    })


# ---------------------------------------------------------------- reports, months, rates


@employee_required
def hours_report(request: AuthedRequest) -> HttpResponse | FileResponse:
    """Planned vs logged hours per project (50 projects a page) and logged hours vs capacity per
    employee, for one month."""
    month = _month_param(request)
    projects = selectors.project_month_projects(actor=request.user, month=month)
    if wants_xlsx(request):
        return xlsx_sheets_response([
            Sheet(_("По проектам"), project_hours_columns(show_cost=perms.can_view_cost(request.user)),
                  project_hours_rows(projects, month=month)),
            Sheet(_("По сотрудникам"), employee_load_columns(),
                  selectors.employee_month_load(actor=request.user, month=month)),
        ], _("Часы %(month)s") % {"month": f"{month:%m.%Y}"})
    page = Paginator(projects, HOURS_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "web/work/hours.html", {
        "month": month, "prev": (month - timedelta(days=1)).replace(day=1),
        "next": (month + timedelta(days=32)).replace(day=1),
        "page": page, "projects": selectors.project_month_rows(page.object_list, month=month),
        "employees": selectors.employee_month_load(actor=request.user, month=month),
        "show_cost": perms.can_view_cost(request.user),
    })


@employee_required
def closed_months(request: AuthedRequest) -> HttpResponse:
    me = _me(request)
    form = MonthForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                if request.POST.get("action") == "reopen":
                    services.month_reopen(actor=request.user, month=form.cleaned_data["month"])
                else:
                    services.month_close(actor=request.user, month=form.cleaned_data["month"])
            except (ValidationError, ApplicationError) as exc:
                add_domain_error(form, exc)
                return render(request, "web/work/closed_months.html", {
                    "form": form, "months": list(selectors.closed_months(agency=me.agency_id)),
                    "can_close": perms.can_close_months(request.user)},
                    status=403 if isinstance(exc, ApplicationError) else 400)
            return redirect("web:closed_months")
    return render(request, "web/work/closed_months.html", {
        "form": form, "months": list(selectors.closed_months(agency=me.agency_id)),
        "can_close": perms.can_close_months(request.user)})


@employee_required
def cost_rates(request: AuthedRequest) -> HttpResponse:
    if not perms.can_set_cost_rates(request.user):
        from tandem.core.errors import NotFound

        raise NotFound()
    employees = employees_visible_to(request.user).filter(is_active=True)
    form = CostRateForm(request.POST or None, employees=employees)
    if request.method == "POST" and form.is_valid():
        try:
            services.cost_rate_set(actor=request.user, **form.cleaned_data)
        except (ValidationError, ApplicationError) as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Ставка сохранена, записи времени пересчитаны."))
            return redirect("web:cost_rates")
    from tandem.work.models import EmployeeCostRate

    history = EmployeeCostRate.objects.filter(employee__in=employees).order_by(
        "employee__full_name", "-valid_from").values_list("employee__full_name", "valid_from", "rate")
    # Every rate of every employee (a thousand rows at factor 1): written once here, not per cell.
    rows = [(name, f"{since:%d.%m.%Y}", localize(rate)) for name, since, rate in history]
    return render(request, "web/work/cost_rates.html", {"form": form, "history": rows})


# ---------------------------------------------------------------- client card panel


@employee_required
def client_work_panel(request: AuthedRequest, pk: int) -> HttpResponse:
    """Contracts, projects, open tasks, waiting stages and onboarding of one client; the
    client card loads it with hx-get."""
    client = client_get_for(request.user, pk)
    overview = selectors.client_work_overview(actor=request.user, client=client)
    from tandem.contracts.permissions import can_manage_contracts

    ctx = {"w": overview, "onboarding": overview.onboarding, "today": timezone.localdate(),
           "can_contract": can_manage_contracts(request.user, client),
           # Who may record the client's answer right here (the services check it again).
           "answerable": {s.pk for s in overview.waiting_stages if perms.can_manage_project(request.user, s.project)},
           "me_id": _me(request).pk}
    if request.htmx:
        return render(request, "web/work/_client_work_panel.html", ctx)
    return render(request, "web/work/client_work.html", ctx)
