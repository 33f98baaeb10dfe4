from django.contrib import admin

from .models import PortalAccount, PortalEvent


@admin.register(PortalAccount)
class PortalAccountAdmin(admin.ModelAdmin):
    list_display = ["contact", "is_active", "invited_at", "accepted_at", "last_login_at"]
    raw_id_fields = ["contact", "user", "invited_by"]


@admin.register(PortalEvent)
class PortalEventAdmin(admin.ModelAdmin):
    list_display = ["kind", "client", "created_at"]
    raw_id_fields = ["account", "client", "stage", "request"]
