"""Who an API token belongs to, cached between requests (issue 16).

Every API request authenticated by a token used to read the token with its user (one query) and
then the user's employee with the agency (one more) before the view ran. With
`AUTH_CACHE_SECONDS` > 0 (the default when REDIS_URL is set) the token is stored in the shared
cache with its user, employee and agency already attached, keyed by the token's digest; every
write to any of them drops the keys of the tokens concerned (signals below), so a revoked token,
a deactivated login or a changed role is seen by the next request on any server. Without a
shared cache the setting is 0 and nothing is kept between requests (a per-process cache would
keep a revoked token alive in the other workers).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import Agency, ApiToken, Employee, User

logger = logging.getLogger(__name__)

PREFIX = "tandem:apitoken:"


def _quietly(call: Any, *args: Any) -> Any:
    """A cache call that cannot fail the request: with the cache down, tokens are read from the
    database. A forget that fails is logged — the cached token then lives until AUTH_CACHE_SECONDS
    runs out (keep it short)."""
    try:
        return call(*args)
    except Exception:  # noqa: BLE001 — any cache failure
        logger.warning("API token cache unreachable; using the database", exc_info=True)
        return None


def _key(key_hash: str) -> str:
    return PREFIX + key_hash


def enabled() -> bool:
    return int(getattr(settings, "AUTH_CACHE_SECONDS", 0) or 0) > 0


def token_load(key_hash: str) -> ApiToken | None:
    """The token with this digest, its user, the user's employee and agency attached: from the
    cache when enabled, else (and on a miss) one query."""
    if enabled():
        cached = _quietly(cache.get, _key(key_hash))
        if isinstance(cached, ApiToken):
            return cached
    token = (ApiToken.objects.select_related("user", "user__employee", "user__employee__agency")
             .filter(key_hash=key_hash).first())
    if token is not None:
        token_store(token)
    return token


def token_store(token: ApiToken) -> None:
    if enabled():
        _quietly(cache.set, _key(token.key_hash), token, int(settings.AUTH_CACHE_SECONDS))


def forget(key_hashes: Iterable[str]) -> None:
    keys = [_key(h) for h in key_hashes]
    if keys:
        _quietly(cache.delete_many, keys)


def forget_users(user_ids: Iterable[int]) -> None:
    forget(ApiToken.objects.filter(user_id__in=list(user_ids)).values_list("key_hash", flat=True))


@receiver([post_save, post_delete], sender=ApiToken, dispatch_uid="auth_cache_token")
def _token_changed(sender: Any, instance: ApiToken, **kwargs: Any) -> None:
    if enabled():
        forget([instance.key_hash])


@receiver([post_save, post_delete], sender=User, dispatch_uid="auth_cache_user")
def _user_changed(sender: Any, instance: User, **kwargs: Any) -> None:
    if enabled():
        forget_users([instance.pk])


@receiver([post_save, post_delete], sender=Employee, dispatch_uid="auth_cache_employee")
def _employee_changed(sender: Any, instance: Employee, **kwargs: Any) -> None:
    if enabled():
        forget_users([instance.user_id])


@receiver([post_save, post_delete], sender=Agency, dispatch_uid="auth_cache_agency")
def _agency_changed(sender: Any, instance: Agency, **kwargs: Any) -> None:
    if enabled():
        forget_users(Employee.objects.filter(agency_id=instance.pk).values_list("user_id", flat=True))
