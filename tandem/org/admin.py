"""Django admin for the organisation: a support tool for superusers.

The employee form applies the rules of `employee_update` (tandem.org.services): an employee is not
deactivated while a registered check (tandem.org.deactivation, e.g. served clients as AM) holds
them, limits and specialty must be consistent and the group must belong to their agency. The
group form checks that its head works in the same agency.
"""

from __future__ import annotations

import copy
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import ValidationError
from django.forms.models import construct_instance
from simple_history.admin import SimpleHistoryAdmin

from tandem.core.forms import add_domain_error

from .deactivation import deactivation_blockers
from .models import Agency, ApiToken, Employee, Group, TotpDevice, User
from .services import _check_same_agency, _login_follows_employee, _validate_employee, api_tokens_revoke_all


@admin.register(User)
class TandemUserAdmin(UserAdmin):
    def user_change_password(self, request: Any, id: str, form_url: str = "") -> Any:
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:  # saved: as the self-service page
            user = self.get_object(request, id)
            if user is not None:
                api_tokens_revoke_all(user=user)
        return response


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ("name", "am_soft_client_limit", "am_hard_client_limit")


class GroupAdminForm(forms.ModelForm):
    def clean(self) -> dict[str, Any]:
        super().clean()
        if not self.errors:
            group = construct_instance(self, copy.copy(self.instance))
            try:
                _check_same_agency(group.agency, head=group.head)
            except ValidationError as exc:
                add_domain_error(self, exc)
        return self.cleaned_data


@admin.register(Group)
class GroupAdmin(SimpleHistoryAdmin):
    form = GroupAdminForm
    list_display = ("name", "kind", "head", "agency")
    list_filter = ("kind", "agency")
    search_fields = ("name",)
    raw_id_fields = ("head",)


class EmployeeAdminForm(forms.ModelForm):
    def clean(self) -> dict[str, Any]:
        super().clean()
        if self.instance.pk and self.cleaned_data.get("is_active") is False:
            self._check_can_deactivate()
        if not self.errors:
            employee = construct_instance(self, copy.copy(self.instance))
            try:
                _check_same_agency(employee.agency, group=employee.group)
                _validate_employee(employee)
            except ValidationError as exc:
                add_domain_error(self, exc)
        return self.cleaned_data

    def _check_can_deactivate(self) -> None:
        # As employee_update: lock the row (a concurrent client assignment locks it too) and ask
        # every registered check. The stored state counts, not the instance the form was built
        # on (a history revert builds it from an old version).
        stored = Employee.objects.select_for_update().filter(pk=self.instance.pk).first()
        if stored is None or not stored.is_active:
            return
        blockers = deactivation_blockers(stored)
        if blockers:
            self.add_error("is_active", blockers)


@admin.register(Employee)
class EmployeeAdmin(SimpleHistoryAdmin):
    form = EmployeeAdminForm
    list_display = ("full_name", "role", "specialty", "grade", "group", "hourly_cost_rate", "is_active")
    list_filter = ("role", "specialty", "grade", "group", "is_active")
    search_fields = ("full_name", "user__username", "user__email")
    raw_id_fields = ("user",)

    def save_model(self, request: Any, obj: Employee, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        _login_follows_employee(obj)  # as employee_update: a deactivated employee cannot sign in


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Support: see who holds which tokens and revoke (delete) one. Keys are never stored."""

    list_display = ("prefix", "name", "user", "created_at", "last_used_at", "expires_at")
    search_fields = ("user__username", "name", "prefix")
    readonly_fields = ("user", "prefix", "created_at", "last_used_at")
    list_select_related = ("user",)

    def has_add_permission(self, request: Any) -> bool:
        return False  # tokens are issued by signing in (POST /api/v1/auth/token/)


@admin.register(TotpDevice)
class TotpDeviceAdmin(admin.ModelAdmin):
    """Support: a person who lost the phone and the recovery codes gets the second factor reset
    (delete the device; they set it up again). A lockout after wrong codes is lifted by clearing
    «вход по коду закрыт до»."""

    list_display = ("user", "confirmed_at", "failed_attempts", "locked_until")
    search_fields = ("user__username",)
    fields = ("user", "confirmed_at", "failed_attempts", "locked_until")
    readonly_fields = ("user", "confirmed_at")
    list_select_related = ("user",)

    def has_add_permission(self, request: Any) -> bool:
        return False  # set up by the person on «Безопасность»
