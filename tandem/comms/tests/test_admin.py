"""The Django admin for communications keeps what the comms services keep: contacts'
last_interaction_at follows interactions edited or deleted there, a request's SLA clock and
response times are not written there, escalation records are not faked."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib import admin
from django.db.models import Max

from tandem.clients.models import Contact
from tandem.clients.tests.factories import ContactFactory
from tandem.comms.models import (
    ClientRequest,
    ContactSnooze,
    Escalation,
    Interaction,
    Priority,
    SlaPolicy,
    WorkSchedule,
)
from tandem.comms.services import (
    contact_snooze,
    interaction_create,
    request_create,
    request_escalate,
    sla_policy_set,
    work_schedule_update,
)
from tandem.testing.admin_forms import admin_url, change_form_data, login_superuser

pytestmark = pytest.mark.django_db

MSK = ZoneInfo("Europe/Moscow")
MODELS = [Interaction, ClientRequest, Escalation, SlaPolicy, WorkSchedule, ContactSnooze]
NO_ADD = [ClientRequest, Escalation]
RECEIVED = datetime(2025, 11, 5, 10, 0, tzinfo=MSK)


@pytest.fixture
def superuser_client(client, org):
    return login_superuser(client, org.head)


@pytest.fixture
def comms(org):
    """Two contacts of client_a with interactions, a critical request escalated to the group head."""
    org.ivan = ContactFactory.create(client=org.client_a, full_name="Иван")
    org.olga = ContactFactory.create(client=org.client_a, full_name="Ольга")
    org.early = interaction_create(actor=org.am1.user, client=org.client_a, contacts=[org.ivan, org.olga],
                                   data={"summary": "Созвон", "occurred_at": datetime(2026, 2, 2, 11, 0, tzinfo=MSK)})
    org.late = interaction_create(actor=org.am1.user, client=org.client_a, contacts=[org.ivan],
                                  data={"summary": "Отчёт", "occurred_at": datetime(2026, 2, 9, 11, 0, tzinfo=MSK)})
    org.request = request_create(actor=org.am1.user, client=org.client_a,
                                 data={"subject": "Сайт лежит", "priority": Priority.CRITICAL, "received_at": RECEIVED})
    request_escalate(actor=org.am1.user, request=org.request, level=1, reason="Клиент звонит директору")
    sla_policy_set(actor=org.head.user, priority=Priority.URGENT, tier="", data={
        "first_response_minutes": 60, "resolve_minutes": 480, "head_escalation_minutes": 120})
    work_schedule_update(actor=org.head.user, data={"time_zone": "Europe/Moscow"})
    contact_snooze(actor=org.am1.user, contact=org.olga)
    return org


def _stored_last(contact: Contact) -> datetime | None:
    contact.refresh_from_db()
    return contact.last_interaction_at


def _true_last(contact: Contact) -> datetime | None:
    return contact.interactions.aggregate(m=Max("occurred_at"))["m"]


def test_every_comms_model_is_registered():
    assert all(admin.site.is_registered(m) for m in MODELS)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_changelist_and_change_pages_open(superuser_client, comms, model):
    obj = model._default_manager.first()

    assert superuser_client.get(admin_url(model, "changelist")).status_code == 200
    assert superuser_client.get(admin_url(obj)).status_code == 200
    assert superuser_client.get(admin_url(model, "add")).status_code == (403 if model in NO_ADD else 200)


def test_moving_an_interaction_back_recomputes_last_interaction(superuser_client, comms):
    data = change_form_data(superuser_client, admin_url(comms.late))
    data.update(occurred_at_0="01.02.2026", occurred_at_1="09:00:00")

    response = superuser_client.post(admin_url(comms.late), data)

    assert response.status_code == 302
    assert _stored_last(comms.ivan) == datetime(2026, 2, 2, 11, 0, tzinfo=MSK) == _true_last(comms.ivan)


def test_changing_an_interactions_contacts_recomputes_both_sides(superuser_client, comms):
    data = change_form_data(superuser_client, admin_url(comms.late))
    data["contacts"] = str(comms.olga.pk)

    response = superuser_client.post(admin_url(comms.late), data)

    assert response.status_code == 302
    assert _stored_last(comms.ivan) == datetime(2026, 2, 2, 11, 0, tzinfo=MSK) == _true_last(comms.ivan)
    assert _stored_last(comms.olga) == datetime(2026, 2, 9, 11, 0, tzinfo=MSK) == _true_last(comms.olga)


def test_interaction_added_here_sets_last_interaction(superuser_client, comms):
    data = change_form_data(superuser_client, admin_url(Interaction, "add"))
    data.update(client=str(comms.client_a.pk), contacts=str(comms.olga.pk), kind="call", direction="outgoing",
                channel="phone", occurred_at_0="20.02.2026", occurred_at_1="12:00:00", summary="Звонок",
                created_by=str(comms.am1.user.pk))

    response = superuser_client.post(admin_url(Interaction, "add"), data)

    assert response.status_code == 302
    assert _stored_last(comms.olga) == datetime(2026, 2, 20, 12, 0, tzinfo=MSK)


def test_deleting_an_interaction_recomputes_last_interaction(superuser_client, comms):
    response = superuser_client.post(admin_url(comms.late, "delete"), {"post": "yes"})

    assert response.status_code == 302
    assert not Interaction.objects.filter(pk=comms.late.pk).exists()
    assert _stored_last(comms.ivan) == datetime(2026, 2, 2, 11, 0, tzinfo=MSK)


def test_deleting_interactions_from_the_list_recomputes_last_interaction(superuser_client, comms):
    response = superuser_client.post(admin_url(Interaction, "changelist"), {
        "action": "delete_selected", "_selected_action": [comms.early.pk, comms.late.pk], "post": "yes",
    })

    assert response.status_code == 302
    assert _stored_last(comms.ivan) is None and _stored_last(comms.olga) is None


def test_contact_of_another_client_is_refused_and_nothing_changes(superuser_client, comms):
    stranger = ContactFactory.create(client=comms.client_b)
    data = change_form_data(superuser_client, admin_url(comms.late))
    data["contacts"] = [str(comms.ivan.pk), str(stranger.pk)]

    response = superuser_client.post(admin_url(comms.late), data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["contacts"] == ["Контакт относится к другому клиенту."]
    assert list(comms.late.contacts.all()) == [comms.ivan]
    assert _stored_last(stranger) is None


def test_interaction_far_in_the_future_is_refused(superuser_client, comms):
    data = change_form_data(superuser_client, admin_url(comms.late))
    data.update(occurred_at_0="01.02.2030", occurred_at_1="09:00:00")

    response = superuser_client.post(admin_url(comms.late), data)

    assert response.context["adminform"].form.errors["occurred_at"] == ["Дата слишком далеко в будущем."]
    assert _stored_last(comms.ivan) == datetime(2026, 2, 9, 11, 0, tzinfo=MSK)


def test_interaction_versions_are_not_reverted_to(superuser_client, comms):
    first = comms.late.history.earliest()
    url = f"{admin_url(comms.late, 'history')}{first.history_id}/"
    data = change_form_data(superuser_client, url)

    assert superuser_client.post(url, data).status_code == 403


def test_request_clock_and_times_are_not_written(superuser_client, comms):
    before = ClientRequest.objects.values().get(pk=comms.request.pk)
    data = change_form_data(superuser_client, admin_url(comms.request))
    for name in ("priority", "received_at_0", "first_response_due_at_0", "resolve_due_at_0", "first_response_at_0",
                 "resolved_at_0", "client"):
        assert name not in data
    data.update(
        subject="Сайт лежит с утра", priority=Priority.NORMAL, client=str(comms.client_b.pk),
        received_at_0="01.01.2026", received_at_1="10:00:00",
        first_response_due_at_0="01.01.2030", first_response_due_at_1="10:00:00",
        resolve_due_at_0="01.01.2030", resolve_due_at_1="10:00:00",
        head_escalation_at_0="01.01.2030", head_escalation_at_1="10:00:00",
        first_response_at_0="05.11.2025", first_response_at_1="10:05:00",
        resolved_at_0="05.11.2025", resolved_at_1="10:10:00", round_the_clock="on",
    )

    response = superuser_client.post(admin_url(comms.request), data)

    assert response.status_code == 302
    after = ClientRequest.objects.values().get(pk=comms.request.pk)
    assert after["subject"] == "Сайт лежит с утра"
    assert {k: v for k, v in after.items() if k not in ("subject", "updated_at")} == {
        k: v for k, v in before.items() if k not in ("subject", "updated_at")
    }


def test_requests_are_not_created_here(superuser_client, comms):
    response = superuser_client.post(admin_url(ClientRequest, "add"), {
        "client": comms.client_a.pk, "subject": "x", "priority": "normal", "channel": "email",
        "received_at_0": "01.02.2026", "received_at_1": "10:00:00", "created_by": comms.head.user.pk,
    })

    assert response.status_code == 403
    assert ClientRequest.objects.count() == 1


def test_request_owner_is_checked_as_on_reassignment(superuser_client, comms):
    comms.am2.is_active = False
    comms.am2.save()
    data = change_form_data(superuser_client, admin_url(comms.request))
    data["owner"] = str(comms.am2.pk)

    response = superuser_client.post(admin_url(comms.request), data)

    assert response.context["adminform"].form.errors["owner"] == [
        "Ответственным может быть работающий сотрудник агентства."
    ]
    comms.request.refresh_from_db()
    assert comms.request.owner == comms.am1


def test_request_contact_of_another_client_is_refused(superuser_client, comms):
    data = change_form_data(superuser_client, admin_url(comms.request))
    data["contact"] = str(ContactFactory.create(client=comms.client_b).pk)

    response = superuser_client.post(admin_url(comms.request), data)

    assert response.context["adminform"].form.errors["contact"] == ["Контакт относится к другому клиенту."]
    comms.request.refresh_from_db()
    assert comms.request.contact is None


def test_escalations_are_not_added_or_changed(superuser_client, comms):
    escalation = Escalation.objects.get()
    before = Escalation.objects.values().get()

    add = superuser_client.post(admin_url(Escalation, "add"), {
        "request": comms.request.pk, "level": 2, "notified": comms.head.pk, "channels": "in_app", "reason": "x",
        "created_at_0": "05.11.2025", "created_at_1": "10:00:00",
    })
    change = superuser_client.post(admin_url(escalation), {"level": 2, "reason": "Подделка"})

    assert (add.status_code, change.status_code) == (403, 403)
    assert list(Escalation.objects.values()) == [before]


def test_future_shift_check_applies_only_to_far_dates(superuser_client, comms):
    # A date a few days ahead (a planned meeting) is allowed, as in the service.
    soon = (datetime.now(MSK) + timedelta(days=3)).strftime("%d.%m.%Y")
    data = change_form_data(superuser_client, admin_url(comms.late))
    data.update(occurred_at_0=soon, occurred_at_1="09:00:00")

    assert superuser_client.post(admin_url(comms.late), data).status_code == 302
    assert _stored_last(comms.ivan) == _true_last(comms.ivan)
