"""Growth: the upsell pipeline, rule-based suggestions and «the service gives no results».

- `Opportunity`: a possible sale of a service to a client with its stage, probability and next
  step; every stage change is a `StageChange` row (and the simple-history of the row).
- `GrowthRule`: the agency's editable rules (enabled, threshold, months) behind suggestions and
  the «no results» check; one row per rule kind and agency.
- `Suggestion`: what a rule found for a client, with the evidence. Identified by
  (client, kind, evidence_key): the same evidence is never suggested twice, whatever became of it.
- `ServiceMark`: the AM's monthly mark of a client service where no analytics exist.
- `NoResultsRecommendation`: a client service whose results stayed flat or fell for N months while
  money was spent, and the AM's decision (keep, change, stop, replace).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from tandem.contracts.models import BillingModel
from tandem.core.models import TimeStampedModel


class Stage(models.TextChoices):
    IDEA = "idea", _("Идея")
    OFFERED = "offered", _("Предложено")
    PROPOSAL_SENT = "proposal_sent", _("КП отправлено")
    WON = "won", _("Выиграно")
    LOST = "lost", _("Проиграно")


OPEN_STAGES = (Stage.IDEA, Stage.OFFERED, Stage.PROPOSAL_SENT)
CLOSED_STAGES = (Stage.WON, Stage.LOST)
# The usual probability of each stage, proposed when an opportunity enters it.
DEFAULT_PROBABILITY = {Stage.IDEA: 10, Stage.OFFERED: 30, Stage.PROPOSAL_SENT: 50, Stage.WON: 100, Stage.LOST: 0}


class LostReason(models.TextChoices):
    PRICE = "price", _("Дорого")
    NO_BUDGET = "no_budget", _("Нет бюджета")
    NOT_NEEDED = "not_needed", _("Не нужно сейчас")
    COMPETITOR = "competitor", _("Выбрали другого подрядчика")
    NO_ANSWER = "no_answer", _("Не ответили")
    OTHER = "other", _("Другое")


class Opportunity(TimeStampedModel):
    agency = models.ForeignKey("org.Agency", on_delete=models.CASCADE, related_name="opportunities")
    client = models.ForeignKey("clients.Client", on_delete=models.CASCADE, related_name="opportunities",
                               verbose_name=_("клиент"))
    service = models.ForeignKey("contracts.Service", on_delete=models.PROTECT, related_name="opportunities",
                                verbose_name=_("услуга"))
    monthly_value = models.DecimalField(
        _("ожидаемая сумма в месяц, ₽"), max_digits=14, decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )
    stage = models.CharField(_("этап"), max_length=16, choices=Stage.choices, default=Stage.IDEA)
    probability = models.PositiveSmallIntegerField(
        _("вероятность, %"), default=10, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    owner = models.ForeignKey("org.Employee", on_delete=models.PROTECT, related_name="opportunities",
                              verbose_name=_("ответственный"))
    next_step = models.CharField(_("следующий шаг"), max_length=255, blank=True)
    next_step_date = models.DateField(_("дата следующего шага"), null=True, blank=True)
    lost_reason = models.CharField(_("причина проигрыша"), max_length=16, choices=LostReason.choices, blank=True)
    lost_comment = models.TextField(_("комментарий к проигрышу"), blank=True)
    closed_at = models.DateTimeField(_("закрыта"), null=True, blank=True)
    notes = models.TextField(_("заметки"), blank=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("возможность допродажи")
        verbose_name_plural = _("возможности допродажи")
        ordering = ["next_step_date", "-id"]
        indexes = [
            models.Index(fields=["agency", "stage"]),
            models.Index(fields=["owner", "stage", "next_step_date"]),
            models.Index(fields=["client", "stage"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(stage=Stage.LOST) | ~models.Q(lost_reason=""), name="opportunity_lost_has_reason",
            ),
            models.CheckConstraint(
                condition=models.Q(probability__gte=0) & models.Q(probability__lte=100),
                name="opportunity_probability_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.client} — {self.service}"

    @property
    def weighted_value(self) -> Decimal:
        return (self.monthly_value * self.probability / Decimal(100)).quantize(Decimal("0.01"))

    @property
    def is_open(self) -> bool:
        return self.stage in OPEN_STAGES


class StageChange(models.Model):
    """A dated move of an opportunity between stages, with who moved it and why."""

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.CharField(max_length=16, choices=Stage.choices, blank=True)
    to_stage = models.CharField(max_length=16, choices=Stage.choices)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(_("когда"), db_index=True)
    comment = models.TextField(_("комментарий"), blank=True)

    class Meta:
        verbose_name = _("смена этапа")
        verbose_name_plural = _("история этапов")
        ordering = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.from_stage or '—'} → {self.to_stage}"


class RuleKind(models.TextChoices):
    SEO_NO_CONTEXT = "seo_no_context", _("Есть SEO, нет контекстной рекламы")
    RETAINER_OVERUSE = "retainer_overuse", _("Абонемент перерасходован несколько месяцев подряд")
    RESULTS_GROWING = "results_growing", _("Результаты растут — предложить больше бюджета")
    PEER_SERVICE = "peer_service", _("Услуга, которую покупают похожие клиенты")
    NO_RESULTS = "no_results", _("Услуга не даёт результата")


# What a rule's threshold and months mean by default (the settings page explains each).
RULE_DEFAULTS: dict[str, tuple[Decimal, int]] = {
    RuleKind.SEO_NO_CONTEXT: (Decimal("0"), 0),
    RuleKind.RETAINER_OVERUSE: (Decimal("100"), 3),   # hours used over 100 % of plan, 3 months running
    RuleKind.RESULTS_GROWING: (Decimal("10"), 3),     # leads grew by more than 10 % a month, 3 months running
    RuleKind.PEER_SERVICE: (Decimal("50"), 3),        # at least half of similar clients buy it (at least 3 of them)
    RuleKind.NO_RESULTS: (Decimal("5"), 3),           # results grew by no more than 5 % a month, 3 months running
}
SUGGESTION_KINDS = (RuleKind.SEO_NO_CONTEXT, RuleKind.RETAINER_OVERUSE, RuleKind.RESULTS_GROWING, RuleKind.PEER_SERVICE)


class GrowthRule(models.Model):
    agency = models.ForeignKey("org.Agency", on_delete=models.CASCADE, related_name="growth_rules")
    kind = models.CharField(_("правило"), max_length=20, choices=RuleKind.choices)
    is_enabled = models.BooleanField(_("включено"), default=True)
    threshold = models.DecimalField(
        _("порог, %"), max_digits=7, decimal_places=2, default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1000"))],
    )
    months = models.PositiveSmallIntegerField(
        _("месяцев подряд"), default=3, validators=[MinValueValidator(0), MaxValueValidator(12)]
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("правило роста")
        verbose_name_plural = _("правила роста")
        ordering = ["kind"]
        constraints = [models.UniqueConstraint(fields=["agency", "kind"], name="growth_rule_one_per_kind")]

    def __str__(self) -> str:
        return self.get_kind_display()


class SuggestionStatus(models.TextChoices):
    OPEN = "open", _("Новая")
    ACCEPTED = "accepted", _("В воронке")
    DISMISSED = "dismissed", _("Отклонена")


class Suggestion(TimeStampedModel):
    agency = models.ForeignKey("org.Agency", on_delete=models.CASCADE, related_name="growth_suggestions")
    client = models.ForeignKey("clients.Client", on_delete=models.CASCADE, related_name="growth_suggestions",
                               verbose_name=_("клиент"))
    kind = models.CharField(_("правило"), max_length=20, choices=RuleKind.choices)
    service = models.ForeignKey("contracts.Service", on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("услуга"))
    monthly_value = models.DecimalField(_("оценка в месяц, ₽"), max_digits=14, decimal_places=2,
                                        default=Decimal("0"))
    # Human-readable facts behind the suggestion: [{"label": ..., "value": ...}, ...].
    evidence = models.JSONField(_("основания"), default=list)
    # What the evidence is, in a stable form: the same key is the same evidence.
    evidence_key = models.CharField(max_length=255)
    status = models.CharField(_("статус"), max_length=10, choices=SuggestionStatus.choices,
                              default=SuggestionStatus.OPEN)
    dismiss_reason = models.TextField(_("причина отказа"), blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    opportunity = models.OneToOneField(Opportunity, on_delete=models.SET_NULL, null=True, blank=True,
                                       related_name="suggestion")

    class Meta:
        verbose_name = _("подсказка")
        verbose_name_plural = _("подсказки")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["client", "kind", "evidence_key"], name="suggestion_once_per_evidence"),
            models.CheckConstraint(
                condition=~models.Q(status=SuggestionStatus.DISMISSED) | ~models.Q(dismiss_reason=""),
                name="suggestion_dismissed_has_reason",
            ),
        ]
        indexes = [models.Index(fields=["agency", "status"])]

    def __str__(self) -> str:
        return f"{self.client}: {self.get_kind_display()}"


class Mark(models.TextChoices):
    BETTER = "better", _("Лучше")
    SAME = "same", _("Так же")
    WORSE = "worse", _("Хуже")


class ServiceMark(TimeStampedModel):
    """The AM's mark of how a client service did in a month, where analytics give no numbers."""

    client = models.ForeignKey("clients.Client", on_delete=models.CASCADE, related_name="service_marks",
                               verbose_name=_("клиент"))
    contract_line = models.ForeignKey("contracts.ContractLine", on_delete=models.CASCADE, related_name="marks",
                                      verbose_name=_("услуга"))
    month = models.DateField(_("месяц"))
    mark = models.CharField(_("оценка"), max_length=8, choices=Mark.choices)
    comment = models.TextField(_("комментарий"), blank=True)
    marked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("оценка услуги за месяц")
        verbose_name_plural = _("оценки услуг за месяц")
        ordering = ["-month", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["contract_line", "month"], name="service_mark_one_per_month"),
        ]

    def __str__(self) -> str:
        return f"{self.contract_line} {self.month:%m.%Y}: {self.get_mark_display()}"


class Decision(models.TextChoices):
    KEEP = "keep", _("Оставить")
    CHANGE = "change", _("Изменить подход")
    STOP = "stop", _("Остановить")
    REPLACE = "replace", _("Заменить другой услугой")


class NoResultsRecommendation(TimeStampedModel):
    agency = models.ForeignKey("org.Agency", on_delete=models.CASCADE, related_name="no_results_recommendations")
    client = models.ForeignKey("clients.Client", on_delete=models.CASCADE, related_name="no_results_recommendations",
                               verbose_name=_("клиент"))
    contract_line = models.ForeignKey("contracts.ContractLine", on_delete=models.CASCADE, related_name="+",
                                      verbose_name=_("услуга"))
    # "analytics" (snapshots) or "marks" (the AM's monthly marks).
    basis = models.CharField(_("источник"), max_length=10)
    evidence = models.JSONField(_("основания"), default=list)
    evidence_key = models.CharField(max_length=255)
    spent = models.DecimalField(_("выставлено за период, ₽"), max_digits=14, decimal_places=2, default=Decimal("0"))
    hours = models.DecimalField(_("часов за период"), max_digits=10, decimal_places=2, default=Decimal("0"))
    decision = models.CharField(_("решение"), max_length=10, choices=Decision.choices, blank=True)
    replacement_service = models.ForeignKey(
        "contracts.Service", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("заменить на"),
    )
    decision_comment = models.TextField(_("комментарий к решению"), blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    decided_at = models.DateTimeField(_("решение принято"), null=True, blank=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("рекомендация «нет результата»")
        verbose_name_plural = _("рекомендации «нет результата»")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["contract_line", "evidence_key"], name="no_results_once_per_evidence"),
            models.CheckConstraint(
                condition=~models.Q(decision=Decision.REPLACE) | models.Q(replacement_service__isnull=False),
                name="no_results_replace_names_service",
            ),
        ]
        indexes = [models.Index(fields=["agency", "decided_at"])]

    def __str__(self) -> str:
        return f"{self.client}: {self.contract_line}"

    @property
    def is_decided(self) -> bool:
        return bool(self.decision)


# --- commercial proposals (КП, issue #11) ----------------------------------------------------------


class ProposalStatus(models.TextChoices):
    DRAFT = "draft", _("Черновик")
    SENT = "sent", _("Отправлено")
    ACCEPTED = "accepted", _("Принято")
    DECLINED = "declined", _("Отклонено")


# Allowed moves: a sent КП may go back to draft for changes; accepted and declined are final
# (a declined client gets a new КП).
PROPOSAL_TRANSITIONS: dict[str, tuple[str, ...]] = {
    ProposalStatus.DRAFT: (ProposalStatus.SENT,),
    ProposalStatus.SENT: (ProposalStatus.ACCEPTED, ProposalStatus.DECLINED, ProposalStatus.DRAFT),
    ProposalStatus.ACCEPTED: (),
    ProposalStatus.DECLINED: (),
}


class Proposal(TimeStampedModel):
    """A commercial proposal: services of the catalogue at prices, a discount and a validity date.
    Sent to the client as a DOCX/PDF (the agency's «КП» template); an accepted one becomes a draft
    contract with the same lines. May belong to an upsell opportunity (its «КП отправлено» stage)."""

    agency = models.ForeignKey("org.Agency", on_delete=models.CASCADE, related_name="proposals")
    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="proposals",
                               verbose_name=_("клиент"))
    number = models.CharField(_("номер"), max_length=40)
    date = models.DateField(_("дата"))
    valid_until = models.DateField(_("действует до"))
    discount_percent = models.DecimalField(
        _("скидка, %"), max_digits=5, decimal_places=2, default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    with_vat = models.BooleanField(_("с НДС"), default=True)
    status = models.CharField(_("статус"), max_length=10, choices=ProposalStatus.choices, default=ProposalStatus.DRAFT)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("автор"))
    opportunity = models.ForeignKey(Opportunity, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="proposals", verbose_name=_("возможность допродажи"))
    contract = models.ForeignKey("contracts.Contract", on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="proposals", verbose_name=_("договор"))
    notes = models.TextField(_("примечания"), blank=True)

    class Meta:
        verbose_name = _("коммерческое предложение")
        verbose_name_plural = _("коммерческие предложения")
        ordering = ["-date", "-id"]
        constraints = [models.UniqueConstraint(fields=["agency", "number"], name="proposal_number_unique_in_agency")]
        indexes = [models.Index(fields=["agency", "status"]), models.Index(fields=["client", "status"])]

    def __str__(self) -> str:
        return f"{self.number} от {self.date:%d.%m.%Y}"


class ProposalLine(models.Model):
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="lines")
    service = models.ForeignKey("contracts.Service", on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("услуга"))
    # How the line becomes a contract line (monthly retainer, fixed price or hourly).
    billing_model = models.CharField(_("модель оплаты"), max_length=20, choices=BillingModel.choices,
                                     default=BillingModel.MONTHLY_RETAINER)
    price = models.DecimalField(_("цена, ₽"), max_digits=14, decimal_places=2,
                                validators=[MinValueValidator(Decimal("0"))])
    quantity = models.DecimalField(_("количество"), max_digits=9, decimal_places=2, default=Decimal("1"),
                                   validators=[MinValueValidator(Decimal("0.01"))])

    class Meta:
        verbose_name = _("строка КП")
        verbose_name_plural = _("строки КП")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.service_id} × {self.quantity}"


class ProposalStatusChange(models.Model):
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=10, choices=ProposalStatus.choices, blank=True)
    to_status = models.CharField(max_length=10, choices=ProposalStatus.choices)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(_("когда"))
    comment = models.TextField(_("комментарий"), blank=True)

    class Meta:
        verbose_name = _("смена статуса КП")
        verbose_name_plural = _("история статусов КП")
        ordering = ["changed_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status or '—'} → {self.to_status}"
