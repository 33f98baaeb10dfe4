"""Shared helpers of the work services (private to this package)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from tandem.core.errors import PermissionDenied
from tandem.org.models import Employee, User
from tandem.org.permissions import actor_employee


def require(allowed: bool, message: str | None = None) -> None:
    if not allowed:
        raise PermissionDenied(message) if message else PermissionDenied()


def require_employee(actor: User) -> Employee:
    employee = actor_employee(actor)
    if employee is None:
        raise PermissionDenied()
    return employee


def apply(instance: Any, data: dict[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = set(data) - set(allowed)
    if unknown:
        raise ValidationError({name: _("Это поле нельзя изменить здесь.") for name in sorted(unknown)})
    for name, value in data.items():
        setattr(instance, name, value)
