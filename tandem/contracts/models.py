"""Services catalogue, VAT rates with history, subcontractors, contracts and their lines."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from tandem.clients.models import ServiceKind
from tandem.core.models import TimeStampedModel
from tandem.core.validators import validate_inn


class Service(TimeStampedModel):
    """An item of the agency's services catalogue (editable by admins)."""

    agency = models.ForeignKey("org.Agency", on_delete=models.CASCADE, related_name="services")
    name = models.CharField(_("название"), max_length=200)
    kind = models.CharField(_("вид"), max_length=20, choices=ServiceKind.choices)
    description = models.TextField(_("описание"), blank=True)
    is_active = models.BooleanField(_("используется"), default=True)

    class Meta:
        verbose_name = _("услуга")
        verbose_name_plural = _("услуги")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["agency", "name"], name="service_name_unique_in_agency")]

    def __str__(self) -> str:
        return self.name


class VatRate(models.Model):
    """The agency's VAT rate valid from a date: a setting with history, never a constant.

    22 % from 2026-01-01 (425-ФЗ); 20 % before. The rate for a document date is the latest
    row with valid_from <= that date.
    """

    agency = models.ForeignKey("org.Agency", on_delete=models.CASCADE, related_name="vat_rates")
    valid_from = models.DateField(_("действует с"))
    rate_percent = models.DecimalField(
        _("ставка, %"), max_digits=5, decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    note = models.CharField(_("основание"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("ставка НДС")
        verbose_name_plural = _("ставки НДС")
        ordering = ["-valid_from"]
        constraints = [models.UniqueConstraint(fields=["agency", "valid_from"], name="vat_rate_unique_date")]

    def __str__(self) -> str:
        return f"{self.rate_percent}% с {self.valid_from:%d.%m.%Y}"


class Subcontractor(TimeStampedModel):
    """A company doing part of the work for the agency."""

    agency = models.ForeignKey("org.Agency", on_delete=models.CASCADE, related_name="subcontractors")
    name = models.CharField(_("название"), max_length=255)
    inn = models.CharField(_("ИНН"), max_length=12, blank=True, validators=[validate_inn])
    contact = models.CharField(_("контакт"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("субподрядчик")
        verbose_name_plural = _("субподрядчики")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class VatMode(models.TextChoices):
    VAT = "vat", _("С НДС")
    NO_VAT = "no_vat", _("Без НДС")


class ContractStatus(models.TextChoices):
    DRAFT = "draft", _("Черновик")
    IN_APPROVAL = "in_approval", _("На согласовании")
    SIGNED = "signed", _("Подписан")
    CLOSED = "closed", _("Закрыт")


class AccountFunctionsSplit(models.TextChoices):
    """Who keeps the account-management functions when a subcontractor is involved [002]."""

    ALL_IN_HOUSE = "all_in_house", _("Всё у агентства")
    SHARED = "shared", _("Разделены")
    COMMUNICATIONS_ONLY = "communications_only", _("У агентства только коммуникации")
    ALL_AT_SUBCONTRACTOR = "all_at_subcontractor", _("Всё у субподрядчика")


class Contract(TimeStampedModel):
    agency = models.ForeignKey("org.Agency", on_delete=models.CASCADE, related_name="contracts")
    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="contracts")
    number = models.CharField(_("номер"), max_length=50)
    date = models.DateField(_("дата"))
    status = models.CharField(
        _("статус"), max_length=16, choices=ContractStatus.choices, default=ContractStatus.DRAFT
    )
    start_date = models.DateField(_("начало"))
    end_date = models.DateField(_("окончание"), null=True, blank=True)
    vat_mode = models.CharField(_("НДС"), max_length=10, choices=VatMode.choices, default=VatMode.VAT)
    payment_terms_days = models.PositiveSmallIntegerField(_("срок оплаты, дней"), default=5)
    subcontractor = models.ForeignKey(
        Subcontractor, verbose_name=_("субподрядчик"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="contracts",
    )
    account_functions = models.CharField(
        _("аккаунтинг при субподряде"), max_length=24, choices=AccountFunctionsSplit.choices, blank=True
    )
    subcontractor_rating = models.PositiveSmallIntegerField(
        _("оценка аккаунтинга субподрядчика"), null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
    )
    subcontractor_rating_comment = models.TextField(_("комментарий к оценке"), blank=True)
    signed_at = models.DateTimeField(_("подписан"), null=True, blank=True)
    closed_at = models.DateTimeField(_("закрыт"), null=True, blank=True)
    notes = models.TextField(_("примечания"), blank=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("договор")
        verbose_name_plural = _("договоры")
        ordering = ["-date", "-id"]
        indexes = [
            models.Index(fields=["agency", "status"]),
            models.Index(fields=["client", "status"]),
        ]
        constraints = [
            models.UniqueConstraint(fields=["agency", "number"], name="contract_number_unique_in_agency"),
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True) | models.Q(end_date__gte=models.F("start_date")),
                name="contract_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"№ {self.number} от {self.date:%d.%m.%Y}"

    def is_active_on(self, day: dt.date) -> bool:
        return self.status == ContractStatus.SIGNED and self.start_date <= day and (
            self.end_date is None or self.end_date >= day
        )


class BillingModel(models.TextChoices):
    MONTHLY_RETAINER = "monthly_retainer", _("Ежемесячный абонемент")
    FIXED_PRICE = "fixed_price", _("Фиксированная цена")
    HOURLY = "hourly", _("Почасовая оплата")


class ContractLine(models.Model):
    """A service under the contract: monthly fee, fixed price or hourly rate, with planned hours."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="lines")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="contract_lines")
    billing_model = models.CharField(_("модель оплаты"), max_length=20, choices=BillingModel.choices)
    amount = models.DecimalField(
        _("сумма, ₽"), max_digits=14, decimal_places=2, validators=[MinValueValidator(Decimal("0"))],
        help_text=_("В месяц для абонемента, за всё для фиксированной цены, за час для почасовой."),
    )
    planned_hours_per_month = models.DecimalField(
        _("план часов в месяц"), max_digits=7, decimal_places=2, default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    description = models.CharField(_("описание"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("строка договора")
        verbose_name_plural = _("строки договора")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.service} — {self.get_billing_model_display()}"


class ContractStatusChange(models.Model):
    """Dated transitions of a contract's status."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=16, choices=ContractStatus.choices, blank=True)
    to_status = models.CharField(max_length=16, choices=ContractStatus.choices)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(db_index=True)
    effective_date = models.DateField(
        _("дата события"), null=True, blank=True,
        help_text=_("Деловая дата перехода (например, дата подписания); по умолчанию — день записи."),
    )
    comment = models.TextField(blank=True)

    class Meta:
        verbose_name = _("смена статуса договора")
        verbose_name_plural = _("история статусов договоров")
        ordering = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.from_status or '—'} → {self.to_status}"


DEFAULT_NUMBER_PATTERN = "{year}-{seq:04d}"


class ContractSettings(models.Model):
    """Agency-wide contract settings. `number_pattern` is a Python format string over
    {year}, {month}, {seq} (and {yy}); the sequence restarts each year when the pattern has
    {year}/{yy}, each month when it has {month}, and never otherwise."""

    agency = models.OneToOneField("org.Agency", on_delete=models.CASCADE, related_name="contract_settings")
    number_pattern = models.CharField(
        _("шаблон номера договора"), max_length=60, default=DEFAULT_NUMBER_PATTERN,
        help_text=_("Например {year}-{seq:04d} → 2026-0001; доступны {year}, {yy}, {month}, {seq}."),
    )

    class Meta:
        verbose_name = _("настройки договоров")
        verbose_name_plural = _("настройки договоров")

    def __str__(self) -> str:
        return self.number_pattern


class ContractNumberCounter(models.Model):
    """The last sequence number issued for an agency in a period ("2026", "2026-03" or "all").
    Locked with select_for_update while a number is issued, so two signings never collide."""

    agency = models.ForeignKey("org.Agency", on_delete=models.CASCADE, related_name="+")
    period = models.CharField(max_length=10)
    last_value = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agency", "period"], name="contract_counter_unique_period"),
        ]

    def __str__(self) -> str:
        return f"{self.period}: {self.last_value}"


RETAINER_BILLING_MODELS = (BillingModel.MONTHLY_RETAINER, BillingModel.HOURLY)


class RetainerTerms(TimeStampedModel):
    """The monthly budget of a retainer (or hourly) contract line and its rollover rule.

    Hours and/or money per month from `start_month` (first day of a month). Unused hours carry
    for `rollover_months` months (0: no rollover), the carried balance is cut to
    `rollover_cap_hours` (empty: no cap). Over-service beyond the available hours is allowed or
    not, and billed at `overage_rate` per hour. Changes are kept in history.
    """

    line = models.OneToOneField(ContractLine, on_delete=models.CASCADE, related_name="retainer_terms")
    start_month = models.DateField(_("первый месяц"), help_text=_("Первое число месяца."))
    hours_per_month = models.DecimalField(
        _("часов в месяц"), max_digits=7, decimal_places=2, default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    money_per_month = models.DecimalField(
        _("бюджет расходов в месяц, ₽"), max_digits=14, decimal_places=2, default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("Рекламный бюджет и расходы на субподрядчиков."),
    )
    rollover_months = models.PositiveSmallIntegerField(
        _("переносить остаток, мес."), default=0, validators=[MaxValueValidator(24)],
        help_text=_("0 — неизрасходованные часы сгорают в конце месяца."),
    )
    rollover_cap_hours = models.DecimalField(
        _("потолок перенесённых часов"), max_digits=7, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(Decimal("0"))], help_text=_("Пусто — без потолка."),
    )
    overage_allowed = models.BooleanField(_("сверхлимитные работы допустимы"), default=False)
    overage_rate = models.DecimalField(
        _("ставка сверх лимита, ₽/ч"), max_digits=10, decimal_places=2, default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("условия абонемента")
        verbose_name_plural = _("условия абонементов")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(hours_per_month__gt=0) | models.Q(money_per_month__gt=0),
                name="retainer_terms_some_budget",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.line}: {self.hours_per_month} ч/мес"

    def clean(self) -> None:
        errors = {}
        if self.start_month and self.start_month.day != 1:
            errors["start_month"] = _("Укажите первое число месяца.")
        if (self.hours_per_month or 0) <= 0 and (self.money_per_month or 0) <= 0:
            errors["hours_per_month"] = _("Укажите часы или бюджет расходов в месяц.")
        if errors:
            raise ValidationError(errors)


class RetainerExpenseKind(models.TextChoices):
    AD_BUDGET = "ad_budget", _("Рекламный бюджет")
    SUBCONTRACTOR = "subcontractor", _("Субподрядчик")
    OTHER = "other", _("Прочее")


class RetainerExpense(TimeStampedModel):
    """Money booked against a retainer line's monthly budget: ad spend, subcontractor work."""

    line = models.ForeignKey(ContractLine, on_delete=models.CASCADE, related_name="retainer_expenses")
    kind = models.CharField(_("вид"), max_length=16, choices=RetainerExpenseKind.choices)
    date = models.DateField(_("дата"))
    amount = models.DecimalField(
        _("сумма, ₽"), max_digits=14, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    subcontractor = models.ForeignKey(
        Subcontractor, verbose_name=_("субподрядчик"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )
    description = models.CharField(_("описание"), max_length=255, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("расход по абонементу")
        verbose_name_plural = _("расходы по абонементам")
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["line", "date"])]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="retainer_expense_positive")]

    def __str__(self) -> str:
        return f"{self.date:%d.%m.%Y}: {self.amount}"
