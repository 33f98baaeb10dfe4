from django.contrib import admin

from .models import AnalyticsSource


@admin.register(AnalyticsSource)
class AnalyticsSourceAdmin(admin.ModelAdmin):
    """Read-mostly: the encrypted token is neither shown nor edited here (the client card sets it)."""

    list_display = ["client", "kind", "counter_id", "is_demo", "last_sync_status", "last_synced_at"]
    list_filter = ["kind", "is_demo", "last_sync_status"]
    exclude = ["token_encrypted"]
    readonly_fields = ["last_synced_at", "last_sync_status", "last_sync_message"]
    raw_id_fields = ["client"]
