"""Celery wrappers for growth jobs: call services, return small summaries. Idempotent."""

from __future__ import annotations

from dataclasses import asdict

from celery import shared_task
from django.utils import timezone

from tandem.org.models import Agency

from . import services


@shared_task(name="growth.generate_all")
def growth_generate_all_task() -> dict[str, int]:
    """Nightly: run the growth rules (suggestions and «no results») for every agency."""
    totals: dict[str, int] = {}
    today = timezone.localdate()
    for agency in Agency.objects.order_by("pk"):
        for key, value in asdict(services.growth_generate(agency=agency, today=today)).items():
            totals[key] = totals.get(key, 0) + value
    return totals
