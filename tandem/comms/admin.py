from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import ClientRequest, ContactSnooze, Escalation, Interaction, SlaPolicy, WorkSchedule


@admin.register(Interaction)
class InteractionAdmin(SimpleHistoryAdmin):
    list_display = ("client", "kind", "occurred_at", "direction", "channel")
    list_filter = ("kind", "direction", "channel")
    search_fields = ("summary", "client__legal_name", "client__brand_name")
    raw_id_fields = ("client", "contacts", "employees")


@admin.register(ClientRequest)
class ClientRequestAdmin(SimpleHistoryAdmin):
    list_display = ("subject", "client", "priority", "received_at", "first_response_due_at", "resolved_at")
    list_filter = ("priority",)
    raw_id_fields = ("client", "contact", "owner")


@admin.register(Escalation)
class EscalationAdmin(admin.ModelAdmin):
    list_display = ("request", "level", "notified", "channels", "created_at")


admin.site.register(SlaPolicy)
admin.site.register(WorkSchedule)
admin.site.register(ContactSnooze)
