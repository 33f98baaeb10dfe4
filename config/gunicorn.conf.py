"""gunicorn settings for production: `gunicorn -c config/gunicorn.conf.py config.wsgi`.

Workers × threads were chosen by measurement (bench/README.md «Issue 16: HTTP and load-api»,
docs/SCALING.md): a request spends roughly half its time waiting for PostgreSQL, so a few
threads per process overlap those waits, while the Python work of one process holds one core
(the GIL); more processes than about 1.5 per core only add memory and context switches.
WEB_WORKERS and WEB_THREADS override the defaults (cores × 1.5, rounded up, and 4).
"""

from __future__ import annotations

import math
import os

bind = os.environ.get("WEB_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_WORKERS", str(max(2, math.ceil((os.cpu_count() or 1) * 1.5)))))
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
