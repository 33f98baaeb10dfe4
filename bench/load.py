"""`make load`: a small load test — 20 concurrent users for 60 s over the main pages.

`run_load` is shared with `make load-api` (bench/load_api.py): both report req/s, p50/p95/p99,
errors and the server's CPU time per request (gunicorn master + workers, from /proc).

Starts Django's server on 127.0.0.1 (a free port, loopback only) against the configured
database, logs the virtual users in by creating their sessions directly (the generated AMs,
the head of accounts and finance), runs a bounded pool of threads that fetch pages in a loop
until the time is up, then stops the server and reports throughput, latencies and errors
(any status other than 200, or a failed connection, is an error; the run fails unless there
are none). LOAD_USERS and LOAD_SECONDS change the size; the data must exist (make bench).
"""

from __future__ import annotations

import http.client
import json
import os
import random
import socket
import subprocess
import sys
import threading
import time
from collections import defaultdict
from importlib import import_module
from pathlib import Path

if __name__ == "__main__":  # pragma: no cover - CLI bootstrap
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from bench.harness import percentile
from bench.run import busiest_client
from tandem.clients.models import SERVED_STATUSES
from tandem.org.models import Employee
from tandem.org.roles import Role

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def session_for(employee: Employee) -> str:
    """A signed-in session made directly, in the configured session engine (db, or cached_db on Redis)."""
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(employee.user.pk)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0] if hasattr(
        settings, "AUTHENTICATION_BACKENDS") else "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = employee.user.get_session_auth_hash()
    store.create()
    return store.session_key or ""


def _opt(name: str, query: str = "") -> str | None:
    try:
        return reverse(name) + query
    except NoReverseMatch:
        return None


def pages_for(employee: Employee) -> list[tuple[str, str]]:
    month = timezone.localdate().strftime("%Y-%m")
    pages = [("my day", reverse("web:my_day")), ("clients list", reverse("web:client_list") + "?status=active"),
             ("API clients", reverse("api:client-list"))]
    if employee.role == Role.ACCOUNT_MANAGER:
        card = busiest_client(employee)
        pages.append(("client card", reverse("web:client_detail", args=[card.pk])))
        plan = _opt("web:plan_list", f"?month={month}")
        if plan:
            pages.append(("plan", plan))
    else:
        aging = _opt("web:receivables") or reverse("api:receivables-aging")
        pages.append(("receivables aging", aging))
        pages.append(("clients list p.2", reverse("web:client_list") + "?page=2"))
    return pages


def wait_for(port: int, timeout: float = 30) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with socket.create_connection((HOST, port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("the server did not start")


def server_command(port: int) -> list[str]:
    """gunicorn as in production (LOAD_WORKERS processes × LOAD_THREADS threads): one runserver
    process queued the slow pages behind each other until clients timed out. LOAD_SERVER=runserver
    keeps the old single-process server for comparison."""
    if os.environ.get("LOAD_SERVER", "gunicorn") == "runserver":
        return [sys.executable, "manage.py", "runserver", f"{HOST}:{port}", "--noreload", "--skip-checks"]
    workers = os.environ.get("LOAD_WORKERS", "3")
    threads = os.environ.get("LOAD_THREADS", "4")
    return [sys.executable, "-m", "gunicorn", "config.wsgi", "-b", f"{HOST}:{port}", "-w", workers,
            "--threads", threads, "--timeout", "120", "--log-level", "warning"]


def _proc_children() -> dict[int, list[int]]:
    children: dict[int, list[int]] = defaultdict(list)
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        children[int(fields[1])].append(int(entry.name))
    return children


def process_tree_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds used so far by `pid` and every live descendant (the gunicorn master
    and its workers), from /proc (Linux; 0.0 elsewhere). Sampled before and after the run, the
    difference divided by the requests is the server's CPU per request: unlike req/s it hardly
    depends on how many cores the machine has or how busy the other cores are."""
    if not Path("/proc/self/stat").exists():
        return 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    children = _proc_children()
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        todo.extend(children.get(current, []))
        try:
            stat = Path(f"/proc/{current}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return total


Plan = tuple[dict[str, str], list[tuple[str, str]]]


def run_load(plans: list[Plan], *, seconds: float, results_file: str, title: str) -> int:
    """Start gunicorn, warm every worker up, let one thread per plan fetch its pages in a loop for
    `seconds`, stop the server; print and write throughput, latencies, errors and CPU per request
    to bench/<results_file>. Exit status 1 when any request failed (status other than 200)."""
    users = len(plans)
    port = free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "config.settings.test")}
    server = subprocess.Popen(server_command(port), cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE)
    latencies: dict[str, list[float]] = defaultdict(list)
    errors: list[str] = []
    lock = threading.Lock()
    cpu = generator_cpu = 0.0
    sizes: dict[str, int] = {}
    try:
        wait_for(port)
        # Warm-up (LOAD_WARMUP_SECONDS, not counted): every user already runs, so every worker has
        # imported the views and opened its DB connection before the measured window starts, and
        # the CPU of start-up is not charged to the requests.
        warmup = float(os.environ.get("LOAD_WARMUP_SECONDS", "10"))
        window = {"start": time.time() + warmup}
        stop_at = window["start"] + seconds

        def user(n: int, headers: dict[str, str], pages: list[tuple[str, str]]) -> None:
            rng = random.Random(n)
            conn = http.client.HTTPConnection(HOST, port, timeout=120)
            while time.time() < stop_at:
                name, path = rng.choice(pages)
                began = time.time()
                start = time.perf_counter()
                size = 0
                try:
                    conn.request("GET", path, headers={**headers, "Connection": "keep-alive"})
                    response = conn.getresponse()
                    size = len(response.read())
                    status = response.status
                except (OSError, http.client.HTTPException) as exc:
                    conn.close()
                    conn = http.client.HTTPConnection(HOST, port, timeout=120)
                    status, name = -1, f"{name} ({type(exc).__name__})"
                elapsed = (time.perf_counter() - start) * 1000
                if began < window["start"]:
                    continue
                with lock:
                    latencies[name].append(elapsed)
                    sizes[name] = max(sizes.get(name, 0), size)
                    if status != 200:
                        errors.append(f"{path} → {status}")
            conn.close()

        threads = [threading.Thread(target=user, args=(i, h, p), daemon=True) for i, (h, p) in enumerate(plans)]
        for t in threads:
            t.start()
        time.sleep(max(0.0, window["start"] - time.time()))
        cpu_before = process_tree_cpu_seconds(server.pid)
        generator_before = time.process_time()
        started = time.perf_counter()
        for t in threads:
            t.join(seconds + warmup + 60)
        cpu = process_tree_cpu_seconds(server.pid) - cpu_before
        generator_cpu = time.process_time() - generator_before
        wall = time.perf_counter() - started
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
    total = sum(len(v) for v in latencies.values())
    all_values = [v for values in latencies.values() for v in values]
    command = " ".join(server_command(port)[2:])
    print(f"{title}: {users} users × {seconds:.0f} s against http://{HOST}:{port}/ ({command})")
    print(f"{'page':<28} {'requests':>8} {'median':>9} {'p95':>9} {'bytes':>8}")
    per_page = {}
    for name, values in sorted(latencies.items()):
        med, p95 = percentile(values, 50), percentile(values, 95)
        per_page[name] = {"requests": len(values), "median_ms": round(med, 1), "p95_ms": round(p95, 1),
                          "max_bytes": sizes.get(name, 0)}
        print(f"{name:<28} {len(values):>8} {med:>8.1f}ms {p95:>8.1f}ms {sizes.get(name, 0):>8}")
    throughput = total / wall if wall else 0.0
    overall = {q: round(percentile(all_values, q), 1) if all_values else 0.0 for q in (50, 95, 99)}
    cpu_ms = cpu * 1000 / total if total else 0.0
    generator_ms = generator_cpu * 1000 / total if total else 0.0
    print(f"total {total} requests in {wall:.1f} s: {throughput:.1f} req/s, p50 {overall[50]} ms, "
          f"p95 {overall[95]} ms, p99 {overall[99]} ms, errors: {len(errors)}")
    print(f"server CPU {cpu:.1f} s = {cpu_ms:.1f} ms per request (gunicorn master + workers; "
          f"1000 / that = req/s one core could serve); load average {os.getloadavg()[0]:.1f}")
    print(f"load generator CPU {generator_cpu:.1f} s = {generator_ms:.1f} ms per request (this process: "
          f"{users} client threads on the same machine)")
    for e in errors[:10]:
        print(f"  error: {e}")
    out = {"users": users, "seconds": seconds, "server": command, "requests": total,
           "throughput_rps": round(throughput, 2), "p50_ms": overall[50], "p95_ms": overall[95],
           "p99_ms": overall[99], "server_cpu_seconds": round(cpu, 2), "cpu_ms_per_request": round(cpu_ms, 2),
           "generator_cpu_ms_per_request": round(generator_ms, 2),
           "load_average_1m": round(os.getloadavg()[0], 2), "cpu_count": os.cpu_count(),
           "errors": len(errors), "error_samples": errors[:20], "pages": per_page, "ok": not errors}
    (Path(__file__).resolve().parent / results_file).write_text(json.dumps(out, indent=2, ensure_ascii=False))
    return 0 if not errors else 1


def main() -> int:
    users = int(os.environ.get("LOAD_USERS", "20"))
    seconds = float(os.environ.get("LOAD_SECONDS", "60"))
    ams = list(Employee.objects.filter(role=Role.ACCOUNT_MANAGER, is_active=True,
                                       managed_clients__status__in=SERVED_STATUSES)
               .select_related("user").distinct().order_by("pk")[:16])
    others = list(Employee.objects.filter(role__in=[Role.HEAD_OF_ACCOUNTS, Role.FINANCE]).select_related("user")
                  .order_by("pk")[:4])
    people = (ams + others) or others
    if not people:
        print("no data: run `make bench` (it generates the data set) first", file=sys.stderr)
        return 2
    virtual = [people[i % len(people)] for i in range(users)]
    plans: list[Plan] = [({"Cookie": f"sessionid={session_for(e)}", "Accept-Encoding": "gzip"}, pages_for(e))
                         for e in virtual]
    return run_load(plans, seconds=seconds, results_file="results-load.json", title="load")


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
