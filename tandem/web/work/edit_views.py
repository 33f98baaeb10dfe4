"""Work pages that edit what the API could already change: a task (with its Markdown brief), a
stage (with its deliverable link or file, downloaded through a view that checks visibility),
the agency's onboarding template and the work settings. Views parse input, look objects up
through scoped lookups, call one service, render; errors show next to their field."""

from __future__ import annotations

import posixpath
from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from tandem.core.errors import ApplicationError, NotFound
from tandem.org.permissions import actor_employee, employees_visible_to
from tandem.web.decorators import AuthedRequest, employee_required
from tandem.web.forms_util import add_domain_error
from tandem.work import permissions as perms
from tandem.work import selectors, services
from tandem.work.models import OnboardingTemplateItem, Stage

from .forms import StageEditForm, TaskEditForm, TemplateItemForm, WorkSettingsForm

TASK_FIELDS = ("title", "brief", "deadline", "estimate_hours", "priority")

# ---------------------------------------------------------------- tasks


@employee_required
def task_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    """Edit a task's title, Markdown brief, people, deadline, estimate and priority: those who
    run the project and the reviewer (tandem.work.permissions.can_edit_task)."""
    task = perms.task_get_for(request.user, pk)
    if not perms.can_edit_task(request.user, task):
        raise HttpForbidden()
    initial: dict[str, Any] = {name: getattr(task, name) for name in TASK_FIELDS}
    initial.update(assignee=task.assignee_id, reviewer=task.reviewer_id)
    form = TaskEditForm(request.POST or None, employees=employees_visible_to(request.user), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.task_update(actor=request.user, task=task, data=form.cleaned_data)
        except (ValidationError, ApplicationError) as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Задача сохранена."))
            return redirect("web:task_detail", pk=task.pk)
    return render(request, "web/work/task_edit.html", {"form": form, "task": task},
                  status=400 if form.errors else 200)


# ---------------------------------------------------------------- stages


def _file_name(stage: Stage) -> str:
    return posixpath.basename(stage.deliverable_file.name or "") if stage.deliverable_file else ""


def _stage_data(form: StageEditForm) -> dict[str, Any]:
    data = {name: form.cleaned_data[name] for name in ("title", "due_date", "deliverable_url")}
    if form.cleaned_data["deliverable_file"]:
        data["deliverable_file"] = form.cleaned_data["deliverable_file"]
    elif form.cleaned_data["remove_file"]:
        data["deliverable_file"] = None
    return data


@employee_required
def stage_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    """The stage page: title, due date and the deliverable as a link or an uploaded file (at
    most 25 MB). Whoever works on the project (tandem.work.permissions.can_edit_stage)."""
    stage = perms.stage_get_for(request.user, pk)
    if not perms.can_edit_stage(request.user, stage):
        raise HttpForbidden()
    initial = {"title": stage.title, "due_date": stage.due_date, "deliverable_url": stage.deliverable_url}
    form = StageEditForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.stage_update(actor=request.user, stage=stage, data=_stage_data(form))
        except (ValidationError, ApplicationError) as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Этап сохранён."))
            return redirect(reverse("web:project_detail", args=[stage.project_id]) + f"#stage-{stage.pk}")
    if form.errors:
        stage.refresh_from_db()  # the service may have set fields before refusing
    return render(request, "web/work/stage_edit.html", {"form": form, "stage": stage, "file_name": _file_name(stage)},
                  status=400 if form.errors else 200)


@employee_required
def stage_file(request: AuthedRequest, pk: int) -> HttpResponse:
    """Download the stage's deliverable, only for those who see the stage (404 otherwise); the
    file is never linked through the public media URL."""
    stage = perms.stage_get_for(request.user, pk)
    if not stage.deliverable_file:
        raise NotFound()
    try:
        handle = stage.deliverable_file.open("rb")
    except FileNotFoundError:
        raise NotFound() from None
    response = FileResponse(handle, as_attachment=True, filename=_file_name(stage))
    # Streamed, not an HttpResponse subclass; employee_required passes any response through.
    return cast(HttpResponse, response)


# ---------------------------------------------------------------- onboarding template, work settings


def _require_settings_editor(request: AuthedRequest) -> None:
    """The settings pages exist only for heads of accounts and admins."""
    if not perms.can_edit_work_settings(request.user):
        raise NotFound()


def _item_form(item: OnboardingTemplateItem, data: Any = None) -> TemplateItemForm:
    return TemplateItemForm(data, prefix=f"i{item.pk}", initial={
        "title": item.title, "due_in_days": item.due_in_days, "owner_role": item.owner_role,
        "is_active": item.is_active})


def _template_action(request: AuthedRequest, add_form: TemplateItemForm,
                     failed: dict[int, TemplateItemForm]) -> bool:
    """Apply one action of the template page (add, save, up, down, delete); False when a form
    now carries errors to show in place."""
    action = request.POST.get("action", "")
    if action == "add":
        if not add_form.is_valid():
            return False
        try:
            services.onboarding_template_item_create(actor=request.user, data=add_form.cleaned_data)
        except (ValidationError, ApplicationError) as exc:
            add_domain_error(add_form, exc)
            return False
        return True
    item = perms.onboarding_template_item_get_for(request.user, request.POST.get("item") or 0)
    form = _item_form(item, request.POST)
    try:
        if action == "save":
            if not form.is_valid():
                failed[item.pk] = form
                return False
            services.onboarding_template_item_update(actor=request.user, item=item, data=form.cleaned_data)
        elif action in ("up", "down"):
            services.onboarding_template_item_move(actor=request.user, item=item, up=action == "up")
        elif action == "delete":
            services.onboarding_template_item_delete(actor=request.user, item=item)
    except (ValidationError, ApplicationError) as exc:
        add_domain_error(form, exc)
        failed[item.pk] = form
        return False
    return True


@employee_required
def onboarding_template(request: AuthedRequest) -> HttpResponse:
    """The agency's onboarding template: add, edit, reorder and remove items (heads of
    accounts and admins). New checklists copy it; checklists already open keep their items."""
    _require_settings_editor(request)
    add_form = TemplateItemForm(request.POST if request.POST.get("action") == "add" else None, prefix="new")
    failed: dict[int, TemplateItemForm] = {}
    if request.method == "POST" and _template_action(request, add_form, failed):
        return redirect("web:onboarding_template")
    me = actor_employee(request.user)
    assert me is not None  # employee_required
    items = services.onboarding_template_ensure(agency=me.agency)
    rows = [(item, failed.get(item.pk) or _item_form(item)) for item in items]
    return render(request, "web/work/onboarding_template.html", {"rows": rows, "add_form": add_form},
                  status=400 if request.method == "POST" else 200)


@employee_required
def work_settings(request: AuthedRequest) -> HttpResponse:
    """Stage-wait threshold and onboarding-badge period (heads of accounts and admins)."""
    _require_settings_editor(request)
    me = actor_employee(request.user)
    assert me is not None  # employee_required
    current = selectors.work_settings_for(agency=me.agency_id)
    form = WorkSettingsForm(request.POST or None, initial={
        "stage_wait_flag_days": current.stage_wait_flag_days,
        "onboarding_badge_days": current.onboarding_badge_days})
    if request.method == "POST" and form.is_valid():
        try:
            services.work_settings_update(actor=request.user, data=form.cleaned_data)
        except (ValidationError, ApplicationError) as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Настройки сохранены."))
            return redirect("web:work_settings")
    return render(request, "web/work/work_settings.html", {"form": form}, status=400 if form.errors else 200)
