from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import AccountManagerChange, Client, Contact, LifecycleTransition, TeamMember


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0
    fields = ("full_name", "role", "phone", "email", "preferred_channel", "cadence_days", "is_urgent_contact")


class TeamMemberInline(admin.TabularInline):
    model = TeamMember
    extra = 0
    raw_id_fields = ("employee",)


@admin.register(Client)
class ClientAdmin(SimpleHistoryAdmin):
    list_display = ("legal_name", "brand_name", "inn", "status", "tier", "kind", "account_manager", "group")
    list_filter = ("status", "tier", "kind", "group")
    search_fields = ("legal_name", "brand_name", "inn")
    raw_id_fields = ("account_manager",)
    inlines = [ContactInline, TeamMemberInline]


@admin.register(Contact)
class ContactAdmin(SimpleHistoryAdmin):
    list_display = ("full_name", "client", "role", "preferred_channel", "cadence_days", "is_urgent_contact")
    list_filter = ("role", "preferred_channel")
    search_fields = ("full_name", "email", "phone", "client__legal_name")
    raw_id_fields = ("client",)


@admin.register(AccountManagerChange)
class AccountManagerChangeAdmin(admin.ModelAdmin):
    list_display = ("client", "previous_manager", "new_manager", "changed_by", "changed_at", "limit_overridden")
    raw_id_fields = ("client", "previous_manager", "new_manager", "changed_by")


@admin.register(LifecycleTransition)
class LifecycleTransitionAdmin(admin.ModelAdmin):
    list_display = ("client", "from_status", "to_status", "churn_reason", "changed_by", "changed_at")
    list_filter = ("to_status", "churn_reason")
    raw_id_fields = ("client", "changed_by")
