"""Celery wrapper for the import job. Safe to retry (an imported file is only marked done)."""

from __future__ import annotations

from celery import shared_task

from .jobs import import_job_run


@shared_task(name="imports.run")
def import_run_task(record_id: int, user_id: int) -> str:
    """Run a staged import (tandem.imports.jobs.import_job_run)."""
    return import_job_run(record_id=record_id, user_id=user_id)
