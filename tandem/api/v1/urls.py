"""API v1. Each domain registers its routes in its own module (v1/<domain>.py)."""

from django.urls import include, path

from . import auth

app_name = "api"

urlpatterns = [
    path("auth/", include(auth.urlpatterns)),
    path("", include("tandem.api.v1.org")),
    path("", include("tandem.api.v1.clients")),
    path("", include("tandem.api.v1.handover")),
    path("", include("tandem.api.v1.contracts")),
    path("", include("tandem.api.v1.work")),
    path("", include("tandem.api.v1.comms")),
    path("", include("tandem.api.v1.billing")),
    path("", include("tandem.api.v1.billing_settings")),
    path("", include("tandem.api.v1.onec")),
    path("", include("tandem.api.v1.loyalty")),
    path("", include("tandem.api.v1.search")),
    path("", include("tandem.api.v1.history")),
    path("", include("tandem.api.v1.reports")),
    path("", include("tandem.api.v1.privacy")),
    path("", include("tandem.api.v1.webhooks")),
    path("", include("tandem.api.v1.growth")),
    path("", include("tandem.api.v1.proposals")),
    path("", include("tandem.api.v1.health")),
    path("", include("tandem.api.v1.client_reports")),
    path("", include("tandem.api.v1.retainers")),
    path("", include("tandem.api.v1.imports")),
    path("", include("tandem.api.v1.portal_staff")),
]
