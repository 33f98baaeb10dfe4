"""Comms API: shapes, 400s with field messages, and role-parametrized permissions."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tandem.clients.tests.factories import ContactFactory
from tandem.comms.models import ClientRequest, Interaction
from tandem.comms.services import interaction_create, request_create
from tandem.notifications.models import Notification
from tandem.notifications.services import notify

pytestmark = pytest.mark.django_db
BASE = "/api/v1"
DATA = Path(__file__).resolve().parents[2] / "comms" / "tests" / "data"

ROLES_SEEING_A = ["am1", "group_head", "head", "finance", "admin", "spec1"]
ROLES_NOT_SEEING_A = ["am2", "spec2", "outsider"]


def test_create_interaction(org, api_client_for):
    contact = ContactFactory(client=org.client_a)
    resp = api_client_for(org.am1).post(f"{BASE}/interactions/", {
        "client": org.client_a.pk, "kind": "call", "summary": "Созвонились", "contacts": [contact.pk],
        "next_step": "Прислать отчёт", "next_step_due": "2026-12-01",
    }, format="json")
    assert resp.status_code == 201, resp.json()
    body = resp.json()
    assert body["client"]["name"] == "Альфа" and body["contacts"][0]["id"] == contact.pk
    assert body["employees"][0]["full_name"] == "am1"


@pytest.mark.parametrize(("payload", "field"), [
    ({"kind": "call"}, "summary"),
    ({"summary": "x", "kind": "fax"}, "kind"),
    ({"summary": "x", "next_step_due": "2026-12-01"}, "next_step"),
    ({"summary": "x", "occurred_at": "вчера"}, "occurred_at"),
])
def test_interaction_400_has_field_messages(org, api_client_for, payload, field):
    resp = api_client_for(org.am1).post(f"{BASE}/interactions/", {"client": org.client_a.pk, **payload}, format="json")
    assert resp.status_code == 400 and field in resp.json(), resp.json()
    assert not Interaction.objects.exists()


def test_contact_of_other_client_is_400(org, api_client_for):
    other = ContactFactory(client=org.client_b)
    resp = api_client_for(org.head).post(
        f"{BASE}/interactions/", {"client": org.client_a.pk, "summary": "x", "contacts": [other.pk]}, format="json"
    )
    assert resp.status_code == 400 and "contacts" in resp.json()


@pytest.mark.parametrize("role", ROLES_SEEING_A + ROLES_NOT_SEEING_A)
def test_log_interaction_permissions(org, api_client_for, role):
    resp = api_client_for(org.by_role_name(role)).post(
        f"{BASE}/interactions/", {"client": org.client_a.pk, "summary": "x"}, format="json"
    )
    if role in ROLES_SEEING_A:
        assert resp.status_code == 201
        assert Interaction.objects.count() == 1
    else:
        assert resp.status_code == 400 and "client" in resp.json()
        assert not Interaction.objects.exists()


@pytest.mark.parametrize(("role", "expected"), [
    ("am1", 200), ("group_head", 200), ("head", 200), ("admin", 200), ("finance", 200),
    ("spec1", 403), ("am2", 404), ("spec2", 404), ("outsider", 404),
])
def test_edit_interaction_permissions(org, api_client_for, role, expected):
    i = interaction_create(actor=org.am1.user, client=org.client_a, data={"summary": "до"})
    resp = api_client_for(org.by_role_name(role)).patch(f"{BASE}/interactions/{i.pk}/", {"summary": "после"},
                                                        format="json")
    assert resp.status_code == expected
    i.refresh_from_db()
    assert i.summary == ("после" if expected == 200 else "до")


def test_interaction_list_scoped(org, api_client_for):
    interaction_create(actor=org.am1.user, client=org.client_a, data={"summary": "a"})
    interaction_create(actor=org.am2.user, client=org.client_b, data={"summary": "b"})
    assert api_client_for(org.am1).get(f"{BASE}/interactions/").json()["count"] == 1
    assert api_client_for(org.head).get(f"{BASE}/interactions/").json()["count"] == 2
    assert api_client_for(org.outsider).get(f"{BASE}/interactions/").json()["count"] == 0


def test_email_import_endpoint(org, api_client_for):
    ContactFactory(client=org.client_a, email="ivanova@alfa.example")
    upload = SimpleUploadedFile("inbox.mbox", (DATA / "inbox.mbox").read_bytes())
    resp = api_client_for(org.am1).post(f"{BASE}/interactions/import/", {"file": upload}, format="multipart")
    assert resp.status_code == 200
    assert len(resp.json()["imported"]) == 2 and len(resp.json()["unmatched"]) == 1
    assert api_client_for(org.am1).post(f"{BASE}/interactions/import/", {}, format="multipart").status_code == 400


def test_create_request_computes_sla(org, api_client_for):
    resp = api_client_for(org.am1).post(f"{BASE}/requests/", {
        "client": org.client_a.pk, "subject": "Упал сайт", "priority": "critical",
        "received_at": "2025-11-08T23:30:00+03:00",
    }, format="json")
    assert resp.status_code == 201, resp.json()
    body = resp.json()
    assert body["first_response_due_at"].startswith("2025-11-09T00:30:00") and body["round_the_clock"]
    assert body["owner"]["full_name"] == "am1" and body["first_response_breached"] is True


@pytest.mark.parametrize(("payload", "field"), [
    ({"priority": "normal"}, "subject"),
    ({"subject": "x", "priority": "panic"}, "priority"),
    ({"subject": "x", "client": 999999}, "client"),
    ({"subject": "x", "received_at": "2999-01-01T10:00:00+03:00"}, "received_at"),
    ({"subject": "x", "first_response_due_at": "2025-01-01T00:00:00Z", "owner": 999999}, "owner"),
])
def test_request_400s(org, api_client_for, payload, field):
    resp = api_client_for(org.am1).post(f"{BASE}/requests/", {"client": org.client_a.pk, **payload}, format="json")
    assert resp.status_code == 400 and field in resp.json(), resp.json()
    assert not ClientRequest.objects.exists()


@pytest.mark.parametrize(("role", "expected"), [
    ("am1", 200), ("group_head", 200), ("head", 200), ("admin", 200), ("finance", 200),
    ("spec1", 403), ("am2", 404), ("outsider", 404),
])
def test_respond_permissions(org, api_client_for, role, expected):
    r = request_create(actor=org.am1.user, client=org.client_a, data={"subject": "x"})
    resp = api_client_for(org.by_role_name(role)).post(f"{BASE}/requests/{r.pk}/respond/", {}, format="json")
    assert resp.status_code == expected
    r.refresh_from_db()
    assert (r.first_response_at is not None) == (expected == 200)


def test_resolve_and_detail_with_escalations(org, api_client_for):
    r = request_create(actor=org.am1.user, client=org.client_a,
                       data={"subject": "x", "received_at": timezone.now() - timedelta(days=3)})
    from tandem.comms.services import escalations_run
    escalations_run()
    detail = api_client_for(org.group_head).get(f"{BASE}/requests/{r.pk}/").json()
    assert {e["notified"]["full_name"] for e in detail["escalations"]} == {"group_head", "head"}
    resp = api_client_for(org.am1).post(f"{BASE}/requests/{r.pk}/resolve/", {}, format="json")
    assert resp.status_code == 200 and resp.json()["resolved_at"]
    assert api_client_for(org.am1).get(f"{BASE}/requests/?status=open").json()["count"] == 0
    assert api_client_for(org.am1).get(f"{BASE}/requests/?status=breached").json()["count"] == 1


def test_stats_endpoint(org, api_client_for):
    r = request_create(actor=org.am1.user, client=org.client_a,
                       data={"subject": "x", "received_at": timezone.now() - timedelta(minutes=5)})
    resp = api_client_for(org.head).get(f"{BASE}/requests/stats/?month={timezone.localdate():%Y-%m}")
    assert resp.status_code == 200 and resp.json()["overall"]["total"] == 1
    assert api_client_for(org.head).get(f"{BASE}/requests/stats/?month=13-2025").status_code == 400
    assert r.pk


def test_due_contacts_endpoint(org, api_client_for):
    ContactFactory(client=org.client_a, full_name="Ирина", preferred_channel="phone")
    body = api_client_for(org.am1).get(f"{BASE}/comms/due-contacts/").json()
    assert [i["contact"]["full_name"] for i in body["results"]] == ["Ирина"] and body["count"] == 1
    assert api_client_for(org.am2).get(f"{BASE}/comms/due-contacts/").json()["results"] == []
    assert api_client_for(org.group_head).get(f"{BASE}/comms/due-contacts/").json()["count"] == 1


def test_due_contacts_pages(org, api_client_for):
    for n in range(5):
        ContactFactory(client=org.client_a, full_name=f"Контакт {n}")
    api = api_client_for(org.am1)
    first = api.get(f"{BASE}/comms/due-contacts/?page_size=2").json()
    second = api.get(first["next"]).json()
    last = api.get(f"{BASE}/comms/due-contacts/?page_size=2&page=3").json()
    assert first["count"] == second["count"] == last["count"] == 5 and first["previous"] is None
    names = [i["contact"]["full_name"] for page in (first, second, last) for i in page["results"]]
    assert sorted(names) == [f"Контакт {n}" for n in range(5)] and len(set(names)) == 5
    assert last["next"] is None and "page=2" in last["previous"]
    assert api.get(second["previous"]).json() == first
    assert api.get(f"{BASE}/comms/due-contacts/?page=4&page_size=2").status_code == 404
    assert api.get(f"{BASE}/comms/due-contacts/?page=x").status_code == 404


def test_notifications_are_private(org, api_client_for):
    n, _ = notify(recipient=org.am1, kind="x", title="Позвонить", dedupe_key="api1")
    assert api_client_for(org.am1).get(f"{BASE}/notifications/").json()["count"] == 1
    assert api_client_for(org.am2).get(f"{BASE}/notifications/").json()["count"] == 0
    assert api_client_for(org.am2).post(f"{BASE}/notifications/{n.pk}/read/").status_code == 404
    assert Notification.objects.get(pk=n.pk).read_at is None
    assert api_client_for(org.am1).post(f"{BASE}/notifications/{n.pk}/read/").status_code == 200
    assert Notification.objects.get(pk=n.pk).read_at is not None


def test_anonymous_is_refused(client):
    assert client.get(f"{BASE}/interactions/").status_code in (401, 403)
