"""Hiring through the API: the initial password goes through Django's validators; an AM who
still carries served clients cannot be deactivated."""

from __future__ import annotations

import pytest

from tandem.org.models import User

MANAGERS = ["head", "admin"]


def _payload(**extra):
    return {"username": "newbie", "email": "newbie@example.com", "full_name": "Новиков Павел",
            "role": "account_manager", **extra}


@pytest.mark.parametrize("password", ["123", "qwerty123", "newbie2024"])
def test_weak_password_is_400_on_password(org, api_client_for, password):
    response = api_client_for(org.head).post("/api/v1/employees/", _payload(password=password), format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["password"]
    assert response.json()["password"]
    assert not User.objects.filter(username="newbie").exists()


@pytest.mark.parametrize("role", MANAGERS)
def test_strong_password_hires(org, api_client_for, role):
    response = api_client_for(org.by_role_name(role)).post(
        "/api/v1/employees/", _payload(password="Tandem-Strong-91"), format="json"
    )

    assert response.status_code == 201
    assert User.objects.get(username="newbie").check_password("Tandem-Strong-91")


def test_deactivating_am_with_served_clients_is_400_with_count(org, api_client_for):
    response = api_client_for(org.head).patch(f"/api/v1/employees/{org.am2.pk}/", {"is_active": False},
                                              format="json")

    assert response.status_code == 400
    assert "1" in response.json()["is_active"][0]
    org.am2.refresh_from_db()
    assert org.am2.is_active is True
