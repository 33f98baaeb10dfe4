"""SLA settings API: heads of accounts and admins change, group heads and AMs read, others 404."""

from __future__ import annotations

from datetime import time

import pytest

from tandem.comms.models import SlaPolicy, WorkSchedule

ROLES = ["head", "admin", "group_head", "am1", "am2", "finance", "spec1", "spec2"]
EDITORS = {"head", "admin"}
READERS = {"group_head", "am1", "am2"}
TERMS = {"first_response_minutes": 30, "resolve_minutes": 240, "head_escalation_minutes": 60, "round_the_clock": True}
SCHEDULE = {"day_start": "09:00", "day_end": "18:00", "time_zone": "Asia/Yekaterinburg"}


def _expected_read(role: str) -> int:
    return 200 if role in EDITORS | READERS else 404


def _expected_write(role: str) -> int:
    return 200 if role in EDITORS else 403 if role in READERS else 404


@pytest.mark.parametrize("role", ROLES)
def test_get_settings_by_role(org, api_client_for, role):
    response = api_client_for(org.by_role_name(role)).get("/api/v1/comms/sla/")

    assert response.status_code == _expected_read(role)
    if response.status_code == 200:
        body = response.json()
        assert body["can_edit"] is (role in EDITORS)
        assert body["schedule"] == {"day_start": "10:00", "day_end": "19:00", "time_zone": "Europe/Moscow"}
        assert len(body["policies"]) == 12
        critical_key = next(p for p in body["policies"] if (p["priority"], p["tier"]) == ("critical", "key"))
        assert (critical_key["first_response_minutes"], critical_key["round_the_clock"]) == (60, True)
        assert critical_key["origin"] == "default"


@pytest.mark.parametrize("role", ROLES)
def test_put_policy_by_role_changes_nothing_when_denied(org, api_client_for, role):
    response = api_client_for(org.by_role_name(role)).put("/api/v1/comms/sla/policies/urgent/key/", TERMS,
                                                          format="json")

    assert response.status_code == _expected_write(role)
    if role in EDITORS:
        assert response.json() == {**TERMS, "priority": "urgent", "tier": "key", "origin": "own"}
        policy = SlaPolicy.objects.get(agency=org.agency, priority="urgent", tier="key")
        assert (policy.first_response_minutes, policy.round_the_clock) == (30, True)
    else:
        assert not SlaPolicy.objects.exists()


@pytest.mark.parametrize("role", ROLES)
def test_put_schedule_by_role_changes_nothing_when_denied(org, api_client_for, role):
    response = api_client_for(org.by_role_name(role)).put("/api/v1/comms/sla/schedule/", SCHEDULE, format="json")

    assert response.status_code == _expected_write(role)
    if role in EDITORS:
        assert response.json() == SCHEDULE
        schedule = WorkSchedule.objects.get(agency=org.agency)
        assert (schedule.day_start, schedule.time_zone) == (time(9, 0), "Asia/Yekaterinburg")
    else:
        assert not WorkSchedule.objects.exists()


def test_any_tier_cell_is_inherited_by_tiers_without_their_own(org, api_client_for):
    api = api_client_for(org.head)

    api.put("/api/v1/comms/sla/policies/normal/any/", {**TERMS, "round_the_clock": False}, format="json")
    current = api.get("/api/v1/comms/sla/policies/normal/current/").json()
    key = api.get("/api/v1/comms/sla/policies/normal/key/").json()

    urgent_key = api.get("/api/v1/comms/sla/policies/urgent/key/").json()

    assert (current["origin"], current["first_response_minutes"]) == ("any", 30)
    assert (key["origin"], key["first_response_minutes"]) == ("any", 30)  # the agency's terms beat built-ins
    assert (urgent_key["origin"], urgent_key["first_response_minutes"]) == ("default", 120)


@pytest.mark.parametrize(("payload", "fields"), [
    ({**TERMS, "resolve_minutes": 10}, {"resolve_minutes"}),
    ({**TERMS, "first_response_minutes": 0}, {"first_response_minutes"}),
    ({"first_response_minutes": "soon"}, {"first_response_minutes", "resolve_minutes", "head_escalation_minutes",
                                         "round_the_clock"}),
])
def test_bad_policy_is_400_with_field_messages(org, api_client_for, payload, fields):
    response = api_client_for(org.head).put("/api/v1/comms/sla/policies/critical/any/", payload, format="json")

    assert response.status_code == 400
    assert set(response.json()) == fields
    assert not SlaPolicy.objects.exists()


@pytest.mark.parametrize(("payload", "field"), [
    ({**SCHEDULE, "day_end": "08:00"}, "day_end"),
    ({**SCHEDULE, "time_zone": "Mars/Olympus"}, "time_zone"),
    ({**SCHEDULE, "day_start": "9 утра"}, "day_start"),
])
def test_bad_schedule_is_400_with_field_messages(org, api_client_for, payload, field):
    response = api_client_for(org.admin).put("/api/v1/comms/sla/schedule/", payload, format="json")

    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert not WorkSchedule.objects.exists()


@pytest.mark.parametrize("url", ["/api/v1/comms/sla/policies/blocker/key/", "/api/v1/comms/sla/policies/normal/vip/"])
def test_unknown_cell_is_404(org, api_client_for, url):
    assert api_client_for(org.head).put(url, TERMS, format="json").status_code == 404
    assert not SlaPolicy.objects.exists()


def test_another_agencys_head_changes_only_their_own_agency(org, api_client_for):
    response = api_client_for(org.outsider).put("/api/v1/comms/sla/policies/urgent/key/", TERMS, format="json")

    assert response.status_code == 200
    assert not SlaPolicy.objects.filter(agency=org.agency).exists()
    assert SlaPolicy.objects.filter(agency=org.outsider.agency).count() == 1
