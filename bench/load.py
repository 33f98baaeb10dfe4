"""`make load`: a small load test — 20 concurrent users for 60 s over the main pages.

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
from pathlib import Path

if __name__ == "__main__":  # pragma: no cover - CLI bootstrap
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
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
    store = SessionStore()
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
    plans = [(session_for(e), pages_for(e)) for e in virtual]

    port = free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "config.settings.test")}
    server = subprocess.Popen(server_command(port), cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE)
    latencies: dict[str, list[float]] = defaultdict(list)
    errors: list[str] = []
    lock = threading.Lock()
    try:
        wait_for(port)
        stop_at = time.time() + seconds

        def user(n: int, session: str, pages: list[tuple[str, str]]) -> None:
            rng = random.Random(n)
            conn = http.client.HTTPConnection(HOST, port, timeout=120)
            while time.time() < stop_at:
                name, path = rng.choice(pages)
                start = time.perf_counter()
                try:
                    conn.request("GET", path, headers={"Cookie": f"sessionid={session}", "Connection": "keep-alive"})
                    response = conn.getresponse()
                    response.read()
                    status = response.status
                except (OSError, http.client.HTTPException) as exc:
                    conn.close()
                    conn = http.client.HTTPConnection(HOST, port, timeout=120)
                    status, name = -1, f"{name} ({type(exc).__name__})"
                elapsed = (time.perf_counter() - start) * 1000
                with lock:
                    latencies[name].append(elapsed)
                    if status != 200:
                        errors.append(f"{path} → {status}")
            conn.close()

        started = time.perf_counter()
        threads = [threading.Thread(target=user, args=(i, s, p), daemon=True) for i, (s, p) in enumerate(plans)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(seconds + 60)
        wall = time.perf_counter() - started
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
    total = sum(len(v) for v in latencies.values())
    print(f"load: {users} users × {seconds:.0f} s against http://{HOST}:{port}/ ({' '.join(server_command(port)[2:])})")
    print(f"{'page':<28} {'requests':>8} {'median':>9} {'p95':>9}")
    per_page = {}
    for name, values in sorted(latencies.items()):
        med, p95 = percentile(values, 50), percentile(values, 95)
        per_page[name] = {"requests": len(values), "median_ms": round(med, 1), "p95_ms": round(p95, 1)}
        print(f"{name:<28} {len(values):>8} {med:>8.1f}ms {p95:>8.1f}ms")
    throughput = total / wall if wall else 0.0
    print(f"total {total} requests in {wall:.1f} s: {throughput:.1f} req/s, errors: {len(errors)}")
    for e in errors[:10]:
        print(f"  error: {e}")
    out = {"users": users, "seconds": seconds, "server": " ".join(server_command(port)[2:]), "requests": total,
           "throughput_rps": round(throughput, 2),
           "errors": len(errors), "error_samples": errors[:20], "pages": per_page, "ok": not errors}
    (Path(__file__).resolve().parent / "results-load.json").write_text(json.dumps(out, indent=2, ensure_ascii=False))
    return 0 if not errors else 1


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
