"""Web UI. Each domain adds its pages in web/<domain>/urls.py, included here."""

from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import history_views, views
from .account import two_factor
from .portal.auth import StaffAuthenticationForm

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", two_factor.SignIn.as_view(authentication_form=StaffAuthenticationForm), name="login"),
    path("login/code/", two_factor.login_code, name="login_code"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include("tandem.web.clients.urls")),
    path("", include("tandem.web.org.urls")),
    path("", include("tandem.web.comms.urls")),
    path("", include("tandem.web.my_day.urls")),
    path("", include("tandem.web.contracts.urls")),
    path("", include("tandem.web.work.urls")),
    path("", include("tandem.web.billing.urls")),
    path("", include("tandem.web.reports.urls")),
    path("", include("tandem.web.search.urls")),
    path("", include("tandem.web.account.urls")),
    path("", include("tandem.web.webhooks.urls")),
    path("", include("tandem.web.growth.urls")),
    path("", include("tandem.web.portal.urls")),
    path("", include("tandem.web.health.urls")),
    path("history/<str:kind>/<int:pk>/", history_views.field_history, name="field_history"),
]
