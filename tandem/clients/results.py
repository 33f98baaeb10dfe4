"""A client's results by period, counted once: the one read of the analytics snapshots that the
client card, the client report, the health «results» factor and the growth «no results» rule share.

The counting rule. A client may have several sources measuring the same thing (Yandex.Metrica and
GA4 both count visits; an uploaded daily table may repeat them), so summing all snapshots of a
client double-counts. Each figure is taken from ONE source group, the first connected one in
the order below (connected = the client has a source of that kind):

- visits, goal conversions: Metrica, else GA4, else the uploaded daily table;
- leads: Metrica (reaches of the goals marked as leads), else the uploaded daily table, else GA4;
  a day without a lead figure counts its goal conversions;
- revenue: GA4 (Metrica gives none), else the uploaded daily table;
- ad spend: the ad platforms' uploads (Яндекс Директ and VK Реклама are different accounts, so
  they add up), else the uploaded daily table, else spend figures kept with Metrica's (demo data);
- search positions: Topvisor, else SE Ranking (means over the days that have them).

`MetricSources` says which kinds each figure came from, so pages can show it.

The snapshots live in tandem.reports, a layer above health; this module sits in clients and
reaches them through the Client → analytics_sources / analytics_snapshots relations, so every
layer that needs results can import it. Kinds are the AnalyticsKind values (a test checks them).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Avg, Count, Q, Sum
from django.db.models.functions import Coalesce

from .models import Client

CENTS = Decimal("0.01")

METRICA, GA4, UPLOAD = "metrica", "ga4", "upload"
TOPVISOR, SE_RANKING, YANDEX_DIRECT, VK_ADS = "topvisor", "se_ranking", "yandex_direct", "vk_ads"

# figure -> source groups in order of preference; the first group the client has is counted.
METRIC_SOURCES: dict[str, tuple[tuple[str, ...], ...]] = {
    "visits": ((METRICA,), (GA4,), (UPLOAD,)),
    "goal_conversions": ((METRICA,), (GA4,), (UPLOAD,)),
    "leads": ((METRICA,), (UPLOAD,), (GA4,)),
    "revenue": ((GA4,), (UPLOAD,)),
    "ad_spend": ((YANDEX_DIRECT, VK_ADS), (UPLOAD,), (METRICA,)),
    "avg_position": ((TOPVISOR,), (SE_RANKING,)),
    "top10_share": ((TOPVISOR,), (SE_RANKING,)),
}
METRICS = tuple(METRIC_SOURCES)

# How each figure is aggregated over a source's snapshots (Sum/Avg of the day values).
_AGGREGATES: dict[str, Any] = {
    "visits": lambda q: Sum("visits", filter=q),
    "goal_conversions": lambda q: Sum("goal_conversions", filter=q),
    "leads": lambda q: Sum(Coalesce("leads", "goal_conversions"), filter=q),
    "revenue": lambda q: Sum("revenue", filter=q),
    "ad_spend": lambda q: Sum("ad_spend", filter=q),
    "avg_position": lambda q: Avg("avg_position", filter=q),
    "top10_share": lambda q: Avg("top10_share", filter=q),
    "days": lambda q: Count("id", filter=q),
}


def _source_model() -> Any:
    return Client._meta.get_field("analytics_sources").related_model


def _snapshot_model() -> Any:
    return Client._meta.get_field("analytics_snapshots").related_model


def _dec(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(CENTS, ROUND_HALF_UP)


@dataclass
class Figures:
    """A client's results over one period. Counts are 0 when nothing was measured; money and
    positions are None when no counted source has them."""

    visits: int = 0
    goal_conversions: int = 0
    leads: int = 0
    revenue: Decimal | None = None
    ad_spend: Decimal | None = None
    avg_position: Decimal | None = None
    top10_share: Decimal | None = None
    # Snapshots of the counted web source in the period (0: nothing measured there).
    days: int = 0

    @property
    def cost_per_lead(self) -> Decimal | None:
        if not self.ad_spend or not self.leads:
            return None
        return (self.ad_spend / self.leads).quantize(CENTS, ROUND_HALF_UP)

    @property
    def has_data(self) -> bool:
        return bool(self.days or self.ad_spend is not None or self.avg_position is not None)

    def value(self, name: str) -> Any:
        return getattr(self, name)


@dataclass
class ClientResults:
    # metric -> kinds counted for it (empty: the client has no source for it).
    sources: dict[str, tuple[str, ...]] = field(default_factory=dict)
    periods: list[Figures] = field(default_factory=list)
    # Counted web visits and goal conversions by day (only when asked for a daily series).
    daily: dict[date, tuple[int, int]] = field(default_factory=dict)

    @property
    def connected(self) -> bool:
        return any(self.sources.values())


def counted_kinds(kinds: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """The rule itself: for each figure, the kinds counted among the client's connected `kinds`."""
    have = set(kinds)
    out: dict[str, tuple[str, ...]] = {}
    for metric, groups in METRIC_SOURCES.items():
        out[metric] = next((tuple(k for k in group if k in have) for group in groups if have & set(group)), ())
    return out


def results_by_period(
    client_ids: Iterable[int], periods: Sequence[tuple[date, date]], *, daily: tuple[date, date] | None = None,
    sources: Mapping[int, Mapping[int, str]] | None = None,
) -> dict[int, ClientResults]:
    """Each client's figures in each of `periods` (inclusive [start, end] pairs), counted by the
    rule above, plus the counted daily visits/conversions within `daily` when given. Every client
    of `client_ids` is in the answer (with empty figures when it has no sources). Two queries
    (three with `daily`), whatever the number of clients, days or snapshots. The caller has
    checked visibility. `sources` ({client id: {source id: kind}}) saves the first query when the
    caller has already read the clients' sources."""
    ids = list(client_ids)
    out = {cid: ClientResults(periods=[Figures() for _ in periods]) for cid in ids}
    if not ids:
        return out
    kinds_of: dict[int, dict[int, str]] = {cid: {} for cid in ids}
    if sources is not None:
        kinds_of.update({cid: dict(sources.get(cid, {})) for cid in ids})
    else:
        for row in _source_model().objects.filter(client_id__in=ids).values("id", "client_id", "kind"):
            kinds_of[row["client_id"]][row["id"]] = row["kind"]
    # source id -> the metrics it is counted for
    counted_for: dict[int, list[str]] = {}
    for cid, own in kinds_of.items():
        chosen = counted_kinds(own.values())
        out[cid].sources = chosen
        for source_id, kind in own.items():
            metrics = [m for m in METRICS if kind in chosen[m]]
            if metrics:
                counted_for[source_id] = metrics
    if not counted_for or not periods:
        return out
    snapshots = _snapshot_model().objects.filter(source_id__in=list(counted_for))
    annotations = {}
    for index, (start, end) in enumerate(periods):
        window = Q(date__gte=start, date__lte=end)
        for name, make in _AGGREGATES.items():
            annotations[f"{name}_{index}"] = make(window)
    lo, hi = min(p[0] for p in periods), max(p[1] for p in periods)
    rows = snapshots.filter(date__gte=lo, date__lte=hi).values("source_id", "client_id").annotate(**annotations).order_by()
    for row in rows:
        metrics = counted_for[row["source_id"]]
        for index, figures in enumerate(out[row["client_id"]].periods):
            _add(figures, metrics, {name: row[f"{name}_{index}"] for name in _AGGREGATES})
    if daily is not None:
        web = [sid for sid, metrics in counted_for.items() if "visits" in metrics or "goal_conversions" in metrics]
        series = (snapshots.filter(source_id__in=web, date__gte=daily[0], date__lte=daily[1])
                  .values("client_id", "date").annotate(v=Sum("visits"), c=Sum("goal_conversions")).order_by())
        for row in series:
            out[row["client_id"]].daily[row["date"]] = (int(row["v"] or 0), int(row["c"] or 0))
    return out


def _add(figures: Figures, metrics: list[str], row: dict[str, Any]) -> None:
    """Add one counted source's aggregates to the period's figures (only the metrics it counts for)."""
    for metric in metrics:
        value = row[metric]
        if value is None:
            continue
        if metric in ("visits", "goal_conversions", "leads"):
            setattr(figures, metric, getattr(figures, metric) + int(value))
        elif metric in ("avg_position", "top10_share"):
            setattr(figures, metric, _dec(value))  # one source per positions group
        else:
            current = getattr(figures, metric)
            setattr(figures, metric, (current or Decimal(0)) + (_dec(value) or Decimal(0)))
    if "visits" in metrics:
        figures.days += int(row["days"] or 0)
