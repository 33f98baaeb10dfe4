"""Domain errors on Django forms (the web pages and the admin both show service errors in place)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from tandem.core.errors import ApplicationError


def add_domain_error(form: forms.BaseForm, exc: ValidationError | ApplicationError) -> None:
    """Attach a service's error to the form: field errors to their field when the form shows it,
    the rest on top."""
    if isinstance(exc, ApplicationError):
        field = exc.field if exc.field in form.fields else None
        form.add_error(field, exc.message)
        return
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            target = field if field in form.fields else None
            for message in errors:
                form.add_error(target, message)
        return
    for message in exc.messages:
        form.add_error(None, message)
