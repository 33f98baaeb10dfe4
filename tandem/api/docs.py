"""API documentation pages, served entirely from our own static files (drf-spectacular-sidecar).

- /api/docs/: Swagger UI in the split variant — the page loads its init script from a URL
  instead of an inline <script>, as a Content-Security-Policy without 'unsafe-inline' needs.
- /api/redoc/: ReDoc, with a template that does not fetch Google Fonts (drf-spectacular's
  default does, which stalls the page offline).
"""

from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerSplitView


class SwaggerDocsView(SpectacularSwaggerSplitView):
    pass


class RedocDocsView(SpectacularRedocView):
    template_name = "api/redoc.html"
