from typing import Any

from django.contrib import admin

from .models import PersonalDataAction


@admin.register(PersonalDataAction)
class PersonalDataActionAdmin(admin.ModelAdmin):
    """The journal is read-only: entries are written by tandem.privacy.services."""

    list_display = ("at", "kind", "contact_id", "client", "actor", "reason")
    list_filter = ("kind",)
    list_select_related = ("client", "actor")

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False
