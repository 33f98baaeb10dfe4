"""Issue 11: «the client report generated in under 10 seconds for a client with a year of data».

    python -m bench.client_report          # any database; SQLite is fine (BENCH_FACTOR, default 0.002)

Also run by `make bench` (bench/run.py) for the AM's busiest client. The client gets a year and a
month of daily analytics (Metrica, GA4 of the same site and Яндекс Директ spend: the report counts
one source per figure and compares with the same month a year before) unless it has sources
already; its time entries, tasks, stages and invoices are the generated ones. Measured: building
the figures (the draft's «Пересобрать цифры»), the web view and the PDF, each p95 < 10 s.
Writes bench/results-client-report.json when run alone.
"""

from __future__ import annotations

import json
import os
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

if __name__ == "__main__":  # pragma: no cover - CLI bootstrap
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()

from django.db import connection
from django.db.models import Count
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from bench.harness import Measurement, format_table, measure
from tandem.clients.models import Client
from tandem.org.models import Employee
from tandem.reports import services as report_services
from tandem.reports.models import AnalyticsKind, AnalyticsSnapshot, AnalyticsSource, ClientReport
from tandem.work.models import TimeEntry

HERE = Path(__file__).resolve().parent
CLIENT_REPORT_TARGET_MS = 10_000.0
HISTORY_DAYS = 400  # a year and a month: the report's month, the one before and the same month a year ago


def ensure_year_of_results(client: Client, today: date) -> int:
    """Give `client` HISTORY_DAYS of daily snapshots from Metrica, GA4 and Direct unless it has
    analytics already; returns the number of snapshots created."""
    if AnalyticsSource.objects.filter(client=client).exists():
        return 0
    now = timezone.now()
    rows: list[AnalyticsSnapshot] = []
    for kind in (AnalyticsKind.METRICA, AnalyticsKind.GA4, AnalyticsKind.YANDEX_DIRECT):
        source = AnalyticsSource.objects.create(
            client=client, kind=kind, counter_id="1" if kind != AnalyticsKind.YANDEX_DIRECT else "", is_demo=True)
        for i in range(HISTORY_DAYS):
            day = today - timedelta(days=i + 1)
            visits = 200 + (i * 37) % 90
            if kind == AnalyticsKind.YANDEX_DIRECT:
                rows.append(AnalyticsSnapshot(source=source, client=client, date=day, ad_spend=Decimal(1500 + i % 400),
                                              fetched_at=now))
            else:
                rows.append(AnalyticsSnapshot(source=source, client=client, date=day, visits=visits,
                                              goal_conversions=visits // 20, leads=visits // 40, fetched_at=now,
                                              revenue=Decimal(visits * 30) if kind == AnalyticsKind.GA4 else None))
    AnalyticsSnapshot.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def _client_with_most_hours(am: Employee) -> Client:
    row = (TimeEntry.objects.filter(project__client__account_manager=am).values("project__client_id")
           .order_by().annotate(n=Count("id")).order_by("-n").first())
    if row:
        return Client.objects.get(pk=row["project__client_id"])
    return Client.objects.filter(account_manager=am).order_by("pk").first() or Client.objects.order_by("pk").first()  # type: ignore[return-value]


def client_report_measurements(am: Employee, client: Client, *, runs: int) -> list[Measurement]:
    """Build, web view and PDF of last month's report of `client`, as its AM."""
    today = timezone.localdate()
    created = ensure_year_of_results(client, today)
    report = ClientReport.objects.filter(client=client, status="draft").order_by("-period_start").first()
    if report is None:
        report = report_services.client_report_create(actor=am.user, client=client, today=today)
    http = HttpClient()
    http.force_login(am.user)

    def build() -> None:
        report_services.client_report_rebuild(actor=am.user, report=report)

    def get(path: str) -> Any:
        def fn() -> None:
            response = http.get(path)
            if response.status_code != 200:
                raise AssertionError(f"GET {path} → {response.status_code}")
            _ = response.content
        return fn

    hours = TimeEntry.objects.filter(project__client=client).count()
    snapshots = AnalyticsSnapshot.objects.filter(client=client).count()
    out = []
    for name, fn in (
        ("client report: build figures (AM)", build),
        ("client report: web view (AM)", get(reverse("web:client_report_detail", args=[report.pk]))),
        ("client report: PDF (AM)", get(reverse("web:client_report_pdf", args=[report.pk]))),
    ):
        m = measure(name, fn, kind="page", runs=runs, warmup=1, target_ms=CLIENT_REPORT_TARGET_MS)
        m.extra["data"] = (f"{report.period_start:%Y-%m}, {hours} time entries, {snapshots} snapshots"
                           f"{' (created ' + str(created) + ')' if created else ''}")
        out.append(m)
        print(f"  {name}: median {m.median_ms} ms, p95 {m.p95_ms} ms, {m.queries} queries", flush=True)
    return out


def main() -> int:
    from bench import generate
    from bench.run import pick_people

    factor = float(os.environ.get("BENCH_FACTOR", "0.002"))
    runs = int(os.environ.get("BENCH_RUNS", "5"))
    if not generate.database_has_data():
        started = time.perf_counter()
        generate.generate(factor=factor, seed=int(os.environ.get("BENCH_SEED", "1")))
        print(f"generated factor={factor} in {time.perf_counter() - started:.1f}s", flush=True)
    am = pick_people()["am"]
    client = _client_with_most_hours(am)
    results = client_report_measurements(am, client, runs=runs)
    print()
    print(format_table(results))
    out = {"vendor": connection.vendor, "runs": runs, "date": timezone.localdate().isoformat(),
           "load_average": os.getloadavg(), "results": [m.as_dict() for m in results]}
    (HERE / "results-client-report.json").write_text(json.dumps(out, indent=2, ensure_ascii=False, default=str))
    return 0 if all(m.ok for m in results) else 1


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
