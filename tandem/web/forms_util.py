"""Bridging domain errors into Django forms so they show next to the field, and typed access to
model choice fields whose queryset is set per request."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tandem.core.forms import add_domain_error

__all__ = ["add_domain_error", "date_input", "decimal_field", "model_choice"]


def model_choice(form: forms.BaseForm, name: str) -> forms.ModelChoiceField[Any]:
    """`form.fields[name]`, declared as a ModelChoiceField (or ModelMultipleChoiceField), typed as one
    so that its `queryset` can be set for the actor."""
    field = form.fields[name]
    assert isinstance(field, forms.ModelChoiceField)
    return field


def decimal_field(**kwargs: Any) -> forms.DecimalField:
    """A number field shown and read in the user's language: «0,75» in Russian (a dot is accepted
    too), never the browser's type=number, which shows and rejects separators by its own locale."""
    return forms.DecimalField(localize=True, widget=forms.TextInput(attrs={"inputmode": "decimal"}), **kwargs)


def date_input() -> forms.DateInput:
    """A date typed in the Russian order, «03.12.2026», whatever the browser's locale (a
    type=date input shows the order of the browser's own language, e.g. 12/03/2026). The date
    fields read dd.mm.yyyy and ISO in both UI languages (DATE_INPUT_FORMATS, config/formats)."""
    return forms.DateInput(format="%d.%m.%Y", attrs={
        "placeholder": _("дд.мм.гггг"), "inputmode": "numeric", "autocomplete": "off", "class": "date",
        "maxlength": "10",
    })
