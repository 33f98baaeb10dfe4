"""Settings → Вебхуки: admins only; the secret is shown once after creation; errors at fields;
the delivery log with «отправить снова»."""

from __future__ import annotations

import httpx
import pytest
from django.urls import reverse

from tandem.webhooks import services
from tandem.webhooks.models import WebhookEndpoint

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role,status", [("admin", 200), ("head", 404), ("finance", 404), ("am1", 404)])
def test_page_for_admins_only(org, web_client_for, role, status):
    assert web_client_for(org.by_role_name(role)).get(reverse("web:webhook_list")).status_code == status


def test_create_shows_secret_once(org, web_client_for):
    client = web_client_for(org.admin)

    response = client.post(reverse("web:webhook_list"), {
        "url": "https://crm.example.com/hooks", "events": ["invoice.issued", "client.created"], "is_active": "on",
    }, follow=True)
    again = client.get(response.redirect_chain[-1][0])

    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.events == ["client.created", "invoice.issued"]
    assert 'id="webhook-secret"' in response.content.decode() and "whsec_" in response.content.decode()
    assert 'id="webhook-secret"' not in again.content.decode()


def test_bad_input_errors_at_fields(org, web_client_for, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = False

    client = web_client_for(org.admin)

    no_events = client.post(reverse("web:webhook_list"), {"url": "https://crm.example.com/h"})
    internal = client.post(reverse("web:webhook_list"), {"url": "http://127.0.0.1/x", "events": ["act.signed"]})

    assert no_events.status_code == 400 and "events" in no_events.context["form"].errors
    assert internal.status_code == 400 and "url" in internal.context["form"].errors
    assert not WebhookEndpoint.objects.exists()


def test_test_ping_lands_in_the_log(org, web_client_for, monkeypatch):
    monkeypatch.setattr(services, "transport", httpx.MockTransport(lambda r: httpx.Response(500, text="down")))
    endpoint, _secret = services.endpoint_create(actor=org.admin.user, url="https://crm.example.com/h",
                                                 events=["client.created"])
    client = web_client_for(org.admin)

    client.post(reverse("web:webhook_test", args=[endpoint.pk]))
    html = client.get(reverse("web:webhook_detail", args=[endpoint.pk])).content.decode()

    assert 'id="deliveries"' in html and "ping" in html and "Отправить снова" in html
