"""Celery wrappers: take IDs, read settings, call services. Safe to retry."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.conf import settings

from . import services
from .senders import Sender, build_senders

# Tests (and a local debugging session) may replace the Telegram transport here.
TELEGRAM_TRANSPORT: Any = None


def default_senders() -> dict[str, Sender]:
    return build_senders(
        from_email=settings.DEFAULT_FROM_EMAIL,
        telegram_enabled=settings.USE_TELEGRAM,
        telegram_api_base=settings.TELEGRAM_API_BASE,
        telegram_transport=TELEGRAM_TRANSPORT,
        base_url=settings.TANDEM_BASE_URL,
    )


@shared_task(name="notifications.deliver")
def deliver_notification_task(delivery_id: int) -> str:
    return services.delivery_attempt(delivery_id=delivery_id, senders=default_senders())


@shared_task(name="notifications.retry_due")
def retry_due_deliveries_task() -> dict[str, int]:
    return services.deliveries_retry_due(senders=default_senders())


@shared_task(name="notifications.run_reminders")
def run_reminders_task() -> dict[str, Any]:
    run = services.reminders_run()
    return {"created": run.created, "existing": run.existing, "errors": run.errors}
