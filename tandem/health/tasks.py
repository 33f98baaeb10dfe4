"""Celery wrappers for health jobs: call services, return small summaries. Idempotent."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from tandem.org.models import Agency

from . import services


@shared_task(name="health.recompute_all")
def health_recompute_all_task() -> dict[str, int]:
    """Nightly: today's score of every served client of every agency (a re-run replaces the day)."""
    today = timezone.localdate()
    scores = proposals = 0
    for agency in Agency.objects.all():
        result = services.health_recompute(agency=agency, day=today)
        scores += len(result.scores)
        proposals += len(result.proposals)
    return {"scores": scores, "proposals": proposals}
