"""Webhook reads: the agency's endpoints with their last outcome, and the delivery log."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from tandem.org.models import User

from . import permissions
from .models import DeliveryStatus, WebhookDelivery, WebhookEndpoint


def endpoint_list(*, actor: User) -> QuerySet[WebhookEndpoint]:
    return permissions.endpoints_visible_to(actor).annotate(
        failed_count=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.FAILED)),
        delivered_count=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.SUCCEEDED)),
    ).order_by("-created_at", "-id")


def delivery_list(*, actor: User, endpoint: WebhookEndpoint, status: str = "") -> QuerySet[WebhookDelivery]:
    qs = WebhookDelivery.objects.filter(endpoint=endpoint, endpoint__in=permissions.endpoints_visible_to(actor))
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-id")
