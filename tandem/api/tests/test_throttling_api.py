"""API rate limits: 429 with Retry-After past the per-user / per-IP rate."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from tandem.clients.models import Client
from tandem.testing.fixtures import PASSWORD

CLIENTS_URL = "/api/v1/clients/"


@pytest.fixture
def low_rates(settings):
    cache.clear()
    settings.API_THROTTLE_RATES = {"burst": "3/min", "sustained": "100/min", "anon": "2/min"}
    yield
    cache.clear()


@pytest.mark.parametrize("role", ["head", "finance", "am1", "spec1"])
def test_a_user_past_the_burst_rate_gets_429_with_retry_after(org, api_client_for, low_rates, role):
    api = api_client_for(org.by_role_name(role))
    for _ in range(3):
        assert api.get(CLIENTS_URL).status_code == 200

    response = api.get(CLIENTS_URL)

    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    assert "detail" in response.json()


def test_the_limit_is_per_user(org, api_client_for, low_rates):
    for _ in range(3):
        api_client_for(org.am1).get(CLIENTS_URL)

    response = api_client_for(org.am2).get(CLIENTS_URL)

    assert response.status_code == 200


def test_a_throttled_write_changes_nothing(org, api_client_for, low_rates):
    api = api_client_for(org.head)
    for _ in range(3):
        api.get(CLIENTS_URL)
    before = Client.objects.count()

    response = api.post(CLIENTS_URL, {"legal_name": "ООО Новый", "inn": "7707083893"}, format="json")

    assert response.status_code == 429
    assert Client.objects.count() == before


def test_anonymous_token_requests_are_limited_per_address(org, low_rates):
    anonymous = APIClient()
    for _ in range(2):
        anonymous.post("/api/v1/auth/token/", {"username": "am1", "password": "wrong"}, format="json")

    response = anonymous.post("/api/v1/auth/token/", {"username": "am1", "password": PASSWORD}, format="json")

    assert response.status_code == 429
    assert "token" not in response.json()


def test_rates_off_by_default_in_tests_do_not_throttle(org, api_client_for):
    api = api_client_for(org.am1)

    statuses = {api.get(CLIENTS_URL).status_code for _ in range(30)}

    assert statuses == {200}


def test_a_forged_forwarded_header_does_not_reset_the_anonymous_limit(org, low_rates):
    for i in range(2):
        APIClient(HTTP_X_FORWARDED_FOR=f"10.0.0.{i}").post(
            "/api/v1/auth/token/", {"username": "am1", "password": "wrong"}, format="json")

    response = APIClient(HTTP_X_FORWARDED_FOR="10.9.9.9").post(
        "/api/v1/auth/token/", {"username": "am1", "password": PASSWORD}, format="json")

    assert response.status_code == 429
