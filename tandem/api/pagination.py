from __future__ import annotations

from typing import Any

from django.core.paginator import EmptyPage, Paginator
from django.utils.functional import cached_property
from rest_framework.pagination import PageNumberPagination


class ShortFirstPagePaginator(Paginator):
    """Reads the first page before counting: when it is not full, it is the whole list and its
    length is the count, so the COUNT query is not sent (an AM's clients, a client's contacts:
    one query fewer; issue 16). A full first page, and every other page, counts as before."""

    def page(self, number: Any) -> Any:
        try:
            first = int(number) == 1
        except (TypeError, ValueError):
            first = False
        if not first or "count" in self.__dict__ or self.orphans:
            return super().page(number)
        rows = list(self.object_list[: self.per_page])
        if len(rows) < self.per_page:
            self.__dict__["count"] = len(rows)
        return self._get_page(rows, self.validate_number(number), self)  # type: ignore[attr-defined]


class StandardPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    django_paginator_class = ShortFirstPagePaginator


class CappedCountPaginator(ShortFirstPagePaginator):
    """Counts at most `cap` + 1 rows: the count is exact up to `cap`, and `cap` + 1 means "more
    than `cap`". A full COUNT over a history-sized list (two million time entries at bench scale)
    costs more than the page itself. Pages that reach past the cap (rare) count everything, so
    that their `next` link ends where the list does (issue 16)."""

    cap = 10_000

    @cached_property
    def count(self) -> int:
        object_list: Any = self.object_list
        if not hasattr(object_list, "order_by"):
            return len(object_list)
        return int(object_list.order_by()[: self.cap + 1].count())

    @property
    def capped(self) -> bool:
        return self.count > self.cap

    def count_all(self) -> None:
        """Replace the capped count with the exact one."""
        object_list: Any = self.object_list
        self.__dict__["count"] = object_list.count() if hasattr(object_list, "order_by") else len(object_list)
        self.__dict__.pop("num_pages", None)
        self.cap = self.count

    def validate_number(self, number: Any) -> int:
        try:
            valid = super().validate_number(number)
        except EmptyPage:
            if not self.capped:
                raise
            self.count_all()
            return super().validate_number(number)
        if self.capped and valid * self.per_page > self.cap:
            self.count_all()
            valid = super().validate_number(number)
        return valid


class LargeListPagination(StandardPagination):
    """The standard envelope for history-sized lists (time entries, interactions, invoices,
    payments, tasks): `count` is exact up to 10,000 and 10,001 when there are more."""

    django_paginator_class = CappedCountPaginator

    def get_page_number(self, request: Any, paginator: Any) -> Any:
        page_number = super().get_page_number(request, paginator)
        if (request.query_params.get(self.page_query_param) in self.last_page_strings
                and isinstance(paginator, CappedCountPaginator) and paginator.capped):
            paginator.count_all()
            page_number = paginator.num_pages
        return page_number
