"""Small building blocks shared by the v1 endpoint modules.

- `StrictInputSerializer`: input serializers refuse keys they do not declare, so that a typo or an
  attempt to write a read-only attribute (`status`, `account_manager` in a PATCH) is a 400 with
  the field named instead of being silently dropped.
- `ScopedPrimaryKeyField`: a reference in a request body resolved only among the objects the actor
  may see (the scope is a domain `*_visible_to(actor)` function); anything else is a 400 on that field.
- `require`: turns a domain predicate into the same 403 the service would raise, so that a
  forbidden action is refused before its input is validated.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from django.db.models import Model, QuerySet
from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.exceptions import NotFound as DrfNotFound
from rest_framework.filters import OrderingFilter
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param
from rest_framework.views import APIView

from tandem.api.pagination import StandardPagination
from tandem.core.errors import PermissionDenied
from tandem.org.models import User


def require(allowed: bool) -> None:
    """Raise the domain PermissionDenied (403) unless `allowed`."""
    if not allowed:
        raise PermissionDenied()


def actor_of(request: Request) -> User:
    """The authenticated user behind a request (IsAgencyEmployee has already checked it)."""
    return request.user  # type: ignore[return-value]


class StrictInputSerializer(serializers.Serializer):
    """A plain input serializer that answers unknown keys with {"key": ["Неизвестное поле."]}."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            writable = {name for name, f in self.fields.items() if not f.read_only}
            unknown = sorted(set(data) - writable)
            if unknown:
                raise serializers.ValidationError({name: [_("Неизвестное поле.")] for name in unknown})
        return super().to_internal_value(data)


class ScopedPrimaryKeyField(serializers.PrimaryKeyRelatedField):
    """A primary key looked up only in `scope(actor)`; invisible and missing objects look alike.

    `model` gives the schema its type; `scope` is a domain function such as
    `clients_visible_to` or `employees_visible_to`.
    """

    def __init__(self, *, model: type[Model], scope: Callable[[User], QuerySet[Any]], **kwargs: Any) -> None:
        self.scope = scope
        self.model = model
        kwargs["queryset"] = model._default_manager.none()
        super().__init__(**kwargs)

    def get_queryset(self) -> QuerySet[Any]:
        request = self.context.get("request")
        if request is None:
            return self.model._default_manager.none()
        return self.scope(request.user)


class StableOrderingFilter(OrderingFilter):
    """`?ordering=` with the primary key as the last key, so pages never overlap or skip rows."""

    def get_ordering(self, request: Request, queryset: QuerySet[Any], view: APIView) -> Sequence[str] | None:
        ordering = super().get_ordering(request, queryset, view)
        if not ordering:
            return ordering
        return [*ordering, "pk"]


SEARCH_MAX_LENGTH = 200


# Query parameters: absent (or empty) means the documented default; anything present but not
# readable is a 400 naming the parameter — never silently the default or the whole table.


def _query_error(name: str, message: str) -> serializers.ValidationError:
    return serializers.ValidationError({name: [message]})


def query_int(request: Request, name: str) -> int | None:
    """`?name=` as a positive integer id; absent or empty → None."""
    raw = request.query_params.get(name, "").strip()
    if not raw:
        return None
    if not raw.isdigit() or not 0 < int(raw) < 2**63:
        raise _query_error(name, _("Ожидается положительное целое число."))
    return int(raw)


def query_date(request: Request, name: str, default: date | None = None) -> date | None:
    """`?name=YYYY-MM-DD`; absent or empty → `default`."""
    raw = request.query_params.get(name, "").strip()
    if not raw:
        return default
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise _query_error(name, _("Неверная дата: нужно ГГГГ-ММ-ДД.")) from None


def query_month(request: Request, name: str, default: date | None = None) -> date | None:
    """`?name=YYYY-MM` (or any date of the month) → the first of that month; absent → `default`."""
    raw = request.query_params.get(name, "").strip()
    if not raw:
        return default
    try:
        return date.fromisoformat(f"{raw}-01" if len(raw) == 7 else raw).replace(day=1)
    except ValueError:
        raise _query_error(name, _("Неверный месяц: нужно ГГГГ-ММ.")) from None


def query_choice(request: Request, name: str, choices: Iterable[str], default: str = "") -> str:
    """`?name=` one of `choices`; absent or empty → `default`."""
    allowed = list(choices)
    raw = request.query_params.get(name, "").strip()
    if not raw:
        return default
    if raw not in allowed:
        raise _query_error(name, _("Допустимые значения: %(values)s.") % {"values": ", ".join(allowed)})
    return raw


def search_param(request: Request, name: str = "search", max_length: int = SEARCH_MAX_LENGTH) -> str:
    """The free-text `?search=` of a list, validated like the clients' and contacts' query serializers:
    a NUL character (PostgreSQL cannot hold one in a query) or an over-long value is a 400 on `name`."""
    field = serializers.CharField(required=False, allow_blank=True, max_length=max_length)
    try:
        value = field.run_validation(request.query_params.get(name, ""))
    except serializers.ValidationError as exc:
        raise serializers.ValidationError({name: exc.detail}) from exc
    return str(value).strip()


def validated_input(
    serializer_class: type[serializers.Serializer], request: Request, partial: bool = False
) -> dict[str, Any]:
    """Validate the request body with an input serializer; DRF answers 400 with field messages."""
    serializer = serializer_class(data=request.data, context={"request": request}, partial=partial)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def paginated_response(
    view: APIView, request: Request, qs: Any, serializer_class: type[serializers.BaseSerializer],
    prepare: Callable[[list[Any]], None] | None = None,
) -> Response:
    """One page of `qs` rendered with `serializer_class`, in the API's standard envelope (the view's
    `pagination_class` when it is a kind of the standard one, e.g. the capped count of large lists).
    `prepare` runs on the page's rows before they are serialized (e.g. fastread.prefetch_lists)."""
    cls = getattr(view, "pagination_class", None)
    paginator = cls() if isinstance(cls, type) and issubclass(cls, StandardPagination) else StandardPagination()
    page: list[Any] | None = paginator.paginate_queryset(qs, request, view=view)
    if prepare is not None and page:
        prepare(page)
    return paginator.get_paginated_response(serializer_class(page, many=True).data)


def page_of(request: Request) -> tuple[int, int]:
    """(page size, page number) from `page_size` / `page` as the standard pagination reads them;
    a page number that is not a positive integer is a 404, as for the other lists."""
    size = StandardPagination().get_page_size(request) or StandardPagination.page_size
    raw = request.query_params.get("page", "1")
    if not raw.isdigit() or int(raw) < 1:
        raise DrfNotFound("Invalid page.")
    return size, int(raw)


def paged_envelope(request: Request, total: int, size: int, number: int, results: list[Any]) -> Response:
    """The standard envelope ({count, next, previous, results}) for a page computed by a selector
    that counts and slices itself; a page past the end is a 404 like DRF's."""
    if number > 1 and (number - 1) * size >= total:
        raise DrfNotFound("Invalid page.")
    url = request.build_absolute_uri()
    return Response({
        "count": total,
        "next": replace_query_param(url, "page", number + 1) if number * size < total else None,
        "previous": (None if number == 1 else remove_query_param(url, "page") if number == 2
                     else replace_query_param(url, "page", number - 1)),
        "results": results,
    })


def optional_text(max_length: int | None = None) -> serializers.CharField:
    return serializers.CharField(max_length=max_length, required=False, allow_blank=True)
