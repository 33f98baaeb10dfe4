"""Helpers shared by the billing services (private to this package)."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.db.models import F

from tandem.core.errors import PermissionDenied
from tandem.org.models import Agency, Employee, User
from tandem.org.permissions import actor_employee

from ..calc import format_number, sequence_period
from ..models import BillingSettings, NumberSequence


def require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied()


def require_employee(actor: User) -> Employee:
    employee = actor_employee(actor)
    if employee is None:
        raise PermissionDenied()
    return employee


def settings_for(agency: Agency) -> BillingSettings:
    """The agency's billing settings, created with defaults on first use."""
    obj, _ = BillingSettings.objects.get_or_create(agency=agency)
    return obj


def first_of_month(day: date) -> date:
    return day.replace(day=1)


def next_number(*, agency: Agency, kind: str, pattern: str, on: date) -> str:
    """The next document number for the agency. Caller is inside a transaction; the sequence
    row is locked so two concurrent issues never get the same number."""
    assert transaction.get_connection().in_atomic_block, "next_number needs a transaction"
    period = sequence_period(pattern, on)
    seq, _ = NumberSequence.objects.select_for_update().get_or_create(agency=agency, kind=kind, period=period)
    NumberSequence.objects.filter(pk=seq.pk).update(last=F("last") + 1)
    seq.refresh_from_db(fields=["last"])
    return format_number(pattern, seq=seq.last, on=on)
