"""API tokens: issue, list and revoke your own; expiry; keys stored only as digests."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from tandem.org.models import ApiToken
from tandem.org.services import api_token_issue
from tandem.testing.fixtures import PASSWORD

ROLES = ["head", "finance", "admin", "group_head", "am1", "spec1"]


def token_client(key: str) -> APIClient:
    return APIClient(HTTP_AUTHORIZATION=f"Token {key}")


def test_sign_in_issues_a_named_token_stored_only_as_a_digest(org):
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": "am1", "password": PASSWORD, "name": "ноутбук"}, format="json"
    )

    assert response.status_code == 200
    key = response.json()["token"]
    token = ApiToken.objects.get(pk=response.json()["id"])
    assert token.user == org.am1.user
    assert token.name == "ноутбук"
    assert token.prefix == key[:8]
    assert key not in token.key_hash
    assert token_client(key).get("/api/v1/clients/").status_code == 200


def test_wrong_password_issues_nothing(org):
    response = APIClient().post("/api/v1/auth/token/", {"username": "am1", "password": "nope"}, format="json")

    assert response.status_code == 400
    assert ApiToken.objects.count() == 0


def test_several_tokens_per_user(org):
    first = APIClient().post("/api/v1/auth/token/", {"username": "am1", "password": PASSWORD}, format="json")
    second = APIClient().post("/api/v1/auth/token/", {"username": "am1", "password": PASSWORD}, format="json")

    assert first.json()["token"] != second.json()["token"]
    assert token_client(first.json()["token"]).get("/api/v1/clients/").status_code == 200
    assert ApiToken.objects.filter(user=org.am1.user).count() == 2


@pytest.mark.parametrize("role", ROLES)
def test_list_shows_only_your_own_tokens_without_keys(org, api_client_for, role):
    employee = org.by_role_name(role)
    mine, _key = api_token_issue(user=employee.user, name="мой")
    api_token_issue(user=org.am2.user, name="чужой")

    response = api_client_for(employee).get("/api/v1/auth/tokens/")

    assert response.status_code == 200
    assert [t["id"] for t in response.json()] == [mine.pk]
    assert set(response.json()[0]) == {"id", "name", "prefix", "created_at", "last_used_at", "expires_at"}


@pytest.mark.parametrize("role", ROLES)
def test_revoke_your_own_token(org, api_client_for, role):
    employee = org.by_role_name(role)
    token, key = api_token_issue(user=employee.user)

    response = api_client_for(employee).delete(f"/api/v1/auth/tokens/{token.pk}/")

    assert response.status_code == 204
    assert not ApiToken.objects.filter(pk=token.pk).exists()
    assert token_client(key).get("/api/v1/clients/").status_code == 401


@pytest.mark.parametrize("role", ROLES)
def test_revoking_someone_elses_token_is_404_and_changes_nothing(org, api_client_for, role):
    other = org.outsider if role != "am2" else org.am1
    token, key = api_token_issue(user=other.user)

    response = api_client_for(org.by_role_name(role)).delete(f"/api/v1/auth/tokens/{token.pk}/")

    assert response.status_code == 404
    assert ApiToken.objects.filter(pk=token.pk).exists()


def test_anonymous_cannot_list_or_revoke(org):
    token, _key = api_token_issue(user=org.am1.user)

    listed = APIClient().get("/api/v1/auth/tokens/")
    revoked = APIClient().delete(f"/api/v1/auth/tokens/{token.pk}/")

    assert listed.status_code == 401
    assert revoked.status_code == 401
    assert ApiToken.objects.filter(pk=token.pk).exists()


def test_an_expired_token_is_refused_with_401(org):
    _token, key = api_token_issue(user=org.am1.user, lifetime=timedelta(days=1))
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    response = token_client(key).get("/api/v1/clients/")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_unknown_token_is_401(org):
    response = token_client("not-a-token").get("/api/v1/clients/")

    assert response.status_code == 401


def test_lifetime_setting_sets_the_expiry(org, settings):
    settings.API_TOKEN_LIFETIME_DAYS = 30

    response = APIClient().post("/api/v1/auth/token/", {"username": "am1", "password": PASSWORD}, format="json")

    token = ApiToken.objects.get(pk=response.json()["id"])
    assert token.expires_at is not None
    assert timedelta(days=29) < token.expires_at - timezone.now() <= timedelta(days=30)


def test_use_records_last_used(org):
    token, key = api_token_issue(user=org.am1.user)

    token_client(key).get("/api/v1/clients/")

    token.refresh_from_db()
    assert token.last_used_at is not None
