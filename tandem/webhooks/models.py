"""Outbound webhooks: the agency's endpoints (URL, signing secret, chosen events) and every
delivery with its attempts, so an admin sees what was sent, what failed and why."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from tandem.core.models import TimeStampedModel


class WebhookEndpoint(TimeStampedModel):
    """A URL of the agency's other system that receives the chosen events as signed JSON POSTs."""

    agency = models.ForeignKey("org.Agency", on_delete=models.CASCADE, related_name="webhook_endpoints")
    url = models.URLField(_("адрес"), max_length=500)
    description = models.CharField(_("описание"), max_length=200, blank=True)
    events = models.JSONField(_("события"), default=list)
    # Fernet-encrypted (tandem.core.secrets); shown once, when the endpoint is created.
    secret_encrypted = models.TextField(editable=False)
    is_active = models.BooleanField(_("включён"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords(excluded_fields=["updated_at", "secret_encrypted"])

    class Meta:
        verbose_name = _("вебхук")
        verbose_name_plural = _("вебхуки")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.url


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("В очереди")
    SUCCEEDED = "succeeded", _("Доставлено")
    FAILED = "failed", _("Не доставлено")


class WebhookDelivery(models.Model):
    """One event for one endpoint. `delivery_id` goes in the X-Tandem-Delivery header: receivers
    drop repeats by it (a retry after a lost answer sends the same id)."""

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    delivery_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    event = models.CharField(_("событие"), max_length=50)
    payload = models.JSONField(_("данные"))
    status = models.CharField(_("статус"), max_length=10, choices=DeliveryStatus.choices,
                              default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("попыток"), default=0)
    last_status_code = models.PositiveSmallIntegerField(_("ответ"), null=True, blank=True)
    last_error = models.CharField(_("ошибка"), max_length=500, blank=True)
    next_attempt_at = models.DateTimeField(_("следующая попытка"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("доставлено"), null=True, blank=True)
    created_at = models.DateTimeField(_("создано"), db_index=True)

    class Meta:
        verbose_name = _("доставка вебхука")
        verbose_name_plural = _("доставки вебхуков")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint_id}"
