"""Bridging domain errors into Django forms so they show next to the field, and typed access to
model choice fields whose queryset is set per request."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django import forms
from django.db import models
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.translation import gettext_lazy as _

from tandem.core.forms import add_domain_error

__all__ = ["add_domain_error", "date_input", "decimal_field", "localized_formfield", "model_choice", "month_field"]


def model_choice(form: forms.BaseForm, name: str) -> forms.ModelChoiceField[Any]:
    """`form.fields[name]`, declared as a ModelChoiceField (or ModelMultipleChoiceField), typed as one
    so that its `queryset` can be set for the actor."""
    field = form.fields[name]
    assert isinstance(field, forms.ModelChoiceField)
    return field


def decimal_field(**kwargs: Any) -> forms.DecimalField:
    """A number field shown and read in the user's language: «0,75» in Russian (a dot is accepted
    too), never the browser's type=number, which shows and rejects separators by its own locale."""
    return _CommaDecimalField(localize=True, widget=forms.TextInput(attrs={"inputmode": "decimal"}), **kwargs)


class _CommaDecimalField(forms.DecimalField):
    """Also reads «0,75» on English pages (where the decimal separator is a dot)."""

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str) and "," in value and "." not in value:
            value = value.replace(" ", "").replace("\xa0", "").replace(",", ".")
        return super().to_python(value)


def date_input() -> forms.DateInput:
    """A date typed in the Russian order, «03.12.2026», whatever the browser's locale (a
    type=date input shows the order of the browser's own language, e.g. 12/03/2026). The date
    fields read dd.mm.yyyy and ISO in both UI languages (DATE_INPUT_FORMATS, config/formats)."""
    return forms.DateInput(format="%d.%m.%Y", attrs={
        "placeholder": _("дд.мм.гггг"), "inputmode": "numeric", "autocomplete": "off", "class": "date",
        "maxlength": "10",
    })


def localized_formfield(db_field: models.Field[Any, Any], **kwargs: Any) -> forms.Field | None:
    """`formfield_callback` for `fields_for_model`: a model's decimals and dates get the same
    inputs as `decimal_field` and `date_input` (never type=number or type=date)."""
    if isinstance(db_field, models.DecimalField):
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal"}))
        return db_field.formfield(form_class=_CommaDecimalField, localize=True, **kwargs)
    if isinstance(db_field, models.DateField) and not isinstance(db_field, models.DateTimeField):
        kwargs.setdefault("widget", date_input())
    return db_field.formfield(**kwargs)


def _month_choices(back: int = 24, ahead: int = 2) -> list[tuple[str, str]]:
    today = timezone.localdate()
    first = today.year * 12 + today.month - 1
    months = [date(n // 12, n % 12 + 1, 1) for n in range(first + ahead, first - back - 1, -1)]
    return [("", "—")] + [(f"{m:%Y-%m}", str(format_date(m, "F Y"))) for m in months]


def _to_month(value: str) -> date:
    return datetime.strptime(value, "%Y-%m").date()


class _MonthChoiceField(forms.TypedChoiceField):
    """Shows an initial `date` as the option it belongs to (yyyy-mm), so a form opened on a month
    has that month selected."""

    def prepare_value(self, value: Any) -> Any:
        return f"{value:%Y-%m}" if isinstance(value, date) else value


def month_field(*, label: Any, back: int = 24, ahead: int = 2, **kwargs: Any) -> forms.TypedChoiceField:
    """A month picked from a list named in the user's language («Ноябрь 2026»), newest first;
    a type=month input names months in the browser's own language instead. Cleans to the
    month's first day; the submitted value is yyyy-mm (an initial `date` selects its month)."""
    return _MonthChoiceField(label=label, choices=lambda: _month_choices(back, ahead), coerce=_to_month,
                             empty_value=None, **kwargs)


SEARCH_MAX_LENGTH = 200


def clean_search(raw: str | None) -> str:
    """A list's free-text search as read from the URL: NUL characters (PostgreSQL refuses them in
    a query: a 500) dropped, surrounding spaces stripped, at most 200 characters."""
    return (raw or "").replace("\x00", "").strip()[:SEARCH_MAX_LENGTH]
