"""The figures of a client report for a period, built from the underlying rows.

Rules (issue #11):
- work done: tasks of the client's projects closed as «Готово» within the period; stages
  approved by the client within the period;
- hours: time entries dated within the period, by project (with its service and the contract
  line's planned hours per month) and by specialist; the totals reconcile with the entries;
- results: analytics snapshots of the period against the previous period of the same length
  and against the same period a year before (visits, goal conversions, leads, revenue, ad
  spend, cost per lead = spend / leads, positions), each figure counted from one source by the
  shared rule (tandem.clients.results) and labelled with it; a change against a period without
  data is None («—», never 0 %); the daily visits of the period (and a year before) for the charts;
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
from tandem.clients.results import Figures, results_by_period
from tandem.core.money import to_money
from tandem.work.models import Stage, StageStatus, Task, TaskStatus, TimeEntry

from .selectors import source_labels

ZERO = Decimal("0")
CHART_HEIGHT = 100
CHART_BAR_WIDTH = 10


def _d(value: Any) -> str:
    return str(value if value is not None else ZERO)


def _h(value: Any) -> str:
    """Hours (or money) with two decimals, the same on SQLite and PostgreSQL."""
    return str(Decimal(value if value is not None else 0).quantize(Decimal("0.01")))


def _change(now: Any, before: Any) -> int | None:
    """Percent change; None («—», not 0 %) when there is no figure to compare with."""
    if now is None or before is None or Decimal(before) == 0:
        return None
    return round((Decimal(now) - Decimal(before)) * 100 / Decimal(before))


def _json_figures(f: Figures) -> dict[str, Any]:
    return {
        "visits": f.visits, "goal_conversions": f.goal_conversions, "leads": f.leads,
        "revenue": _d(f.revenue) if f.revenue is not None else None,
        "ad_spend": _d(to_money(f.ad_spend)) if f.ad_spend is not None else None,
        "cost_per_lead": _d(f.cost_per_lead) if f.cost_per_lead is not None else None,
        "avg_position": _h(f.avg_position) if f.avg_position is not None else None,
        "top10_share": _h(f.top10_share) if f.top10_share is not None else None,
    }


@dataclass
class ReportFigures:
    period_start: date
    period_end: date
    previous_start: date
    previous_end: date
    year_ago_start: date | None = None
    year_ago_end: date | None = None
    # Set when the period has not ended: results (and their comparisons) cover its first days
    # up to this day only — the analytics of later days do not exist yet.
    results_end: date | None = None
    tasks_done: list[dict[str, Any]] = field(default_factory=list)
    stages_approved: list[dict[str, Any]] = field(default_factory=list)
    hours_by_project: list[dict[str, Any]] = field(default_factory=list)
    hours_by_person: list[dict[str, Any]] = field(default_factory=list)
    hours_total: Decimal = ZERO
    results: dict[str, Any] = field(default_factory=dict)
    chart: list[dict[str, Any]] = field(default_factory=list)
    # Daily visits of the period and of the same days a year before (the web view's Chart.js chart).
    series: dict[str, Any] = field(default_factory=dict)
    money: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("period_start", "period_end", "previous_start", "previous_end", "year_ago_start", "year_ago_end",
                    "results_end"):
            data[key] = data[key].isoformat() if data[key] else None
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


def year_ago_period(start: date, end: date) -> tuple[date, date]:
    """The same period a year before: the same month for a whole month (29 February → 28)."""
    if start.day == 1 and (end + timedelta(days=1)).day == 1:
        return month_bounds(start.replace(year=start.year - 1))
    return _minus_year(start), _minus_year(end)


def _minus_year(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


RESULT_KEYS = ("visits", "goal_conversions", "leads", "revenue", "ad_spend", "cost_per_lead", "avg_position",
               "top10_share")
# Which counted source a row's figure comes from (cost per lead: the spend's).
_ROW_SOURCE = {"cost_per_lead": "ad_spend"}


def _results(
    client: Client, start: date, end: date, prev: tuple[date, date], year_ago: tuple[date, date],
) -> tuple[dict[str, Any], list[dict[str, Any]], dict[str, Any]]:
    """Results rows (current, previous, year ago, both changes, the source), the SVG bars of the
    period's daily visits (PDF) and the daily series against the same days a year before (web chart)."""
    found = results_by_period([client.pk], [(start, end), prev, year_ago], daily=(min(prev[0], year_ago[0]), end))[client.pk]
    cur, before, last_year = (_json_figures(f) for f in found.periods)
    shown_sources = source_labels(found.sources)
    keys = [k for k in RESULT_KEYS if k in ("visits", "goal_conversions", "leads")
            or any(f[k] is not None for f in (cur, before, last_year))]
    results = {
        "has_data": any(f.has_data for f in found.periods[:2]),
        "has_year_ago": found.periods[2].has_data,
        "rows": [
            {"key": key, "current": cur[key], "previous": before[key], "change": _change(cur[key], before[key]),
             "year_ago": last_year[key] if found.periods[2].has_data else None,
             "year_change": _change(cur[key], last_year[key]) if found.periods[2].has_data else None,
             "source": shown_sources.get(_ROW_SOURCE.get(key, key), "")}
            for key in keys
        ],
    }
    daily = {day: visits for day, (visits, _c) in found.daily.items()}
    has_year_ago = bool(found.periods[2].days)
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    current = [daily.get(day, 0) for day in days]
    then = [year_ago[0] + timedelta(days=i) for i in range(len(days))]
    last_year_visits = [daily.get(d, 0) if has_year_ago and d <= year_ago[1] else None for d in then]
    peak = max([*current, *(v for v in last_year_visits if v is not None)], default=0)
    chart = []
    for index, (day, visits, before_visits) in enumerate(zip(days, current, last_year_visits, strict=True)):
        height = round(visits * CHART_HEIGHT / peak) if peak else 0
        bar = {"day": day.strftime("%d.%m"), "visits": visits, "x": index * CHART_BAR_WIDTH,
               "y": CHART_HEIGHT - height, "height": height}
        if before_visits is not None:  # the same day a year before: a thin grey bar beside it
            ya_height = round(before_visits * CHART_HEIGHT / peak) if peak else 0
            bar.update({"ya_visits": before_visits, "ya_x": index * CHART_BAR_WIDTH + 5,
                        "ya_y": CHART_HEIGHT - ya_height, "ya_height": ya_height})
        chart.append(bar)
    series: dict[str, Any] = {"labels": [d.strftime("%d.%m") for d in days], "current": current,
                              "year_ago": last_year_visits}
    return results, chart, series


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
    """The report's figures for [start, end] (the caller has checked visibility). Ten queries."""
    prev_start, prev_end = previous_period(start, end)
    year_start, year_end = year_ago_period(start, end)
    results_end = None
    last_full_day = timezone.localdate() - timedelta(days=1)
    if start <= last_full_day < end:
        # A period still running is compared day for day: its first N days against the first N
        # days of the previous period and of the same period a year ago (a whole month against
        # two days would read as a 90 % fall).
        results_end = last_full_day
        days = (last_full_day - start).days
        prev_end = min(prev_end, prev_start + timedelta(days=days))
        year_end = min(year_end, year_start + timedelta(days=days))
    figures = ReportFigures(period_start=start, period_end=end, previous_start=prev_start, previous_end=prev_end,
                            year_ago_start=year_start, year_ago_end=year_end, results_end=results_end)
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
    figures.results, figures.chart, figures.series = _results(
        client, start, results_end or end, (prev_start, prev_end), (year_start, year_end))
    figures.money = _money(client, start, end)
    return figures
