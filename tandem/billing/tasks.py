"""Celery wrappers for billing jobs. Safe to retry."""

from __future__ import annotations

from datetime import date

from celery import shared_task
from django.utils import timezone

from tandem.core.jobs import fan_out_by_agency
from tandem.org.models import Agency

from .services.retainers import retainer_alerts_run


@shared_task(name="billing.retainer_alerts")
def retainer_alerts_task() -> dict[str, int]:
    """Daily: 80 % / 100 % retainer budget alerts to the AMs (each sent once), one
    `billing.retainer_alerts_agency` job per agency (sharded, issue 16)."""
    today = timezone.localdate()
    return fan_out_by_agency(retainer_alerts_agency_task, list(Agency.objects.order_by("pk").values_list("pk", flat=True)),
                             today.isoformat())


@shared_task(name="billing.retainer_alerts_agency")
def retainer_alerts_agency_task(agency_id: int, day: str) -> dict[str, int]:
    """One agency's retainer alerts (each line, month and threshold notified once)."""
    run = retainer_alerts_run(today=date.fromisoformat(day), agency_id=agency_id)
    return {"created": run.created, "existing": run.existing}


@shared_task(name="billing.retainer_alerts_line")
def retainer_alerts_line_task(line_id: int) -> dict[str, int]:
    """After time is logged: the alerts of one retainer line."""
    run = retainer_alerts_run(line_ids=[line_id])
    return {"created": run.created, "existing": run.existing}
