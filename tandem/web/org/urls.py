"""Organisation pages under /team/, included into the "web" namespace by tandem/web/urls.py."""

from django.urls import path

from . import views

urlpatterns = [
    path("team/", views.team_load, name="team_load"),
    path("team/groups/", views.group_list, name="group_list"),
    path("team/groups/new/", views.group_create, name="group_create"),
    path("team/groups/<int:pk>/edit/", views.group_edit, name="group_edit"),
    path("team/employees/", views.employee_list, name="employee_list"),
    path("team/employees/new/", views.employee_create, name="employee_create"),
    path("team/employees/<int:pk>/edit/", views.employee_edit, name="employee_edit"),
    path("team/employees/<int:pk>/deactivate/", views.employee_deactivate, name="employee_deactivate"),
    path("team/agency/", views.agency_edit, name="agency_edit"),
]
