"""gunicorn settings for production: `gunicorn -c config/gunicorn.conf.py config.wsgi`.

Workers × threads were chosen by measurement (bench/README.md «Issue 16: API throughput»,
docs/SCALING.md): the Python work of one process runs on one core at a time (the GIL), so one
process per core plus one keeps the cores busy while another waits for PostgreSQL, and 4 threads
each overlap those waits. On 2 cores with PostgreSQL on the same machine, `make load-api` at
factor 1 (30 s runs, same minutes): 3 × 4 gave 27–34 req/s at 18 ms of CPU per request, 2 × 4
30 req/s, 5 × 2 22, 4 × 2 18 and 4 sync workers (4 × 1) 17 req/s at 30 ms per request. More
processes than cores + 1 only add context switches on a machine that also runs the database.
WEB_WORKERS and WEB_THREADS override the defaults (cores + 1, and 4).
"""

from __future__ import annotations

import os

bind = os.environ.get("WEB_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_WORKERS", str(max(2, (os.cpu_count() or 1) + 1))))
threads = int(os.environ.get("WEB_THREADS", "4"))
worker_class = "gthread"
# Slow pages (a year of profitability) take seconds, never a minute.
timeout = int(os.environ.get("WEB_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# Recycle a worker now and then (a slow leak never grows for weeks); jitter so they do not all restart at once.
max_requests = int(os.environ.get("WEB_MAX_REQUESTS", "5000"))
max_requests_jitter = 500
# Heartbeat files in memory, not on a possibly slow disk.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
# Behind our own proxy (nginx / the load balancer): trust its X-Forwarded-* headers.
forwarded_allow_ips = os.environ.get("WEB_FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = os.environ.get("WEB_ACCESS_LOG") or None
errorlog = "-"
loglevel = os.environ.get("WEB_LOG_LEVEL", "info")
