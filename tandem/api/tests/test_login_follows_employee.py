"""A deactivated employee cannot sign in at all; reactivation restores the login."""

from __future__ import annotations

from django.test import Client as WebClient
from rest_framework.test import APIClient

from tandem.org.models import ApiToken
from tandem.org.services import api_token_issue, employee_deactivate, employee_update
from tandem.testing.fixtures import PASSWORD


def test_deactivation_switches_the_login_off_and_revokes_tokens(org, client):
    # given finance signed in on the web and holding an API token
    _token, key = api_token_issue(user=org.finance.user)
    client.force_login(org.finance.user)

    # when the head deactivates them
    employee_deactivate(actor=org.head.user, employee=org.finance)

    # then the login is off, the token gone and every way in refused
    org.finance.user.refresh_from_db()
    assert org.finance.user.is_active is False
    assert not ApiToken.objects.filter(user=org.finance.user).exists()
    assert client.get("/my-day/").status_code == 302  # the old session no longer signs them in
    fresh = WebClient()
    web = fresh.post("/login/", {"username": "finance", "password": PASSWORD})
    assert web.status_code == 200
    assert "_auth_user_id" not in fresh.session
    api = APIClient().post("/api/v1/auth/token/", {"username": "finance", "password": PASSWORD}, format="json")
    assert api.status_code == 400
    assert "token" not in api.json()
    assert APIClient(HTTP_AUTHORIZATION=f"Token {key}").get("/api/v1/clients/").status_code == 401


def test_reactivation_restores_the_login(org, client):
    employee_deactivate(actor=org.head.user, employee=org.finance)

    employee_update(actor=org.head.user, employee=org.finance, data={"is_active": True})

    org.finance.user.refresh_from_db()
    assert org.finance.user.is_active is True
    assert client.post("/login/", {"username": "finance", "password": PASSWORD}).status_code == 302


def test_a_refused_deactivation_leaves_the_login_and_tokens(org):
    token, _key = api_token_issue(user=org.am1.user)  # am1 serves client_a: deactivation is refused

    try:
        employee_deactivate(actor=org.head.user, employee=org.am1)
    except Exception:  # noqa: BLE001 - the refusal itself is tested in test_services
        pass

    org.am1.user.refresh_from_db()
    assert org.am1.user.is_active is True
    assert ApiToken.objects.filter(pk=token.pk).exists()
