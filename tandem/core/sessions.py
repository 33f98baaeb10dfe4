"""Sessions in the cache with the database behind (Django's cached_db), kept working when the cache
is down: the database is the record, the cache only saves a query. Django's own cached_db already
survives a failed write to the cache; this store also survives failed reads, existence checks and
deletes (with REDIS_URL set and Redis unreachable, staff can still sign in and work — issue 15's
«Redis down: the web UI keeps working»).

A delete that cannot reach the cache is logged: if the cache comes back with the old entry, that
session lives on there until it expires (SESSION_COOKIE_AGE) — the price of not failing sign-out."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.contrib.sessions.backends import cached_db
from django.contrib.sessions.backends.db import SessionStore as DBStore

logger = logging.getLogger("django.contrib.sessions")


class SessionStore(cached_db.SessionStore):
    # Set by Django's stores at runtime; django-stubs does not declare them.
    _cache: Any
    _get_session_from_db: Callable[[], Any]

    def _cached(self, call: Callable[..., Any], *args: Any, default: Any = None) -> Any:
        try:
            return call(*args)
        except Exception:  # noqa: BLE001 — any cache failure: go on with the database
            logger.warning("session cache unreachable (%s); using the database", self._cache, exc_info=True)
            return default

    def load(self) -> dict[str, Any]:
        data = self._cached(self._cache.get, self.cache_key)
        if data is None:
            stored = self._get_session_from_db()
            if stored:
                data = self.decode(stored.session_data)
                self._cached(self._cache.set, self.cache_key, data, self.get_expiry_age(expiry=stored.expire_date))
            else:
                data = {}
        return data

    def exists(self, session_key: str) -> bool:
        if session_key and self._cached(self._cache.has_key, self.cache_key_prefix + session_key, default=False):
            return True
        return DBStore.exists(self, session_key)

    def delete(self, session_key: str | None = None) -> None:
        DBStore.delete(self, session_key)
        if session_key is None:
            if self.session_key is None:
                return
            session_key = self.session_key
        self._cached(self._cache.delete, self.cache_key_prefix + session_key)
