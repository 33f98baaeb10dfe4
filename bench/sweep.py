"""`make sweep`: every page and API list that needs no argument, timed for each kind of user.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tandem_bench python -m bench.sweep [--roles head,am] [--runs 5]

`make bench` measures the pages the benchmark issue names; this finds the ones nobody named that
got slow on years of data (it found a 6-second hours report and a 900 ms request form). Runs on
the data of `make bench` (run that first), through Django's test client as the head of accounts,
a group head, the busiest AM, finance and a specialist. Prints the pages over the threshold
(SWEEP_THRESHOLD_MS, default 100) and writes bench/results-sweep.json. Exits 1 when a page fails
(5xx) so that it can guard a data set in CI later.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

if __name__ == "__main__":  # pragma: no cover - CLI bootstrap
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()

from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.exceptions import NoReverseMatch

from bench.run import logged_in, pick_people
from tandem.org.models import Employee
from tandem.org.roles import Role

HERE = Path(__file__).resolve().parent
# Pages known to stay over the threshold at factor 1, and why (bench/README.md, «Issue 16: sweep at
# factor 1»). Printed under each slow page that has one; a slow page without a reason is news.
KNOWN_SLOW: dict[str, str] = {
    "web:my_day": "owned by the My day pass (sections' grouped counts and shortlists)",
    "web:dashboard": "owned by the rollups pass (one profitability per month of the period)",
    "api:report_dashboard": "owned by the rollups pass (the dashboard's data)",
    "web:profitability": "owned by the rollups pass (time cost summed over the period's entries)",
    "api:profitability": "owned by the rollups pass; the API also returns every row (~245 KB)",
    "web:receivables": "the reconciliation reads every billed invoice and every allocation of the agency's "
                       "history (2 queries, ~60-100 ms of SQL at factor 1)",
    "api:receivables-aging": "the same reconciliation, and every client's row (~175 KB)",
    "web:growth_marks": "the service choice lists every signed service line of every client (~2,500 options, "
                        "~260 KB for the head): needs a search-as-you-type chooser, not a faster select",
    "web:cost_rates": "every employee's whole rate history on one page (~1,000 rows, 95 KB): needs paging",
    "web:subcontractor_costs": "the whole subcontracting history on one page (~90 KB): needs paging",
    "web:timesheet": "not examined in this pass (137-153 KB for a specialist/AM)",
    "web:retention": "not examined in this pass (15-16 queries: churn, revenue retention, money by month)",
    "api:report_retention": "not examined in this pass (the retention page's data)",
}
# Names that are not pages to time: they act, stream a file or leave the site.
SKIP = ("logout", "calendar", "export", "pdf", "set_language", "schema", "docs", "token")


@dataclass
class PageTiming:
    role: str
    name: str
    path: str
    status: int
    median_ms: float | None
    queries: int | None
    size_kb: float | None
    cpu_ms: float | None = None  # this process's CPU (time.process_time): steadier than wall on a shared machine


def url_names(patterns: list[URLPattern | URLResolver] | None = None, prefix: str = "") -> list[str]:
    """Every named URL as `namespace:name`."""
    names: list[str] = []
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            names += url_names(pattern.url_patterns, f"{pattern.namespace}:" if pattern.namespace else prefix)
        elif pattern.name:
            names.append(prefix + pattern.name)
    return names


def plain_paths() -> list[tuple[str, str]]:
    """(name, path) of the web pages and API endpoints that take no URL argument."""
    out = []
    for name in sorted(set(url_names())):
        if not name.startswith(("web:", "api:")) or any(word in name for word in SKIP):
            continue
        try:
            out.append((name, reverse(name)))
        except NoReverseMatch:
            continue
    return out


def people() -> dict[str, Employee]:
    chosen = pick_people()
    by_role = {
        "group head": Employee.objects.filter(role=Role.GROUP_HEAD, is_active=True),
        "specialist": Employee.objects.filter(role=Role.SPECIALIST, is_active=True),
    }
    found = {"head": chosen["head"], "am": chosen["am"], "finance": chosen["finance"]}
    for label, qs in by_role.items():
        person = qs.select_related("user").order_by("pk").first()
        if person is not None:
            found[label] = person
    return found


def time_page(client: HttpClient, role: str, name: str, path: str, runs: int) -> PageTiming:
    first = client.get(path)
    if first.status_code != 200:
        return PageTiming(role, name, path, first.status_code, None, None, None)
    timings, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        response = client.get(path)
        _ = response.content
        timings.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    with CaptureQueriesContext(connection) as ctx:
        client.get(path)
    return PageTiming(role, name, path, 200, round(statistics.median(timings), 1), len(ctx.captured_queries),
                      round(len(first.content) / 1024, 1), round(statistics.median(cpu), 1))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--roles", default="", help="comma-separated: head, group head, am, finance, specialist")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", default=str(HERE / "results-sweep.json"))
    parser.add_argument("--only", default="", help="only URL names starting with this, e.g. web:")
    args = parser.parse_args(argv)
    threshold = float(os.environ.get("SWEEP_THRESHOLD_MS", "100"))
    everyone = people()
    wanted = [r.strip() for r in args.roles.split(",") if r.strip()] or list(everyone)
    paths = [(name, path) for name, path in plain_paths() if name.startswith(args.only)]
    results: list[PageTiming] = []
    for role in wanted:
        client = logged_in(everyone[role])
        for name, path in paths:
            results.append(time_page(client, role, name, path, args.runs))
        print(f"{role}: {len(paths)} addresses", flush=True)
    timed = [r for r in results if r.median_ms is not None]
    slow = sorted((r for r in timed if (r.median_ms or 0) > threshold), key=lambda r: -(r.median_ms or 0))
    failed = [r for r in results if r.status >= 500]
    print(f"\n{len(timed)} pages timed, {len(slow)} over {threshold:.0f} ms, {len(failed)} failing "
          f"(load average {os.getloadavg()[0]:.1f})")
    for r in slow:
        print(f"  {r.median_ms:8.1f} ms {r.cpu_ms:7.1f} cpu {r.queries:4} q {r.size_kb:8.1f} KB  {r.role:<11} "
              f"{r.name:<40} {r.path}")
        if r.name in KNOWN_SLOW:
            print(f"{'':14}why: {KNOWN_SLOW[r.name]}")
    for r in failed:
        print(f"  FAILED {r.status}  {r.role:<11} {r.name} {r.path}")
    out: dict[str, Any] = {"threshold_ms": threshold, "vendor": connection.vendor,
                           "results": [asdict(r) for r in results],
                           "known_slow": {r.name: KNOWN_SLOW[r.name] for r in slow if r.name in KNOWN_SLOW}}
    Path(args.out).write_text(json.dumps(out, indent=2, ensure_ascii=False))
    return 1 if failed else 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
