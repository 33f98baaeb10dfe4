"""Celery wrappers for reports jobs: call services, return small summaries. Idempotent."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from . import services


@shared_task(name="reports.analytics_refresh_all")
def analytics_refresh_all_task() -> dict[str, int]:
    """Nightly: re-read the last ANALYTICS_REFRESH_DAYS days of every real analytics source."""
    return services.analytics_refresh_all(today=timezone.localdate(), days=settings.ANALYTICS_REFRESH_DAYS)
