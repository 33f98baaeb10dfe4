"""gunicorn settings for production: `gunicorn -c config/gunicorn.conf.py config.wsgi`.

Workers × threads were chosen by measurement (bench/README.md «Issue 16: HTTP and load-api»,
docs/SCALING.md): the Python work of one process runs on one core at a time (the GIL), so
2 processes per core keep the cores busy while others wait for PostgreSQL, and 2 threads each
overlap those waits. On 2 cores, 4 × 2 gave the best `make load-api` run (29 req/s, p95 1.0 s on
a shared machine against 21–31 req/s for 3 × 4, 22 for 2 × 4 and 25 for 4 × 4). CPU per request
was the same in all of them, 22–26 ms. WEB_WORKERS and WEB_THREADS override the defaults
(2 × cores, and 2).
"""

from __future__ import annotations

import os

bind = os.environ.get("WEB_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_WORKERS", str(max(2, 2 * (os.cpu_count() or 1)))))
threads = int(os.environ.get("WEB_THREADS", "2"))
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
