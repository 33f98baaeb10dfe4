"""Helpers shared by the billing services (private to this package)."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils.translation import gettext as _

from tandem.core.errors import PermissionDenied
from tandem.org.models import Agency, Employee, User
from tandem.org.permissions import actor_employee

from ..calc import format_number, sequence_period
from ..models import Act, BillingSettings, Invoice, NumberSequence


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
    obj, _created = BillingSettings.objects.get_or_create(agency=agency)
    return obj


def first_of_month(day: date) -> date:
    return day.replace(day=1)


def _numbered(*, agency: Agency, kind: str, pattern: str, on: date) -> QuerySet[Invoice] | QuerySet[Act]:
    """The documents already numbered in the series `on` falls into (the whole history, or its
    year when the pattern restarts every year). Cancelled invoices keep their numbers, so they
    count."""
    qs: QuerySet[Invoice] | QuerySet[Act]
    qs = Invoice.objects.filter(agency=agency).exclude(number="") if kind == "invoice" else (
        Act.objects.filter(agency=agency)
    )
    period = sequence_period(pattern, on)
    return qs if period == "all" else qs.filter(date__year=int(period))


def series_last_date(*, agency: Agency, kind: str, pattern: str, on: date) -> date | None:
    """The date of the latest numbered document of the series `on` falls into."""
    last = _numbered(agency=agency, kind=kind, pattern=pattern, on=on).order_by("-date").values_list(
        "date", flat=True
    ).first()
    return last


def check_series_date(*, agency: Agency, kind: str, pattern: str, on: date) -> None:
    """Numbers follow dates: a document of a series may not be dated before the last numbered one
    (№ 13 from 01.03 after № 12 from 05.03 would break the register). Raises a ValidationError on
    `date` saying which document stands in the way and the earliest date allowed."""
    last = (
        _numbered(agency=agency, kind=kind, pattern=pattern, on=on)
        .filter(date__gt=on).order_by("-date", "-pk").values_list("number", "date").first()
    )
    if last is None:
        return
    number, day = last
    params = {"n": number, "d": day.strftime("%d.%m"), "full": day.strftime("%d.%m.%Y")}
    if kind == "invoice":
        msg = _("Счёт № %(n)s от %(d)s уже выставлен; новый счёт не может быть датирован раньше — "
                "поставьте дату не ранее %(full)s.") % params
    else:
        msg = _("Акт № %(n)s от %(d)s уже составлен; новый акт не может быть датирован раньше — "
                "поставьте дату не ранее %(full)s.") % params
    raise ValidationError({"date": msg})


def next_number(*, agency: Agency, kind: str, pattern: str, on: date) -> str:
    """The next document number for the agency, for a document dated `on` (refused when an
    earlier number of the series carries a later date, see `check_series_date`). Caller is
    inside a transaction; the sequence row is locked so two concurrent issues never get the
    same number nor slip a date between each other."""
    assert transaction.get_connection().in_atomic_block, "next_number needs a transaction"
    period = sequence_period(pattern, on)
    seq, _created = NumberSequence.objects.select_for_update().get_or_create(agency=agency, kind=kind, period=period)
    check_series_date(agency=agency, kind=kind, pattern=pattern, on=on)
    NumberSequence.objects.filter(pk=seq.pk).update(last=F("last") + 1)
    seq.refresh_from_db(fields=["last"])
    return format_number(pattern, seq=seq.last, on=on)
