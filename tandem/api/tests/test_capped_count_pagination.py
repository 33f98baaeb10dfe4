"""Issue 16: large API lists count at most cap + 1 rows; the envelope and the page links stay right."""

from __future__ import annotations

import pytest
from django.core.paginator import EmptyPage
from django.test import RequestFactory
from rest_framework.request import Request

from tandem.api.pagination import CappedCountPaginator, LargeListPagination
from tandem.org.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def users() -> None:
    User.objects.bulk_create([User(username=f"u{i:03d}") for i in range(23)])


def _paginator(cap: int, per_page: int = 5) -> CappedCountPaginator:
    paginator = CappedCountPaginator(User.objects.order_by("username"), per_page)
    paginator.cap = cap
    return paginator


def test_count_is_exact_below_the_cap(users):
    paginator = _paginator(cap=100)
    assert paginator.count == 23 and not paginator.capped and paginator.num_pages == 5


def test_count_stops_after_the_cap_and_deep_pages_count_everything(users, django_assert_max_num_queries):
    paginator = _paginator(cap=10)
    with django_assert_max_num_queries(1):
        assert paginator.count == 11 and paginator.capped  # "more than 10"
    first = paginator.page(1)
    assert first.has_next() and [u.username for u in first] == [f"u{i:03d}" for i in range(5)]
    assert paginator.count == 11  # a page inside the cap keeps the capped count
    last = _paginator(cap=10).page(5)  # rows 20–22: past the cap, so the exact count decides the end
    assert last.paginator.count == 23 and not last.has_next() and [u.username for u in last] == ["u020", "u021", "u022"]
    third = _paginator(cap=10).page(3)  # rows 10–14 reach past the cap: exact count, next link right
    assert third.paginator.count == 23 and third.has_next()
    with pytest.raises(EmptyPage):
        _paginator(cap=10).page(6)


def test_envelope_last_page(users):
    class Small(LargeListPagination):
        page_size = 5

    pagination = Small()
    request = Request(RequestFactory().get("/api/v1/x/", {"page": "last"}))
    CappedCountPaginator.cap = 10
    try:
        page = pagination.paginate_queryset(User.objects.order_by("username"), request)
    finally:
        CappedCountPaginator.cap = 10_000
    response = pagination.get_paginated_response([u.username for u in page or []])
    assert response.data["count"] == 23 and response.data["next"] is None
    assert response.data["results"] == ["u020", "u021", "u022"]
