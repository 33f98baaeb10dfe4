"""Demo Metrica counters for a few served clients with a year of daily snapshots (no network).

The sources are marked `is_demo` and have no token: the nightly refresh skips them and the card
offers no «Обновить сейчас» for them. Visits follow a weekly rhythm (quieter weekends), a slow
trend and a seasonal dip in the May holidays and early January; conversions are 1–3 % of visits.
"""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from tandem.clients.models import SERVED_STATUSES, Client
from tandem.reports.models import AnalyticsKind, AnalyticsSnapshot, AnalyticsSource, SyncStatus

from .context import DemoContext

DAYS = 365
CLIENTS = 8
AM1_CLIENTS = 3  # the demo AM «am1» gets a few, so their card shows results at once


def seed(ctx: DemoContext) -> None:
    if AnalyticsSource.objects.filter(client__agency=ctx.agency, is_demo=True).exists():
        ctx.log("analytics: already there, skipped")
        return
    served = Client.objects.filter(agency=ctx.agency, status__in=SERVED_STATUSES).order_by("pk")
    own = list(served.filter(account_manager__user__username="am1")[:AM1_CLIENTS])
    others = list(served.exclude(Q(pk__in=[c.pk for c in own]))[: CLIENTS - len(own)])
    now = timezone.now()
    end = ctx.today - timedelta(days=1)
    snapshots = []
    for n, client in enumerate([*own, *others]):
        source = AnalyticsSource.objects.create(
            client=client, kind=AnalyticsKind.METRICA, counter_id=str(44_100_000 + client.pk), is_demo=True,
            goal_ids=[3_045_424], last_synced_at=now, last_sync_status=SyncStatus.OK,
        )
        base = ctx.rng.randint(150, 2500)
        rate = ctx.rng.uniform(0.01, 0.03)
        growth = ctx.rng.uniform(-0.0004, 0.0015)  # most clients grow a little, some decline
        paid = n % 2 == 0
        for back in range(DAYS - 1, -1, -1):
            day = end - timedelta(days=back)
            t = DAYS - back
            weekly = 0.7 if day.weekday() >= 5 else 1.0
            season = 0.75 if (day.month == 1 and day.day <= 10) or (day.month == 5 and day.day <= 11) else 1.0
            wave = 1 + 0.08 * math.sin(t / 29)
            visits = max(0, int(base * (1 + growth * t) * weekly * season * wave * ctx.rng.uniform(0.85, 1.15)))
            conversions = int(visits * rate * ctx.rng.uniform(0.7, 1.3))
            leads = int(conversions * ctx.rng.uniform(0.4, 0.8))
            snapshots.append(AnalyticsSnapshot(
                source=source, client=client, date=day, visits=visits, goal_conversions=conversions, leads=leads,
                ad_spend=Decimal(ctx.rng.randint(800, 6000) * 5).quantize(Decimal("0.01")) if paid else None,
                fetched_at=now,
            ))
    AnalyticsSnapshot.objects.bulk_create(snapshots, batch_size=2000)
    ctx.log(f"analytics: {len(own) + len(others)} demo Metrica counters, {len(snapshots)} daily snapshots")
    _uploaded(ctx, own or others, now, end)


POSITION_DAYS = 120


def _uploaded(ctx: DemoContext, clients: list[Client], now: datetime, end: date) -> None:
    """As if uploaded: a Topvisor positions export for the first client (positions improving) and
    a Яндекс Директ spend export for the second (which has no spend in its Metrica figures)."""
    if not clients:
        return
    first, second = clients[0], clients[1] if len(clients) > 1 else clients[0]
    topvisor = AnalyticsSource.objects.create(
        client=first, kind=AnalyticsKind.TOPVISOR, is_demo=True, column_mapping={"keyword": "Запрос"},
        last_synced_at=now, last_sync_status=SyncStatus.OK, last_sync_message="Загружен файл «positions.csv»",
    )
    direct = AnalyticsSource.objects.create(
        client=second, kind=AnalyticsKind.YANDEX_DIRECT, is_demo=True,
        column_mapping={"date": "Дата", "ad_spend": "Расход (руб.)"},
        last_synced_at=now, last_sync_status=SyncStatus.OK, last_sync_message="Загружен файл «direct.csv»",
    )
    rows = []
    for back in range(POSITION_DAYS - 1, -1, -1):
        day = end - timedelta(days=back)
        progress = (POSITION_DAYS - back) / POSITION_DAYS
        rows.append(AnalyticsSnapshot(
            source=topvisor, client=first, date=day, fetched_at=now,
            avg_position=Decimal(str(round(24 - 12 * progress + ctx.rng.uniform(-1.5, 1.5), 2))),
            top10_share=Decimal(str(round(20 + 35 * progress + ctx.rng.uniform(-4, 4), 2))),
        ))
    for back in range(DAYS - 1, -1, -1):
        day = end - timedelta(days=back)
        weekly = 0.6 if day.weekday() >= 5 else 1.0
        rows.append(AnalyticsSnapshot(
            source=direct, client=second, date=day, fetched_at=now,
            ad_spend=(Decimal(ctx.rng.randint(2500, 5200)) * Decimal(str(weekly))).quantize(Decimal("0.01")),
        ))
    AnalyticsSnapshot.objects.bulk_create(rows, batch_size=2000)
    ctx.log(f"analytics: uploaded positions for {first}, Директ spend for {second}")
