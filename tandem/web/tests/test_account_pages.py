"""«Безопасность»: your own API tokens with revoke; the self-service password change."""

from __future__ import annotations

import pytest
from django.test import Client as WebClient
from rest_framework.test import APIClient

from tandem.org.models import ApiToken
from tandem.org.services import api_token_issue
from tandem.testing.fixtures import PASSWORD

ROLES = ["head", "finance", "admin", "group_head", "am1", "spec1"]
NEW_PASSWORD = "Korova-Zelenaya-2026"


@pytest.mark.parametrize("role", ROLES)
def test_security_page_lists_only_your_own_tokens(org, web_client_for, role, django_assert_max_num_queries):
    employee = org.by_role_name(role)
    api_token_issue(user=employee.user, name="мой-скрипт")
    api_token_issue(user=org.outsider.user, name="чужой-скрипт")
    for i in range(5):
        api_token_issue(user=employee.user, name=f"ещё-{i}")
    web = web_client_for(employee)

    with django_assert_max_num_queries(12):
        response = web.get("/account/security/")

    body = response.content.decode()
    assert response.status_code == 200
    assert "мой-скрипт" in body
    assert "чужой-скрипт" not in body
    assert 'href="/account/password/"' in body


def test_header_name_links_to_the_security_page(org, web_client_for):
    body = web_client_for(org.am1).get("/my-day/").content.decode()

    assert 'class="who" href="/account/security/"' in body


@pytest.mark.parametrize("role", ROLES)
def test_revoke_your_own_token(org, web_client_for, role):
    employee = org.by_role_name(role)
    token, key = api_token_issue(user=employee.user)

    response = web_client_for(employee).post(f"/account/tokens/{token.pk}/revoke/")

    assert response.status_code == 302
    assert not ApiToken.objects.filter(pk=token.pk).exists()
    assert APIClient(HTTP_AUTHORIZATION=f"Token {key}").get("/api/v1/clients/").status_code == 401


@pytest.mark.parametrize("role", ROLES)
def test_revoking_someone_elses_token_is_404_and_changes_nothing(org, web_client_for, role):
    token, _key = api_token_issue(user=org.outsider.user)

    response = web_client_for(org.by_role_name(role)).post(f"/account/tokens/{token.pk}/revoke/")

    assert response.status_code == 404
    assert ApiToken.objects.filter(pk=token.pk).exists()


def test_anonymous_is_sent_to_login(org, client):
    token, _key = api_token_issue(user=org.am1.user)

    page = client.get("/account/security/")
    revoke = client.post(f"/account/tokens/{token.pk}/revoke/")

    assert page.status_code == 302 and "/login/" in page["Location"]
    assert revoke.status_code == 302
    assert ApiToken.objects.filter(pk=token.pk).exists()


def test_password_change_revokes_tokens_and_ends_other_sessions(org, web_client_for):
    # given am1 signed in twice (this browser and another) with an API token
    user = org.am1.user
    _token, key = api_token_issue(user=user)
    other = WebClient()
    other.force_login(user)
    web = web_client_for(org.am1)

    # when they change the password here
    response = web.post("/account/password/", {
        "old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD,
    })

    # then this session stays, the other one ends, tokens are gone and the new password works
    assert response.status_code == 302
    assert web.get("/account/security/").status_code == 200
    assert other.get("/account/security/").status_code == 302
    assert not ApiToken.objects.filter(user=user).exists()
    assert APIClient(HTTP_AUTHORIZATION=f"Token {key}").get("/api/v1/clients/").status_code == 401
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_password_change_applies_the_validators_and_changes_nothing_when_refused(org, web_client_for):
    token, _key = api_token_issue(user=org.am1.user)
    web = web_client_for(org.am1)

    response = web.post("/account/password/", {
        "old_password": PASSWORD, "new_password1": "12345", "new_password2": "12345",
    })

    assert response.status_code == 200
    assert 'class="error"' in response.content.decode()
    org.am1.user.refresh_from_db()
    assert org.am1.user.check_password(PASSWORD)
    assert ApiToken.objects.filter(pk=token.pk).exists()


def test_password_change_needs_the_old_password(org, web_client_for):
    web = web_client_for(org.am1)

    response = web.post("/account/password/", {
        "old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD,
    })

    assert response.status_code == 200
    org.am1.user.refresh_from_db()
    assert org.am1.user.check_password(PASSWORD)
