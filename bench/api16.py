"""Issue 16 (API throughput): CPU, queries and SQL time of one request of `make load-api`'s mix, in-process.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tandem_bench python -m bench.api16 [--runs 30] \
        [--only tasks] [--profile tasks] [--sql] [--json out.json]

The requests of bench/load_api.py — as an AM (the first one the load test picks) and as the head of
accounts — sent through Django's test client with the same headers as the load test (`Authorization:
Token …`, `Accept: application/json`, `Accept-Encoding: gzip`), so the whole path runs: every
middleware, token authentication, permissions, throttles, filters, pagination, serializers, the
JSON renderer and gzip. Per case: median / p95 of this process's CPU time (`time.process_time`,
the figure to compare on a shared machine), the queries and their time. `--profile NAME` runs
cProfile (timer: this process's CPU time) over the matching cases (`--runs` requests) and prints the top functions; `--profile all`
profiles the whole mix at once (what one gunicorn worker does under load). `--sql` prints the two
slowest queries of each case with EXPLAIN ANALYZE (PostgreSQL).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import sys
import time
from typing import Any

if __name__ == "__main__":  # pragma: no cover - CLI bootstrap
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()

from django.test import Client as HttpClient

from bench.harness import percentile, print_slowest, timed_queries
from bench.load_api import api_pages_for
from tandem.clients.models import SERVED_STATUSES
from tandem.org.models import ApiToken, Employee
from tandem.org.roles import Role
from tandem.org.services import api_token_issue

Case = tuple[str, HttpClient, dict[str, str], str]


def cases(tokens: list[int]) -> list[Case]:
    am = (Employee.objects.filter(role=Role.ACCOUNT_MANAGER, is_active=True,
                                  managed_clients__status__in=SERVED_STATUSES)
          .select_related("user", "agency").distinct().order_by("pk").first())
    head = Employee.objects.filter(role=Role.HEAD_OF_ACCOUNTS).select_related("user", "agency").order_by("pk").first()
    out: list[Case] = []
    for who, employee in (("AM", am), ("head", head)):
        if employee is None:
            continue
        token, key = api_token_issue(user=employee.user, name="api16")
        tokens.append(token.pk)
        headers = {"HTTP_AUTHORIZATION": f"Token {key}", "HTTP_ACCEPT": "application/json",
                   "HTTP_ACCEPT_ENCODING": "gzip"}
        client = HttpClient()
        for name, path in api_pages_for(employee):
            out.append((f"{name} ({who})", client, headers, path))
    return out


def fetch(case: Case) -> int:
    _name, client, headers, path = case
    response = client.get(path, **headers)  # type: ignore[arg-type]
    if response.status_code != 200:
        raise AssertionError(f"GET {path} → {response.status_code}")
    return len(response.content)


def measure(case: Case, runs: int, show_sql: bool) -> dict[str, Any]:
    for _ in range(3):
        fetch(case)
    sql_runs = []
    for _ in range(5):
        size, queries = timed_queries(lambda: fetch(case))
        sql_runs.append(sum(ms for ms, _, _ in queries))
    if show_sql:
        print_slowest(queries, explain="EXPLAIN (ANALYZE, BUFFERS)")
    cpus = []
    for _ in range(runs):
        c = time.process_time()
        fetch(case)
        cpus.append((time.process_time() - c) * 1000)
    cpus.sort()
    sql_runs.sort()
    return {"cpu_median": round(cpus[len(cpus) // 2], 2), "cpu_p95": round(percentile(cpus, 95), 2),
            "queries": len(queries), "sql_ms": round(sql_runs[len(sql_runs) // 2], 2), "bytes": size}


def profile(selected: list[Case], runs: int, out: str = "") -> None:
    for case in selected:
        fetch(case)
    prof = cProfile.Profile(time.process_time)  # CPU time: waits for PostgreSQL do not count
    prof.enable()
    for _ in range(runs):
        for case in selected:
            fetch(case)
    prof.disable()
    print(f"=== {', '.join(c[0] for c in selected)}: {runs} rounds")
    if out:
        prof.dump_stats(out)
    stats = pstats.Stats(prof)
    stats.sort_stats("cumulative").print_stats(60)
    stats.sort_stats("tottime").print_stats(40)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--only", default="")
    parser.add_argument("--profile", default="")
    parser.add_argument("--json", default="")
    parser.add_argument("--profile-out", default="", help="also write the cProfile stats to this file")
    parser.add_argument("--sql", action="store_true", help="EXPLAIN ANALYZE the two slowest queries of each case")
    args = parser.parse_args(argv)
    print(f"load average {os.getloadavg()}", flush=True)
    tokens: list[int] = []
    try:
        selected = [c for c in cases(tokens) if not args.only or args.only in c[0]]
        if args.profile:
            profile([c for c in selected if args.profile == "all" or args.profile in c[0]], args.runs, args.profile_out)
            return 0
        out = {}
        for case in selected:
            r = measure(case, args.runs, args.sql)
            out[case[0]] = r
            print(f"{case[0]:<42} cpu {r['cpu_median']:>6} / {r['cpu_p95']:>6} ms  q {r['queries']:>2} "
                  f"sql {r['sql_ms']:>6} ms  {r['bytes']} B", flush=True)
        mix = [v for k, v in out.items() if "(AM)" in k]
        if mix:
            print(f"AM mix mean: cpu {sum(v['cpu_median'] for v in mix) / len(mix):.2f} ms, "
                  f"sql {sum(v['sql_ms'] for v in mix) / len(mix):.2f} ms, "
                  f"queries {sum(v['queries'] for v in mix) / len(mix):.1f}")
        print(f"load average {os.getloadavg()}")
        if args.json:
            with open(args.json, "w") as f:
                json.dump(out, f, indent=2)
    finally:
        ApiToken.objects.filter(pk__in=tokens).delete()
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
