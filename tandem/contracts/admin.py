"""Django admin for contracts: a support tool for superusers.

- A contract's status (and its signing and closing times) moves only through
  `tandem.work.services.contract_transition`: it checks the allowed moves, records a
  ContractStatusChange, and signing opens the projects and onboarding. Read-only here; a contract
  created here is a draft and its creation is recorded as `contract_create` does.
- The number is given once, when the contract is created (by hand, or by the agency's counter in
  `contract_create`); it is read-only afterwards.
- Signed and closed contracts are fixed (`contract_update` refuses them): shown, with their lines,
  but not changed here.
- The contract-number pattern is checked as `contract_settings_update` checks it.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from tandem.org.models import User

from .models import (
    Contract,
    ContractLine,
    ContractSettings,
    ContractStatusChange,
    Service,
    Subcontractor,
    VatRate,
)
from .services import EDITABLE_STATUSES, validate_number_pattern


def _staff_user(request: HttpRequest) -> User:
    """The operator: the admin site lets only logged-in staff in."""
    assert isinstance(request.user, User)
    return request.user


def _fixed(contract: Contract | None) -> bool:
    return contract is not None and contract.pk is not None and contract.status not in EDITABLE_STATUSES


class ContractLineInline(admin.TabularInline):
    model = ContractLine
    extra = 0

    def has_add_permission(self, request: HttpRequest, obj: Contract | None = None) -> bool:
        return not _fixed(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Contract | None = None) -> bool:
        return not _fixed(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Contract | None = None) -> bool:
        return not _fixed(obj) and super().has_delete_permission(request, obj)


@admin.register(Contract)
class ContractAdmin(admin.ModelAdmin):
    list_display = ("number", "date", "client", "status")
    list_filter = ("status",)
    inlines = [ContractLineInline]
    readonly_fields = ("status", "signed_at", "closed_at")

    def get_readonly_fields(self, request: HttpRequest, obj: Contract | None = None) -> list[str]:
        fields = list(self.readonly_fields)
        if obj is not None:
            fields.append("number")
        return fields

    def has_change_permission(self, request: HttpRequest, obj: Contract | None = None) -> bool:
        return not _fixed(obj) and super().has_change_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: Contract, form: forms.ModelForm, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if not change:
            ContractStatusChange.objects.create(
                contract=obj, from_status="", to_status=obj.status, changed_by=_staff_user(request),
                changed_at=timezone.now(), effective_date=obj.date, comment=_("Договор создан"),
            )


class ContractSettingsAdminForm(forms.ModelForm):
    def clean(self) -> dict[str, Any]:
        super().clean()
        pattern = self.cleaned_data.get("number_pattern")
        if pattern:
            try:
                validate_number_pattern(pattern)
            except ValidationError as exc:
                self.add_error("number_pattern", exc.message_dict["number_pattern"])
        return self.cleaned_data


@admin.register(ContractSettings)
class ContractSettingsAdmin(admin.ModelAdmin):
    form = ContractSettingsAdminForm


admin.site.register(Service)
admin.site.register(VatRate)
admin.site.register(Subcontractor)
