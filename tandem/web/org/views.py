"""Organisation pages: the team's client load, groups, employees and agency limits.

Everyone in the agency sees the directory and the load; only org managers
(tandem.org.permissions.can_manage_org) get the edit pages, everyone else a 404.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.middleware import HtmxDetails

from tandem.clients.selectors import Workload, workload_list
from tandem.core.errors import ApplicationError
from tandem.org import selectors, services
from tandem.org.models import Employee, User
from tandem.org.permissions import (
    actor_agency,
    can_manage_org,
    employee_get_for,
    employees_visible_to,
    group_get_for,
    groups_visible_to,
)
from tandem.web.decorators import employee_required
from tandem.web.forms_util import add_domain_error

from .forms import (
    AgencyForm,
    EmployeeCreateForm,
    EmployeeFilterForm,
    EmployeeForm,
    GroupFilterForm,
    GroupForm,
)


class AuthedRequest(HttpRequest):
    """What employee_required guarantees: a logged-in user (with an active employee)."""

    user: User  # type: ignore[assignment]
    htmx: HtmxDetails


def _require_org_manager(request: AuthedRequest) -> None:
    if not can_manage_org(request.user):
        raise Http404()


@dataclass(frozen=True)
class LoadBar:
    """One AM's row of the load chart; positions are percent of the common scale."""

    load: Workload
    fill_pct: float
    soft_pct: float
    hard_pct: float


def _bars(loads: list[Workload]) -> list[LoadBar]:
    scale = 1.05 * max([1] + [max(w.active_clients, w.hard_limit) for w in loads])

    def pct(value: int) -> float:
        return round(100 * value / scale, 1)

    return [LoadBar(w, pct(w.active_clients), pct(w.soft_limit), pct(w.hard_limit)) for w in loads]


@employee_required
def team_load(request: AuthedRequest) -> HttpResponse:
    """Active clients of each AM against the soft and hard limits, optionally for one group."""
    groups = groups_visible_to(request.user)
    filter_form = GroupFilterForm(request.GET or None, groups=groups)
    group_id = filter_form.group_id() if request.GET else None
    loads = workload_list(actor=request.user, group_id=group_id)
    context = {
        "filter_form": filter_form,
        "bars": _bars(loads),
        "total": sum(w.active_clients for w in loads),
        "over_soft": sum(1 for w in loads if w.state == "warning"),
        "over_hard": sum(1 for w in loads if w.state == "over"),
        "can_manage": can_manage_org(request.user),
        "agency": actor_agency(request.user),
        "tab": "load",
    }
    return render(request, "web/org/team_load.html", context)


@employee_required
def group_list(request: AuthedRequest) -> HttpResponse:
    context = {
        "groups": selectors.group_list(actor=request.user),
        "can_manage": can_manage_org(request.user),
        "tab": "groups",
    }
    return render(request, "web/org/group_list.html", context)


def _group_form_page(request: AuthedRequest, form: GroupForm, title: str) -> HttpResponse:
    return render(request, "web/org/form.html", {"form": form, "title": title, "back": reverse("web:group_list")})


@employee_required
@require_http_methods(["GET", "POST"])
def group_create(request: AuthedRequest) -> HttpResponse:
    _require_org_manager(request)
    employees = employees_visible_to(request.user).filter(is_active=True)
    form = GroupForm(request.POST or None, employees=employees)
    if request.method == "POST" and form.is_valid():
        try:
            group = services.group_create(actor=request.user, data=form.domain_data())
        except (ValidationError, ApplicationError) as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Группа «%(name)s» создана.") % {"name": group.name})
            return redirect("web:group_list")
    return _group_form_page(request, form, _("Новая группа"))


@employee_required
@require_http_methods(["GET", "POST"])
def group_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    _require_org_manager(request)
    group = group_get_for(request.user, pk)
    title = _("Группа: %(name)s") % {"name": group.name}
    employees = employees_visible_to(request.user).filter(is_active=True)
    initial = {name: getattr(group, name) for name in services.GROUP_FIELDS}
    form = GroupForm(request.POST or None, initial=initial, employees=employees)
    if request.method == "POST" and form.is_valid():
        try:
            services.group_update(actor=request.user, group=group, data=form.domain_data())
        except (ValidationError, ApplicationError) as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Группа сохранена."))
            return redirect("web:group_list")
    return _group_form_page(request, form, title)


@employee_required
def employee_list(request: AuthedRequest) -> HttpResponse:
    groups = groups_visible_to(request.user)
    filter_form = EmployeeFilterForm(request.GET or None, groups=groups)
    values = filter_form.values() if request.GET else {}
    context = {
        "filter_form": filter_form,
        "employees": selectors.employee_list(actor=request.user, **values),
        "can_manage": can_manage_org(request.user),
        "tab": "employees",
    }
    return render(request, "web/org/employee_list.html", context)


@employee_required
@require_http_methods(["GET", "POST"])
def employee_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    _require_org_manager(request)
    employee = employee_get_for(request.user, pk)
    title = employee.full_name
    initial = {name: getattr(employee, name) for name in services.EMPLOYEE_FIELDS}
    form = EmployeeForm(request.POST or None, initial=initial, groups=groups_visible_to(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            services.employee_update(actor=request.user, employee=employee, data=form.domain_data())
        except (ValidationError, ApplicationError) as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Сотрудник «%(name)s» сохранён.") % {"name": employee.full_name})
            return redirect("web:employee_list")
    return _employee_form_page(request, form, title, employee=employee)


def _employee_form_page(
    request: AuthedRequest, form: EmployeeForm | EmployeeCreateForm, title: str, *, employee: Employee | None = None,
    deactivate_errors: list[str] | None = None,
) -> HttpResponse:
    context = {"form": form, "title": title, "back": reverse("web:employee_list"), "employee": employee,
               "deactivate_errors": deactivate_errors or []}
    return render(request, "web/org/employee_form.html", context)


@employee_required
@require_http_methods(["GET", "POST"])
def employee_create(request: AuthedRequest) -> HttpResponse:
    """Hire: heads of accounts and admins create the login and the employee in one form."""
    _require_org_manager(request)
    form = EmployeeCreateForm(request.POST or None, groups=groups_visible_to(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            employee = services.employee_create(actor=request.user, data=form.domain_data(), **form.account_data())
        except (ValidationError, ApplicationError) as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Сотрудник «%(name)s» добавлен.") % {"name": employee.full_name})
            return redirect("web:employee_list")
    return _employee_form_page(request, form, _("Новый сотрудник"))


@employee_required
@require_POST
def employee_deactivate(request: AuthedRequest, pk: int) -> HttpResponse:
    """The "deactivate" button of the edit page; refused (in place) while they carry served clients."""
    _require_org_manager(request)
    employee = employee_get_for(request.user, pk)
    try:
        services.employee_deactivate(actor=request.user, employee=employee)
    except ValidationError as exc:
        employee.refresh_from_db()
        initial = {name: getattr(employee, name) for name in services.EMPLOYEE_FIELDS}
        form = EmployeeForm(initial=initial, groups=groups_visible_to(request.user))
        return _employee_form_page(request, form, employee.full_name, employee=employee,
                                   deactivate_errors=exc.messages)
    messages.success(request, _("Сотрудник «%(name)s» больше не работает.") % {"name": employee.full_name})
    return redirect("web:employee_list")


@employee_required
@require_http_methods(["GET", "POST"])
def agency_edit(request: AuthedRequest) -> HttpResponse:
    """Agency name and the default AM limits (soft: warn; hard: only the head may exceed)."""
    _require_org_manager(request)
    agency = actor_agency(request.user)
    assert agency is not None  # employee_required guarantees an active employee
    initial = {name: getattr(agency, name) for name in services.AGENCY_FIELDS}
    form = AgencyForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.agency_update(actor=request.user, agency=agency, data=form.domain_data())
        except (ValidationError, ApplicationError) as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Настройки агентства сохранены."))
            return redirect("web:team_load")
    return render(
        request, "web/org/form.html",
        {"form": form, "title": _("Агентство и лимиты нагрузки"), "back": reverse("web:team_load")},
    )
