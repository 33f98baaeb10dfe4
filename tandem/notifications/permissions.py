"""Notifications are private: an employee sees and changes only their own."""

from __future__ import annotations

from django.db.models import QuerySet

from tandem.core.errors import NotFound
from tandem.org.models import User
from tandem.org.permissions import actor_employee

from .models import Notification, NotificationDelivery


def notifications_visible_to(actor: User) -> QuerySet[Notification]:
    """The actor's own notifications; nobody reads another person's."""
    employee = actor_employee(actor)
    if employee is None:
        return Notification.objects.none()
    return Notification.objects.filter(recipient=employee)


def notification_get_for(actor: User, notification_id: int | str) -> Notification:
    try:
        return notifications_visible_to(actor).get(pk=notification_id)
    except (Notification.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def delivery_get_for(actor: User, delivery_id: int | str) -> NotificationDelivery:
    try:
        return NotificationDelivery.objects.select_related("notification").get(
            pk=delivery_id, notification__in=notifications_visible_to(actor)
        )
    except (NotificationDelivery.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None
