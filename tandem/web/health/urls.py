from django.urls import path

from . import my_day, views  # noqa: F401  (my_day registers its section)

urlpatterns = [
    path("health/", views.health_list, name="health_list"),
    path("health/backtest/", views.backtest_page, name="health_backtest"),
    path("health/settings/", views.health_settings, name="health_settings"),
    path("health/proposals/<int:pk>/<str:decision>/", views.proposal_decide, name="health_proposal_decide"),
    path("clients/<int:pk>/health/panel/", views.client_health_panel, name="client_health_panel"),
    path("clients/<int:pk>/health/recompute/", views.client_health_recompute, name="client_health_recompute"),
]
