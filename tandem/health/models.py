"""Client health: the agency's weights and thresholds, the daily score history with its factors,
«под риском» proposals to the AM and stored back-test runs (issue 12)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from tandem.core.models import TimeStampedModel

DEFAULT_COMPLAINT_PHRASES = "\n".join([
    "расторгнуть", "расторжение", "нет результата", "недовольный",
    "перейти к другому подрядчику", "другое агентство", "уйти к конкуренту", "сливать бюджет",
    "не устраивать", "претензия", "жалоба",
])


def _weight(label: Any, default: int) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(
        label, default=default, validators=[MaxValueValidator(100)],
        help_text=_("Сколько баллов из 100 фактор снимает в худшем случае."),
    )


class HealthSettings(TimeStampedModel):
    """One row per agency: how much each factor may cost (weights) and when it starts to count."""

    agency = models.OneToOneField("org.Agency", on_delete=models.CASCADE, related_name="health_settings")
    risk_threshold = models.PositiveSmallIntegerField(
        _("порог риска"), default=60, validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("Оценка ниже порога предлагает аккаунту статус «под риском»."),
    )
    weight_payment = _weight(_("вес: платёжная дисциплина"), 20)
    payment_late_days = models.PositiveSmallIntegerField(
        _("просрочка оплаты для полного штрафа, дней"), default=30, validators=[MinValueValidator(1)])
    weight_contact = _weight(_("вес: давность контакта"), 15)
    weight_sla = _weight(_("вес: SLA и эскалации"), 15)
    weight_work = _weight(_("вес: просроченные задачи и этапы у клиента"), 10)
    stage_wait_days = models.PositiveSmallIntegerField(
        _("этап ждёт клиента дольше, дней"), default=7, validators=[MinValueValidator(1)])
    weight_results = _weight(_("вес: динамика результатов"), 10)
    results_drop_pct = models.PositiveSmallIntegerField(
        _("падение результатов для полного штрафа, %"), default=30,
        validators=[MinValueValidator(1), MaxValueValidator(100)])
    weight_new_client = _weight(_("вес: первые два месяца"), 5)
    new_client_days = models.PositiveSmallIntegerField(_("первые месяцы, дней"), default=60)
    weight_am_change = _weight(_("вес: смена аккаунта"), 10)
    am_change_days = models.PositiveSmallIntegerField(_("смена аккаунта учитывается, дней"), default=90)
    weight_volume = _weight(_("вес: падение часов или счетов"), 10)
    volume_drop_pct = models.PositiveSmallIntegerField(
        _("падение объёма для полного штрафа, %"), default=50,
        validators=[MinValueValidator(1), MaxValueValidator(100)])
    weight_complaints = _weight(_("вес: жалобы во взаимодействиях"), 25)
    lookback_days = models.PositiveSmallIntegerField(
        _("окно для SLA и жалоб, дней"), default=60, validators=[MinValueValidator(7), MaxValueValidator(365)])
    complaint_phrases = models.TextField(
        _("фразы-сигналы жалоб"), default=DEFAULT_COMPLAINT_PHRASES,
        help_text=_("По одной на строке; сравниваются по начальным формам слов (pymorphy3)."),
    )
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("настройки здоровья клиентов")
        verbose_name_plural = _("настройки здоровья клиентов")

    def __str__(self) -> str:
        return str(self.agency)


class HealthScore(models.Model):
    """A client's score on one day (0–100, higher is healthier) with its factors.

    `factors` is a list of {"key", "label", "points", "detail", "events": [{"kind", "id", "label"}]}:
    points are what the factor took off 100; events are the records behind it (invoice, request,
    task, interaction…), so a page can link them.
    """

    agency = models.ForeignKey("org.Agency", on_delete=models.CASCADE, related_name="+")
    client = models.ForeignKey("clients.Client", on_delete=models.CASCADE, related_name="health_scores")
    day = models.DateField(_("день"))
    score = models.PositiveSmallIntegerField(_("оценка"))
    factors = models.JSONField(_("факторы"), default=list)
    computed_at = models.DateTimeField(_("рассчитана"))

    class Meta:
        verbose_name = _("оценка здоровья")
        verbose_name_plural = _("оценки здоровья")
        ordering = ["-day", "client_id"]
        constraints = [models.UniqueConstraint(fields=["client", "day"], name="health_score_one_per_day")]
        indexes = [models.Index(fields=["agency", "day"], name="health_score_agency_day")]

    def __str__(self) -> str:
        return f"{self.client_id} {self.day}: {self.score}"

    @property
    def top_factor(self) -> dict | None:  # type: ignore[type-arg]
        hurting = [f for f in self.factors if f.get("points", 0) > 0]
        return max(hurting, key=lambda f: f["points"]) if hurting else None


class ProposalStatus(models.TextChoices):
    OPEN = "open", _("Ждёт решения")
    ACCEPTED = "accepted", _("Принято")
    DISMISSED = "dismissed", _("Отклонено")


class RiskProposal(TimeStampedModel):
    """«Поставить клиента под риск?» — raised by a low score, decided by the AM (or their heads)."""

    agency = models.ForeignKey("org.Agency", on_delete=models.CASCADE, related_name="+")
    client = models.ForeignKey("clients.Client", on_delete=models.CASCADE, related_name="risk_proposals")
    health_score = models.ForeignKey(HealthScore, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    day = models.DateField(_("день оценки"))
    score = models.PositiveSmallIntegerField(_("оценка"))
    reasons = models.JSONField(_("причины"), default=list)
    status = models.CharField(_("статус"), max_length=12, choices=ProposalStatus.choices, default=ProposalStatus.OPEN)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(_("решено"), null=True, blank=True)
    comment = models.TextField(_("комментарий"), blank=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("предложение «под риском»")
        verbose_name_plural = _("предложения «под риском»")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["client"], condition=models.Q(status="open"),
                                    name="risk_proposal_one_open_per_client"),
        ]
        indexes = [models.Index(fields=["agency", "status"], name="risk_proposal_agency_status")]

    def __str__(self) -> str:
        return f"{self.client_id} {self.day} ({self.get_status_display()})"

    @property
    def top_reason(self) -> str:
        return self.reasons[0]["label"] if self.reasons else ""


class BacktestRun(models.Model):
    """One replay of the score over the agency's past and what it found (see health.backtest)."""

    agency = models.ForeignKey("org.Agency", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(_("запущен"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    start = models.DateField(_("с"))
    end = models.DateField(_("по"))
    step_days = models.PositiveSmallIntegerField(_("шаг, дней"))
    horizon_days = models.PositiveSmallIntegerField(_("горизонт, дней"))
    threshold = models.PositiveSmallIntegerField(_("порог"))
    result = models.JSONField(_("результат"), default=dict)

    class Meta:
        verbose_name = _("бэк-тест оценки здоровья")
        verbose_name_plural = _("бэк-тесты оценки здоровья")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.start}–{self.end}"
