"""Django admin for the work app: a support tool for superusers. Day-to-day edits go through the
web pages and the API, which apply the business rules in tandem.work.services; here the history
rows (stage submissions, task transitions) are read-only so the audit trail stays intact."""

from __future__ import annotations

from django.contrib import admin
from django.db import models as db_models

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
    TaskTransition,
    TimeEntry,
    WorkSettings,
)


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
    raw_id_fields = ("owner", "done_by")


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ("name", "client", "account_manager", "specialist", "status", "start_date")
    list_filter = ("status", "agency")
    search_fields = ("name", "client__legal_name", "client__brand_name")
    raw_id_fields = ("agency", "client", "contract_line", "account_manager", "specialist")
    list_select_related = ("client", "account_manager", "specialist")
    inlines = [StageInline]


@admin.register(Stage)
class StageAdmin(admin.ModelAdmin):
    list_display = ("title", "project", "kind", "status", "due_date", "sent_at", "approved_at")
    list_filter = ("status", "kind")
    search_fields = ("title", "project__name")
    raw_id_fields = ("project",)
    readonly_fields = ("sent_at", "approved_at")
    list_select_related = ("project",)
    formfield_overrides = {db_models.URLField: {"assume_scheme": "https"}}
    inlines = [StageSubmissionInline]


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ("title", "project", "assignee", "reviewer", "status", "priority", "deadline")
    list_filter = ("status", "priority")
    search_fields = ("title", "project__name")
    raw_id_fields = ("project", "assignee", "reviewer", "created_by")
    readonly_fields = ("closed_at",)
    list_select_related = ("project", "assignee", "reviewer")
    inlines = [TaskTransitionInline]


@admin.register(OnboardingChecklist)
class OnboardingChecklistAdmin(admin.ModelAdmin):
    list_display = ("client", "contract", "started_on", "completed_at")
    raw_id_fields = ("client", "contract")
    list_select_related = ("client", "contract")
    inlines = [OnboardingItemInline]


@admin.register(OnboardingTemplateItem)
class OnboardingTemplateItemAdmin(admin.ModelAdmin):
    list_display = ("title", "agency", "position", "due_in_days", "owner_role", "is_active")
    list_filter = ("agency", "owner_role", "is_active")
    ordering = ("agency", "position", "id")


@admin.register(WorkSettings)
class WorkSettingsAdmin(admin.ModelAdmin):
    list_display = ("agency", "stage_wait_flag_days", "onboarding_badge_days")


@admin.register(TimeEntry)
class TimeEntryAdmin(admin.ModelAdmin):
    list_display = ("date", "employee", "project", "task", "hours", "cost_rate", "cost")
    list_filter = ("date",)
    search_fields = ("employee__full_name", "project__name", "note")
    raw_id_fields = ("employee", "project", "task")
    date_hierarchy = "date"
    list_select_related = ("employee", "project", "task")


@admin.register(EmployeeCostRate)
class EmployeeCostRateAdmin(admin.ModelAdmin):
    list_display = ("employee", "valid_from", "rate", "set_by", "set_at")
    raw_id_fields = ("employee", "set_by")
    list_select_related = ("employee",)


@admin.register(ClosedMonth)
class ClosedMonthAdmin(admin.ModelAdmin):
    list_display = ("month", "agency", "closed_by", "closed_at")
    list_filter = ("agency",)
    raw_id_fields = ("closed_by",)
