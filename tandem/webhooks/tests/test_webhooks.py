"""Webhooks: signed deliveries after commit, retries with backoff, events from the services,
URL checks, only admins keep endpoints."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import date, timedelta
from decimal import Decimal

import httpx
import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from tandem.billing import services as billing
from tandem.clients import services as clients
from tandem.core.errors import PermissionDenied
from tandem.core.events import emit
from tandem.webhooks import services
from tandem.webhooks.models import DeliveryStatus, WebhookDelivery

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def received(monkeypatch):
    """Requests the receiving system got; it answers with the status in `received.status`."""

    class Inbox(list):
        status = 200

    inbox = Inbox()

    def handler(request: httpx.Request) -> httpx.Response:
        inbox.append(request)
        return httpx.Response(inbox.status, text="ok" if inbox.status < 300 else "boom")

    monkeypatch.setattr(services, "transport", httpx.MockTransport(handler))
    return inbox


def _endpoint(org, events=("invoice.issued", "payment.received", "invoice.paid", "client.created")):
    return services.endpoint_create(actor=org.admin.user, url="https://crm.example.com/hooks", events=list(events))


def test_event_is_posted_signed_after_commit(org, received):
    endpoint, secret = _endpoint(org)

    with transaction.atomic():
        emit("client.created", agency_id=org.agency.pk, data={"id": 7})
        assert received == []  # nothing leaves before the commit

    (request,) = received
    body = request.content
    stamp, signed = request.headers["X-Tandem-Signature"].split(",")
    timestamp = stamp.removeprefix("t=")
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    assert signed == f"v1={expected}"
    payload = json.loads(body)
    assert payload["event"] == "client.created" and payload["data"] == {"id": 7}
    assert request.headers["X-Tandem-Delivery"] == payload["id"]
    assert WebhookDelivery.objects.get().status == DeliveryStatus.SUCCEEDED


def test_rolled_back_write_announces_nothing(org, received):
    _endpoint(org)

    with pytest.raises(RuntimeError), transaction.atomic():
        emit("client.created", agency_id=org.agency.pk, data={"id": 7})
        raise RuntimeError

    assert received == [] and not WebhookDelivery.objects.exists()


def test_only_subscribed_active_endpoints_of_the_agency(org, received):
    _endpoint(org, events=["invoice.issued"])
    off, _ = _endpoint(org, events=["client.created"])
    services.endpoint_update(actor=org.admin.user, endpoint=off, url=off.url, events=off.events, description="",
                             is_active=False)

    emit("client.created", agency_id=org.agency.pk, data={"id": 1})
    emit("client.created", agency_id=org.outsider.agency_id, data={"id": 2})

    assert received == []


def test_failure_retries_with_backoff_then_gives_up(org, received):
    _endpoint(org)
    received.status = 503
    emit("client.created", agency_id=org.agency.pk, data={"id": 1})
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED and delivery.attempts == 1 and "503" in delivery.last_error
    first_retry = delivery.next_attempt_at

    moment = timezone.now()
    for _attempt in range(5):
        moment += timedelta(hours=13)
        assert services.retry_due(now=moment) == 1
    delivery.refresh_from_db()

    assert timedelta(seconds=50) < first_retry - delivery.created_at < timedelta(seconds=70)
    assert delivery.attempts == 6 and delivery.next_attempt_at is None
    assert services.retry_due(now=moment + timedelta(days=1)) == 0
    assert len({r.headers["X-Tandem-Delivery"] for r in received}) == 1  # the same id every time


def test_retry_succeeds_and_resend_by_hand(org, received):
    _endpoint(org)
    received.status = 500
    emit("client.created", agency_id=org.agency.pk, data={"id": 1})
    received.status = 200

    delivery = services.delivery_resend(actor=org.admin.user, delivery=WebhookDelivery.objects.get())

    assert delivery.status == DeliveryStatus.SUCCEEDED and delivery.next_attempt_at is None
    with pytest.raises(ValidationError):
        services.delivery_resend(actor=org.admin.user, delivery=delivery)


def test_no_connection_is_a_failed_attempt(org, monkeypatch):
    def handler(request):
        raise httpx.ConnectError("refused")

    monkeypatch.setattr(services, "transport", httpx.MockTransport(handler))
    endpoint, _ = _endpoint(org)

    delivery = services.endpoint_send_test(actor=org.admin.user, endpoint=endpoint)

    assert delivery.status == DeliveryStatus.FAILED and "ConnectError" in delivery.last_error


def test_services_emit_invoice_payment_and_client_events(money, received):
    services.endpoint_create(actor=money.admin.user, url="https://crm.example.com/hooks",
                             events=["invoice.issued", "payment.received", "invoice.paid", "client.created"])
    invoice = billing.invoice_create(actor=money.finance.user, client=money.client_a, date=date(2026, 2, 2),
                                     lines=[billing.LineInput(name="SEO", price=Decimal("1000.00"))])
    invoice = billing.invoice_issue(actor=money.finance.user, invoice=invoice)
    billing.payment_record(actor=money.finance.user, date=date(2026, 2, 3), amount=Decimal("1000.00"),
                           client=money.client_a, purpose=f"Оплата по счёту № {invoice.number}")
    clients.client_create(actor=money.head.user, data={"legal_name": 'ООО "Новый"'})

    events = [json.loads(r.content)["event"] for r in received]
    assert events == ["invoice.issued", "invoice.paid", "payment.received", "client.created"]
    issued = json.loads(received[0].content)["data"]
    assert issued["total"] == "1000.00" and issued["client"] == money.client_a.pk


@pytest.mark.parametrize("url", ["ftp://x.example.com/", "http://127.0.0.1/hook", "http://10.0.0.5/h",
                                 "http://localhost:8000/h", "not a url"])
def test_bad_or_internal_urls_refused(org, url, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = False

    with pytest.raises(ValidationError) as exc:
        services.endpoint_create(actor=org.admin.user, url=url, events=["client.created"])
    assert "url" in exc.value.message_dict


def test_unknown_or_no_events_refused_and_only_admins(org):
    with pytest.raises(ValidationError):
        services.endpoint_create(actor=org.admin.user, url="https://a.example.com/", events=[])
    with pytest.raises(ValidationError):
        services.endpoint_create(actor=org.admin.user, url="https://a.example.com/", events=["nope"])
    with pytest.raises(PermissionDenied):
        services.endpoint_create(actor=org.head.user, url="https://a.example.com/", events=["client.created"])


def test_secret_is_stored_encrypted_and_rotates(org, received):
    endpoint, secret = _endpoint(org)
    assert secret not in endpoint.secret_encrypted

    new = services.endpoint_rotate_secret(actor=org.admin.user, endpoint=endpoint)
    services.endpoint_send_test(actor=org.admin.user, endpoint=endpoint)

    body = received[-1].content
    timestamp = received[-1].headers["X-Tandem-Signature"].split(",")[0].removeprefix("t=")
    assert new != secret
    assert received[-1].headers["X-Tandem-Signature"] == services.signature(new, int(timestamp), body)


def test_delivered_to_a_real_local_receiver_over_loopback(org, settings):
    """A real HTTP server on 127.0.0.1 receives the signed POST (no mock transport)."""
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    got: list[tuple[dict, bytes]] = []

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            body = self.rfile.read(int(self.headers["Content-Length"]))
            got.append((dict(self.headers), body))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    try:
        endpoint, secret = services.endpoint_create(
            actor=org.admin.user, url=f"http://127.0.0.1:{server.server_port}/hook", events=["stage.approved"])
        delivery = services.endpoint_send_test(actor=org.admin.user, endpoint=endpoint)
    finally:
        server.shutdown()

    headers, body = got[0]
    timestamp = int(headers["X-Tandem-Signature"].split(",")[0].removeprefix("t="))
    assert delivery.status == DeliveryStatus.SUCCEEDED and delivery.last_status_code == 204
    assert headers["X-Tandem-Signature"] == services.signature(secret, timestamp, body)


def test_unmatched_payment_stage_approval_and_sla_breach_are_events(money, received):
    from tandem.comms import services as comms
    from tandem.work.models import StageSubmission
    from tandem.work.services import stage_record_answer, stage_send, stage_start
    from tandem.work.tests.factories import StageFactory, signed_project

    services.endpoint_create(actor=money.admin.user, url="https://crm.example.com/hooks",
                             events=["payment.unmatched", "stage.approved", "request.sla_breached"])
    billing.payment_record(actor=money.finance.user, date=date(2026, 2, 3), amount=Decimal("5.00"),
                           payer_name="Неизвестный плательщик", purpose="Аванс")
    stage = StageFactory(project=signed_project(money), deliverable_url="https://docs.example/a")
    stage_start(actor=money.am1.user, stage=stage)
    stage_send(actor=money.am1.user, stage=stage)
    stage_record_answer(actor=money.am1.user, stage=stage, decision=StageSubmission.Decision.APPROVED,
                        client_contact="ЛПР")
    request = comms.request_create(actor=money.am1.user, client=money.client_a, data={"subject": "Сайт недоступен"})
    comms.escalations_run(now=request.first_response_due_at + timedelta(minutes=1))

    events = [json.loads(r.content)["event"] for r in received]
    assert events[:2] == ["payment.unmatched", "stage.approved"]
    assert "request.sla_breached" in events
