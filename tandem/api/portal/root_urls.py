"""URLconf of the portal schema: only the portal API, at its real path."""

from django.urls import include, path

urlpatterns = [path("api/portal/v1/", include("tandem.api.portal.urls"))]
