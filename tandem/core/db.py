"""Reads of reports and dashboards from a read replica (issue 16), writes always to the primary.

`DATABASE_REPLICA_URL` adds the `replica` alias (config/settings/base.py) and sets
`REPLICA_DATABASE`. A selector that may read slightly stale data (a dashboard, a report over
months) runs inside `replica_reads()` (a context manager and a decorator); the router then
answers `replica` for its reads. Everything else — and every write, and any read inside a
transaction on the primary (it must see its own uncommitted rows) — uses `default`. Rows read
from the replica that are later saved go to `default` too (`db_for_write`).

Without a replica configured the context does nothing, so the code is the same on one machine.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

_replica_wanted: ContextVar[bool] = ContextVar("tandem_replica_reads", default=False)

P = ParamSpec("P")
R = TypeVar("R")


def replica_alias() -> str | None:
    """The replica's alias when one is configured and reads should go there now, else None."""
    alias: str | None = getattr(settings, "REPLICA_DATABASE", None)
    if not alias or not _replica_wanted.get() or alias not in connections.settings:
        return None
    if connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return None  # read-your-writes inside a transaction
    return alias


@contextmanager
def replica_reads_context() -> Iterator[None]:
    token = _replica_wanted.set(True)
    try:
        yield
    finally:
        _replica_wanted.reset(token)


def replica_reads(func: Callable[P, R]) -> Callable[P, R]:
    """Decorator: the function's queries read from the replica (when configured). The function
    must evaluate what it returns (lists, numbers): a QuerySet returned lazily would be
    evaluated after the context and read the primary."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with replica_reads_context():
            return func(*args, **kwargs)

    return wrapper


class ReplicaRouter:
    """DATABASE_ROUTERS entry: replica reads only where asked for, writes and migrations on default."""

    def db_for_read(self, model: type[Any], **hints: Any) -> str | None:
        return replica_alias()

    def db_for_write(self, model: type[Any], **hints: Any) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # one database, two connections to it

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool | None:
        replica = getattr(settings, "REPLICA_DATABASE", None)
        return False if db == replica or db == "replica" else None
