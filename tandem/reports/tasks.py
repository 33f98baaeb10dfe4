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


@shared_task(name="reports.client_report_email", autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def client_report_email_task(report_id: int, message: str = "") -> bool:
    """E-mail a sent report's PDF to its recipients (once; safe to retry)."""
    return services.client_report_email(report_id=report_id, message=message)


@shared_task(name="reports.client_reports_prepare_due")
def client_reports_prepare_due_task() -> dict[str, int]:
    """Daily: drafts of last month's reports for clients whose report day has come."""
    return services.client_reports_prepare_due(today=timezone.localdate())
