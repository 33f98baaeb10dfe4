"""Admin base class for models whose history (django-simple-history) must not be reverted."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from simple_history.admin import SimpleHistoryAdmin


class NoRevertHistoryAdmin(SimpleHistoryAdmin):
    """Versions can be listed and viewed, not reverted to: a revert saves the whole old version,
    read-only and derived fields included, without the services' bookkeeping."""

    def revert_disabled(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return True

    def history_form_view(
        self, request: HttpRequest, object_id: str, version_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if request.method == "POST":
            raise PermissionDenied
        response: HttpResponse = super().history_form_view(request, object_id, version_id, extra_context)
        return response
