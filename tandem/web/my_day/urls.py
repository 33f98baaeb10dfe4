from django.urls import path

from . import actions, views

urlpatterns = [
    path("my-day/", views.my_day, name="my_day"),
    path("my-day/contacts/<int:contact_id>/log/", views.log_contact, name="my_day_log_contact"),
    path("my-day/contacts/<int:contact_id>/snooze/", views.snooze_contact, name="my_day_snooze_contact"),
    path("my-day/next-steps/<int:pk>/done/", views.next_step_done, name="my_day_next_step_done"),
    path("my-day/tasks/<int:pk>/move/", actions.task_move, name="my_day_task_move"),
    path("my-day/stages/<int:pk>/start/", actions.stage_start, name="my_day_stage_start"),
    path("my-day/stages/<int:pk>/send/", actions.stage_send, name="my_day_stage_send"),
    path("my-day/stages/<int:pk>/answer/", actions.stage_answer, name="my_day_stage_answer"),
    path("my-day/invoices/<int:pk>/promise/", actions.invoice_promise, name="my_day_invoice_promise"),
    path("my-day/reminders/<int:pk>/done/", actions.reminder_done, name="my_day_reminder_done"),
    path("notifications/", views.notification_list, name="notification_list"),
    path("notifications/read-all/", views.notifications_read_all, name="notifications_read_all"),
    path("notifications/settings/", views.notification_settings, name="notification_settings"),
    path("notifications/calendar/regenerate/", views.calendar_regenerate, name="calendar_regenerate"),
    path("notifications/<int:pk>/read/", views.notification_read, name="notification_read"),
    path("notifications/deliveries/<int:pk>/retry/", views.delivery_retry, name="delivery_retry"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
]
