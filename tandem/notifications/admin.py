from django.contrib import admin

from .models import Notification, NotificationDelivery, NotificationPreferences, NotificationSettings


class DeliveryInline(admin.TabularInline):
    model = NotificationDelivery
    extra = 0
    readonly_fields = ("channel", "status", "attempts", "last_error", "next_attempt_at", "sent_at")


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("title", "recipient", "kind", "created_at", "read_at")
    list_filter = ("kind",)
    search_fields = ("title", "dedupe_key")
    inlines = [DeliveryInline]


@admin.register(NotificationPreferences)
class PreferencesAdmin(admin.ModelAdmin):
    list_display = ("employee", "email_enabled", "telegram_enabled", "quiet_hours_start", "quiet_hours_end")


@admin.register(NotificationSettings)
class SettingsAdmin(admin.ModelAdmin):
    list_display = ("agency", "max_attempts", "retry_base_seconds")
