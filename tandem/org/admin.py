from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from simple_history.admin import SimpleHistoryAdmin

from .models import Agency, Employee, Group, User


@admin.register(User)
class TandemUserAdmin(UserAdmin):
    pass


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ("name", "am_soft_client_limit", "am_hard_client_limit")


@admin.register(Group)
class GroupAdmin(SimpleHistoryAdmin):
    list_display = ("name", "kind", "head", "agency")
    list_filter = ("kind", "agency")
    search_fields = ("name",)
    raw_id_fields = ("head",)


@admin.register(Employee)
class EmployeeAdmin(SimpleHistoryAdmin):
    list_display = ("full_name", "role", "specialty", "grade", "group", "hourly_cost_rate", "is_active")
    list_filter = ("role", "specialty", "grade", "group", "is_active")
    search_fields = ("full_name", "user__username", "user__email")
    raw_id_fields = ("user",)
