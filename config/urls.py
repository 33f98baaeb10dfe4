from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from tandem.api.docs import RedocDocsView, SchemaView, SwaggerDocsView
from tandem.api.portal.schema import PORTAL_SCHEMA_SETTINGS

from . import health

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("api/schema/", SchemaView.as_view(), name="schema"),
    path("api/docs/", SwaggerDocsView.as_view(url_name="schema"), name="api-docs"),
    path("api/redoc/", RedocDocsView.as_view(url_name="schema"), name="api-redoc"),
    path("api/v1/", include("tandem.api.v1.urls")),
    path("api/portal/schema/", SpectacularAPIView.as_view(
        urlconf="tandem.api.portal.root_urls", custom_settings=PORTAL_SCHEMA_SETTINGS), name="portal-schema"),
    path("api/portal/v1/", include("tandem.api.portal.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("tandem.web.urls")),
]

# Uploaded files (stage deliverables, statements) are never served from MEDIA_URL: views that
# check the client's visibility stream them.
