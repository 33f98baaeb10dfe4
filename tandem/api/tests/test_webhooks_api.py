"""Webhooks API: admins only (404 otherwise), the secret only in the create answer, 400 with
field messages, the delivery log."""

from __future__ import annotations

import httpx
import pytest

from tandem.webhooks import services

pytestmark = pytest.mark.django_db


def test_crud_and_secret_only_on_create(org, api_client_for):
    api = api_client_for(org.admin)

    created = api.post("/api/v1/webhooks/", {"url": "https://crm.example.com/h", "events": ["invoice.paid"]},
                       format="json")
    listed = api.get("/api/v1/webhooks/")
    pk = created.json()["id"]
    updated = api.put(f"/api/v1/webhooks/{pk}/", {"url": "https://crm.example.com/h2", "events": ["act.signed"],
                                                  "is_active": False}, format="json")

    assert created.status_code == 201 and created.json()["secret"].startswith("whsec_")
    assert "secret" not in listed.json()["results"][0]
    assert updated.json()["url"].endswith("/h2") and updated.json()["is_active"] is False
    assert api.delete(f"/api/v1/webhooks/{pk}/").status_code == 204


def test_bad_input_is_400_with_fields(org, api_client_for, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    api = api_client_for(org.admin)

    bad_event = api.post("/api/v1/webhooks/", {"url": "https://a.example.com/", "events": ["nope"]}, format="json")
    private = api.post("/api/v1/webhooks/", {"url": "http://192.168.1.5/", "events": ["ping"]}, format="json")
    internal = api.post("/api/v1/webhooks/", {"url": "http://192.168.1.5/", "events": ["act.signed"]}, format="json")

    assert bad_event.status_code == 400 and "events" in bad_event.json()
    assert private.status_code == 400
    assert internal.status_code == 400 and "url" in internal.json()


@pytest.mark.parametrize("role", ["head", "finance", "am1", "spec1"])
def test_not_admin_is_404(org, api_client_for, role):
    api = api_client_for(org.by_role_name(role))

    assert api.get("/api/v1/webhooks/").status_code == 404
    assert api.get("/api/v1/webhooks/events/").status_code == 404


def test_test_ping_and_delivery_log(org, api_client_for, monkeypatch):
    monkeypatch.setattr(services, "transport", httpx.MockTransport(lambda r: httpx.Response(204)))
    api = api_client_for(org.admin)
    pk = api.post("/api/v1/webhooks/", {"url": "https://crm.example.com/h", "events": ["client.created"]},
                  format="json").json()["id"]

    ping = api.post(f"/api/v1/webhooks/{pk}/test/")
    log = api.get(f"/api/v1/webhooks/{pk}/deliveries/", {"status": "succeeded"})
    bad = api.get(f"/api/v1/webhooks/{pk}/deliveries/", {"status": "whatever"})

    assert ping.json()["status"] == "succeeded" and ping.json()["last_status_code"] == 204
    assert log.json()["count"] == 1 and log.json()["results"][0]["event"] == "ping"
    assert bad.status_code == 400
