"""Bridging domain errors into Django forms so they show next to the field, and typed access to
model choice fields whose queryset is set per request."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from tandem.core.errors import ApplicationError


def model_choice(form: forms.BaseForm, name: str) -> forms.ModelChoiceField[Any]:
    """`form.fields[name]`, declared as a ModelChoiceField (or ModelMultipleChoiceField), typed as one
    so that its `queryset` can be set for the actor."""
    field = form.fields[name]
    assert isinstance(field, forms.ModelChoiceField)
    return field


def add_domain_error(form: forms.Form, exc: ValidationError | ApplicationError) -> None:
    """Attach a service's error to the form: field errors to their field, the rest on top."""
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
