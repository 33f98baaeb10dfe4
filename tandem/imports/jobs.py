"""The real run of a staged file as a background job, with its progress.

The state (queued → running → done | failed, and why) is on the ImportRecord; the percentage
lives in the cache, because the import writes in one transaction that nobody else sees until it
ends. With a broker the job runs in a Celery worker (the cache is Redis, shared); without one
(`CELERY_TASK_ALWAYS_EAGER`) it runs in the request, and the page shows it done.
"""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from tandem.clients import permissions as client_permissions
from tandem.clients.models import ImportRecord, JobStatus
from tandem.core.errors import PermissionDenied
from tandem.org.models import User

from . import services

_KEY = "imports:progress:{}"


def progress_set(record_id: int, percent: int, step: str) -> None:
    cache.set(_KEY.format(record_id), {"percent": percent, "step": str(step)}, 6 * 3600)


def progress_of(record: ImportRecord) -> dict[str, Any]:
    """{status, percent, step, error} of the record's job: 100 when done, else the last step reported."""
    if record.job_status == JobStatus.DONE or (record.applied_at and not record.job_status):
        return {"status": JobStatus.DONE, "percent": 100, "step": "", "error": ""}
    found = cache.get(_KEY.format(record.pk)) or {"percent": 0, "step": ""}
    return {"status": record.job_status, "percent": int(found["percent"]), "step": found["step"],
            "error": record.job_error}


def import_enqueue(*, actor: User, record: ImportRecord) -> ImportRecord:
    """Queue the real run of a staged file (heads of accounts and admins). Refused when it is
    already imported or its job is queued or running."""
    if not client_permissions.can_import_data(actor):
        raise PermissionDenied()
    if record.applied_at is not None:
        raise services.ImportFailed(_("Этот файл уже импортирован."))
    if record.job_status in (JobStatus.QUEUED, JobStatus.RUNNING):
        raise services.ImportFailed(_("Импорт этого файла уже идёт."))
    record.job_status, record.job_error = JobStatus.QUEUED, ""
    record.save(update_fields=["job_status", "job_error"])
    progress_set(record.pk, 0, _("В очереди"))
    from .tasks import import_run_task

    record_id, user_id = record.pk, actor.pk
    transaction.on_commit(lambda: import_run_task.delay(record_id, user_id))
    return record


def import_job_run(*, record_id: int, user_id: int) -> str:
    """The job: run the import as the user who queued it; record done or failed (with the reason).
    Safe to retry: an imported file is just marked done."""
    record = ImportRecord.objects.get(pk=record_id)
    if record.applied_at is not None:
        ImportRecord.objects.filter(pk=record_id).update(job_status=JobStatus.DONE)
        return JobStatus.DONE
    actor = User.objects.get(pk=user_id)
    ImportRecord.objects.filter(pk=record_id).update(job_status=JobStatus.RUNNING)
    try:
        services.import_apply_staged(actor=actor, record=record,
                                     progress=lambda percent, step: progress_set(record_id, percent, step))
    except (ValidationError, PermissionDenied) as exc:
        reason = " ".join(exc.messages) if isinstance(exc, ValidationError) else _("Нет прав на импорт.")
        ImportRecord.objects.filter(pk=record_id).update(job_status=JobStatus.FAILED, job_error=reason)
        return JobStatus.FAILED
    ImportRecord.objects.filter(pk=record_id).update(job_status=JobStatus.DONE)
    progress_set(record_id, 100, "")
    return JobStatus.DONE
