from django.urls import path

from . import views

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("retention/", views.retention_report, name="retention"),
    path("retention/win-back/", views.winback_list, name="winback"),
]
