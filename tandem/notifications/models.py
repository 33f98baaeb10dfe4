"""In-app notifications, their deliveries over e-mail and Telegram, and who wants what.

A Notification is the in-app record (always kept). Each outside channel the recipient has
chosen gets a NotificationDelivery row with its own status, attempts and backoff, so a
failed Telegram send is visible and retried without touching the e-mail that went out.
"""

from __future__ import annotations

import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _

from tandem.core.models import TimeStampedModel


def new_calendar_token() -> str:
    return secrets.token_urlsafe(24)


class Channel(models.TextChoices):
    IN_APP = "in_app", _("В Tandem")
    EMAIL = "email", _("E-mail")
    TELEGRAM = "telegram", _("Telegram")


class NotificationSettings(TimeStampedModel):
    """Agency-wide delivery settings: the Telegram bot and the retry policy."""

    agency = models.OneToOneField("org.Agency", on_delete=models.CASCADE, related_name="notification_settings")
    telegram_bot_token = models.CharField(_("токен Telegram-бота"), max_length=100, blank=True)
    max_attempts = models.PositiveSmallIntegerField(_("попыток доставки"), default=5)
    retry_base_seconds = models.PositiveIntegerField(_("первая пауза перед повтором, с"), default=60)

    class Meta:
        verbose_name = _("настройки уведомлений агентства")
        verbose_name_plural = _("настройки уведомлений агентств")


class NotificationPreferences(TimeStampedModel):
    """How one employee wants to be reached, and the secret of their calendar feed."""

    employee = models.OneToOneField(
        "org.Employee", on_delete=models.CASCADE, related_name="notification_preferences"
    )
    email_enabled = models.BooleanField(_("по e-mail"), default=True)
    telegram_enabled = models.BooleanField(_("в Telegram"), default=False)
    telegram_chat_id = models.CharField(_("Telegram chat id"), max_length=64, blank=True)
    quiet_hours_start = models.TimeField(_("не беспокоить с"), null=True, blank=True)
    quiet_hours_end = models.TimeField(_("не беспокоить до"), null=True, blank=True)
    calendar_token = models.CharField(max_length=64, unique=True, default=new_calendar_token, editable=False)

    class Meta:
        verbose_name = _("настройки уведомлений")
        verbose_name_plural = _("настройки уведомлений")
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(quiet_hours_start__isnull=True) & models.Q(quiet_hours_end__isnull=True))
                | (models.Q(quiet_hours_start__isnull=False) & models.Q(quiet_hours_end__isnull=False)),
                name="notification_prefs_quiet_hours_both_or_none",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.employee}"


class Notification(TimeStampedModel):
    """One message to one employee. `dedupe_key` makes every job that creates it idempotent."""

    recipient = models.ForeignKey("org.Employee", on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(_("вид"), max_length=40)
    title = models.CharField(_("заголовок"), max_length=255)
    body = models.TextField(_("текст"), blank=True)
    url = models.CharField(_("ссылка"), max_length=500, blank=True)
    dedupe_key = models.CharField(max_length=200, unique=True)
    read_at = models.DateTimeField(_("прочитано"), null=True, blank=True)

    class Meta:
        verbose_name = _("уведомление")
        verbose_name_plural = _("уведомления")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at", "created_at"])]

    def __str__(self) -> str:
        return self.title


class NotificationDelivery(models.Model):
    """Sending a notification over one outside channel; retried with backoff, then failed."""

    class Status(models.TextChoices):
        PENDING = "pending", _("ожидает")
        SENT = "sent", _("отправлено")
        FAILED = "failed", _("не доставлено")

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(max_length=20, choices=Channel.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("доставка уведомления")
        verbose_name_plural = _("доставки уведомлений")
        constraints = [
            models.UniqueConstraint(fields=["notification", "channel"], name="delivery_one_per_channel"),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.notification_id}:{self.channel}:{self.status}"
