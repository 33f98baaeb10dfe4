"""Clients, their contact people, the client team (working pair) and their histories."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from tandem.core.models import TimeStampedModel
from tandem.core.validators import validate_bik, validate_inn, validate_kpp, validate_ogrn_or_ogrnip


class ServiceKind(models.TextChoices):
    """What a specialist does for a client; the contracts catalogue refines it into services."""

    SEO = "seo", _("SEO")
    CONTEXT = "context", _("Контекстная реклама")
    TARGETED = "targeted", _("Таргетированная реклама")
    SMM = "smm", _("SMM")
    MEDIA = "media", _("Медийная реклама")
    DEVELOPMENT = "development", _("Веб-разработка")
    MARKETPLACE = "marketplace", _("Маркетплейсы")
    ANALYTICS = "analytics", _("Аналитика")
    OTHER = "other", _("Другое")


class ClientKind(models.TextChoices):
    B2B = "b2b", _("B2B")
    B2C = "b2c", _("B2C")
    MARKETPLACE_SELLER = "marketplace_seller", _("Продавец на маркетплейсе")


class ClientTier(models.TextChoices):
    KEY = "key", _("Ключевой")
    CURRENT = "current", _("Текущий")
    NEW = "new", _("Новый")


class LifecycleStatus(models.TextChoices):
    LEAD = "lead", _("Лид")
    ONBOARDING = "onboarding", _("Онбординг")
    ACTIVE = "active", _("Активный")
    AT_RISK = "at_risk", _("Под риском")
    CHURNED = "churned", _("Ушёл")


# A client in these statuses occupies its account manager (counts toward the workload).
SERVED_STATUSES = (LifecycleStatus.ONBOARDING, LifecycleStatus.ACTIVE, LifecycleStatus.AT_RISK)


class ChurnReason(models.TextChoices):
    RESULTS = "results", _("Недоволен результатами")
    BUDGET = "budget", _("Сократил бюджет")
    BANKRUPTCY = "bankruptcy", _("Банкротство")
    LEFT_MARKET = "left_market", _("Ушёл с рынка")
    OTHER_AGENCY = "other_agency", _("Ушёл в другое агентство")
    IN_HOUSE = "in_house", _("Забрал в штат")
    OTHER = "other", _("Другое")


class Client(TimeStampedModel):
    agency = models.ForeignKey("org.Agency", on_delete=models.CASCADE, related_name="clients")
    legal_name = models.CharField(_("юридическое название"), max_length=255)
    brand_name = models.CharField(_("бренд"), max_length=255, blank=True)
    inn = models.CharField(_("ИНН"), max_length=12, blank=True, validators=[validate_inn])
    kpp = models.CharField(_("КПП"), max_length=9, blank=True, validators=[validate_kpp])
    ogrn = models.CharField(_("ОГРН/ОГРНИП"), max_length=15, blank=True, validators=[validate_ogrn_or_ogrnip])
    legal_address = models.TextField(_("юридический адрес"), blank=True)
    bank_name = models.CharField(_("банк"), max_length=255, blank=True)
    bik = models.CharField(_("БИК"), max_length=9, blank=True, validators=[validate_bik])
    bank_account = models.CharField(_("расчётный счёт"), max_length=20, blank=True)
    correspondent_account = models.CharField(_("корр. счёт"), max_length=20, blank=True)
    kind = models.CharField(_("тип"), max_length=24, choices=ClientKind.choices, default=ClientKind.B2B)
    tier = models.CharField(_("категория"), max_length=12, choices=ClientTier.choices, default=ClientTier.NEW)
    status = models.CharField(
        _("статус"), max_length=16, choices=LifecycleStatus.choices, default=LifecycleStatus.LEAD
    )
    status_changed_at = models.DateTimeField(_("статус изменён"), null=True, blank=True)
    # When the agency started serving the client (the first contract's start, or entered on import
    # for history that predates Tandem). The first responsible AM is on record from this day, so
    # payments of earlier months are credited to them (tandem.clients.services).
    served_since = models.DateField(
        _("в работе с"), null=True, blank=True,
        help_text=_("Дата начала работы с клиентом: первый договор или дата из прежней системы. "
                    "С этого дня оплаты клиента засчитываются его первому аккаунту."),
    )
    churn_reason = models.CharField(_("причина ухода"), max_length=20, choices=ChurnReason.choices, blank=True)
    churn_comment = models.TextField(_("комментарий к уходу"), blank=True)
    group = models.ForeignKey(
        "org.Group", verbose_name=_("группа"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="clients",
    )
    account_manager = models.ForeignKey(
        "org.Employee", verbose_name=_("аккаунт-менеджер"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="managed_clients",
    )
    character_notes = models.TextField(
        _("характер клиента"), blank=True, help_text=_("Для подбора аккаунта: кому нужен единомышленник, кому антипод.")
    )
    personal_notes = models.TextField(_("личные заметки"), blank=True, help_text=_("Питомец, хобби, важные даты."))
    website = models.URLField(_("сайт"), blank=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("клиент")
        verbose_name_plural = _("клиенты")
        ordering = ["legal_name"]
        indexes = [
            models.Index(fields=["agency", "status"]),
            models.Index(fields=["agency", "account_manager", "status"]),
            models.Index(fields=["agency", "group", "status"]),
            models.Index(fields=["agency", "inn"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status=LifecycleStatus.CHURNED) | ~models.Q(churn_reason=""),
                name="client_churned_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.brand_name or self.legal_name


class Contact(TimeStampedModel):
    """A person on the client's side, with how and how often they want to be contacted."""

    class Role(models.TextChoices):
        DECISION_MAKER = "decision_maker", _("ЛПР")
        MARKETER = "marketer", _("Маркетолог")
        LAWYER = "lawyer", _("Юрист")
        ACCOUNTANT = "accountant", _("Бухгалтер")
        OTHER = "other", _("Другое")

    class Channel(models.TextChoices):
        PHONE = "phone", _("Телефон")
        MESSENGER = "messenger", _("Мессенджер")
        EMAIL = "email", _("E-mail")
        TASK_MANAGER = "task_manager", _("Таск-менеджер")

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="contacts")
    full_name = models.CharField(_("ФИО"), max_length=255)
    position = models.CharField(_("должность"), max_length=255, blank=True)
    role = models.CharField(_("роль"), max_length=20, choices=Role.choices, default=Role.OTHER)
    phone = models.CharField(_("телефон"), max_length=32, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    messenger = models.CharField(_("мессенджер"), max_length=120, blank=True)
    preferred_channel = models.CharField(
        _("предпочтительный канал"), max_length=20, choices=Channel.choices, default=Channel.EMAIL
    )
    cadence_days = models.PositiveSmallIntegerField(
        _("частота контакта, дней"), default=7, validators=[MinValueValidator(1), MaxValueValidator(92)],
        help_text=_("1 — каждый день, 30 — раз в месяц к отчёту."),
    )
    is_urgent_contact = models.BooleanField(_("звонить в срочных случаях"), default=False)
    quiet_hours_start = models.TimeField(_("тихие часы с"), null=True, blank=True)
    quiet_hours_end = models.TimeField(_("тихие часы до"), null=True, blank=True)
    birthday = models.DateField(_("день рождения"), null=True, blank=True)
    notes = models.TextField(_("заметки"), blank=True)
    is_active = models.BooleanField(_("актуален"), default=True)
    # Derived: max(occurred_at) of the contact's interactions, kept by tandem.comms.services.interactions.
    last_interaction_at = models.DateTimeField(
        _("последнее взаимодействие"), null=True, blank=True, editable=False, db_index=True
    )
    history = HistoricalRecords(excluded_fields=["updated_at", "last_interaction_at"])

    class Meta:
        verbose_name = _("контактное лицо")
        verbose_name_plural = _("контактные лица")
        ordering = ["full_name"]
        indexes = [models.Index(fields=["email"])]
        constraints = [
            models.UniqueConstraint(
                fields=["client"], condition=models.Q(is_urgent_contact=True), name="contact_one_urgent_per_client"
            ),
            models.CheckConstraint(
                condition=(models.Q(quiet_hours_start__isnull=True) & models.Q(quiet_hours_end__isnull=True))
                | (models.Q(quiet_hours_start__isnull=False) & models.Q(quiet_hours_end__isnull=False)),
                name="contact_quiet_hours_both_or_none",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name


class TeamMember(TimeStampedModel):
    """A specialist on the client's team with the service they cover. The AM is Client.account_manager."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="team_members")
    employee = models.ForeignKey("org.Employee", on_delete=models.PROTECT, related_name="team_memberships")
    service = models.CharField(_("услуга"), max_length=20, choices=ServiceKind.choices)
    added_at = models.DateTimeField(_("добавлен"), auto_now_add=True)

    class Meta:
        verbose_name = _("специалист команды")
        verbose_name_plural = _("команда клиента")
        constraints = [
            models.UniqueConstraint(fields=["client", "employee", "service"], name="team_member_unique_service"),
        ]
        indexes = [models.Index(fields=["employee", "client"])]

    def __str__(self) -> str:
        return f"{self.employee} — {self.get_service_display()}"


class AccountManagerChange(models.Model):
    """History of the responsible AM: who replaced whom, why, and whether a limit was overridden."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="am_changes")
    previous_manager = models.ForeignKey(
        "org.Employee", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    new_manager = models.ForeignKey("org.Employee", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(_("когда"), db_index=True)
    reason = models.TextField(_("причина"), blank=True)
    limit_overridden = models.BooleanField(_("жёсткий лимит превышен принудительно"), default=False)

    class Meta:
        verbose_name = _("смена аккаунт-менеджера")
        verbose_name_plural = _("смены аккаунт-менеджеров")
        ordering = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.previous_manager or '—'} → {self.new_manager or '—'}"


class LifecycleTransition(models.Model):
    """Every change of a client's lifecycle status, with who, when and why."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="lifecycle_transitions")
    from_status = models.CharField(max_length=16, choices=LifecycleStatus.choices, blank=True)
    to_status = models.CharField(max_length=16, choices=LifecycleStatus.choices)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(_("когда"), db_index=True)
    reason = models.TextField(_("причина"), blank=True)
    churn_reason = models.CharField(max_length=20, choices=ChurnReason.choices, blank=True)

    class Meta:
        verbose_name = _("смена статуса")
        verbose_name_plural = _("история статусов")
        ordering = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_from_status_display() or '—'} → {self.get_to_status_display()}"


class ImportSource(models.TextChoices):
    TANDEM = "tandem", _("Шаблон Тандема")
    BITRIX24 = "bitrix24", _("Битрикс24")
    AMOCRM = "amocrm", _("amoCRM")


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("в очереди")
    RUNNING = "running", _("идёт")
    DONE = "done", _("готово")
    FAILED = "failed", _("не удалось")


class ImportRecord(models.Model):
    """One uploaded file: checked (dry run in the web wizard, kept until it is imported) or applied.

    `content` holds the file only between the dry run and «Импортировать»; it is emptied on apply."""

    agency = models.ForeignKey("org.Agency", on_delete=models.CASCADE, related_name="import_records")
    source = models.CharField(_("источник"), max_length=16, choices=ImportSource.choices)
    file_name = models.CharField(_("файл"), max_length=255)
    file_hash = models.CharField(_("SHA-256 файла"), max_length=64, db_index=True)
    content = models.BinaryField(blank=True, default=b"", editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("загружен"), auto_now_add=True)
    applied_at = models.DateTimeField(_("импортирован"), null=True, blank=True)
    created_count = models.PositiveIntegerField(_("создано"), default=0)
    updated_count = models.PositiveIntegerField(_("обновлено"), default=0)
    skipped_count = models.PositiveIntegerField(_("пропущено"), default=0)
    error_count = models.PositiveIntegerField(_("ошибок"), default=0)
    report = models.JSONField(default=dict, blank=True)
    # The real run as a background job (tandem.imports.tasks): queued → running → done | failed.
    job_status = models.CharField(_("состояние"), max_length=8, choices=JobStatus.choices, blank=True, default="")
    job_error = models.TextField(_("почему не импортирован"), blank=True, default="")

    class Meta:
        verbose_name = _("импорт данных")
        verbose_name_plural = _("импорт данных")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.file_name


class ImportMapping(models.Model):
    """The agency's corrections to the automatic column mapping of one source, applied to every
    later import from it: {sheet: {column name as in the file: Tandem field, "" = not imported}}."""

    agency = models.ForeignKey("org.Agency", on_delete=models.CASCADE, related_name="+")
    source = models.CharField(_("источник"), max_length=16, choices=ImportSource.choices)
    columns = models.JSONField(_("столбцы"), default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("сопоставление столбцов")
        verbose_name_plural = _("сопоставления столбцов")
        constraints = [models.UniqueConstraint(fields=["agency", "source"], name="import_mapping_unique")]

    def __str__(self) -> str:
        return f"{self.agency_id}:{self.source}"


class SourceKey(models.Model):
    """Which Tandem object a row of an outside system became: makes re-imports idempotent.

    `fingerprint` is the hash of the row's imported values, so an unchanged row is skipped and a
    corrected one updates its object."""

    class Kind(models.TextChoices):
        CLIENT = "client", _("Клиент")
        CONTACT = "contact", _("Контакт")
        EMPLOYEE = "employee", _("Сотрудник")
        CONTRACT = "contract", _("Договор")
        INVOICE = "invoice", _("Счёт")
        PAYMENT = "payment", _("Платёж")
        INTERACTION = "interaction", _("Взаимодействие")
        OPPORTUNITY = "opportunity", _("Возможность роста")

    agency = models.ForeignKey("org.Agency", on_delete=models.CASCADE, related_name="+")
    source = models.CharField(max_length=16, choices=ImportSource.choices)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    key = models.CharField(max_length=255)
    object_id = models.PositiveBigIntegerField()
    fingerprint = models.CharField(max_length=64)
    import_record = models.ForeignKey(ImportRecord, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("ключ источника")
        verbose_name_plural = _("ключи источников")
        constraints = [
            models.UniqueConstraint(fields=["agency", "source", "kind", "key"], name="source_key_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.source}:{self.kind}:{self.key}"
