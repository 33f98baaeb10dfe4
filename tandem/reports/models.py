"""Client results: analytics sources (a Metrica counter per client) and their daily snapshots.

Snapshots are the history that the client report, health and «no results» rules read by period,
so they are indexed by (client, date) and there is exactly one per source and day.
"""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from tandem.core.models import TimeStampedModel


class AnalyticsKind(models.TextChoices):
    METRICA = "metrica", _("Яндекс Метрика")


class SyncStatus(models.TextChoices):
    NEVER = "never", _("ещё не обновлялся")
    OK = "ok", _("обновлён")
    ERROR = "error", _("ошибка")


counter_id_validator = RegexValidator(r"^\d{1,12}$", _("Номер счётчика — только цифры."))


class AnalyticsSource(TimeStampedModel):
    client = models.ForeignKey(
        "clients.Client", on_delete=models.CASCADE, related_name="analytics_sources", verbose_name=_("клиент")
    )
    kind = models.CharField(_("сервис"), max_length=16, choices=AnalyticsKind.choices, default=AnalyticsKind.METRICA)
    counter_id = models.CharField(_("номер счётчика"), max_length=12, validators=[counter_id_validator])
    # Fernet-encrypted OAuth token (tandem.core.secrets); never shown back or logged.
    token_encrypted = models.TextField(blank=True, editable=False)
    # Goals whose reaches count as leads (Metrica goal ids).
    goal_ids = models.JSONField(_("цели-заявки"), default=list, blank=True)
    # Demo sources have made-up snapshots and no token: the nightly job skips them.
    is_demo = models.BooleanField(_("демо"), default=False)
    last_synced_at = models.DateTimeField(_("последнее обновление"), null=True, blank=True)
    last_sync_status = models.CharField(
        _("статус обновления"), max_length=8, choices=SyncStatus.choices, default=SyncStatus.NEVER
    )
    last_sync_message = models.CharField(_("сообщение"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("источник аналитики")
        verbose_name_plural = _("источники аналитики")
        constraints = [
            models.UniqueConstraint(fields=["client", "kind"], name="analytics_source_one_per_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.counter_id}"

    @property
    def has_token(self) -> bool:
        return bool(self.token_encrypted)


class AnalyticsSnapshot(models.Model):
    source = models.ForeignKey(AnalyticsSource, on_delete=models.CASCADE, related_name="snapshots")
    # Denormalised from the source so that period queries per client use one index.
    client = models.ForeignKey("clients.Client", on_delete=models.CASCADE, related_name="analytics_snapshots")
    date = models.DateField(_("дата"))
    visits = models.PositiveIntegerField(_("визиты"), default=0)
    goal_conversions = models.PositiveIntegerField(_("достижения целей"), default=0)
    leads = models.PositiveIntegerField(_("заявки"), null=True, blank=True)
    revenue = models.DecimalField(_("выручка"), max_digits=14, decimal_places=2, null=True, blank=True)
    ad_spend = models.DecimalField(_("расход на рекламу"), max_digits=14, decimal_places=2, null=True, blank=True)
    sampled = models.BooleanField(_("по выборке"), default=False)
    fetched_at = models.DateTimeField(_("получено"))

    class Meta:
        verbose_name = _("снимок аналитики")
        verbose_name_plural = _("снимки аналитики")
        constraints = [
            models.UniqueConstraint(fields=["source", "date"], name="analytics_snapshot_one_per_day"),
        ]
        indexes = [models.Index(fields=["client", "date"], name="analytics_snap_client_date")]
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.source_id} {self.date}"
