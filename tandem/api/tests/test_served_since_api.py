"""«Served since» through the API: who may enter it, and what it changes."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from tandem.clients import services
from tandem.clients.models import AccountManagerChange

pytestmark = pytest.mark.django_db
MSK = ZoneInfo("Europe/Moscow")
ROLES = ["head", "finance", "admin", "group_head", "am1", "am2", "spec1", "spec2", "outsider"]
SETS = {"head", "finance", "admin", "group_head"}


@pytest.mark.parametrize("role", ROLES)
def test_patch_served_since_by_role(org, api_client_for, role):
    # given client_a's initial assignment recorded today (am1)
    client = services.client_create(
        actor=org.head.user, data={"legal_name": 'ООО "Гамма"', "status": "active", "group": org.seo1},
        account_manager=org.am1,
    ).client
    before = AccountManagerChange.objects.get(client=client).changed_at

    # when
    response = api_client_for(org.by_role_name(role)).patch(
        f"/api/v1/clients/{client.pk}/", {"served_since": "2025-10-01"}, format="json")

    # then
    client.refresh_from_db()
    first = AccountManagerChange.objects.get(client=client)
    if role in SETS:
        assert response.status_code == 200 and response.json()["served_since"] == "2025-10-01"
        assert client.served_since == date(2025, 10, 1)
        assert first.changed_at == datetime(2025, 10, 1, tzinfo=MSK)
    else:
        assert response.status_code == (400 if role == "am1" else 404)
        assert client.served_since is None and first.changed_at == before


def test_create_with_served_since(org, api_client_for):
    response = api_client_for(org.head).post("/api/v1/clients/", {
        "legal_name": 'ООО "Дельта"', "status": "active", "account_manager": org.am2.pk, "served_since": "2024-05-20",
    }, format="json")

    assert response.status_code == 201, response.json()
    change = AccountManagerChange.objects.get(client_id=response.json()["client"]["id"])
    assert change.changed_at == datetime(2024, 5, 20, tzinfo=MSK) and change.new_manager == org.am2
