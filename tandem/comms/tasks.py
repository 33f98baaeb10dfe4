"""Celery wrappers for comms jobs: call services, return small summaries. Idempotent."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="comms.escalate")
def escalate_late_requests_task() -> int:
    """Escalate late requests (each request/level/person once)."""
    return len(services.escalations_run())
