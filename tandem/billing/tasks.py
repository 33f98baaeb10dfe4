"""Celery wrappers for billing jobs. Safe to retry."""

from __future__ import annotations

from celery import shared_task

from .services.retainers import retainer_alerts_run


@shared_task(name="billing.retainer_alerts")
def retainer_alerts_task() -> dict[str, int]:
    """Daily: 80 % / 100 % retainer budget alerts to the AMs (each sent once)."""
    run = retainer_alerts_run()
    return {"created": run.created, "existing": run.existing}


@shared_task(name="billing.retainer_alerts_line")
def retainer_alerts_line_task(line_id: int) -> dict[str, int]:
    """After time is logged: the alerts of one retainer line."""
    run = retainer_alerts_run(line_ids=[line_id])
    return {"created": run.created, "existing": run.existing}
