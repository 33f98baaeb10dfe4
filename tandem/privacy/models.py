"""Requests about a contact person's personal data (152-ФЗ): each export and erasure is recorded.

The record names the contact by id only (after an erasure the name is gone on purpose), the
client it belonged to, who did it, when and why.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class PersonalDataAction(models.Model):
    class Kind(models.TextChoices):
        EXPORT = "export", _("Выгрузка")
        ERASURE = "erasure", _("Удаление (обезличивание)")

    agency = models.ForeignKey("org.Agency", on_delete=models.CASCADE, related_name="+")
    client = models.ForeignKey("clients.Client", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                               verbose_name=_("клиент"))
    contact_id = models.PositiveBigIntegerField(_("контакт №"), db_index=True)
    kind = models.CharField(_("действие"), max_length=10, choices=Kind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("кто"))
    at = models.DateTimeField(_("когда"), auto_now_add=True)
    reason = models.TextField(_("основание"), max_length=2000)

    class Meta:
        verbose_name = _("действие с персональными данными")
        verbose_name_plural = _("журнал персональных данных")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · #{self.contact_id} · {self.at:%d.%m.%Y}"
