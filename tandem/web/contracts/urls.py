"""Contract pages, included into the "web" namespace by tandem/web/urls.py."""

from django.urls import path

from . import views

urlpatterns = [
    path("contracts/", views.contract_list, name="contract_list"),
    path("contracts/new/", views.contract_create, name="contract_create"),
    path("contracts/settings/", views.contract_settings, name="contract_settings"),
    path("contracts/<int:pk>/", views.contract_detail, name="contract_detail"),
    path("contracts/<int:pk>/edit/", views.contract_edit, name="contract_edit"),
    path("contracts/<int:pk>/lines/", views.contract_line_add, name="contract_line_add"),
    path("contracts/lines/<int:pk>/delete/", views.contract_line_delete, name="contract_line_delete"),
    path("contracts/<int:pk>/status/", views.contract_status, name="contract_status"),
    path("contracts/<int:pk>/rating/", views.contract_rating, name="contract_rating"),
]
