"""One exception handler: domain errors become JSON with field messages.

- django ValidationError -> 400 {"field": ["message", ...], ...} (non-field under "non_field_errors")
- ApplicationError       -> its status_code, {"detail": message, "code": code[, "field": name]}
- a request body over DATA_UPLOAD_MAX_MEMORY_SIZE (or with too many fields/files) -> 413 JSON
  stating the limit, instead of Django's HTML «Bad Request» page
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from tandem.core.errors import ApplicationError


def validation_error_body(exc: DjangoValidationError) -> dict[str, Any]:
    if hasattr(exc, "error_dict"):
        body: dict[str, Any] = {}
        for field, errors in exc.message_dict.items():
            key = "non_field_errors" if field == "__all__" else field
            body[key] = list(errors)
        return body
    return {"non_field_errors": list(exc.messages)}


def _too_large_body(exc: Exception) -> dict[str, Any]:
    if isinstance(exc, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0
        message = _("Тело запроса больше допустимого: не более %(size).1f МБ (файлы отправляйте multipart).") % {
            "size": limit / 1024 / 1024}
    elif isinstance(exc, TooManyFilesSent):
        message = _("Слишком много файлов в запросе: не более %(n)s.") % {"n": settings.DATA_UPLOAD_MAX_NUMBER_FILES}
    else:
        message = _("Слишком много полей в запросе: не более %(n)s.") % {"n": settings.DATA_UPLOAD_MAX_NUMBER_FIELDS}
    return {"detail": message, "code": "request_too_large"}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent)):
        return Response(_too_large_body(exc), status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    if isinstance(exc, DjangoValidationError):
        return Response(validation_error_body(exc), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, ApplicationError):
        body: dict[str, Any] = {"detail": exc.message, "code": exc.code}
        if exc.field:
            body = {exc.field: [exc.message], **body}
        return Response(body, status=exc.status_code)
    return drf_exception_handler(exc, context)
