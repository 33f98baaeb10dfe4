from django.urls import path

from . import sla_views, views

urlpatterns = [
    path("clients/<int:client_id>/comms/panel/", views.client_comms_panel, name="client_comms_panel"),
    path("clients/<int:client_id>/interactions/new/", views.interaction_quick_add, name="interaction_quick_add"),
    path("interactions/", views.interaction_list, name="interaction_list"),
    path("interactions/import/", views.email_import, name="email_import"),
    path("interactions/<int:pk>/", views.interaction_edit, name="interaction_edit"),
    path("interactions/<int:pk>/delete/", views.interaction_delete, name="interaction_delete"),
    path("requests/", views.request_list, name="request_list"),
    path("requests/new/", views.request_create, name="request_create"),
    path("requests/new/contacts/", views.request_contact_options, name="request_contact_options"),
    path("requests/stats/", views.request_stats, name="request_stats"),
    path("requests/<int:pk>/", views.request_detail, name="request_detail"),
    path("requests/<int:pk>/respond/", views.request_respond, name="request_respond"),
    path("requests/<int:pk>/resolve/", views.request_resolve, name="request_resolve"),
    path("requests/<int:pk>/reassign/", views.request_reassign, name="request_reassign"),
    path("requests/<int:pk>/reopen/", views.request_reopen, name="request_reopen"),
    path("requests/<int:pk>/escalate/", sla_views.request_escalate, name="request_escalate"),
    path("settings/sla/", sla_views.sla_settings, name="sla_settings"),
    path("settings/sla/schedule/", sla_views.sla_schedule_save, name="sla_schedule_save"),
    path("settings/sla/<str:priority>/<str:tier>/", sla_views.sla_cell_save, name="sla_cell_save"),
]
