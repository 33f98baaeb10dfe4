"""The figures of a client report for a period, built from the underlying rows.

Rules (issue #11):
- work done: tasks of the client's projects closed as «Готово» within the period; stages
  approved by the client within the period;
- hours: time entries dated within the period, by project (with its service and the contract
  line's planned hours per month) and by specialist; the totals reconcile with the entries;
- results: analytics snapshots of the period against the previous period of the same length
  (visits, goal conversions, leads, ad spend, cost per lead = spend / leads), and the daily
  visits of the period for the chart;
- money: invoices dated within the period (issued, not drafts or cancelled), payments allocated
  to the client's invoices with a payment date within the period, and what is outstanding on
  the client's open invoices at the end of the period.

The result is plain JSON (money and hours as strings) so a sent report keeps its figures.
A constant number of queries whatever the length of the history.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Sum
from django.utils import timezone

from tandem.billing.models import BILLED_STATUSES, Invoice, PaymentAllocation
from tandem.clients.models import Client
from tandem.core.money import to_money
from tandem.work.models import Stage, StageStatus, Task, TaskStatus, TimeEntry

from .models import AnalyticsSnapshot

ZERO = Decimal("0")
CHART_HEIGHT = 100
CHART_BAR_WIDTH = 10


def _d(value: Any) -> str:
    return str(value if value is not None else ZERO)


def _h(value: Any) -> str:
    """Hours (or money) with two decimals, the same on SQLite and PostgreSQL."""
    return str(Decimal(value if value is not None else 0).quantize(Decimal("0.01")))


@dataclass
class Totals:
    visits: int = 0
    goal_conversions: int = 0
    leads: int = 0
    ad_spend: Decimal = ZERO
    # Uploaded search positions: sums and counts of the snapshots that have them.
    position_sum: Decimal = ZERO
    share_sum: Decimal = ZERO
    position_days: int = 0

    @property
    def cost_per_lead(self) -> Decimal | None:
        return to_money(self.ad_spend / self.leads) if self.leads and self.ad_spend else None

    def _mean(self, total: Decimal) -> str | None:
        return _h(total / self.position_days) if self.position_days else None

    def as_json(self) -> dict[str, Any]:
        return {
            "visits": self.visits, "goal_conversions": self.goal_conversions, "leads": self.leads,
            "ad_spend": _d(to_money(self.ad_spend)),
            "cost_per_lead": _d(self.cost_per_lead) if self.cost_per_lead is not None else None,
            "avg_position": self._mean(self.position_sum), "top10_share": self._mean(self.share_sum),
        }


def _change(now: Any, before: Any) -> int | None:
    if before is None or Decimal(before) == 0:
        return None
    return round((Decimal(now or 0) - Decimal(before)) * 100 / Decimal(before))


@dataclass
class ReportFigures:
    period_start: date
    period_end: date
    previous_start: date
    previous_end: date
    tasks_done: list[dict[str, Any]] = field(default_factory=list)
    stages_approved: list[dict[str, Any]] = field(default_factory=list)
    hours_by_project: list[dict[str, Any]] = field(default_factory=list)
    hours_by_person: list[dict[str, Any]] = field(default_factory=list)
    hours_total: Decimal = ZERO
    results: dict[str, Any] = field(default_factory=dict)
    chart: list[dict[str, Any]] = field(default_factory=list)
    money: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("period_start", "period_end", "previous_start", "previous_end"):
            data[key] = data[key].isoformat()
        data["hours_total"] = _h(self.hours_total)
        return data


def previous_period(start: date, end: date) -> tuple[date, date]:
    """The period of the same length just before: the previous month for a whole month."""
    if start.day == 1 and (end + timedelta(days=1)).day == 1:
        prev_end = start - timedelta(days=1)
        return prev_end.replace(day=1), prev_end
    length = (end - start).days + 1
    return start - timedelta(days=length), start - timedelta(days=1)


def month_bounds(month: date) -> tuple[date, date]:
    start = month.replace(day=1)
    end = (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return start, end


def _results(client: Client, start: date, end: date, prev_start: date, prev_end: date) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    qs = AnalyticsSnapshot.objects.filter(client=client, date__gte=prev_start, date__lte=end)
    current, previous = Totals(), Totals()
    daily: dict[date, int] = {}
    for row in qs.values("date", "visits", "goal_conversions", "leads", "ad_spend", "avg_position", "top10_share"):
        bucket = current if row["date"] >= start else previous
        bucket.visits += row["visits"]
        bucket.goal_conversions += row["goal_conversions"]
        bucket.leads += row["leads"] or 0
        bucket.ad_spend += row["ad_spend"] or ZERO
        if row["avg_position"] is not None:
            bucket.position_sum += row["avg_position"]
            bucket.share_sum += row["top10_share"] or ZERO
            bucket.position_days += 1
        if row["date"] >= start:
            daily[row["date"]] = daily.get(row["date"], 0) + row["visits"]
    cur, prev = current.as_json(), previous.as_json()
    keys = ["visits", "goal_conversions", "leads", "ad_spend", "cost_per_lead"]
    if current.position_days or previous.position_days:
        keys += ["avg_position", "top10_share"]
    results = {
        "has_data": bool(current.visits or previous.visits or current.ad_spend or current.position_days),
        "rows": [
            {"key": key, "current": cur[key], "previous": prev[key], "change": _change(cur[key], prev[key])}
            for key in keys
        ],
    }
    peak = max(daily.values(), default=0)
    chart = []
    day = start
    index = 0
    while day <= end:
        visits = daily.get(day, 0)
        height = round(visits * CHART_HEIGHT / peak) if peak else 0
        chart.append({"day": day.strftime("%d.%m"), "visits": visits, "x": index * CHART_BAR_WIDTH,
                      "y": CHART_HEIGHT - height, "height": height})
        day += timedelta(days=1)
        index += 1
    return results, chart


def _money(client: Client, start: date, end: date) -> dict[str, Any]:
    issued = Invoice.objects.filter(
        client=client, status__in=BILLED_STATUSES, date__gte=start, date__lte=end,
    ).aggregate(n=Count("id"), total=Sum("total"))
    paid = PaymentAllocation.objects.filter(
        invoice__client=client, payment__date__gte=start, payment__date__lte=end,
    ).aggregate(total=Sum("amount"))
    open_rows = Invoice.objects.filter(client=client, status__in=BILLED_STATUSES, date__lte=end).aggregate(
        total=Sum("total"), paid=Sum("paid_amount"),
    )
    outstanding = max((open_rows["total"] or ZERO) - (open_rows["paid"] or ZERO), ZERO)
    return {
        "issued_count": issued["n"] or 0, "issued": _h(issued["total"]), "paid": _h(paid["total"]),
        "outstanding": _h(outstanding),
    }


def build_figures(*, client: Client, start: date, end: date) -> ReportFigures:
    """The report's figures for [start, end] (the caller has checked visibility). Nine queries."""
    prev_start, prev_end = previous_period(start, end)
    figures = ReportFigures(period_start=start, period_end=end, previous_start=prev_start, previous_end=prev_end)
    figures.tasks_done = [
        {"title": t["title"], "project": t["project__name"], "closed": timezone.localtime(t["closed_at"]).date().isoformat()}
        for t in Task.objects.filter(
            project__client=client, status=TaskStatus.DONE, closed_at__date__gte=start, closed_at__date__lte=end,
        ).order_by("closed_at", "pk").values("title", "project__name", "closed_at")
    ]
    figures.stages_approved = [
        {"title": s["title"], "project": s["project__name"], "approved": timezone.localtime(s["approved_at"]).date().isoformat()}
        for s in Stage.objects.filter(
            project__client=client, status=StageStatus.APPROVED, approved_at__date__gte=start,
            approved_at__date__lte=end,
        ).order_by("approved_at", "pk").values("title", "project__name", "approved_at")
    ]
    entries = TimeEntry.objects.filter(project__client=client, date__gte=start, date__lte=end)
    figures.hours_by_project = [
        {"project": r["project__name"], "service": r["project__contract_line__service__name"],
         "hours": _h(r["hours"]), "planned": _h(r["planned"]) if r["planned"] is not None else None}
        for r in entries.values("project_id", "project__name", "project__contract_line__service__name")
        .annotate(hours=Sum("hours"), planned=F("project__contract_line__planned_hours_per_month"))
        .order_by("project__name", "project_id")
    ]
    figures.hours_by_person = [
        {"person": r["employee__full_name"], "hours": _h(r["hours"])}
        for r in entries.values("employee_id", "employee__full_name").annotate(hours=Sum("hours"))
        .order_by("employee__full_name", "employee_id")
    ]
    figures.hours_total = sum((Decimal(r["hours"]) for r in figures.hours_by_project), ZERO)
    figures.results, figures.chart = _results(client, start, end, prev_start, prev_end)
    figures.money = _money(client, start, end)
    return figures
