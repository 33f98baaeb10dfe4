"""Who keeps the webhooks: the agency's admins (they connect the agency's other systems)."""

from __future__ import annotations

from django.db.models import QuerySet

from tandem.core.errors import NotFound
from tandem.org.models import User
from tandem.org.permissions import actor_employee
from tandem.org.roles import Role

from .models import WebhookDelivery, WebhookEndpoint


def can_manage_webhooks(actor: User) -> bool:
    employee = actor_employee(actor)
    return employee is not None and employee.role == Role.ADMIN


def endpoints_visible_to(actor: User) -> QuerySet[WebhookEndpoint]:
    employee = actor_employee(actor)
    if employee is None or not can_manage_webhooks(actor):
        return WebhookEndpoint.objects.none()
    return WebhookEndpoint.objects.filter(agency_id=employee.agency_id)


def endpoint_get_for(actor: User, endpoint_id: int | str) -> WebhookEndpoint:
    try:
        return endpoints_visible_to(actor).get(pk=int(endpoint_id))
    except (WebhookEndpoint.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def delivery_get_for(actor: User, delivery_id: int | str) -> WebhookDelivery:
    try:
        return WebhookDelivery.objects.select_related("endpoint").get(
            pk=int(delivery_id), endpoint__in=endpoints_visible_to(actor))
    except (WebhookDelivery.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None
