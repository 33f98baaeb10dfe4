"""API documentation pages, served entirely from our own static files (drf-spectacular-sidecar).

- /api/docs/: Swagger UI in the split variant — the page loads its init script from a URL
  instead of an inline <script>, as the Content-Security-Policy (no 'unsafe-inline') needs; our
  template takes drf-spectacular's inline <style> out into a static file.
- /api/redoc/: ReDoc, with a template that does not fetch Google Fonts (drf-spectacular's
  default does, which stalls the page offline). ReDoc's bundle injects <style> elements
  (styled-components) and starts its search worker from a blob: URL, so this one view gets a
  relaxed policy: style-src 'unsafe-inline' and worker-src blob: (scripts stay 'self' only).
- /api/schema/: the OpenAPI document.

Who may read them: anyone while `API_DOCS_PUBLIC` (on by default in DEBUG); otherwise a
signed-in member of the agency's staff (an active employee, or a Django staff user) — the
schema maps every endpoint, which is of no business to strangers. An anonymous visitor of the
HTML pages is sent to the sign-in page; the schema answers 401/403 like the rest of the API.
"""

from __future__ import annotations

from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_update
from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponseBase
from django.utils.decorators import method_decorator
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework.exceptions import NotAuthenticated, PermissionDenied
from rest_framework.permissions import BasePermission
from rest_framework.views import APIView

from tandem.org.permissions import actor_employee


class DocsAccess(BasePermission):
    """Open while settings.API_DOCS_PUBLIC; otherwise a signed-in Django staff user or active
    employee of an agency."""

    def has_permission(self, request, view) -> bool:  # type: ignore[no-untyped-def]
        if settings.API_DOCS_PUBLIC:
            return True
        user = request.user
        return bool(user and user.is_authenticated and (user.is_staff or actor_employee(user)))


class _SignInToRead(APIView):
    """An anonymous visitor of a docs page is sent to the sign-in page (and back after it)
    instead of a bare 401."""

    permission_classes = [DocsAccess]

    # The redirect is a plain Django response; DRF's finalize_response passes it through.
    def handle_exception(self, exc: Exception) -> HttpResponseBase:  # type: ignore[override]
        request = self.request
        if isinstance(exc, NotAuthenticated | PermissionDenied) and not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return super().handle_exception(exc)


class SchemaView(SpectacularAPIView):
    permission_classes = [DocsAccess]


class SwaggerDocsView(_SignInToRead, SpectacularSwaggerSplitView):
    template_name = "api/swagger_ui.html"


@method_decorator(csp_update({"style-src": [UNSAFE_INLINE], "worker-src": [SELF, "blob:"]}), name="dispatch")
class RedocDocsView(_SignInToRead, SpectacularRedocView):
    template_name = "api/redoc.html"
