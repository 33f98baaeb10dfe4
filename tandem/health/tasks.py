"""Celery wrappers for health jobs: call services, return small summaries. Idempotent."""

from __future__ import annotations

from datetime import date

from celery import shared_task
from django.utils import timezone

from tandem.core.jobs import fan_out_by_agency
from tandem.org.models import Agency

from . import services


@shared_task(name="health.recompute_all")
def health_recompute_all_task() -> dict[str, int]:
    """Nightly: one `health.recompute_agency` job per agency (sharded, issue 16)."""
    today = timezone.localdate()
    return fan_out_by_agency(health_recompute_agency_task, list(Agency.objects.order_by("pk").values_list("pk", flat=True)),
                             today.isoformat())


@shared_task(name="health.recompute_agency")
def health_recompute_agency_task(agency_id: int, day: str) -> dict[str, int]:
    """Today's score of every served client of one agency (a re-run replaces the day)."""
    agency = Agency.objects.filter(pk=agency_id).first()
    if agency is None:
        return {"scores": 0, "proposals": 0}
    result = services.health_recompute(agency=agency, day=date.fromisoformat(day))
    return {"scores": len(result.scores), "proposals": len(result.proposals)}
