"""API rate limits per user (and per IP address for anonymous requests).

Rates come from `settings.API_THROTTLE_RATES` at request time ({"burst": "20/s", ...}; a rate of
None switches that limit off), so tests and deployments change them without re-importing DRF.
Over the limit DRF answers 429 with `Retry-After`. Counts live in the default cache: give
several processes one shared cache (REDIS_URL) or each process counts on its own.
"""

from __future__ import annotations

from django.conf import settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle


class _RateFromSettings:
    scope: str

    def get_rate(self) -> str | None:
        return settings.API_THROTTLE_RATES.get(self.scope)


class BurstRateThrottle(_RateFromSettings, UserRateThrottle):
    """Short spikes: by default 20 requests a second per user."""

    scope = "burst"


class SustainedRateThrottle(_RateFromSettings, UserRateThrottle):
    """Steady load: by default 600 requests a minute per user."""

    scope = "sustained"


class AnonBurstRateThrottle(_RateFromSettings, AnonRateThrottle):
    """Requests without a sign-in (the token endpoint, 401s), per IP address."""

    scope = "anon"
