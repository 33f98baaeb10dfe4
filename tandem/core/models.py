"""Abstract bases shared by every domain model."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.encoding import force_str

# field → {value: label} of fields with fixed choices, built on first use (see _get_FIELD_display).
_CHOICE_LABELS: dict[Any, dict[Any, Any]] = {}


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

    def _get_FIELD_display(self, field: models.Field[Any, Any]) -> Any:  # noqa: N802 - Django's name
        """`get_<field>_display()` without re-reading the choices on every call.

        Django's version hashes every (value, label) pair of the field's choices on each call, which
        translates every lazy label: a list of 50 clients with three choice columns made ~800
        translations. The value → label map of a field with fixed choices is kept here; the labels
        stay lazy, so the one that is shown is translated into the current language.
        """
        labels = _CHOICE_LABELS.get(field)
        if labels is None:
            if not isinstance(field.choices, list | tuple):  # callable choices: read them each time
                return super()._get_FIELD_display(field)  # type: ignore[misc]
            labels = _CHOICE_LABELS[field] = dict(field.flatchoices)
        value = getattr(self, field.attname)
        try:
            label = labels.get(value, value)
        except TypeError:  # an unhashable value (a list in a JSON field): Django's way
            return super()._get_FIELD_display(field)  # type: ignore[misc]
        return force_str(label, strings_only=True)
