"""Client results: analytics sources (a Metrica counter per client) and their daily snapshots.

Snapshots are the history that the client report, health and «no results» rules read by period,
so they are indexed by (client, date) and there is exactly one per source and day.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from tandem.core.models import TimeStampedModel


class AnalyticsKind(models.TextChoices):
    METRICA = "metrica", _("Яндекс Метрика")
    GA4 = "ga4", _("Google Analytics 4")
    # Uploaded files (tandem.integrations.results_files): positions, ad spend, any daily figures.
    TOPVISOR = "topvisor", _("Topvisor (позиции)")
    SE_RANKING = "se_ranking", _("SE Ranking (позиции)")
    YANDEX_DIRECT = "yandex_direct", _("Яндекс Директ (расход)")
    VK_ADS = "vk_ads", _("VK Реклама (расход)")
    UPLOAD = "upload", _("Таблица CSV/XLSX")


API_KINDS = (AnalyticsKind.METRICA, AnalyticsKind.GA4)
UPLOAD_KINDS = (
    AnalyticsKind.TOPVISOR, AnalyticsKind.SE_RANKING, AnalyticsKind.YANDEX_DIRECT, AnalyticsKind.VK_ADS,
    AnalyticsKind.UPLOAD,
)


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
    # Metrica: the counter number; GA4: the property id (also digits only).
    # Uploaded sources have none.
    counter_id = models.CharField(_("номер счётчика"), max_length=12, validators=[counter_id_validator], blank=True)
    # Fernet-encrypted credentials (tandem.core.secrets): Metrica's OAuth token or GA4's
    # service-account JSON key; never shown back or logged.
    token_encrypted = models.TextField(blank=True, editable=False)
    # Goals whose reaches count as leads (Metrica goal ids).
    goal_ids = models.JSONField(_("цели-заявки"), default=list, blank=True)
    # Uploaded sources: {field: column header} as last used for this client and export.
    column_mapping = models.JSONField(_("сопоставление столбцов"), default=dict, blank=True)
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
    # Search positions of the day (uploaded Topvisor / SE Ranking exports).
    avg_position = models.DecimalField(_("средняя позиция"), max_digits=6, decimal_places=2, null=True, blank=True)
    top10_share = models.DecimalField(_("доля в топ-10, %"), max_digits=5, decimal_places=2, null=True, blank=True)
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


# --- the client report (issue #11) ---------------------------------------------------------------


class ClientReportStatus(models.TextChoices):
    DRAFT = "draft", _("Черновик")
    SENT = "sent", _("Отправлен")


def client_report_pdf_path(instance: ClientReport, filename: str) -> str:
    return f"client_reports/{instance.client_id}/{instance.period_start:%Y-%m}-{instance.pk}.pdf"


class ClientReport(TimeStampedModel):
    """A client's report for a period. The figures are built into `data` when the draft is made
    or rebuilt and are kept as they were sent; the AM writes `summary` and `next_plan` before
    sending. Sent reports keep the PDF the client received."""

    agency = models.ForeignKey("org.Agency", on_delete=models.CASCADE, related_name="client_reports")
    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="reports")
    period_start = models.DateField(_("период с"))
    period_end = models.DateField(_("период по"))
    status = models.CharField(
        _("статус"), max_length=8, choices=ClientReportStatus.choices, default=ClientReportStatus.DRAFT
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("автор"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )
    summary = models.TextField(_("итоги периода"), blank=True)
    next_plan = models.TextField(_("план на следующий период"), blank=True)
    # Figures as built (money as strings): tandem.reports.client_report.ReportFigures.
    data = models.JSONField(default=dict, editable=False)
    built_at = models.DateTimeField(_("данные собраны"), null=True, blank=True)
    sent_to = models.ManyToManyField("clients.Contact", verbose_name=_("получатели"), blank=True, related_name="+")
    sent_at = models.DateTimeField(_("отправлен"), null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Set by the mail job once the letter has left: a retried job does not send twice.
    emailed_at = models.DateTimeField(_("письмо ушло"), null=True, blank=True)
    pdf = models.FileField(_("PDF"), upload_to=client_report_pdf_path, blank=True, max_length=255)
    interaction = models.ForeignKey(
        "comms.Interaction", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords(excluded_fields=["updated_at", "data", "built_at", "emailed_at"])

    class Meta:
        verbose_name = _("отчёт клиенту")
        verbose_name_plural = _("отчёты клиентам")
        ordering = ["-period_start", "client_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "period_start", "period_end"], name="client_report_one_per_period"
            ),
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")), name="client_report_period_order"
            ),
        ]
        indexes = [models.Index(fields=["agency", "status", "period_start"], name="client_report_agency_status")]

    def __str__(self) -> str:
        return f"{self.client} {self.period_start:%m.%Y}"

    @property
    def is_draft(self) -> bool:
        return self.status == ClientReportStatus.DRAFT


class ClientReportSchedule(TimeStampedModel):
    """When a client's monthly report draft is prepared: on the N-th working day of the month,
    for the previous month. Clients without a row use the default day; `is_active=False` stops it."""

    client = models.OneToOneField("clients.Client", on_delete=models.CASCADE, related_name="report_schedule")
    working_day = models.PositiveSmallIntegerField(
        _("рабочий день месяца"), default=3, validators=[MinValueValidator(1), MaxValueValidator(20)],
        help_text=_("Например, 3 — третий рабочий день месяца."),
    )
    is_active = models.BooleanField(_("готовить отчёт по расписанию"), default=True)

    class Meta:
        verbose_name = _("расписание отчёта")
        verbose_name_plural = _("расписания отчётов")

    def __str__(self) -> str:
        return f"{self.client_id}: {self.working_day}"


# --- documents from the agency's DOCX templates ------------------------------------------------


class DocumentKind(models.TextChoices):
    CONTRACT = "contract", _("Договор")
    ACT = "act", _("Акт")
    PROPOSAL = "proposal", _("Коммерческое предложение")
    CLIENT_REPORT = "client_report", _("Отчёт клиенту")


def document_template_path(instance: DocumentTemplate, filename: str) -> str:
    return f"document_templates/{instance.agency_id}/{instance.kind}-{timezone.now():%Y%m%d%H%M%S}.docx"


class DocumentTemplate(TimeStampedModel):
    """An agency's DOCX template (docxtpl) of one kind. The active one is used; uploading a new
    one replaces it and keeps the old one inactive. Without an uploaded one the built-in default
    (tandem.reports.documents.default_template) is used."""

    agency = models.ForeignKey("org.Agency", on_delete=models.CASCADE, related_name="document_templates")
    kind = models.CharField(_("вид документа"), max_length=16, choices=DocumentKind.choices)
    name = models.CharField(_("название"), max_length=255)
    file = models.FileField(_("файл DOCX"), upload_to=document_template_path, max_length=255)
    is_active = models.BooleanField(_("используется"), default=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("шаблон документа")
        verbose_name_plural = _("шаблоны документов")
        ordering = ["kind", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "kind"], condition=models.Q(is_active=True), name="document_template_one_active"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.name}"
