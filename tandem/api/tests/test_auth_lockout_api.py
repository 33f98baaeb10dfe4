"""Sign-in lockout (django-axes) on the API token endpoint."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from rest_framework.test import APIClient

from tandem.testing.fixtures import PASSWORD

TOKEN_URL = "/api/v1/auth/token/"


@pytest.fixture
def axes_on(settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3


def _try(username: str, password: str):
    return APIClient().post(TOKEN_URL, {"username": username, "password": password}, format="json")


def test_wrong_passwords_lock_the_username_out_with_429(org, axes_on):
    # given two wrong passwords (limit 3)
    for _ in range(2):
        assert _try("am1", "wrong").status_code == 400

    # when the third is wrong too, and then even the right password is tried
    third = _try("am1", "wrong")
    right = _try("am1", PASSWORD)

    # then both answer 429 JSON naming the lockout, with Retry-After, and no token is issued
    assert third.status_code == 429
    assert right.status_code == 429
    assert right.json()["code"] == "locked_out"
    assert "администратора" in right.json()["detail"]
    assert int(right["Retry-After"]) == 15 * 60
    assert "token" not in right.json()


def test_lockout_is_per_username(org, axes_on):
    for _ in range(3):
        _try("am1", "wrong")

    response = _try("am2", PASSWORD)

    assert response.status_code == 200
    assert response.json()["token"]


def test_admin_unlock_by_deleting_the_attempts(org, axes_on):
    for _ in range(3):
        _try("am1", "wrong")
    assert _try("am1", PASSWORD).status_code == 429

    AccessAttempt.objects.filter(username="am1").delete()  # what Admin → Access attempts → delete does

    assert _try("am1", PASSWORD).status_code == 200


def test_success_clears_the_failure_count(org, axes_on):
    for _ in range(2):
        _try("am1", "wrong")
    assert _try("am1", PASSWORD).status_code == 200

    for _ in range(2):
        _try("am1", "wrong")

    assert _try("am1", PASSWORD).status_code == 200


def test_a_client_cannot_dodge_the_lockout_with_its_own_forwarded_header(org, axes_on):
    for i in range(3):
        APIClient(HTTP_X_FORWARDED_FOR=f"10.0.0.{i}").post(
            TOKEN_URL, {"username": "am1", "password": "wrong"}, format="json")

    response = APIClient(HTTP_X_FORWARDED_FOR="10.9.9.9").post(
        TOKEN_URL, {"username": "am1", "password": PASSWORD}, format="json")

    assert response.status_code == 429


def test_behind_trusted_proxies_the_forwarded_address_counts(org, axes_on, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    for _ in range(3):
        APIClient(HTTP_X_FORWARDED_FOR="203.0.113.5").post(
            TOKEN_URL, {"username": "am1", "password": "wrong"}, format="json")

    other_address = APIClient(HTTP_X_FORWARDED_FOR="198.51.100.7").post(
        TOKEN_URL, {"username": "am1", "password": PASSWORD}, format="json")
    same_address = APIClient(HTTP_X_FORWARDED_FOR="203.0.113.5").post(
        TOKEN_URL, {"username": "am1", "password": PASSWORD}, format="json")

    assert other_address.status_code == 200
    assert same_address.status_code == 429
