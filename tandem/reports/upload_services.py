"""Client results from uploaded CSV/XLSX files (issue #11): search positions (Topvisor, SE
Ranking), ad spend (Яндекс Директ, VK Реклама) and any daily figures as a fallback.

- One source per client and export (`AnalyticsKind.TOPVISOR`, …); its column mapping is saved on
  it when a file is loaded, so the next month's file needs no setup.
- All or nothing: a file with any bad line stores nothing and every bad line is reported; a good
  file is written in one transaction.
- Idempotent: one snapshot per source and day; re-uploading a file (or a longer one over the
  same days) replaces those days' figures and only the fields the file has.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tandem.clients.models import Client
from tandem.core.errors import PermissionDenied
from tandem.integrations import results_files
from tandem.org.models import User

from .models import UPLOAD_KINDS, AnalyticsSnapshot, AnalyticsSource, SyncStatus
from .permissions import can_manage_analytics

MAPPING_FIELDS = {
    results_files.DAILY: list(results_files.DAILY_FIELDS),
    results_files.POSITIONS: ["keyword"],
}


@dataclass(frozen=True)
class UploadResult:
    source_id: int
    days: int
    first_day: date
    last_day: date
    fields: list[str]


def mapping_fields(kind: str) -> list[str]:
    """The fields a mapping may name for this kind of file."""
    return MAPPING_FIELDS[results_files.SHAPES[kind]]


@transaction.atomic
def analytics_upload(
    *, actor: User, client: Client, kind: str, content: bytes, file_name: str,
    mapping: Mapping[str, str] | None = None, now: datetime | None = None,
) -> UploadResult:
    """Load a file of `kind` for the client. `mapping` ({field: column header}) overrides the
    saved one field by field; blank fields use the export's usual headers. ValidationError
    (`file`: every bad line, `mapping`: an unknown field) and nothing stored when anything is
    wrong. Who may: `can_manage_analytics` (the client's AM, its group head, heads, admins)."""
    if not can_manage_analytics(actor, client):
        raise PermissionDenied()
    if kind not in UPLOAD_KINDS:
        raise ValidationError({"kind": _("Этот источник не загружается файлом.")})
    source = AnalyticsSource.objects.select_for_update().filter(client=client, kind=kind).first()
    saved = dict(source.column_mapping) if source else {}
    allowed = mapping_fields(kind)
    unknown = sorted(set(mapping or {}) - set(allowed))
    if unknown:
        raise ValidationError({"mapping": _("Неизвестные поля сопоставления: %(names)s.") % {"names": ", ".join(unknown)}})
    merged = {k: v for k, v in {**saved, **{k: v.strip() for k, v in (mapping or {}).items()}}.items() if v}
    try:
        parsed = results_files.parse(content, file_name, kind=kind, mapping=merged)
    except results_files.FileUnreadable as exc:
        raise ValidationError({"file": [exc.message]}) from None
    if parsed.errors:
        errors = parsed.errors[: results_files.MAX_ERRORS]
        if len(parsed.errors) > len(errors):
            errors.append(_("…и ещё %(n)s ошибок.") % {"n": len(parsed.errors) - len(errors)})
        raise ValidationError({"file": errors})
    now = now or timezone.now()
    if source is None:
        source = AnalyticsSource(client=client, kind=kind)
    source.column_mapping = merged
    source.is_demo = False  # real figures from now on
    source.last_synced_at, source.last_sync_status = now, SyncStatus.OK
    source.last_sync_message = _("Загружен файл «%(name)s»: %(n)s дн.") % {"name": file_name[:200], "n": len(parsed.days)}
    source.save()
    snapshots = [
        AnalyticsSnapshot(
            source=source, client=client, date=day, fetched_at=now,
            **{name: getattr(figures, name) for name in parsed.fields},
        )
        for day, figures in sorted(parsed.days.items())
    ]
    AnalyticsSnapshot.objects.bulk_create(
        snapshots, update_conflicts=True, unique_fields=["source", "date"], update_fields=[*parsed.fields, "fetched_at"],
    )
    days = sorted(parsed.days)
    return UploadResult(source_id=source.pk, days=len(days), first_day=days[0], last_day=days[-1], fields=parsed.fields)
