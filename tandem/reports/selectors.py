"""Reads of client results: the source of a client, its snapshots, and the card's comparison."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Avg, QuerySet, Sum
from django.db.models.functions import Coalesce

from tandem.clients.models import Client
from tandem.org.models import User

from .models import (
    AnalyticsKind,
    AnalyticsSnapshot,
    AnalyticsSource,
    ClientReport,
    ClientReportStatus,
    DocumentTemplate,
)
from .permissions import (
    analytics_snapshots_visible_to,
    client_reports_visible_to,
    document_templates_visible_to,
)

RESULTS_WINDOW_DAYS = 30
CENTS = Decimal("0.01")


def analytics_source_of(*, client: Client, kind: str = AnalyticsKind.METRICA) -> AnalyticsSource | None:
    """The client's source of that kind, if connected (the caller has checked visibility)."""
    return AnalyticsSource.objects.filter(client=client, kind=kind).first()


def analytics_sources_of(*, client: Client) -> list[AnalyticsSource]:
    """All the client's connected sources, Metrica first (the caller has checked visibility)."""
    return sorted(AnalyticsSource.objects.filter(client=client), key=lambda s: (s.kind != AnalyticsKind.METRICA, s.pk))


def analytics_snapshot_list(
    *, actor: User, client: Client, start: date | None = None, end: date | None = None
) -> QuerySet[AnalyticsSnapshot]:
    """The client's snapshots (visible ones only), newest first, optionally within [start, end]."""
    qs = analytics_snapshots_visible_to(actor).filter(client=client)
    if start is not None:
        qs = qs.filter(date__gte=start)
    if end is not None:
        qs = qs.filter(date__lte=end)
    return qs.select_related("source").order_by("-date", "source_id")


@dataclass
class PeriodTotals:
    visits: int = 0
    goal_conversions: int = 0
    leads: int = 0
    ad_spend: Decimal | None = None  # None: no spend figures in the window
    # Means over the days that have them (uploaded positions); None when there are none.
    avg_position: Decimal | None = None
    top10_share: Decimal | None = None

    @property
    def cost_per_lead(self) -> Decimal | None:
        if not self.ad_spend or not self.leads:
            return None
        return (self.ad_spend / self.leads).quantize(CENTS, ROUND_HALF_UP)

    def change(self, previous: PeriodTotals, name: str) -> int | None:
        """Percent change of `name` against `previous`; None when there was nothing before."""
        before, now = getattr(previous, name), getattr(self, name)
        if not before:
            return None
        return round((now - before) * 100 / before)


@dataclass
class ResultsSummary:
    start: date
    end: date
    current: PeriodTotals
    previous: PeriodTotals
    days: list[date] = field(default_factory=list)
    visits: list[int] = field(default_factory=list)
    conversions: list[int] = field(default_factory=list)

    @property
    def visits_change(self) -> int | None:
        return self.current.change(self.previous, "visits")

    @property
    def conversions_change(self) -> int | None:
        return self.current.change(self.previous, "goal_conversions")

    @property
    def has_data(self) -> bool:
        return bool(self.current.visits or self.previous.visits or self.current.goal_conversions or self.has_extra)

    @property
    def has_positions(self) -> bool:
        return self.current.avg_position is not None or self.previous.avg_position is not None

    @property
    def has_spend(self) -> bool:
        return self.current.ad_spend is not None or self.previous.ad_spend is not None

    @property
    def has_extra(self) -> bool:
        return self.has_positions or self.has_spend

    def chart_data(self) -> dict[str, list[str] | list[int]]:
        return {
            "labels": [d.strftime("%d.%m") for d in self.days],
            "visits": self.visits,
            "conversions": self.conversions,
        }


def results_summary(*, client: Client, today: date, days: int = RESULTS_WINDOW_DAYS) -> ResultsSummary:
    """The last `days` days up to yesterday against the `days` before them: totals and the daily
    series of the current window (missing days count as zero). Two queries on the
    (client, date) index, whatever the history's length. The caller has checked visibility."""
    end = today - timedelta(days=1)
    start = end - timedelta(days=days - 1)
    prev_start = start - timedelta(days=days)
    qs = AnalyticsSnapshot.objects.filter(client=client)
    figures = {
        "v": Sum("visits"), "c": Sum("goal_conversions"), "l": Sum(Coalesce("leads", "goal_conversions")),
        "s": Sum("ad_spend"), "p": Avg("avg_position"), "t": Avg("top10_share"),
    }
    prev = qs.filter(date__gte=prev_start, date__lt=start).aggregate(**figures)
    daily: dict[date, dict[str, Any]] = {
        row["date"]: dict(row) for row in qs.filter(date__gte=start, date__lte=end).values("date").annotate(**figures)
    }
    summary = ResultsSummary(
        start=start, end=end, current=PeriodTotals(),
        previous=PeriodTotals(
            visits=prev["v"] or 0, goal_conversions=prev["c"] or 0, leads=prev["l"] or 0, ad_spend=_money(prev["s"]),
            avg_position=_mean([prev["p"]]), top10_share=_mean([prev["t"]]),
        ),
    )
    positions, shares = [], []
    for offset in range(days):
        day = start + timedelta(days=offset)
        row = daily.get(day)
        visits, conversions = (row["v"] or 0, row["c"] or 0) if row else (0, 0)
        summary.days.append(day)
        summary.visits.append(visits)
        summary.conversions.append(conversions)
        summary.current.visits += visits
        summary.current.goal_conversions += conversions
        if row:
            summary.current.leads += row["l"] or 0
            spend = _money(row["s"])
            if spend is not None:
                summary.current.ad_spend = (summary.current.ad_spend or Decimal(0)) + spend
            positions.append(row["p"])
            shares.append(row["t"])
    summary.current.avg_position, summary.current.top10_share = _mean(positions), _mean(shares)
    return summary


def _money(value: object) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(CENTS, ROUND_HALF_UP)


def _mean(values: list[object]) -> Decimal | None:
    """Mean of the values that are there (days without positions are left out)."""
    present = [Decimal(str(v)) for v in values if v is not None]
    if not present:
        return None
    return (sum(present, Decimal(0)) / len(present)).quantize(CENTS, ROUND_HALF_UP)


# --- client reports and templates --------------------------------------------------------------


@dataclass(frozen=True)
class ClientReportFilters:
    client_id: int | None = None
    status: str = ""
    month: date | None = None


def client_report_list(*, actor: User, filters: ClientReportFilters | None = None) -> QuerySet[ClientReport]:
    """Reports the actor may see, newest period first; by client, status and the month the period starts in."""
    filters = filters or ClientReportFilters()
    qs = client_reports_visible_to(actor).select_related("client", "author", "author__employee")
    if filters.client_id:
        qs = qs.filter(client_id=filters.client_id)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.month:
        qs = qs.filter(period_start__year=filters.month.year, period_start__month=filters.month.month)
    return qs.order_by("-period_start", "client__legal_name", "pk")


def client_reports_to_prepare(*, actor: User, am_ids: list[int]) -> QuerySet[ClientReport]:
    """«Подготовить отчёт»: draft reports of the given AMs' clients (all visible drafts when
    `am_ids` is empty), oldest period first."""
    qs = client_reports_visible_to(actor).filter(status=ClientReportStatus.DRAFT)
    if am_ids:
        qs = qs.filter(client__account_manager_id__in=am_ids)
    return qs.order_by("period_start", "client__legal_name", "pk")


def document_template_list(*, actor: User) -> QuerySet[DocumentTemplate]:
    """The agency's uploaded templates (active first), with who uploaded them."""
    return document_templates_visible_to(actor).select_related("uploaded_by", "uploaded_by__employee").order_by(
        "kind", "-is_active", "-created_at", "-pk")
