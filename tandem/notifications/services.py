"""Writes for notifications: create once, deliver with retries and backoff, never lose.

Rules:
- `notify` creates at most one Notification per `dedupe_key` (jobs may run any number of
  times); the in-app record always exists, outside channels get a delivery row each;
- a delivery is attempted after commit; a retryable failure waits base·2^(n-1) seconds
  (or Telegram's retry_after if longer) and is tried again by the sweep job; after
  `max_attempts` — or at once for a permanent error — it is marked failed and shown in the UI;
- nothing is sent in the recipient's quiet hours: the attempt is postponed to their end.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tandem.core.errors import PermissionDenied
from tandem.core.jobs import enqueue
from tandem.org.models import Employee, User
from tandem.org.permissions import actor_employee, can_manage_org

from .models import (
    Channel,
    Notification,
    NotificationDelivery,
    NotificationPreferences,
    NotificationSettings,
    new_calendar_token,
)
from .registry import reminder_sources
from .senders import DeliveryError, SendContext, Sender

logger = logging.getLogger(__name__)

MAX_BACKOFF = timedelta(hours=6)
PREFERENCE_FIELDS = ("email_enabled", "telegram_enabled", "telegram_chat_id", "quiet_hours_start", "quiet_hours_end")
SETTINGS_FIELDS = ("telegram_bot_token", "max_attempts", "retry_base_seconds")


def preferences_for(employee: Employee) -> NotificationPreferences:
    """The employee's preferences, created with defaults (e-mail on, Telegram off) on first use."""
    prefs, _created = NotificationPreferences.objects.get_or_create(employee=employee)
    return prefs


def _enqueue_deliveries(ids: list[int]) -> None:
    """Ask the worker to send now. The deliveries are already stored PENDING and due: with the
    broker down nothing is lost — the `notifications.retry_due` sweep sends them later."""
    from .tasks import deliver_notification_task

    for delivery_id in ids:
        if not enqueue(deliver_notification_task, delivery_id):
            break  # the broker is down: one warning is enough, the sweep sends the rest


def notify(
    *, recipient: Employee, kind: str, title: str, dedupe_key: str, body: str = "", url: str = ""
) -> tuple[Notification, bool]:
    """Create the notification for `dedupe_key` unless it exists; returns (notification, created).

    Deliveries are scheduled after commit, one per channel the recipient chose.
    """
    existing = Notification.objects.filter(dedupe_key=dedupe_key).first()
    if existing is not None:
        return existing, False
    now = timezone.now()
    try:
        with transaction.atomic():
            notification = Notification(
                recipient=recipient, kind=kind, title=title[:255], body=body, url=url[:500], dedupe_key=dedupe_key
            )
            notification.full_clean(validate_unique=False)
            notification.save()
            ids: list[int] = []
            if recipient.is_active:
                prefs = preferences_for(recipient)
                channels = []
                if prefs.email_enabled and recipient.user.email:
                    channels.append(Channel.EMAIL)
                if prefs.telegram_enabled and prefs.telegram_chat_id:
                    channels.append(Channel.TELEGRAM)
                for channel in channels:
                    ids.append(
                        NotificationDelivery.objects.create(
                            notification=notification, channel=channel, next_attempt_at=now
                        ).pk
                    )
    except IntegrityError:
        return Notification.objects.get(dedupe_key=dedupe_key), False
    if ids:
        transaction.on_commit(lambda: _enqueue_deliveries(ids))
    return notification, True


def quiet_hours_end(prefs: NotificationPreferences, now: datetime) -> datetime | None:
    """When `now` is inside the employee's quiet hours (local time, may cross midnight), their end."""
    start, end = prefs.quiet_hours_start, prefs.quiet_hours_end
    if start is None or end is None or start == end:
        return None
    local = timezone.localtime(now)
    moment = local.time()
    if start < end:
        if not (start <= moment < end):
            return None
        end_day = local.date()
    else:
        if not (moment >= start or moment < end):
            return None
        end_day = local.date() + timedelta(days=1) if moment >= start else local.date()
    return timezone.make_aware(datetime.combine(end_day, end), local.tzinfo)


def _backoff(settings_obj: NotificationSettings | None, attempts: int, retry_after: int | None) -> timedelta:
    base = settings_obj.retry_base_seconds if settings_obj else 60
    delay = timedelta(seconds=base * 2 ** max(attempts - 1, 0))
    if retry_after:
        delay = max(delay, timedelta(seconds=retry_after))
    return min(delay, MAX_BACKOFF)


@transaction.atomic
def delivery_attempt(*, delivery_id: int, senders: dict[str, Sender], now: datetime | None = None) -> str:
    """Try one delivery once; safe to call repeatedly (sent and failed rows are left alone).

    Returns the resulting state: "sent", "retry", "failed", "quiet", "waiting" or "missing".
    The row is locked while sending so two workers never send the same message twice.
    """
    now = now or timezone.now()
    delivery = (
        NotificationDelivery.objects.select_for_update()
        .select_related("notification__recipient__user")
        .filter(pk=delivery_id)
        .first()
    )
    if delivery is None:
        return "missing"
    if delivery.status != NotificationDelivery.Status.PENDING:
        return str(delivery.status)
    if delivery.next_attempt_at and delivery.next_attempt_at > now:
        return "waiting"
    recipient = delivery.notification.recipient
    prefs = preferences_for(recipient)
    quiet_end = quiet_hours_end(prefs, now)
    if quiet_end is not None:
        delivery.next_attempt_at = quiet_end
        delivery.save(update_fields=["next_attempt_at"])
        return "quiet"
    agency_settings = NotificationSettings.objects.filter(agency_id=recipient.agency_id).first()
    max_attempts = agency_settings.max_attempts if agency_settings else 5
    sender = senders.get(delivery.channel)
    delivery.attempts += 1
    try:
        if sender is None:
            raise DeliveryError(_("Канал %(channel)s не настроен.") % {"channel": delivery.channel}, retryable=False)
        sender(SendContext(notification=delivery.notification, preferences=prefs, agency_settings=agency_settings))
    except DeliveryError as exc:
        delivery.last_error = str(exc)[:2000]
        if exc.retryable and delivery.attempts < max_attempts:
            delivery.next_attempt_at = now + _backoff(agency_settings, delivery.attempts, exc.retry_after)
            result = "retry"
        else:
            delivery.status = NotificationDelivery.Status.FAILED
            delivery.next_attempt_at = None
            result = "failed"
        logger.warning("notification delivery %s: %s (%s)", delivery.pk, exc, result)
    except Exception as exc:  # a bug in a sender must not lose the message: retry like a fault
        logger.exception("notification delivery %s crashed", delivery.pk)
        delivery.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        if delivery.attempts < max_attempts:
            delivery.next_attempt_at = now + _backoff(agency_settings, delivery.attempts, None)
            result = "retry"
        else:
            delivery.status = NotificationDelivery.Status.FAILED
            result = "failed"
    else:
        delivery.status = NotificationDelivery.Status.SENT
        delivery.sent_at = now
        delivery.next_attempt_at = None
        delivery.last_error = ""
        result = "sent"
    delivery.save(update_fields=["status", "attempts", "last_error", "next_attempt_at", "sent_at"])
    return result


def deliveries_due_ids(*, now: datetime, limit: int = 500) -> list[int]:
    """Pending deliveries whose next attempt is due (for the sweep job)."""
    return list(
        NotificationDelivery.objects.filter(status=NotificationDelivery.Status.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def deliveries_retry_due(*, senders: dict[str, Sender], now: datetime | None = None) -> dict[str, int]:
    """Attempt every due pending delivery once; returns counts by result."""
    now = now or timezone.now()
    counts: dict[str, int] = {}
    for delivery_id in deliveries_due_ids(now=now):
        result = delivery_attempt(delivery_id=delivery_id, senders=senders, now=now)
        counts[result] = counts.get(result, 0) + 1
    return counts


def delivery_retry(*, actor: User, delivery: NotificationDelivery) -> NotificationDelivery:
    """The recipient asks to resend a failed delivery: it becomes pending with fresh attempts."""
    employee = actor_employee(actor)
    if employee is None or delivery.notification.recipient_id != employee.pk:
        raise PermissionDenied()
    if delivery.status != NotificationDelivery.Status.FAILED:
        raise ValidationError({"status": _("Повторить можно только недоставленное уведомление.")})
    delivery.status = NotificationDelivery.Status.PENDING
    delivery.attempts = 0
    delivery.next_attempt_at = timezone.now()
    delivery.save(update_fields=["status", "attempts", "next_attempt_at"])
    transaction.on_commit(lambda: _enqueue_deliveries([delivery.pk]))
    return delivery


def notification_mark_read(*, actor: User, notification: Notification) -> Notification:
    """Only the recipient marks their notification read (idempotent)."""
    employee = actor_employee(actor)
    if employee is None or notification.recipient_id != employee.pk:
        raise PermissionDenied()
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at", "updated_at"])
    return notification


def notifications_mark_all_read(*, actor: User) -> int:
    employee = actor_employee(actor)
    if employee is None:
        raise PermissionDenied()
    return Notification.objects.filter(recipient=employee, read_at__isnull=True).update(read_at=timezone.now())


def _apply(instance: Any, data: dict[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = set(data) - set(allowed)
    if unknown:
        raise ValidationError({name: _("Это поле нельзя изменить здесь.") for name in sorted(unknown)})
    for name, value in data.items():
        setattr(instance, name, value)


def preferences_update(*, actor: User, data: dict[str, Any]) -> NotificationPreferences:
    """An employee chooses their channels, Telegram chat and quiet hours."""
    employee = actor_employee(actor)
    if employee is None:
        raise PermissionDenied()
    prefs = preferences_for(employee)
    _apply(prefs, data, PREFERENCE_FIELDS)
    if (prefs.quiet_hours_start is None) != (prefs.quiet_hours_end is None):
        raise ValidationError({"quiet_hours_end": _("Укажите начало и конец тихих часов.")})
    if prefs.telegram_enabled and not prefs.telegram_chat_id.strip():
        raise ValidationError({"telegram_chat_id": _("Чтобы получать уведомления в Telegram, укажите chat id.")})
    prefs.full_clean()
    prefs.save()
    return prefs


def calendar_token_regenerate(*, actor: User) -> NotificationPreferences:
    """A new secret for the actor's calendar feed; the old URL stops working at once."""
    employee = actor_employee(actor)
    if employee is None:
        raise PermissionDenied()
    prefs = preferences_for(employee)
    prefs.calendar_token = new_calendar_token()
    prefs.save(update_fields=["calendar_token", "updated_at"])
    return prefs


def notification_settings_update(*, actor: User, data: dict[str, Any]) -> NotificationSettings:
    """Heads of accounts and admins set the agency's Telegram bot and retry policy."""
    employee = actor_employee(actor)
    if employee is None or not can_manage_org(actor):
        raise PermissionDenied()
    obj, _created = NotificationSettings.objects.get_or_create(agency=employee.agency)
    _apply(obj, data, SETTINGS_FIELDS)
    if obj.max_attempts < 1:
        raise ValidationError({"max_attempts": _("Нужна хотя бы одна попытка.")})
    obj.full_clean()
    obj.save()
    return obj


@dataclass
class ReminderRun:
    created: int = 0
    existing: int = 0
    errors: dict[str, str] = field(default_factory=dict)


def reminders_run(*, now: datetime | None = None) -> ReminderRun:
    """Ask every registered reminder source what is due and notify once per dedupe key.

    One failing source is logged and reported; the others still run.
    """
    now = now or timezone.now()
    run = ReminderRun()
    employees: dict[int, Employee] = {}
    for name, source in sorted(reminder_sources().items()):
        try:
            reminders = list(source(now))
        except Exception as exc:  # a bug in another app's source must not stop the rest
            logger.exception("reminder source %s failed", name)
            run.errors[name] = f"{type(exc).__name__}: {exc}"
            continue
        missing = {r.recipient_id for r in reminders} - set(employees)
        if missing:
            employees.update(Employee.objects.select_related("user").in_bulk(missing))
        for reminder in reminders:
            recipient = employees.get(reminder.recipient_id)
            if recipient is None:
                continue
            _n, created = notify(
                recipient=recipient, kind=reminder.kind, title=reminder.title, dedupe_key=reminder.dedupe_key,
                body=reminder.body, url=reminder.url,
            )
            if created:
                run.created += 1
            else:
                run.existing += 1
    return run


def quiet_hours_label(start: time | None, end: time | None) -> str:
    if start is None or end is None:
        return ""
    return f"{start:%H:%M}–{end:%H:%M}"
