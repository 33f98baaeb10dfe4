"""A shortlist: the first rows of a long list that a page shows, with exact counts of the whole.

Dashboards ("My day") show the first 10 items of a section but must still say how many there
are in all, per responsible person, and how many are in a state worth a badge (breached,
flagged). Loading every row to count it was most of the page's time once an agency has a few
thousand of them; `shortlist_of` loads only the rows shown and counts the rest in SQL.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from django.db.models import Count, Expression, F, Q, QuerySet, Window

T = TypeVar("T")
K = TypeVar("K")


@dataclass
class Shortlist(Generic[T]):
    """`items`: the first `limit` items in display order (all of them when no limit);
    `total` and `flags` ({name: n}) count the whole list, `count_by_am` ({employee id: n})
    too when it was asked for (the team view)."""

    items: list[T]
    total: int
    count_by_am: dict[int | None, int] = field(default_factory=dict)
    flags: dict[str, int] = field(default_factory=dict)

    @property
    def more(self) -> int:
        """How many items the shortlist leaves out."""
        return self.total - len(self.items)


def shortlist_of(
    qs: QuerySet[Any],
    *,
    limit: int | None,
    by: str | Expression | F | None = None,
    rows: Callable[[QuerySet[Any]], QuerySet[Any]] | None = None,
    flags: dict[str, Q] | None = None,
) -> Shortlist[Any]:
    """The first `limit` rows of `qs` (after `rows`, e.g. select_related/only) with the total
    and a count per condition in `flags`, in one query (window counts over the whole list).
    With `by` (the responsible employee's id: a field path or an expression) the counts are
    grouped per employee as well, in a second query (the team view needs everyone's counts,
    not only of those among the first rows), which is skipped when the counts are all zero."""
    flags = flags or {}
    if by is not None:
        key = F(by) if isinstance(by, str) else by
        flag_counts = {f"flag_{name}": Count("pk", filter=q) for name, q in flags.items()}
        counts: dict[int | None, int] = {}
        flag_totals = dict.fromkeys(flags, 0)
        for group in qs.order_by().values(shortlist_key=key).annotate(shortlist_n=Count("pk"), **flag_counts):
            counts[group["shortlist_key"]] = counts.get(group["shortlist_key"], 0) + group["shortlist_n"]
            for name in flag_totals:
                flag_totals[name] += group[f"flag_{name}"]
        total = sum(counts.values())
        # An empty list needs no second query (its planning alone is milliseconds for the
        # many-join section queries).
        shown = rows(qs) if rows is not None else qs
        items = list(shown if limit is None else shown[:limit]) if total else []
        return Shortlist(items=items, total=total, count_by_am=counts, flags=flag_totals)
    shown = (rows(qs) if rows is not None else qs).annotate(
        shortlist_total=Window(Count("pk")),
        **{f"shortlist_flag_{name}": Window(Count("pk", filter=q)) for name, q in flags.items()},
    )
    items = list(shown if limit is None else shown[:limit])
    first = items[0] if items else None
    return Shortlist(
        items=items, total=first.shortlist_total if first else 0,
        flags={name: getattr(first, f"shortlist_flag_{name}") if first else 0 for name in flags},
    )


def shortlist_from(
    items: Iterable[T], *, limit: int | None, key: Callable[[T], int | None], offset: int = 0,
) -> Shortlist[T]:
    """A shortlist of a list already in memory (counts by `key`): `limit` items from `offset`."""
    everything = list(items)
    counts: dict[int | None, int] = {}
    for item in everything:
        k = key(item)
        counts[k] = counts.get(k, 0) + 1
    shown = everything[offset:] if limit is None else everything[offset:offset + limit]
    return Shortlist(items=shown, total=len(everything), count_by_am=counts)
