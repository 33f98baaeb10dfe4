"""API rate limits per user (and per IP address for anonymous requests).

Rates come from `settings.API_THROTTLE_RATES` at request time ({"burst": "20/s", ...}; a rate of
None switches that limit off), so tests and deployments change them without re-importing DRF.
Over the limit DRF answers 429 with `Retry-After`. Counts live in the default cache: give
several processes one shared cache (REDIS_URL) or each process counts on its own. When that
cache (Redis) cannot be reached the limits are not applied (logged) instead of answering 500:
an outage of the cache must not take the API down.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from redis.exceptions import RedisError
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle, UserRateThrottle

logger = logging.getLogger(__name__)


class _RateFromSettings(SimpleRateThrottle):
    scope: str

    def get_rate(self) -> str | None:
        return settings.API_THROTTLE_RATES.get(self.scope)

    def allow_request(self, request: Any, view: Any) -> bool:
        try:
            return super().allow_request(request, view)
        except (RedisError, OSError) as exc:
            logger.warning("rate-limit cache unreachable, %s limit not applied: %s", self.scope, exc)
            return True


class BurstRateThrottle(_RateFromSettings, UserRateThrottle):
    """Short spikes: by default 20 requests a second per user."""

    scope = "burst"


class SustainedRateThrottle(_RateFromSettings, UserRateThrottle):
    """Steady load: by default 600 requests a minute per user."""

    scope = "sustained"


class AnonBurstRateThrottle(_RateFromSettings, AnonRateThrottle):
    """Requests without a sign-in (the token endpoint, 401s), per IP address."""

    scope = "anon"
