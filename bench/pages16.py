"""Issue 16 (database and rendering): wall and CPU time per request of the heavy pages and API lists.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tandem_bench python -m bench.pages16 [--runs 20] \
        [--only invoices] [--profile invoices] [--json out.json]

Each case is requested through Django's test client as the generated agency's users (head of
accounts, the busiest AM), warm-up 3, then `--runs` timed requests; prints median/p95 of wall time
and of this process's CPU time (`time.process_time`: on a shared machine the CPU time is the figure
to compare across runs) and the query count. `--profile NAME` runs cProfile over the matching cases
and prints the top functions by cumulative and by own time.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import sys
import time
from collections.abc import Callable
from typing import Any

if __name__ == "__main__":  # pragma: no cover - CLI bootstrap
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()

from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from bench.harness import percentile, print_slowest, timed_queries
from bench.run import busiest_client, logged_in, pick_people


def cases() -> list[tuple[str, HttpClient, str]]:
    people = pick_people()
    c_head, c_am = logged_in(people["head"]), logged_in(people["am"])
    year = timezone.localdate().year - 1
    month = timezone.localdate().strftime("%Y-%m")
    card = busiest_client(people["am"])
    return [
        ("invoices list (head) web", c_head, reverse("web:invoice_list")),
        ("invoices list (head) API", c_head, reverse("api:invoice-list")),
        ("tasks list (head) web", c_head, reverse("web:task_list")),
        ("tasks list (head) API", c_head, reverse("api:task-list")),
        ("tasks list (AM) web", c_am, reverse("web:task_list")),
        ("tasks list (AM) API", c_am, reverse("api:task-list")),
        ("time entries (head) API", c_head, reverse("api:time-entry-list")),
        ("interactions (head) API", c_head, reverse("api:interaction-list")),
        ("payments (head) API", c_head, reverse("api:payment-list")),
        ("receivables (head) web", c_head, reverse("web:receivables")),
        (f"profitability {year} by client (head) web", c_head,
         reverse("web:profitability") + f"?start={year}-01-01&end={year}-12-31&by=client"),
        ("my day team view (head) web", c_head, reverse("web:my_day")),
        ("my day (AM) web", c_am, reverse("web:my_day")),
        ("clients list (head) web", c_head, reverse("web:client_list")),
        ("clients list p.2 (head) web", c_head, reverse("web:client_list") + "?page=2"),
        ("clients list active (AM) web", c_am, reverse("web:client_list") + "?status=active"),
        ("client card (AM) web", c_am, reverse("web:client_detail", args=[card.pk])),
        ("plan (AM) web", c_am, reverse("web:plan_list") + f"?month={month}"),
        ("dashboard (head) web", c_head, reverse("web:dashboard")),
    ]


def request(client: HttpClient, path: str) -> Callable[[], int]:
    def fn() -> int:
        response = client.get(path)
        if response.status_code != 200:
            raise AssertionError(f"GET {path} → {response.status_code}")
        return len(response.content)

    return fn


def time_case(fn: Callable[[], int], runs: int, show_sql: bool = False) -> dict[str, Any]:
    for _ in range(3):
        fn()
    size, queries = timed_queries(fn)
    if show_sql:
        print_slowest(queries)
    walls, cpus = [], []
    for _ in range(runs):
        w, c = time.perf_counter(), time.process_time()
        fn()
        cpus.append((time.process_time() - c) * 1000)
        walls.append((time.perf_counter() - w) * 1000)
    walls.sort()
    cpus.sort()
    return {"wall_median": round(walls[len(walls) // 2], 1), "wall_p95": round(percentile(walls, 95), 1),
            "cpu_median": round(cpus[len(cpus) // 2], 1), "cpu_p95": round(percentile(cpus, 95), 1),
            "queries": len(queries), "sql_ms": round(sum(ms for ms, _, _ in queries), 1), "kb": round(size / 1024)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--only", default="")
    parser.add_argument("--profile", default="")
    parser.add_argument("--json", default="")
    parser.add_argument("--sql", action="store_true", help="print the queries of one request, slowest first")
    args = parser.parse_args(argv)
    print(f"load average {os.getloadavg()}", flush=True)
    out = {}
    for name, client, path in cases():
        if args.only and args.only not in name:
            continue
        fn = request(client, path)
        if args.profile and args.profile in name:
            fn()
            prof = cProfile.Profile()
            prof.enable()
            for _ in range(5):
                fn()
            prof.disable()
            print(f"=== {name} ({path}), 5 requests")
            stats = pstats.Stats(prof)
            stats.sort_stats("cumulative").print_stats(35)
            stats.sort_stats("tottime").print_stats(25)
            continue
        r = time_case(fn, args.runs, args.sql)
        out[name] = r
        print(f"{name:<45} wall {r['wall_median']:>7} / {r['wall_p95']:>7}  cpu {r['cpu_median']:>7} / "
              f"{r['cpu_p95']:>7}  q {r['queries']:>3} sql {r['sql_ms']:>6}  {r['kb']} KB", flush=True)
    print(f"load average {os.getloadavg()}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(out, f, indent=2)
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
