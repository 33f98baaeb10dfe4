"""Django admin for the work app: a support tool for superusers. Day-to-day edits go through the
web pages and the API, which apply the business rules in tandem.work.services; here the history
rows (stage submissions, task transitions) are read-only so the audit trail stays intact.

What the services keep is not written around them either:
- task and stage statuses move only through `task_change_status` / the stage services, which
  record the transition or submission (and the closing or sending times): read-only here; a task
  created here is new and its first transition is recorded as `task_create` does;
- a time entry's cost rate and cost are computed on save as the time services compute them, and
  its hours, task, day cap and closed months are checked the same way; entries of a closed month
  are not deleted;
- cost-rate history changes only through `cost_rate_set`, which recosts the time entries: shown
  here, and a rate no entry has used yet may be deleted;
- an onboarding checklist is opened from the agency template when the first contract is signed
  (`onboarding_start`) and completed when its last item is ticked (`onboarding_item_set_done`):
  not created here, completion and ticks are read-only, items are not added or removed.
"""

from __future__ import annotations

import copy
from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models as db_models
from django.db import transaction
from django.db.models import Model
from django.forms.models import construct_instance
from django.http import HttpRequest
from django.utils import timezone

from tandem.core.forms import add_domain_error
from tandem.org.models import User

from .models import (
    ClosedMonth,
    EmployeeCostRate,
    OnboardingChecklist,
    OnboardingItem,
    OnboardingTemplateItem,
    Project,
    Stage,
    StageSubmission,
    Task,
    TaskStatus,
    TaskTransition,
    TimeEntry,
    WorkSettings,
)
from .selectors import is_month_closed
from .services.rollups import rollup_key, time_rollup_project_moved, time_rollup_refresh
from .services.time import _check_day_cap, _check_open, _check_task, _fill_cost, parse_hours


def _staff_user(request: HttpRequest) -> User:
    """The operator: the admin site lets only logged-in staff in."""
    assert isinstance(request.user, User)
    return request.user


class ReadOnlyInline(admin.TabularInline):
    """History rows: shown, never added, changed or deleted here."""

    extra = 0
    max_num = 0
    can_delete = False


class StageInline(admin.TabularInline):
    model = Stage
    extra = 0
    fields = ("kind", "title", "due_date", "status", "sent_at", "approved_at")
    readonly_fields = ("status", "sent_at", "approved_at")
    show_change_link = True


class StageSubmissionInline(ReadOnlyInline):
    model = StageSubmission
    fields = readonly_fields = ("sent_at", "sent_by", "note", "answered_at", "decision", "client_comment",
                                "client_contact", "answer_recorded_by")


class TaskTransitionInline(ReadOnlyInline):
    model = TaskTransition
    fields = readonly_fields = ("changed_at", "from_status", "to_status", "changed_by", "comment")


class OnboardingItemInline(admin.TabularInline):
    model = OnboardingItem
    extra = 0
    fields = ("position", "title", "owner", "due_date", "done_at", "done_by")
    readonly_fields = ("done_at", "done_by")
    raw_id_fields = ("owner",)

    def has_add_permission(self, request: HttpRequest, obj: OnboardingChecklist | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: OnboardingChecklist | None = None) -> bool:
        return False


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ("name", "client", "account_manager", "specialist", "status", "start_date")
    list_filter = ("status", "agency")
    search_fields = ("name", "client__legal_name", "client__brand_name")
    raw_id_fields = ("agency", "client", "contract_line", "account_manager", "specialist")
    list_select_related = ("client", "account_manager", "specialist")
    inlines = [StageInline]

    @transaction.atomic
    def save_model(self, request: HttpRequest, obj: Project, form: forms.ModelForm, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change and ({"client", "agency"} & set(form.changed_data)):
            time_rollup_project_moved(project=obj)  # the month rollup copies the project's client


@admin.register(Stage)
class StageAdmin(admin.ModelAdmin):
    list_display = ("title", "project", "kind", "status", "due_date", "sent_at", "approved_at")
    list_filter = ("status", "kind")
    search_fields = ("title", "project__name")
    raw_id_fields = ("project",)
    readonly_fields = ("status", "sent_at", "approved_at")
    list_select_related = ("project",)
    formfield_overrides = {db_models.URLField: {"assume_scheme": "https"}}
    inlines = [StageSubmissionInline]


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ("title", "project", "assignee", "reviewer", "status", "priority", "deadline")
    list_filter = ("status", "priority")
    search_fields = ("title", "project__name")
    raw_id_fields = ("project", "assignee", "reviewer", "created_by")
    readonly_fields = ("status", "closed_at")
    list_select_related = ("project", "assignee", "reviewer")
    inlines = [TaskTransitionInline]

    def save_model(self, request: HttpRequest, obj: Task, form: forms.ModelForm, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if not change:
            TaskTransition.objects.create(task=obj, from_status="", to_status=TaskStatus.NEW,
                                          changed_by=_staff_user(request), changed_at=timezone.now())


@admin.register(OnboardingChecklist)
class OnboardingChecklistAdmin(admin.ModelAdmin):
    list_display = ("client", "contract", "started_on", "completed_at")
    raw_id_fields = ("client", "contract")
    list_select_related = ("client", "contract")
    readonly_fields = ("completed_at",)
    inlines = [OnboardingItemInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(OnboardingTemplateItem)
class OnboardingTemplateItemAdmin(admin.ModelAdmin):
    list_display = ("title", "agency", "position", "due_in_days", "owner_role", "is_active")
    list_filter = ("agency", "owner_role", "is_active")
    ordering = ("agency", "position", "id")


@admin.register(WorkSettings)
class WorkSettingsAdmin(admin.ModelAdmin):
    list_display = ("agency", "stage_wait_flag_days", "onboarding_badge_days")


class TimeEntryAdminForm(forms.ModelForm):
    def clean(self) -> dict[str, Any]:
        """The rules of time_entry_create / time_entry_update: 0.25 h steps, the task of the same
        project, neither the stored nor the new day in a closed month, at most 24 h a day."""
        super().clean()
        if self.errors:
            return self.cleaned_data
        stored: TimeEntry = self.instance
        entry = construct_instance(self, copy.copy(stored))
        try:
            parse_hours(entry.hours)
            _check_task(entry.task, entry.project)
            if stored.pk is not None:
                _check_open(stored.project.agency_id, stored.date)
            _check_open(entry.project.agency_id, entry.date)
            _check_day_cap(entry.employee, entry.date, entry.hours, exclude_ids=[stored.pk] if stored.pk else [])
        except ValidationError as exc:
            add_domain_error(self, exc)
        return self.cleaned_data


@admin.register(TimeEntry)
class TimeEntryAdmin(admin.ModelAdmin):
    form = TimeEntryAdminForm
    list_display = ("date", "employee", "project", "task", "hours", "cost_rate", "cost")
    list_filter = ("date",)
    search_fields = ("employee__full_name", "project__name", "note")
    raw_id_fields = ("employee", "project", "task")
    readonly_fields = ("cost_rate", "cost")
    date_hierarchy = "date"
    list_select_related = ("employee", "project", "task")

    @transaction.atomic
    def save_model(self, request: HttpRequest, obj: TimeEntry, form: forms.ModelForm, change: bool) -> None:
        stored = TimeEntry.objects.filter(pk=obj.pk).first() if obj.pk else None
        _fill_cost(obj)
        super().save_model(request, obj, form, change)
        time_rollup_refresh([rollup_key(obj)] + ([rollup_key(stored)] if stored else []))

    @transaction.atomic
    def delete_model(self, request: HttpRequest, obj: TimeEntry) -> None:
        key = rollup_key(obj)
        super().delete_model(request, obj)
        time_rollup_refresh([key])

    @transaction.atomic
    def delete_queryset(self, request: HttpRequest, queryset: db_models.QuerySet[TimeEntry]) -> None:
        keys = {(p, e, d.replace(day=1)) for p, e, d in queryset.values_list("project_id", "employee_id", "date")}
        super().delete_queryset(request, queryset)
        time_rollup_refresh(keys)

    def has_delete_permission(self, request: HttpRequest, obj: TimeEntry | None = None) -> bool:
        if obj is not None and is_month_closed(agency_id=obj.project.agency_id, day=obj.date):
            return False
        return super().has_delete_permission(request, obj)


@admin.register(EmployeeCostRate)
class EmployeeCostRateAdmin(admin.ModelAdmin):
    list_display = ("employee", "valid_from", "rate", "set_by", "set_at")
    list_select_related = ("employee",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: EmployeeCostRate | None = None) -> bool:
        # Deleting a rate some entry was costed with would leave that cost stale.
        if obj is not None and TimeEntry.objects.filter(employee_id=obj.employee_id, date__gte=obj.valid_from).exists():
            return False
        return super().has_delete_permission(request, obj)


@admin.register(ClosedMonth)
class ClosedMonthAdmin(admin.ModelAdmin):
    list_display = ("month", "agency", "closed_by", "closed_at")
    list_filter = ("agency",)
    raw_id_fields = ("closed_by",)
