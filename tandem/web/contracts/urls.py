"""Contract pages, included into the "web" namespace by tandem/web/urls.py."""

from django.urls import path

from . import my_day, retainers, views  # noqa: F401  (my_day registers its section)

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
    path("contracts/lines/<int:pk>/retainer/", retainers.line_retainer, name="line_retainer"),
    path("contracts/lines/<int:pk>/retainer/expenses/", retainers.retainer_expense_add, name="retainer_expense_add"),
    path("contracts/lines/<int:pk>/retainer/overage/", retainers.retainer_overage_decide,
         name="retainer_overage_decide"),
    path("contracts/retainer-expenses/<int:pk>/delete/", retainers.retainer_expense_delete,
         name="retainer_expense_delete"),
]
