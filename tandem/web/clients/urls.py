"""Client pages, included into the "web" namespace by tandem/web/urls.py."""

from django.urls import path

from . import analytics, importing, my_day, personal_data, views  # noqa: F401  (my_day registers its sections)

urlpatterns = [
    path("clients/", views.client_list, name="client_list"),
    path("clients/new/", views.client_create, name="client_create"),
    path("clients/<int:pk>/", views.client_detail, name="client_detail"),
    path("clients/<int:pk>/edit/", views.client_edit, name="client_edit"),
    path("clients/<int:pk>/handover/", views.client_handover, name="client_handover"),
    path("handover-items/<int:pk>/toggle/", views.handover_item_toggle, name="handover_item_toggle"),
    path("clients/<int:pk>/status/", views.client_status, name="client_status"),
    path("clients/<int:pk>/account-manager/", views.client_assign_manager, name="client_assign_manager"),
    path("clients/<int:pk>/contacts/new/", views.contact_create, name="contact_create"),
    path("clients/contacts/<int:pk>/edit/", views.contact_edit, name="contact_edit"),
    path("clients/contacts/<int:pk>/delete/", views.contact_delete, name="contact_delete"),
    path("clients/contacts/<int:pk>/personal-data/", personal_data.personal_data, name="contact_personal_data"),
    path("clients/contacts/<int:pk>/personal-data/export/", personal_data.personal_data_export,
         name="contact_personal_data_export"),
    path("clients/contacts/<int:pk>/personal-data/erase/", personal_data.personal_data_erase,
         name="contact_personal_data_erase"),
    path("clients/<int:pk>/team/add/", views.team_add, name="team_add"),
    path("clients/<int:pk>/team/<int:member_pk>/remove/", views.team_remove, name="team_remove"),
    path("clients/<int:pk>/analytics/", analytics.client_analytics_settings, name="client_analytics_settings"),
    path("clients/<int:pk>/analytics/ga4/", analytics.client_analytics_ga4, name="client_analytics_ga4"),
    path("clients/<int:pk>/analytics/upload/<str:kind>/", analytics.client_analytics_upload,
         name="client_analytics_upload"),
    path("clients/<int:pk>/analytics/refresh/", analytics.client_analytics_refresh, name="client_analytics_refresh"),
    path("settings/import/", importing.import_upload, name="import_upload"),
    path("settings/import/template.xlsx", importing.import_template, name="import_template"),
    path("settings/import/<int:pk>/", importing.import_report, name="import_report"),
    path("settings/import/<int:pk>/mapping/", importing.import_mapping, name="import_mapping"),
    path("settings/import/<int:pk>/progress/", importing.import_progress, name="import_progress"),
    path("settings/import/<int:pk>/run/", importing.import_run, name="import_run"),
]
