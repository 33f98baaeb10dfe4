"""Work pages, included into the "web" namespace by tandem/web/urls.py."""

from django.urls import path

from . import edit_views, views

urlpatterns = [
    path("tasks/", views.task_list, name="task_list"),
    path("tasks/new/", views.task_create, name="task_create"),
    path("tasks/<int:pk>/", views.task_detail, name="task_detail"),
    path("tasks/<int:pk>/edit/", edit_views.task_edit, name="task_edit"),
    path("projects/<int:pk>/", views.project_detail, name="project_detail"),
    path("stages/<int:pk>/edit/", edit_views.stage_edit, name="stage_edit"),
    path("stages/<int:pk>/file/", edit_views.stage_file, name="stage_file"),
    path("stages/<int:pk>/<str:action>/", views.stage_action, name="stage_action"),
    path("onboarding/items/<int:pk>/", views.onboarding_toggle, name="onboarding_toggle"),
    path("timesheet/", views.timesheet, name="timesheet"),
    path("timesheet/cell/", views.timesheet_cell, name="timesheet_cell"),
    path("work/hours/", views.hours_report, name="hours_report"),
    path("work/closed-months/", views.closed_months, name="closed_months"),
    path("work/cost-rates/", views.cost_rates, name="cost_rates"),
    path("work/settings/", edit_views.work_settings, name="work_settings"),
    path("work/onboarding-template/", edit_views.onboarding_template, name="onboarding_template"),
    path("clients/<int:pk>/work/", views.client_work_panel, name="client_work_panel"),
]
