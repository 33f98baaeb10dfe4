"""API tokens are issued only after the second factor when the user has one."""

from __future__ import annotations

import pyotp
import pytest
from rest_framework.test import APIClient

from tandem.org import services
from tandem.org.models import ApiToken, TotpDevice
from tandem.org.roles import Role
from tandem.testing.fixtures import PASSWORD


@pytest.fixture
def head_with_2fa(org):
    device = services.totp_setup_start(user=org.head.user)
    services.totp_enable(user=org.head.user, code=pyotp.TOTP(services.totp_secret(device)).now())
    TotpDevice.objects.filter(pk=device.pk).update(last_step=0)
    return pyotp.TOTP(services.totp_secret(device))


def test_no_token_without_the_code(org, head_with_2fa):
    response = APIClient().post("/api/v1/auth/token/", {"username": "head", "password": PASSWORD}, format="json")

    assert response.status_code == 400
    assert "otp" in response.json()
    assert not ApiToken.objects.exists()


def test_token_with_the_code(org, head_with_2fa):
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": "head", "password": PASSWORD, "otp": head_with_2fa.now()}, format="json"
    )

    assert response.status_code == 200
    assert ApiToken.objects.filter(user=org.head.user).count() == 1


def test_wrong_codes_lock_with_retry_after(org, head_with_2fa):
    api = APIClient()
    for _ in range(services.TOTP_FAILURE_LIMIT):
        wrong = api.post("/api/v1/auth/token/", {"username": "head", "password": PASSWORD, "otp": "000000"}, format="json")
        assert wrong.status_code == 400

    response = api.post(
        "/api/v1/auth/token/", {"username": "head", "password": PASSWORD, "otp": head_with_2fa.now()}, format="json"
    )

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert not ApiToken.objects.exists()


def test_required_role_without_2fa_gets_no_token(org):
    org.agency.two_factor_roles = [Role.FINANCE]
    org.agency.save()

    response = APIClient().post("/api/v1/auth/token/", {"username": "finance", "password": PASSWORD}, format="json")

    assert response.status_code == 400
    assert "otp" in response.json()
    assert not ApiToken.objects.exists()


def test_agency_api_sets_the_required_roles(org, api_client_for):
    response = api_client_for(org.head).patch("/api/v1/agency/", {"two_factor_roles": ["admin"]}, format="json")

    assert response.status_code == 200
    assert response.json()["two_factor_roles"] == ["admin"]


def test_agency_api_refuses_unknown_roles(org, api_client_for):
    response = api_client_for(org.head).patch("/api/v1/agency/", {"two_factor_roles": ["boss"]}, format="json")

    assert response.status_code == 400
    assert "two_factor_roles" in response.json()
