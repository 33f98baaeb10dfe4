"""Celery wrappers for growth jobs: call services, return small summaries. Idempotent."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date

from celery import shared_task
from django.utils import timezone

from tandem.core.jobs import fan_out_by_agency
from tandem.org.models import Agency

from . import services


@shared_task(name="growth.generate_all")
def growth_generate_all_task() -> dict[str, int]:
    """Nightly: one `growth.generate_agency` job per agency (sharded, issue 16)."""
    today = timezone.localdate()
    return fan_out_by_agency(growth_generate_agency_task, list(Agency.objects.order_by("pk").values_list("pk", flat=True)),
                             today.isoformat())


@shared_task(name="growth.generate_agency")
def growth_generate_agency_task(agency_id: int, day: str) -> dict[str, int]:
    """The growth rules (suggestions and «no results») of one agency; safe to re-run."""
    agency = Agency.objects.filter(pk=agency_id).first()
    if agency is None:
        return {}
    return dict(asdict(services.growth_generate(agency=agency, today=date.fromisoformat(day))))
