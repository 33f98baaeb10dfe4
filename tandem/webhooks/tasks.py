"""Celery wrappers: deliver one webhook; retry the failed ones that are due. Idempotent."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="webhooks.deliver")
def deliver_task(delivery_pk: int) -> str:
    return services.deliver(delivery_pk=delivery_pk).status


@shared_task(name="webhooks.retry_due")
def retry_due_task() -> int:
    return services.retry_due()
