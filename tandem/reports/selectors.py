"""Reads of client results: the source of a client, its snapshots, and the card's comparison."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet

from tandem.clients.models import Client
from tandem.clients.results import Figures, results_by_period
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


# The card's figures are the shared counting rule's (tandem.clients.results): one source per figure.
PeriodTotals = Figures


def change_pct(now: Any, before: Any) -> int | None:
    """Percent change of `now` against `before`; None when there was nothing before (shown «—»)."""
    if now is None or before is None or Decimal(before) == 0:
        return None
    return round((Decimal(now) - Decimal(before)) * 100 / Decimal(before))


def source_labels(sources: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """metric -> «Яндекс Метрика» (or «Яндекс Директ (расход) + VK Реклама (расход)»): where it comes from."""
    labels = dict(AnalyticsKind.choices)
    return {metric: " + ".join(str(labels.get(k, k)) for k in kinds) for metric, kinds in sources.items() if kinds}


@dataclass
class ResultsSummary:
    start: date
    end: date
    current: Figures
    previous: Figures
    days: list[date] = field(default_factory=list)
    visits: list[int] = field(default_factory=list)
    conversions: list[int] = field(default_factory=list)
    # metric -> the source it is counted from (labels)
    sources: dict[str, str] = field(default_factory=dict)

    @property
    def visits_change(self) -> int | None:
        return change_pct(self.current.visits, self.previous.visits)

    @property
    def conversions_change(self) -> int | None:
        return change_pct(self.current.goal_conversions, self.previous.goal_conversions)

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


def results_summary(
    *, client: Client, today: date, days: int = RESULTS_WINDOW_DAYS, sources: list[AnalyticsSource] | None = None,
) -> ResultsSummary:
    """The last `days` days up to yesterday against the `days` before them: totals and the daily
    series of the current window (missing days count as zero), each figure from one source
    (tandem.clients.results). Three queries whatever the history's length (two with the
    client's `sources` already read). The caller has checked visibility."""
    end = today - timedelta(days=1)
    start = end - timedelta(days=days - 1)
    prev_start = start - timedelta(days=days)
    found = results_by_period([client.pk], [(start, end), (prev_start, start - timedelta(days=1))],
                              daily=(start, end),
                              sources=None if sources is None else {client.pk: {s.pk: s.kind for s in sources}})[client.pk]
    summary = ResultsSummary(start=start, end=end, current=found.periods[0], previous=found.periods[1],
                             sources=source_labels(found.sources))
    for offset in range(days):
        day = start + timedelta(days=offset)
        visits, conversions = found.daily.get(day, (0, 0))
        summary.days.append(day)
        summary.visits.append(visits)
        summary.conversions.append(conversions)
    return summary


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
