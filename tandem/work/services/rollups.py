"""The month rollup of time entries (TimeMonthRollup): one exact primitive for every write.

Every path that writes TimeEntry rows calls `time_rollup_refresh` inside its transaction with
the (project, employee, month) keys it touched (the old and the new key on an update); the
keys are recomputed from the raw rows (delete + insert of the aggregate), so the rollup equals
`SUM(hours), SUM(cost), COUNT(*)` of the raw table whatever the write did. Loads that write
rows in bulk outside the services (bench data, a restored database) call `time_rollup_rebuild`.
`manage.py check_rollups` compares the two (`rollup_differences`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth

from tandem.core.months import add_months
from tandem.org.models import Employee

from ..models import Project, TimeEntry, TimeMonthRollup

# (project_id, employee_id, first day of the month)
RollupKey = tuple[int, int, date]

_CHUNK = 200


def rollup_key(entry: TimeEntry) -> RollupKey:
    """The rollup key of an entry as it is now (in memory)."""
    return (entry.project_id, entry.employee_id, add_months(entry.date, 0))


def _as_date(value: object) -> date:
    return value.date() if hasattr(value, "hour") else value  # type: ignore[attr-defined,return-value]


@transaction.atomic
def time_rollup_refresh(keys: Iterable[RollupKey]) -> None:
    """Recompute the given (project, employee, month) keys from the raw time entries. Call it
    after the write, in the same transaction. The employees' rows are locked first so that two
    writes of the same key cannot both insert it."""
    wanted = sorted(set(keys))
    if not wanted:
        return
    list(Employee.objects.select_for_update().filter(pk__in={k[1] for k in wanted}).order_by("pk").values_list("pk"))
    for i in range(0, len(wanted), _CHUNK):
        _refresh_chunk(wanted[i:i + _CHUNK])


def _refresh_chunk(keys: list[RollupKey]) -> None:
    groups: dict[tuple[int, date], set[int]] = defaultdict(set)
    for project_id, employee_id, month in keys:
        groups[(employee_id, month)].add(project_id)
    stored = Q()
    raw = Q()
    for (employee_id, month), projects in groups.items():
        stored |= Q(employee_id=employee_id, month=month, project_id__in=projects)
        raw |= Q(employee_id=employee_id, date__gte=month, date__lt=add_months(month, 1), project_id__in=projects)
    TimeMonthRollup.objects.filter(stored).delete()
    rows = (
        TimeEntry.objects.filter(raw).annotate(m=TruncMonth("date"))
        .values("project_id", "employee_id", "m", "project__agency_id", "project__client_id")
        .annotate(h=Sum("hours"), c=Sum("cost"), n=Count("id")).order_by()
    )
    TimeMonthRollup.objects.bulk_create([
        TimeMonthRollup(agency_id=r["project__agency_id"], project_id=r["project_id"], client_id=r["project__client_id"],
                        employee_id=r["employee_id"], month=_as_date(r["m"]), hours=r["h"], cost=r["c"], entries=r["n"])
        for r in rows
    ])


def time_rollup_project_moved(*, project: Project) -> None:
    """The project's client or agency changed (only the admin can): its rollup rows follow."""
    TimeMonthRollup.objects.filter(project=project).update(client_id=project.client_id, agency_id=project.agency_id)


def _month_sql(vendor: str) -> str:
    if vendor == "postgresql":
        return "CAST(date_trunc('month', t.date) AS date)"
    return "date(t.date, 'start of month')"


@transaction.atomic
def time_rollup_rebuild() -> int:
    """Rebuild the whole rollup from the raw rows in one INSERT … SELECT (bench data, a repair by
    `check_rollups --fix`). Returns the number of rollup rows."""
    rollup, entry, project = (m._meta.db_table for m in (TimeMonthRollup, TimeEntry, Project))
    month = _month_sql(connection.vendor)
    with connection.cursor() as cur:
        cur.execute(f"DELETE FROM {rollup}")  # noqa: S608 — table names from the models
        cur.execute(
            f"INSERT INTO {rollup} (agency_id, project_id, client_id, employee_id, month, hours, cost, entries) "  # noqa: S608
            f"SELECT p.agency_id, t.project_id, p.client_id, t.employee_id, {month}, SUM(t.hours), SUM(t.cost), COUNT(*) "
            f"FROM {entry} t JOIN {project} p ON p.id = t.project_id "
            f"GROUP BY p.agency_id, t.project_id, p.client_id, t.employee_id, {month}"
        )
    return TimeMonthRollup.objects.count()


@dataclass(frozen=True)
class RollupDifference:
    key: RollupKey
    # (agency_id, client_id, hours, cost, entries) or None when the side has no row
    raw: tuple[int, int, Decimal, Decimal, int] | None
    stored: tuple[int, int, Decimal, Decimal, int] | None


def rollup_differences() -> list[RollupDifference]:
    """Keys where the rollup and the aggregate of the raw time entries disagree (either side
    missing, or another agency, client, hours, cost or count)."""
    raw = {
        (r["project_id"], r["employee_id"], _as_date(r["m"])):
            (r["project__agency_id"], r["project__client_id"], r["h"], r["c"], r["n"])
        for r in TimeEntry.objects.annotate(m=TruncMonth("date"))
        .values("project_id", "employee_id", "m", "project__agency_id", "project__client_id")
        .annotate(h=Sum("hours"), c=Sum("cost"), n=Count("id")).order_by().iterator(chunk_size=5000)
    }
    stored = {
        (project_id, employee_id, month): (agency_id, client_id, hours, cost, entries)
        for project_id, employee_id, month, agency_id, client_id, hours, cost, entries in
        TimeMonthRollup.objects.values_list("project_id", "employee_id", "month", "agency_id", "client_id",
                                            "hours", "cost", "entries").iterator(chunk_size=5000)
    }
    return [
        RollupDifference(key=key, raw=raw.get(key), stored=stored.get(key))
        for key in sorted(raw.keys() | stored.keys())
        if raw.get(key) != stored.get(key)
    ]
