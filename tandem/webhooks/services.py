"""Webhook endpoints and deliveries.

Every event an endpoint subscribed to becomes a delivery row in the emitting transaction
(`record_event`, the tandem.core.events sink) and is POSTed after commit:

    POST <url>
    Content-Type: application/json
    X-Tandem-Event: invoice.issued
    X-Tandem-Delivery: <uuid — the same on every retry; drop repeats by it>
    X-Tandem-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the endpoint's secret>

    {"id": "<delivery uuid>", "event": "invoice.issued", "created_at": "...", "agency": 1, "data": {...}}

A 2xx answer is delivered. Anything else (an error status, a time-out, no connection) is
retried after 1 min, 5 min, 30 min, 2 h and 12 h, then the delivery stays failed; an admin can
send it again by hand. The secret is stored encrypted and shown once, when created or rotated.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import secrets
import time
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tandem.core.errors import PermissionDenied
from tandem.core.events import EVENTS
from tandem.core.secrets import decrypt_secret, encrypt_secret
from tandem.org.models import User
from tandem.org.permissions import actor_employee

from . import permissions
from .models import DeliveryStatus, WebhookDelivery, WebhookEndpoint

RETRY_DELAYS = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2),
                timedelta(hours=12))
MAX_ERROR = 500
# Tests replace it with an httpx.MockTransport; None is the real network.
transport: httpx.BaseTransport | None = None


def _require_manager(actor: User) -> int:
    employee = actor_employee(actor)
    if employee is None or not permissions.can_manage_webhooks(actor):
        raise PermissionDenied()
    return employee.agency_id


def _check_url(url: str) -> str:
    """http(s) only; in production (WEBHOOKS_ALLOW_PRIVATE off) not a loopback, private or
    link-local address, so that the server is not turned against its own network."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError({"url": _("Нужен адрес вида https://…")})
    if not settings.WEBHOOKS_ALLOW_PRIVATE:
        host = parts.hostname
        if host == "localhost" or host.endswith(".localhost") or host.endswith(".local"):
            raise ValidationError({"url": _("Адреса внутренней сети не принимаются.")})
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return url
        if address.is_private or address.is_loopback or address.is_link_local or address.is_reserved:
            raise ValidationError({"url": _("Адреса внутренней сети не принимаются.")})
    return url


def _check_events(events: Sequence[str]) -> list[str]:
    chosen = sorted(set(events))
    if not chosen:
        raise ValidationError({"events": _("Выберите хотя бы одно событие.")})
    unknown = [e for e in chosen if e not in EVENTS]
    if unknown:
        raise ValidationError({"events": _("Неизвестные события: %(names)s.") % {"names": ", ".join(unknown)}})
    return chosen


def endpoint_create(
    *, actor: User, url: str, events: Sequence[str], description: str = "",
) -> tuple[WebhookEndpoint, str]:
    """A new endpoint and its signing secret (plain: show it once, it is not shown again)."""
    agency_id = _require_manager(actor)
    plain = "whsec_" + secrets.token_urlsafe(32)
    endpoint = WebhookEndpoint(agency_id=agency_id, url=_check_url(url), events=_check_events(events),
                               description=description.strip(), secret_encrypted=encrypt_secret(plain),
                               created_by=actor)
    endpoint.full_clean()
    endpoint.save()
    return endpoint, plain


def endpoint_update(
    *, actor: User, endpoint: WebhookEndpoint, url: str, events: Sequence[str], description: str, is_active: bool,
) -> WebhookEndpoint:
    _require_manager(actor)
    endpoint.url, endpoint.events = _check_url(url), _check_events(events)
    endpoint.description, endpoint.is_active = description.strip(), is_active
    endpoint.full_clean()
    endpoint.save()
    return endpoint


def endpoint_rotate_secret(*, actor: User, endpoint: WebhookEndpoint) -> str:
    """A new secret; the old one stops signing at once."""
    _require_manager(actor)
    plain = "whsec_" + secrets.token_urlsafe(32)
    endpoint.secret_encrypted = encrypt_secret(plain)
    endpoint.save(update_fields=["secret_encrypted", "updated_at"])
    return plain


def endpoint_delete(*, actor: User, endpoint: WebhookEndpoint) -> None:
    """Remove the endpoint and its delivery log."""
    _require_manager(actor)
    endpoint.delete()


def _envelope(delivery: WebhookDelivery, agency_id: int, data: dict[str, Any]) -> dict[str, Any]:
    return {"id": str(delivery.delivery_id), "event": delivery.event,
            "created_at": delivery.created_at.isoformat(), "agency": agency_id, "data": data}


def _queue(deliveries: list[WebhookDelivery]) -> None:
    from .tasks import deliver_task  # noqa: PLC0415  (tasks import this module)

    ids = [d.pk for d in deliveries]
    transaction.on_commit(lambda: [deliver_task.delay(pk) for pk in ids])


def record_event(event: str, agency_id: int, items: list[dict[str, Any]]) -> None:
    """The tandem.core.events sink: one delivery per item and active endpoint of the agency that
    chose the event (one query when none did), sent after the emitting transaction commits."""
    endpoints = [
        e for e in WebhookEndpoint.objects.filter(agency_id=agency_id, is_active=True).only("id", "events")
        if event in e.events
    ]
    if not endpoints:
        return
    now = timezone.now()
    deliveries = []
    for endpoint in endpoints:
        for data in items:
            delivery = WebhookDelivery(endpoint=endpoint, event=event, payload={}, created_at=now)
            delivery.payload = json.loads(json.dumps(_envelope(delivery, agency_id, data), cls=DjangoJSONEncoder))
            deliveries.append(delivery)
    WebhookDelivery.objects.bulk_create(deliveries, batch_size=1000)
    if deliveries[0].pk is None:  # backends without RETURNING ids on bulk_create
        deliveries = list(WebhookDelivery.objects.filter(delivery_id__in=[d.delivery_id for d in deliveries]))
    _queue(deliveries)


def endpoint_send_test(*, actor: User, endpoint: WebhookEndpoint) -> WebhookDelivery:
    """A `ping` to this endpoint only, sent now (whatever events it chose)."""
    agency_id = _require_manager(actor)
    delivery = WebhookDelivery(endpoint=endpoint, event="ping", payload={}, created_at=timezone.now())
    delivery.payload = _envelope(delivery, agency_id, {"message": "Tandem: проверка связи"})
    delivery.save()
    return deliver(delivery_pk=delivery.pk)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The X-Tandem-Signature value of `body` sent at `timestamp`."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def deliver(*, delivery_pk: int, now: datetime | None = None) -> WebhookDelivery:
    """POST one delivery once and record the outcome (and the next attempt when it failed)."""
    with transaction.atomic():
        delivery = WebhookDelivery.objects.select_for_update().select_related("endpoint").get(pk=delivery_pk)
        if delivery.status == DeliveryStatus.SUCCEEDED:
            return delivery
        endpoint = delivery.endpoint
        body = json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":")).encode()
        stamp = int(time.time())
        headers = {
            "Content-Type": "application/json", "User-Agent": "Tandem-Webhooks/1",
            "X-Tandem-Event": delivery.event, "X-Tandem-Delivery": str(delivery.delivery_id),
            "X-Tandem-Signature": signature(decrypt_secret(endpoint.secret_encrypted), stamp, body),
        }
        delivery.attempts += 1
        try:
            with httpx.Client(transport=transport, timeout=settings.WEBHOOKS_TIMEOUT_SECONDS) as http:
                response = http.post(endpoint.url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            delivery.last_status_code = None
            delivery.last_error = (_("Нет связи: %(error)s") % {"error": type(exc).__name__})[:MAX_ERROR]
            ok = False
        else:
            delivery.last_status_code = response.status_code
            ok = 200 <= response.status_code < 300
            delivery.last_error = "" if ok else (_("Ответ %(code)s: %(text)s") % {
                "code": response.status_code, "text": response.text[:200]})[:MAX_ERROR]
        moment = now or timezone.now()
        if ok:
            delivery.status, delivery.delivered_at, delivery.next_attempt_at = DeliveryStatus.SUCCEEDED, moment, None
        else:
            delivery.status = DeliveryStatus.FAILED
            retry = delivery.attempts - 1
            delivery.next_attempt_at = moment + RETRY_DELAYS[retry] if retry < len(RETRY_DELAYS) else None
        delivery.save()
    return delivery


def retry_due(*, now: datetime | None = None) -> int:
    """Send again the failed deliveries whose next attempt is due (the beat job, every minute)."""
    moment = now or timezone.now()
    due = list(WebhookDelivery.objects.filter(
        status=DeliveryStatus.FAILED, next_attempt_at__lte=moment, endpoint__is_active=True,
    ).values_list("pk", flat=True)[:500])
    for pk in due:
        deliver(delivery_pk=pk, now=moment)
    return len(due)


def delivery_resend(*, actor: User, delivery: WebhookDelivery) -> WebhookDelivery:
    """An admin sends a delivery again now (the same delivery id, so receivers drop a repeat)."""
    _require_manager(actor)
    WebhookDelivery.objects.filter(pk=delivery.pk).exclude(status=DeliveryStatus.SUCCEEDED).update(
        status=DeliveryStatus.PENDING)
    delivery.refresh_from_db()
    if delivery.status == DeliveryStatus.SUCCEEDED:
        raise ValidationError({"delivery": _("Уже доставлено.")})
    return deliver(delivery_pk=delivery.pk)
