"""Measurement helpers: warm-up, repetitions, median/p95 and SQL query counts.

Pages are measured through Django's test client (the whole request/response cycle,
middleware and templates included) against the configured database.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext


@dataclass
class Measurement:
    name: str
    kind: str  # "page", "aggregate", "sql", "import"
    runs: int
    median_ms: float
    p95_ms: float
    min_ms: float
    queries: int | None = None
    target_ms: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool | None:
        return None if self.target_ms is None else self.p95_ms <= self.target_ms

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["ok"] = self.ok
        return data


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (p95 of 30 runs is the 29th smallest)."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-pct * len(ordered) // 100))))
    return ordered[rank - 1]


def measure(
    name: str,
    fn: Callable[[], Any],
    *,
    kind: str,
    runs: int = 30,
    warmup: int = 3,
    target_ms: float | None = None,
    count_queries: bool = True,
) -> Measurement:
    for _ in range(warmup):
        fn()
    queries = None
    if count_queries:
        with CaptureQueriesContext(connection) as ctx:
            fn()
        queries = len(ctx.captured_queries)
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        timings.append((time.perf_counter() - start) * 1000)
    return Measurement(
        name=name, kind=kind, runs=runs, median_ms=round(statistics.median(timings), 2),
        p95_ms=round(percentile(timings, 95), 2), min_ms=round(min(timings), 2), queries=queries,
        target_ms=target_ms,
    )


# (milliseconds, SQL, parameters) of one executed statement
TimedQuery = tuple[float, str, Any]


def timed_queries(fn: Callable[[], Any]) -> tuple[Any, list[TimedQuery]]:
    """Call `fn` and return its result with the statements it ran, each with its own time."""
    queries: list[TimedQuery] = []

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            queries.append(((time.perf_counter() - started) * 1000, sql, params))

    with connection.execute_wrapper(count):
        result = fn()
    return result, queries


def print_slowest(queries: list[TimedQuery], *, top: int = 2, explain: str = "EXPLAIN ANALYZE") -> None:
    """Print the `top` slowest statements and, on PostgreSQL, the plan of each SELECT."""
    for ms, sql, params in sorted(queries, key=lambda q: -q[0])[:top]:
        print(f"  {ms:7.1f} ms  {sql[:3000]}")
        if connection.vendor == "postgresql" and sql.lstrip().upper().startswith("SELECT"):
            with connection.cursor() as cursor:
                cursor.execute(f"{explain} {sql}", params)
                print("\n".join("      " + row[0] for row in cursor.fetchall()))


def run_sql(sql: str, params: list[Any] | tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def format_table(rows: list[Measurement]) -> str:
    header = f"{'benchmark':<52} {'kind':<9} {'median':>9} {'p95':>9} {'target':>8} {'queries':>7}  ok"
    lines = [header, "-" * len(header)]
    for m in rows:
        target = f"{m.target_ms:.0f}" if m.target_ms is not None else "-"
        ok = {True: "yes", False: "NO", None: ""}[m.ok]
        queries = "" if m.queries is None else str(m.queries)
        lines.append(f"{m.name:<52} {m.kind:<9} {m.median_ms:>8.1f}ms {m.p95_ms:>8.1f}ms {target:>8} {queries:>7}  {ok}")
        for key, value in m.extra.items():
            lines.append(f"    {key}: {value}")
    return "\n".join(lines)
