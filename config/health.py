"""Probes for load balancers and orchestrators: no sign-in, not in the menu, JSON.

- `/healthz`: the process answers (touches nothing else, not even the database).
- `/readyz`: it can serve: the database answers and, when REDIS_URL or a Redis CELERY_BROKER_URL
  is configured, Redis answers a PING. Otherwise 503 naming the dependency that failed (the error
  itself goes to the log, not to the unauthenticated caller).
"""

from __future__ import annotations

import logging

import redis
from django.conf import settings
from django.db import connections
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

log = logging.getLogger(__name__)
TIMEOUT_SECONDS = 2.0


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def _database_ok() -> bool:
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any driver error means "not ready"
        log.exception("readyz: database unreachable")
        return False
    return True


def redis_url_to_check() -> str:
    if settings.REDIS_URL:
        return str(settings.REDIS_URL)
    broker = str(settings.CELERY_BROKER_URL or "")
    return broker if broker.startswith(("redis://", "rediss://", "unix://")) else ""


def _redis_ok(url: str) -> bool:
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=TIMEOUT_SECONDS, socket_timeout=TIMEOUT_SECONDS)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except Exception:  # connection refused, timeout, auth
        log.exception("readyz: redis unreachable")
        return False


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    checks = {"database": _database_ok()}
    url = redis_url_to_check()
    if url:
        checks["redis"] = _redis_ok(url)
    failed = [name for name, ok in checks.items() if not ok]
    body = {
        "status": "unavailable" if failed else "ok",
        "checks": {name: "ok" if ok else "failed" for name, ok in checks.items()},
        "failed": failed,
    }
    return JsonResponse(body, status=503 if failed else 200)
