"""The API token cache (issue 16): the second request with a token reads no token, user or
employee from the database; every write to them is seen by the next request."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tandem.org.models import ApiToken
from tandem.org.roles import Role
from tandem.org.services import api_token_issue, api_token_revoke


@pytest.fixture
def cached(settings):
    settings.AUTH_CACHE_SECONDS = 300
    cache.clear()
    yield
    cache.clear()


def _auth_queries(ctx: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in ctx.captured_queries
            if '"org_apitoken"' in q["sql"].split(" WHERE ")[0] or 'FROM "org_employee"' in q["sql"]]


def _get(key: str, url: str):
    with CaptureQueriesContext(connection) as ctx:
        response = Client(HTTP_AUTHORIZATION=f"Token {key}").get(url)
    return response, ctx


def test_second_request_reads_the_token_from_the_cache(org, cached):
    _token, key = api_token_issue(user=org.am1.user)
    url = reverse("api:client-list")
    first, ctx1 = _get(key, url)
    second, ctx2 = _get(key, url)
    assert first.status_code == second.status_code == 200
    assert _auth_queries(ctx1)
    assert _auth_queries(ctx2) == []
    assert len(ctx2.captured_queries) < len(ctx1.captured_queries)


def test_revoking_a_token_is_seen_by_the_next_request(org, cached):
    token, key = api_token_issue(user=org.am1.user)
    url = reverse("api:client-list")
    assert _get(key, url)[0].status_code == 200
    api_token_revoke(actor=org.am1.user, token=token)
    assert _get(key, url)[0].status_code == 401


def test_deactivated_login_is_seen_by_the_next_request(org, cached):
    _token, key = api_token_issue(user=org.am1.user)
    url = reverse("api:client-list")
    assert _get(key, url)[0].status_code == 200
    user = org.am1.user
    user.is_active = False
    user.save()
    assert _get(key, url)[0].status_code == 401


def test_a_changed_role_is_seen_by_the_next_request(org, cached):
    _token, key = api_token_issue(user=org.am1.user)
    url = reverse("api:client-list")
    assert _get(key, url)[0].json()["count"] == 1  # an AM sees their own client
    org.am1.role = Role.HEAD_OF_ACCOUNTS
    org.am1.save()
    assert _get(key, url)[0].json()["count"] == 2  # the head sees the agency's


def test_a_changed_agency_is_seen_by_the_next_request(org, cached):
    _token, key = api_token_issue(user=org.am1.user)
    _get(key, reverse("api:client-list"))
    cached_token = cache.get(f"tandem:apitoken:{ApiToken.objects.get().key_hash}")
    assert cached_token is not None and cached_token.user.employee.agency.name == org.agency.name
    org.agency.name = "Renamed"
    org.agency.save()
    assert cache.get(f"tandem:apitoken:{ApiToken.objects.get().key_hash}") is None


def test_without_a_shared_cache_nothing_is_kept(org, settings):
    settings.AUTH_CACHE_SECONDS = 0
    cache.clear()
    _token, key = api_token_issue(user=org.am1.user)
    url = reverse("api:client-list")
    _get(key, url)
    _response, ctx = _get(key, url)
    assert _auth_queries(ctx)
    assert cache.get(f"tandem:apitoken:{ApiToken.objects.get().key_hash}") is None
