"""SLA settings page (grid priority × tier, working schedule) and the "escalate now" button."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from tandem.comms.models import Escalation, Priority, SlaPolicy, WorkSchedule
from tandem.comms.services import request_create
from tandem.notifications.models import Notification

ROLES = ["head", "admin", "group_head", "am1", "am2", "finance", "spec1", "spec2"]
EDITORS = {"head", "admin"}
READERS = {"group_head", "am1", "am2"}
CELL = {"urgent-key-first_response_minutes": "30", "urgent-key-resolve_minutes": "240",
        "urgent-key-head_escalation_minutes": "60", "urgent-key-round_the_clock": "on"}
SCHEDULE = {"day_start": "09:00", "day_end": "18:00", "time_zone": "Asia/Yekaterinburg"}


@pytest.mark.parametrize("role", ROLES)
def test_settings_page_by_role(org, web_client_for, role):
    response = web_client_for(org.by_role_name(role)).get(reverse("web:sla_settings"))

    assert response.status_code == (200 if role in EDITORS | READERS else 404)
    if response.status_code == 200:
        page = response.content.decode()
        assert (reverse("web:sla_cell_save", args=["urgent", "key"]) in page) is (role in EDITORS)
        assert len(response.context["rows"]) == 3 and len(response.context["rows"][0]["cells"]) == 4


@pytest.mark.parametrize("role", ROLES)
def test_saving_a_cell_and_the_schedule_by_role_changes_nothing_when_denied(org, web_client_for, role):
    web = web_client_for(org.by_role_name(role))

    cell = web.post(reverse("web:sla_cell_save", args=["urgent", "key"]), CELL)
    schedule = web.post(reverse("web:sla_schedule_save"), SCHEDULE)

    if role in EDITORS:
        assert (cell.status_code, schedule.status_code) == (302, 302)
        policy = SlaPolicy.objects.get(agency=org.agency, priority="urgent", tier="key")
        assert (policy.first_response_minutes, policy.resolve_minutes, policy.round_the_clock) == (30, 240, True)
        assert WorkSchedule.objects.get(agency=org.agency).day_start == time(9, 0)
    else:
        expected = 403 if role in READERS else 404
        assert (cell.status_code, schedule.status_code) == (expected, expected)
        assert not SlaPolicy.objects.exists()
        assert not WorkSchedule.objects.exists()


def test_htmx_cell_save_returns_the_cell_with_errors_in_place(org, web_client_for):
    data = {**CELL, "urgent-key-resolve_minutes": "10"}

    response = web_client_for(org.head).post(reverse("web:sla_cell_save", args=["urgent", "key"]), data,
                                             HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith("<td") and 'id="sla-urgent-key"' in body
    assert response.context["form"].errors["resolve_minutes"]
    assert "has-error" in body
    assert not SlaPolicy.objects.exists()


def test_htmx_cell_save_success_returns_saved_cell(org, web_client_for):
    response = web_client_for(org.head).post(reverse("web:sla_cell_save", args=["normal", "any"]),
                                             {"normal-any-first_response_minutes": "120",
                                              "normal-any-resolve_minutes": "600",
                                              "normal-any-head_escalation_minutes": "120"},
                                             HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert response.context["saved"] is True and response.context["cell"].source == "own"
    assert SlaPolicy.objects.get(agency=org.agency, priority="normal", tier="").round_the_clock is False


def test_without_htmx_a_bad_cell_shows_the_page_with_the_error_in_that_cell(org, web_client_for):
    data = {**CELL, "urgent-key-first_response_minutes": "0"}

    response = web_client_for(org.admin).post(reverse("web:sla_cell_save", args=["urgent", "key"]), data)

    assert response.status_code == 200
    urgent = next(r for r in response.context["rows"] if r["priority"] == "urgent")
    assert urgent["cells"][0]["form"].errors["first_response_minutes"]
    assert not any(c["form"].errors for r in response.context["rows"] for c in r["cells"] if c is not urgent["cells"][0])


@pytest.mark.parametrize(("data", "field"), [({**SCHEDULE, "day_end": "08:00"}, "day_end"),
                                             ({**SCHEDULE, "time_zone": "Mars/Olympus"}, "time_zone")])
def test_schedule_errors_are_shown_next_to_the_field(org, web_client_for, data, field):
    response = web_client_for(org.head).post(reverse("web:sla_schedule_save"), data)

    assert response.status_code == 200
    assert response.context["schedule_form"].errors[field]
    assert not WorkSchedule.objects.exists()


def test_unknown_cell_is_404(org, web_client_for):
    response = web_client_for(org.head).post(reverse("web:sla_cell_save", args=["blocker", "key"]), CELL)

    assert response.status_code == 404


# --- escalate now -------------------------------------------------------------------------------


@pytest.fixture
def req(org):
    return request_create(actor=org.am1.user, client=org.client_a, data={
        "subject": "Сайт лежит", "priority": Priority.CRITICAL,
        "received_at": datetime(2025, 11, 5, 10, 0, tzinfo=ZoneInfo("Europe/Moscow")),
    })


def test_request_page_shows_escalate_buttons_until_escalated(org, req, web_client_for):
    web = web_client_for(org.am1)
    url = reverse("web:request_escalate", args=[req.pk])
    before = web.get(reverse("web:request_detail", args=[req.pk])).content.decode()

    response = web.post(url, {"level": "1"}, follow=True)

    assert before.count(url) == 2
    assert response.content.decode().count(url) == 1  # only level 2 is left
    assert "group_head" in response.content.decode()
    [e] = Escalation.objects.filter(request=req)
    assert (e.level, e.notified, e.escalated_by) == (1, org.group_head, org.am1)


def test_pressing_twice_sends_once(org, req, web_client_for):
    web = web_client_for(org.am1)

    web.post(reverse("web:request_escalate", args=[req.pk]), {"level": "1"})
    web.post(reverse("web:request_escalate", args=[req.pk]), {"level": "1"})

    assert Escalation.objects.filter(request=req).count() == 1
    assert Notification.objects.filter(kind="comms.escalation").count() == 1


@pytest.mark.parametrize(("role", "expected"), [("spec1", 403), ("am2", 404), ("spec2", 404)])
def test_escalate_denied_records_nothing(org, req, web_client_for, role, expected):
    response = web_client_for(org.by_role_name(role)).post(reverse("web:request_escalate", args=[req.pk]),
                                                           {"level": "1"})

    assert response.status_code == expected
    assert not Escalation.objects.exists()


def test_bad_level_is_shown_as_a_message(org, req, web_client_for):
    response = web_client_for(org.am1).post(reverse("web:request_escalate", args=[req.pk]), {"level": "9"},
                                            follow=True)

    assert "Неизвестный уровень эскалации." in response.content.decode()
    assert not Escalation.objects.exists()


@pytest.mark.parametrize("role", ROLES)
def test_request_list_links_to_settings_only_for_those_who_may_see_them(org, web_client_for, role):
    page = web_client_for(org.by_role_name(role)).get(reverse("web:request_list")).content.decode()

    assert (reverse("web:sla_settings") in page) is (role in EDITORS | READERS)
