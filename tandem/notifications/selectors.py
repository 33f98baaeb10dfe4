"""Reads for notifications, always the actor's own."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from tandem.org.models import Employee, User
from tandem.org.permissions import actor_employee

from .models import Notification, NotificationDelivery, NotificationPreferences
from .permissions import notifications_visible_to


def notification_list(*, actor: User, unread_only: bool = False, limit: int | None = None) -> QuerySet[Notification]:
    """The actor's notifications, newest first, with their deliveries (two queries)."""
    qs = notifications_visible_to(actor).prefetch_related(
        Prefetch("deliveries", queryset=NotificationDelivery.objects.order_by("channel"))
    )
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    qs = qs.order_by("-created_at", "-id")
    return qs[:limit] if limit else qs


def unread_count(*, actor: User) -> int:
    return notifications_visible_to(actor).filter(read_at__isnull=True).count()


def failed_deliveries(*, actor: User) -> QuerySet[NotificationDelivery]:
    """The actor's deliveries that gave up, so they can read the message here and resend."""
    return NotificationDelivery.objects.filter(
        notification__in=notifications_visible_to(actor), status=NotificationDelivery.Status.FAILED
    ).select_related("notification")


def preferences_of(*, actor: User) -> NotificationPreferences | None:
    employee = actor_employee(actor)
    if employee is None:
        return None
    prefs, _ = NotificationPreferences.objects.get_or_create(employee=employee)
    return prefs


def employee_by_calendar_token(token: str) -> Employee | None:
    """The active employee owning this calendar secret, or None (the feed then answers 404)."""
    if not token:
        return None
    prefs = (
        NotificationPreferences.objects.select_related("employee__agency", "employee__user")
        .filter(calendar_token=token, employee__is_active=True)
        .first()
    )
    return prefs.employee if prefs else None
