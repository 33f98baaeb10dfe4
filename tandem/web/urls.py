"""Web UI. Each domain adds its pages in web/<domain>/urls.py, included here."""

from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import history_views, views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(template_name="web/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include("tandem.web.clients.urls")),
    path("", include("tandem.web.org.urls")),
    path("", include("tandem.web.comms.urls")),
    path("", include("tandem.web.my_day.urls")),
    path("", include("tandem.web.contracts.urls")),
    path("", include("tandem.web.work.urls")),
    path("", include("tandem.web.billing.urls")),
    path("", include("tandem.web.search.urls")),
    path("", include("tandem.web.reports.urls")),
    path("", include("tandem.web.account.urls")),
    path("history/<str:kind>/<int:pk>/", history_views.field_history, name="field_history"),
]
