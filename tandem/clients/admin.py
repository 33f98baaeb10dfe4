"""Django admin for clients: a support tool for superusers.

What the services keep is not written here:
- lifecycle status (with its date and churn reason) changes only through
  `client_change_status`, which checks the allowed moves and records a LifecycleTransition;
- the responsible AM changes only through `client_assign_account_manager`, which checks the
  workload limits and records an AccountManagerChange;
- `Contact.last_interaction_at` is kept by the comms services from the interactions.
These fields are read-only; the histories are shown, never added or changed. A client created here
starts as a lead without an AM, and its first transition is recorded as `client_create` does.
Reverting to an old version is off: it would save the old status, AM and dates along with it.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db import models as db_models
from django.db.models import Model
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from tandem.core.history_admin import NoRevertHistoryAdmin
from tandem.org.models import User

from .models import AccountManagerChange, Client, Contact, LifecycleTransition, TeamMember


def _staff_user(request: HttpRequest) -> User:
    """The operator: the admin site lets only logged-in staff in."""
    assert isinstance(request.user, User)
    return request.user


class ReadOnlyHistoryAdmin(admin.ModelAdmin):
    """History rows are written by the services only: shown here, never added or changed."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0
    fields = ("full_name", "role", "phone", "email", "preferred_channel", "cadence_days", "is_urgent_contact",
              "last_interaction_at")
    readonly_fields = ("last_interaction_at",)


class TeamMemberInline(admin.TabularInline):
    model = TeamMember
    extra = 0
    raw_id_fields = ("employee",)


class ClientAdminForm(forms.ModelForm):
    def clean(self) -> dict[str, Any]:
        super().clean()
        agency, group = self.cleaned_data.get("agency"), self.cleaned_data.get("group")
        if agency is not None and group is not None and group.agency_id != agency.pk:
            self.add_error("group", _("Группа из другого агентства."))
        return self.cleaned_data


@admin.register(Client)
class ClientAdmin(NoRevertHistoryAdmin):
    form = ClientAdminForm
    list_display = ("legal_name", "brand_name", "inn", "status", "tier", "kind", "account_manager", "group")
    list_filter = ("status", "tier", "kind", "group")
    search_fields = ("legal_name", "brand_name", "inn")
    # served_since re-dates the first AM's record (clients.services), so it is set on the client form/API.
    readonly_fields = ("status", "status_changed_at", "churn_reason", "churn_comment", "account_manager", "served_since")
    formfield_overrides = {db_models.URLField: {"assume_scheme": "https"}}
    inlines = [ContactInline, TeamMemberInline]

    def save_model(self, request: HttpRequest, obj: Client, form: forms.ModelForm, change: bool) -> None:
        now = timezone.now()
        if not change:
            obj.status_changed_at = now
        super().save_model(request, obj, form, change)
        if not change:
            # As client_create: the new client's status is its first transition.
            LifecycleTransition.objects.create(
                client=obj, from_status="", to_status=obj.status, changed_by=_staff_user(request),
                changed_at=now, reason=_("Клиент создан"),
            )


@admin.register(Contact)
class ContactAdmin(NoRevertHistoryAdmin):
    list_display = ("full_name", "client", "role", "preferred_channel", "cadence_days", "is_urgent_contact",
                    "last_interaction_at")
    list_filter = ("role", "preferred_channel")
    search_fields = ("full_name", "email", "phone", "client__legal_name")
    raw_id_fields = ("client",)
    readonly_fields = ("last_interaction_at",)


@admin.register(AccountManagerChange)
class AccountManagerChangeAdmin(ReadOnlyHistoryAdmin):
    list_display = ("client", "previous_manager", "new_manager", "changed_by", "changed_at", "limit_overridden")
    raw_id_fields = ("client", "previous_manager", "new_manager", "changed_by")


@admin.register(LifecycleTransition)
class LifecycleTransitionAdmin(ReadOnlyHistoryAdmin):
    list_display = ("client", "from_status", "to_status", "churn_reason", "changed_by", "changed_at")
    list_filter = ("to_status", "churn_reason")
    raw_id_fields = ("client", "changed_by")
