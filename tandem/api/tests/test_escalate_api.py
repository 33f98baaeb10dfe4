"""POST /api/v1/requests/<id>/escalate/: manual escalation, idempotent per level."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tandem.comms.models import Escalation, Priority
from tandem.comms.services import request_create
from tandem.notifications.models import Notification

ROLES = ["head", "finance", "admin", "group_head", "am1", "am2", "spec1", "spec2", "outsider"]
# client_a: am1's client in seo1 (group_head); spec1 on its team sees it but does not manage requests.
EXPECTED = {"head": 400,  # the only head of accounts: nobody else to tell
             "finance": 201, "admin": 201, "group_head": 201, "am1": 201,
            "am2": 404, "spec1": 403, "spec2": 404, "outsider": 404}


@pytest.fixture
def req(org):
    return request_create(actor=org.am1.user, client=org.client_a, data={
        "subject": "Сайт лежит", "priority": Priority.CRITICAL,
        "received_at": datetime(2025, 11, 5, 10, 0, tzinfo=ZoneInfo("Europe/Moscow")),
    })


@pytest.mark.parametrize("role", ROLES)
def test_escalate_permissions_and_nothing_recorded_when_denied(org, req, api_client_for, role):
    response = api_client_for(org.by_role_name(role)).post(f"/api/v1/requests/{req.pk}/escalate/", {"level": 2},
                                                           format="json")

    assert response.status_code == EXPECTED[role]
    if response.status_code == 201:
        body = response.json()
        assert body["created"] is True
        assert body["escalations"][0]["escalated_by"]["full_name"] == role
    else:
        assert not Escalation.objects.exists()
        assert not Notification.objects.exists()


def test_head_escalating_to_themselves_only_is_400_on_level(org, req, api_client_for):
    response = api_client_for(org.head).post(f"/api/v1/requests/{req.pk}/escalate/", {"level": 2}, format="json")

    assert response.status_code == 400
    assert response.json()["level"]
    assert not Escalation.objects.exists()


def test_second_call_is_200_with_the_same_records(org, req, api_client_for):
    api = api_client_for(org.am1)
    first = api.post(f"/api/v1/requests/{req.pk}/escalate/", {"level": 1, "reason": "Горит"}, format="json")

    second = api.post(f"/api/v1/requests/{req.pk}/escalate/", {"level": 1}, format="json")

    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json() == {"created": False, "escalations": first.json()["escalations"]}
    detail = api.get(f"/api/v1/requests/{req.pk}/").json()
    assert [(e["level"], e["notified"]["id"], e["escalated_by"]["id"]) for e in detail["escalations"]] == [
        (1, org.group_head.pk, org.am1.pk)
    ]


@pytest.mark.parametrize(("payload", "field"), [({}, "level"), ({"level": 5}, "level"), ({"level": "x"}, "level"),
                                                 ({"level": 1, "reason": "x" * 201}, "reason")])
def test_bad_input_is_400_with_field_messages(org, req, api_client_for, payload, field):
    response = api_client_for(org.am1).post(f"/api/v1/requests/{req.pk}/escalate/", payload, format="json")

    assert response.status_code == 400
    assert response.json()[field]
    assert not Escalation.objects.exists()
