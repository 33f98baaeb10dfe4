"""Money: invoices, acts, payments and their allocation, statement imports, collection,
payment plans, bonus rules and statements, subcontractor costs.

Amounts are Decimal(14, 2). Totals of invoices and acts are stored (computed by services from
lines) so that lists and aging never recompute them row by row.
"""

from __future__ import annotations

import datetime as dt
import string
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from tandem.clients.models import Contact
from tandem.core.models import TimeStampedModel
from tandem.core.money import MoneyDigits
from tandem.core.validators import (
    is_valid_settlement_account,
    validate_bik,
    validate_inn,
    validate_kpp,
    validate_ogrn_or_ogrnip,
)

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

MONEY: MoneyDigits = {"max_digits": 14, "decimal_places": 2}
ZERO = Decimal("0.00")

# What a payment-reminder letter may say about the invoice: {name} in the subject and body.
REMINDER_PLACEHOLDERS = (
    "client", "invoice_number", "invoice_date", "amount", "outstanding", "due_date", "days_overdue", "am_name",
)
DEFAULT_REMINDER_SUBJECT = "Оплата счёта № {invoice_number} от {invoice_date}"
DEFAULT_REMINDER_BODY = (
    "Здравствуйте!\n\n"
    "Напоминаем об оплате счёта № {invoice_number} от {invoice_date} на сумму {amount} руб. "
    "для {client}. Срок оплаты — {due_date}, дней просрочки: {days_overdue}. "
    "Остаток к оплате: {outstanding} руб.\n\n"
    "Счёт во вложении. Если оплата уже отправлена, пришлите, пожалуйста, платёжное поручение.\n\n"
    "С уважением,\n{am_name}"
)


def reminder_template_is_valid(text: str) -> bool:
    """Only the bare names of REMINDER_PLACEHOLDERS in braces (no attributes, indexes or
    formats); a literal brace is written twice."""
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError:
        return False
    return all(
        name is None or (name in REMINDER_PLACEHOLDERS and not spec and conversion is None)
        for _literal, name, spec, conversion in parsed
    )


class BillingSettings(TimeStampedModel):
    """The agency as a supplier on documents, its bank accounts, numbering and collection rules.

    Kept in billing (the agency model holds no requisites). One row per agency.
    """

    agency = models.OneToOneField("org.Agency", on_delete=models.CASCADE, related_name="billing_settings")
    supplier_name = models.CharField(_("поставщик (юр. название)"), max_length=255, blank=True)
    inn = models.CharField(_("ИНН"), max_length=12, blank=True, validators=[validate_inn])
    kpp = models.CharField(_("КПП"), max_length=9, blank=True, validators=[validate_kpp])
    ogrn = models.CharField(_("ОГРН/ОГРНИП"), max_length=15, blank=True, validators=[validate_ogrn_or_ogrnip])
    address = models.TextField(_("адрес"), blank=True)
    bank_name = models.CharField(_("банк"), max_length=255, blank=True)
    bik = models.CharField(_("БИК"), max_length=9, blank=True, validators=[validate_bik])
    correspondent_account = models.CharField(_("корр. счёт"), max_length=20, blank=True)
    bank_account = models.CharField(_("расчётный счёт"), max_length=20, blank=True)
    other_accounts = models.TextField(
        _("другие счета агентства"), blank=True, help_text=_("По одному на строку: для распознавания выписок.")
    )
    director_name = models.CharField(_("руководитель"), max_length=255, blank=True)
    director_position = models.CharField(_("должность руководителя"), max_length=255, default="Генеральный директор")
    accountant_name = models.CharField(_("главный бухгалтер"), max_length=255, blank=True)
    invoice_number_pattern = models.CharField(
        _("шаблон номера счёта"), max_length=64, default="{seq}",
        help_text=_("Поля: {seq} (или {seq:04d}), {year}, {yy}, {month:02d}. С {year}/{yy} нумерация с 1 каждый год."),
    )
    act_number_pattern = models.CharField(_("шаблон номера акта"), max_length=64, default="{seq}")
    default_payment_terms_days = models.PositiveSmallIntegerField(
        _("срок оплаты по умолчанию, дней"), default=5, validators=[MaxValueValidator(365)],
        help_text=_("Для счетов без договора; по договору — его срок оплаты."),
    )
    remind_days_before = models.PositiveSmallIntegerField(_("напомнить за, дней до срока"), default=3)
    remind_days_after = models.CharField(
        _("напоминать через, дней после срока"), max_length=64, default="1,7,14",
        help_text=_("Через запятую."),
    )
    escalation_days = models.PositiveSmallIntegerField(
        _("эскалация группхэду после, дней просрочки"), default=30
    )
    reminder_email_subject = models.CharField(
        _("тема письма-напоминания"), max_length=255, default=DEFAULT_REMINDER_SUBJECT,
    )
    reminder_email_body = models.TextField(
        _("текст письма-напоминания"), default=DEFAULT_REMINDER_BODY,
        help_text=_("Подстановки: {client}, {invoice_number}, {invoice_date}, {amount}, {outstanding}, {due_date}, "
                    "{days_overdue}, {am_name}. Счёт в PDF прикладывается к письму."),
    )

    class Meta:
        verbose_name = _("реквизиты и правила биллинга")
        verbose_name_plural = _("реквизиты и правила биллинга")

    def own_accounts(self) -> set[str]:
        accounts = {self.bank_account.strip()} | {a.strip() for a in self.other_accounts.splitlines()}
        return {a for a in accounts if a}

    def days_after(self) -> list[int]:
        result = []
        for part in self.remind_days_after.split(","):
            part = part.strip()
            if part.isdigit():
                result.append(int(part))
        return sorted(set(result))

    def clean(self) -> None:
        errors = self._bank_account_errors()
        for field in ("invoice_number_pattern", "act_number_pattern"):
            pattern = getattr(self, field)
            if "{seq" not in pattern:
                errors[field] = _("Шаблон должен содержать {seq}.")
                continue
            try:
                pattern.format(seq=1, year=2026, yy=26, month=1)
            except (KeyError, ValueError, IndexError):
                errors[field] = _("Неверный шаблон: допустимы {seq}, {year}, {yy}, {month}.")
        for field in ("reminder_email_subject", "reminder_email_body"):
            if not reminder_template_is_valid(getattr(self, field)):
                errors[field] = _("Неизвестная подстановка. Допустимы: %(names)s.") % {
                    "names": ", ".join("{" + name + "}" for name in REMINDER_PLACEHOLDERS)
                }
        if errors:
            raise ValidationError(errors)


    def _bank_account_errors(self) -> dict[str, StrOrPromise]:
        """The settlement account must pass the key check against the BIK (ЦБ РФ rule); the
        correspondent account is 20 digits starting 30101; other accounts are 20 digits each."""
        errors: dict[str, StrOrPromise] = {}
        if self.bank_account and not self.bik:
            errors["bik"] = _("Укажите БИК банка расчётного счёта.")
        elif self.bank_account and not is_valid_settlement_account(self.bank_account, self.bik):
            errors["bank_account"] = _("Расчётный счёт не сходится с БИК: проверьте 20 цифр счёта и БИК.")
        corr = self.correspondent_account
        if corr and not (len(corr) == 20 and corr.isdigit() and corr.startswith("30101")):
            errors["correspondent_account"] = _("Корр. счёт: 20 цифр, начинается с 30101.")
        for line in self.other_accounts.splitlines():
            account = line.strip()
            if account and not (len(account) == 20 and account.isdigit()):
                errors["other_accounts"] = _("Каждый счёт — 20 цифр: «%(a)s».") % {"a": account}
                break
        return errors


class NumberSequence(models.Model):
    """The last number used per agency, document kind and period key (a year or "all")."""


    agency = models.ForeignKey("org.Agency", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16)
    period = models.CharField(max_length=8)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agency", "kind", "period"], name="number_sequence_unique")]

    def __str__(self) -> str:
        return f"{self.kind} {self.period}: {self.last}"


class InvoiceStatus(models.TextChoices):
    DRAFT = "draft", _("Черновик")
    ISSUED = "issued", _("Выставлен")
    PARTLY_PAID = "partly_paid", _("Оплачен частично")
    PAID = "paid", _("Оплачен")
    CANCELLED = "cancelled", _("Аннулирован")


OPEN_STATUSES = (InvoiceStatus.ISSUED, InvoiceStatus.PARTLY_PAID)
# Invoices that are owed money (or were): every status after issue except cancelled.
BILLED_STATUSES = (InvoiceStatus.ISSUED, InvoiceStatus.PARTLY_PAID, InvoiceStatus.PAID)


class Invoice(TimeStampedModel):
    """A счёт на оплату. Never deleted once issued (allocations PROTECT it; services refuse)."""

    class Kind(models.TextChoices):
        REGULAR = "regular", _("Разовый")
        RETAINER = "retainer", _("Абонемент за месяц")

    agency = models.ForeignKey("org.Agency", on_delete=models.CASCADE, related_name="invoices")
    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="invoices")
    contract = models.ForeignKey(
        "contracts.Contract", on_delete=models.PROTECT, null=True, blank=True, related_name="invoices"
    )
    kind = models.CharField(_("вид"), max_length=12, choices=Kind.choices, default=Kind.REGULAR)
    number = models.CharField(_("номер"), max_length=40, blank=True)
    date = models.DateField(_("дата"))
    due_date = models.DateField(_("оплатить до"))
    period_start = models.DateField(_("период с"), null=True, blank=True)
    period_end = models.DateField(_("период по"), null=True, blank=True)
    status = models.CharField(_("статус"), max_length=16, choices=InvoiceStatus.choices, default=InvoiceStatus.DRAFT)
    vat_rate = models.DecimalField(
        _("ставка НДС, %"), max_digits=5, decimal_places=2, null=True, blank=True,
        help_text=_("Пусто — «Без НДС»."),
    )
    subtotal = models.DecimalField(_("сумма без НДС"), **MONEY, default=ZERO)
    vat_amount = models.DecimalField(_("НДС"), **MONEY, default=ZERO)
    total = models.DecimalField(_("итого"), **MONEY, default=ZERO)
    paid_amount = models.DecimalField(_("оплачено"), **MONEY, default=ZERO)
    issued_at = models.DateTimeField(_("выставлен"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("аннулирован"), null=True, blank=True)
    cancel_reason = models.TextField(_("причина аннулирования"), blank=True)
    notes = models.TextField(_("примечание"), blank=True)
    # The discount applied to every line: the loyalty rule in force on the invoice date (chosen by
    # tandem.billing.selectors.loyalty_discount_for when the invoice is created) or a percentage
    # entered by finance, with the reason shown on the invoice page.
    discount_percent = models.DecimalField(
        _("скидка, %"), max_digits=5, decimal_places=2, default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    discount_rule = models.ForeignKey(
        "billing.LoyaltyRule", verbose_name=_("правило скидки"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="invoices",
    )
    discount_reason = models.CharField(_("основание скидки"), max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("счёт")
        verbose_name_plural = _("счета")
        ordering = ["-date", "-id"]
        indexes = [
            models.Index(fields=["agency", "status", "due_date"]),
            models.Index(fields=["client", "status"]),
            models.Index(fields=["agency", "number"]),
            # Statement import looks invoices up by the numbers cited in purposes, case-insensitively.
            models.Index(Upper("number"), "agency", name="billing_invoice_number_upper"),
            # The invoices list's default order: a page without sorting every invoice of the agency (issue 16).
            models.Index(fields=["agency", "-date", "-id"], name="invoice_agency_date_id"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "number"], condition=~models.Q(number=""), name="invoice_number_unique_in_agency"
            ),
            models.UniqueConstraint(
                fields=["contract", "period_start"],
                condition=models.Q(kind="retainer") & ~models.Q(status="cancelled"),
                name="invoice_one_retainer_per_contract_month",
            ),
            models.CheckConstraint(condition=models.Q(due_date__gte=models.F("date")), name="invoice_due_after_date"),
            models.CheckConstraint(condition=models.Q(paid_amount__gte=0), name="invoice_paid_not_negative"),
        ]

    def __str__(self) -> str:
        return f"Счёт № {self.number or '—'} от {self.date:%d.%m.%Y}"

    @property
    def outstanding(self) -> Decimal:
        if self.status in (InvoiceStatus.DRAFT, InvoiceStatus.CANCELLED):
            return ZERO
        return max(self.total - self.paid_amount, ZERO)

    @property
    def is_vat(self) -> bool:
        return self.vat_rate is not None

    def days_overdue(self, today: dt.date) -> int:
        return (today - self.due_date).days


class InvoiceLine(models.Model):
    """A line of an invoice: service, period, quantity × price = amount (VAT included if any)."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(default=0)
    service = models.ForeignKey("contracts.Service", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    contract_line = models.ForeignKey(
        "contracts.ContractLine", on_delete=models.SET_NULL, null=True, blank=True, related_name="invoice_lines"
    )
    name = models.CharField(_("наименование"), max_length=500)
    period_start = models.DateField(_("период с"), null=True, blank=True)
    period_end = models.DateField(_("период по"), null=True, blank=True)
    quantity = models.DecimalField(
        _("количество"), max_digits=12, decimal_places=3, default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0.001"))],
    )
    unit = models.CharField(_("ед. изм."), max_length=16, default="усл.")
    price = models.DecimalField(_("цена"), **MONEY, validators=[MinValueValidator(Decimal("0"))])
    # quantity × price before the discount, and the discount taken off it: amount = list_amount
    # less discount_percent, rounded to kopecks once.
    list_amount = models.DecimalField(_("сумма без скидки"), **MONEY, default=ZERO)
    discount_percent = models.DecimalField(_("скидка, %"), max_digits=5, decimal_places=2, default=Decimal("0"))
    amount = models.DecimalField(_("сумма"), **MONEY, default=ZERO)

    class Meta:
        verbose_name = _("строка счёта")
        verbose_name_plural = _("строки счёта")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class BilledTime(models.Model):
    """A time entry billed by an invoice line (hours × the hourly rate of the line's contract line).

    One row per entry, so an entry is never billed twice. The row goes with its line: deleting a
    draft invoice (or a line of it) releases the entry; cancelling the invoice deletes the rows
    (billing.services.invoice_cancel). While it exists the entry cannot be changed or deleted
    (tandem.work.services.time refuses; PROTECT is the last guard).
    """

    time_entry = models.OneToOneField("work.TimeEntry", on_delete=models.PROTECT, related_name="billed_in")
    invoice_line = models.ForeignKey(InvoiceLine, on_delete=models.CASCADE, related_name="billed_time")
    billed_at = models.DateTimeField(_("выставлено"))
    billed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("выставленное время")
        verbose_name_plural = _("выставленное время")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.time_entry_id} → {self.invoice_line_id}"


class ActStatus(models.TextChoices):
    DRAFT = "draft", _("Черновик")
    SENT = "sent", _("Отправлен клиенту")
    SIGNED = "signed", _("Подписан клиентом")


class Act(TimeStampedModel):
    """Акт — the closing primary document for a period, with the 402-ФЗ ст. 9 requisites:
    title, date, the entity that drew it up, content, amounts in rubles, positions and names
    of the responsible persons (signatures go on paper)."""

    agency = models.ForeignKey("org.Agency", on_delete=models.CASCADE, related_name="acts")
    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="acts")
    contract = models.ForeignKey(
        "contracts.Contract", on_delete=models.PROTECT, null=True, blank=True, related_name="acts"
    )
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, null=True, blank=True, related_name="acts")
    number = models.CharField(_("номер"), max_length=40)
    date = models.DateField(_("дата"))
    period_start = models.DateField(_("период с"), null=True, blank=True)
    period_end = models.DateField(_("период по"), null=True, blank=True)
    status = models.CharField(_("статус"), max_length=12, choices=ActStatus.choices, default=ActStatus.DRAFT)
    vat_rate = models.DecimalField(_("ставка НДС, %"), max_digits=5, decimal_places=2, null=True, blank=True)
    vat_amount = models.DecimalField(_("НДС"), **MONEY, default=ZERO)
    total = models.DecimalField(_("итого"), **MONEY, default=ZERO)
    supplier_signer_name = models.CharField(_("подписант исполнителя"), max_length=255)
    supplier_signer_position = models.CharField(_("должность подписанта исполнителя"), max_length=255)
    client_signer_name = models.CharField(_("подписант заказчика"), max_length=255, blank=True)
    client_signer_position = models.CharField(_("должность подписанта заказчика"), max_length=255, blank=True)
    sent_at = models.DateTimeField(_("отправлен"), null=True, blank=True)
    signed_on = models.DateField(_("подписан клиентом"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("акт")
        verbose_name_plural = _("акты")
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["agency", "date"]), models.Index(fields=["client", "date"])]
        constraints = [models.UniqueConstraint(fields=["agency", "number"], name="act_number_unique_in_agency")]

    def __str__(self) -> str:
        return f"Акт № {self.number} от {self.date:%d.%m.%Y}"


class ActLine(models.Model):

    act = models.ForeignKey(Act, on_delete=models.CASCADE, related_name="lines")
    invoice_line = models.ForeignKey(InvoiceLine, on_delete=models.PROTECT, null=True, blank=True, related_name="act_lines")
    name = models.CharField(_("наименование работ, услуг"), max_length=500)
    quantity = models.DecimalField(_("количество"), max_digits=12, decimal_places=3, default=Decimal("1"))
    unit = models.CharField(_("ед. изм."), max_length=16, default="усл.")
    price = models.DecimalField(_("цена"), **MONEY)
    discount_percent = models.DecimalField(_("скидка, %"), max_digits=5, decimal_places=2, default=Decimal("0"))
    amount = models.DecimalField(_("сумма"), **MONEY)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class StatementImport(models.Model):
    """One uploaded bank statement. The same file (by SHA-256) is imported once per agency."""


    agency = models.ForeignKey("org.Agency", on_delete=models.CASCADE, related_name="statement_imports")
    file_name = models.CharField(max_length=255, blank=True)
    file_sha256 = models.CharField(max_length=64)
    encoding = models.CharField(max_length=16, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    report = models.JSONField(default=dict)

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["agency", "file_sha256"], name="statement_import_once")]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.uploaded_at:%d.%m.%Y})"


class MatchBasis(models.TextChoices):
    """Why a payment sits where it does: the rule of `match_payment` that decided it, or a person."""

    CITED = "cited", _("По счетам из назначения платежа")
    NO_OPEN_INVOICES = "no_open_invoices", _("Клиент по ИНН, открытых счетов нет — аванс")
    EXACT_AMOUNT = "exact_amount", _("Без номера счёта: сумма совпала с одним счётом")
    WHOLE_BALANCE = "whole_balance", _("Без номера счёта: сумма равна всему долгу")
    EARLIEST_DUE = "earliest_due", _("Без номера счёта: ранние сроки первыми (ст. 319.1 ГК РФ)")
    THIRD_PARTY = "third_party", _("Счёт другого клиента в назначении — оплата за третье лицо?")
    UNKNOWN_PAYER = "unknown_payer", _("Плательщик не найден среди клиентов")
    AMBIGUOUS_PAYER = "ambiguous_payer", _("ИНН плательщика у нескольких клиентов")
    MANUAL = "manual", _("Разнесён вручную")


class Payment(TimeStampedModel):
    """Money received from a client. `client` is empty while it waits in the manual queue;
    the part not allocated to invoices is the client's credit (аванс/переплата).

    `needs_review` («на проверку») marks an automatic decision a person must confirm or change:
    a payment placed without an invoice number in the purpose, or one waiting in the queue with
    a suggestion (a cited invoice of another client, a payer name or account seen before).
    `review_reason` says why in words a finance person understands; `match_basis` is the rule."""

    class Source(models.TextChoices):
        MANUAL = "manual", _("Вручную")
        BANK = "bank", _("Выписка")

    agency = models.ForeignKey("org.Agency", on_delete=models.CASCADE, related_name="payments")
    client = models.ForeignKey(
        "clients.Client", on_delete=models.PROTECT, null=True, blank=True, related_name="payments"
    )
    date = models.DateField(_("дата"))
    amount = models.DecimalField(_("сумма"), **MONEY, validators=[MinValueValidator(Decimal("0.01"))])
    allocated_amount = models.DecimalField(_("разнесено"), **MONEY, default=ZERO)
    number = models.CharField(_("номер п/п"), max_length=40, blank=True)
    payer_name = models.CharField(_("плательщик"), max_length=500, blank=True)
    payer_inn = models.CharField(_("ИНН плательщика"), max_length=16, blank=True)
    payer_account = models.CharField(_("счёт плательщика"), max_length=34, blank=True)
    purpose = models.TextField(_("назначение платежа"), blank=True)
    source = models.CharField(_("источник"), max_length=8, choices=Source.choices, default=Source.MANUAL)
    statement_import = models.ForeignKey(
        StatementImport, on_delete=models.PROTECT, null=True, blank=True, related_name="payments"
    )
    external_key = models.CharField(max_length=64, blank=True)
    warnings = models.TextField(_("предупреждения"), blank=True)
    # Database defaults too: bulk writers that list columns (bench/generate.py) need not know them.
    match_basis = models.CharField(
        _("основание разнесения"), max_length=20, choices=MatchBasis.choices, blank=True, default="", db_default="")
    needs_review = models.BooleanField(_("на проверку"), default=False, db_default=False)
    review_reason = models.TextField(_("почему на проверку"), blank=True, default="", db_default="")
    suggested_client = models.ForeignKey(
        "clients.Client", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("предлагаемый клиент"),
    )
    suggested_invoice = models.ForeignKey(
        "Invoice", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("предлагаемый счёт"),
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("проверил"),
    )
    reviewed_at = models.DateTimeField(_("проверен"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("платёж")
        verbose_name_plural = _("платежи")
        ordering = ["-date", "-id"]
        indexes = [
            models.Index(fields=["agency", "date"]), models.Index(fields=["client", "date"]),
            # The payments list's default order, as for invoices (issue 16).
            models.Index(fields=["agency", "-date", "-id"], name="payment_agency_date_id"),
            # The «на проверку» filter of the payments page.
            models.Index(fields=["agency", "needs_review"]),
            # Suggestions for unknown payers: the same payer account seen on an earlier payment.
            models.Index(fields=["agency", "payer_account"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "external_key"], condition=~models.Q(external_key=""), name="payment_document_once"
            ),
            models.CheckConstraint(
                condition=models.Q(allocated_amount__lte=models.F("amount")), name="payment_not_overallocated"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.amount} ₽ от {self.date:%d.%m.%Y} ({self.payer_name})"

    @property
    def unallocated(self) -> Decimal:
        return self.amount - self.allocated_amount


class PaymentAllocation(models.Model):
    """A part of a payment set against an invoice."""


    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="allocations")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="allocations")
    amount = models.DecimalField(**MONEY, validators=[MinValueValidator(Decimal("0.01"))])
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords(excluded_fields=["created_at"])

    class Meta:
        ordering = ["id"]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="allocation_positive")]

    def __str__(self) -> str:
        return f"{self.amount} → {self.invoice_id}"


class PaymentReallocation(models.Model):
    """The audit record of a person's change to a payment: who, when, why, and the client and
    allocations before and after (lists of {"invoice": id, "number": str, "amount": str})."""

    class Kind(models.TextChoices):
        REALLOCATED = "reallocated", _("Перераспределён")
        ALLOCATED = "allocated", _("Разнесён на счёт")
        REMOVED = "removed", _("Разнесение отменено")
        CLIENT_ASSIGNED = "client_assigned", _("Назначен клиент")
        SUGGESTION_ACCEPTED = "suggestion_accepted", _("Принято предложение")
        CONFIRMED = "confirmed", _("Подтверждён")

    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="reallocations")
    kind = models.CharField(_("действие"), max_length=20, choices=Kind.choices)
    reason = models.TextField(_("причина"), blank=True)
    client_before = models.ForeignKey(
        "clients.Client", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    client_after = models.ForeignKey(
        "clients.Client", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    allocations_before = models.JSONField(default=list)
    allocations_after = models.JSONField(default=list)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("изменение разнесения платежа")
        verbose_name_plural = _("изменения разнесения платежей")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.payment_id}"


class Refund(TimeStampedModel):
    """Money the agency sent back to a client (a refund of the client's credit): an outgoing
    statement document whose recipient INN is exactly one client's. It reduces the credit."""

    agency = models.ForeignKey("org.Agency", on_delete=models.CASCADE, related_name="refunds")
    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="refunds")
    date = models.DateField(_("дата"))
    amount = models.DecimalField(_("сумма"), **MONEY, validators=[MinValueValidator(Decimal("0.01"))])
    number = models.CharField(_("номер п/п"), max_length=40, blank=True)
    recipient_name = models.CharField(_("получатель"), max_length=500, blank=True)
    recipient_inn = models.CharField(_("ИНН получателя"), max_length=16, blank=True)
    recipient_account = models.CharField(_("счёт получателя"), max_length=34, blank=True)
    purpose = models.TextField(_("назначение платежа"), blank=True)
    statement_import = models.ForeignKey(
        StatementImport, on_delete=models.PROTECT, null=True, blank=True, related_name="refunds"
    )
    external_key = models.CharField(max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("возврат клиенту")
        verbose_name_plural = _("возвраты клиентам")
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["client", "date"])]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "external_key"], condition=~models.Q(external_key=""), name="refund_document_once"
            ),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="refund_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.amount} ₽ → {self.recipient_name} {self.date:%d.%m.%Y}"


class CollectionReminder(models.Model):
    """A planned reminder about an invoice, through the client accountant's preferred channel."""


    class Kind(models.TextChoices):
        BEFORE_DUE = "before_due", _("До срока")
        AFTER_DUE = "after_due", _("После срока")
        ESCALATION = "escalation", _("Эскалация группхэду")

    class Status(models.TextChoices):
        PLANNED = "planned", _("Запланировано")
        DONE = "done", _("Выполнено")
        CANCELLED = "cancelled", _("Отменено")

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    due_on = models.DateField(_("когда"))
    channel = models.CharField(_("канал"), max_length=20, blank=True)
    contact = models.ForeignKey("clients.Contact", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    assignee = models.ForeignKey("org.Employee", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PLANNED)
    done_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "kind", "due_on"], name="reminder_once_per_day"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.due_on:%d.%m.%Y}"

    @property
    def channel_label(self) -> str:
        """The channel in words (it is copied from the contact's preferred channel, a code)."""
        return str(Contact.Channel(self.channel).label) if self.channel in Contact.Channel.values else self.channel


class PromisedPayment(models.Model):
    """The client's promise to pay an invoice by a date, with the AM's note."""


    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="promises")
    promised_on = models.DateField(_("обещали оплатить"))
    amount = models.DecimalField(_("сумма"), **MONEY, null=True, blank=True)
    note = models.TextField(_("заметка"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["promised_on", "id"]

    def __str__(self) -> str:
        return f"{self.promised_on:%d.%m.%Y}: {self.note}"


class PaymentPlan(models.Model):
    """An AM's plan of payments for a month (the first day of the month)."""


    agency = models.ForeignKey("org.Agency", on_delete=models.CASCADE, related_name="payment_plans")
    employee = models.ForeignKey("org.Employee", on_delete=models.CASCADE, related_name="payment_plans")
    month = models.DateField(_("месяц"))
    amount = models.DecimalField(_("план, ₽"), **MONEY, validators=[MinValueValidator(Decimal("0"))])
    fixed_salary = models.DecimalField(
        _("оклад, ₽"), **MONEY, null=True, blank=True, help_text=_("Пусто — оклад из правила премирования.")
    )
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("план платежей")
        verbose_name_plural = _("планы платежей")
        ordering = ["-month", "employee__full_name"]
        constraints = [
            models.UniqueConstraint(fields=["employee", "month"], name="payment_plan_once_per_month"),
            models.CheckConstraint(condition=models.Q(month__day=1), name="payment_plan_month_first_day"),
        ]

    def __str__(self) -> str:
        return f"{self.employee_id} {self.month:%m.%Y}: {self.amount}"


class BonusRule(models.Model):
    """Agency bonus rule valid from a month: fixed salary + share of payments by fulfilment tier.

    Tiers: the highest `from_percent` not above the fulfilment gives the share; below the lowest
    tier there is no bonus (e.g. 80 % → 5 %, 100 % → 8 %: nothing below 80 %).
    """


    agency = models.ForeignKey("org.Agency", on_delete=models.CASCADE, related_name="bonus_rules")
    valid_from = models.DateField(_("действует с"))
    fixed_salary = models.DecimalField(_("оклад по умолчанию, ₽"), **MONEY, default=ZERO)
    note = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-valid_from"]
        constraints = [models.UniqueConstraint(fields=["agency", "valid_from"], name="bonus_rule_unique_date")]

    def __str__(self) -> str:
        return f"с {self.valid_from:%d.%m.%Y}"


class BonusTier(models.Model):

    rule = models.ForeignKey(BonusRule, on_delete=models.CASCADE, related_name="tiers")
    from_percent = models.DecimalField(max_digits=6, decimal_places=2, validators=[MinValueValidator(Decimal("0"))])
    share_percent = models.DecimalField(
        max_digits=5, decimal_places=2, validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]
    )

    class Meta:
        ordering = ["from_percent"]
        constraints = [models.UniqueConstraint(fields=["rule", "from_percent"], name="bonus_tier_unique")]

    def __str__(self) -> str:
        return f"{self.from_percent}% → {self.share_percent}%"


class BonusStatement(models.Model):
    """A monthly bonus statement of an AM: a snapshot that recomputation reproduces exactly."""


    agency = models.ForeignKey("org.Agency", on_delete=models.CASCADE, related_name="+")
    employee = models.ForeignKey("org.Employee", on_delete=models.CASCADE, related_name="bonus_statements")
    month = models.DateField()
    rule = models.ForeignKey(BonusRule, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    plan = models.DecimalField(**MONEY)
    paid = models.DecimalField(**MONEY)
    percent = models.DecimalField(max_digits=8, decimal_places=2)
    fixed_salary = models.DecimalField(**MONEY)
    share_percent = models.DecimalField(max_digits=5, decimal_places=2)
    bonus = models.DecimalField(**MONEY)
    total = models.DecimalField(**MONEY)
    details = models.JSONField(default=list)
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-month", "employee__full_name"]
        constraints = [models.UniqueConstraint(fields=["employee", "month"], name="bonus_statement_once_per_month")]

    def __str__(self) -> str:
        return f"{self.employee_id} {self.month:%m.%Y}: {self.total}"

    @property
    def payment_rows(self) -> list[dict[str, Any]]:
        """The payments behind the statement (the `details` snapshot) with typed date and amount."""
        return [
            {"payment_id": row.get("payment_id"), "date": dt.date.fromisoformat(row["date"]),
             "client": row.get("client", ""), "amount": Decimal(row["amount"])}
            for row in self.details
        ]


class SubcontractorCost(models.Model):
    """What a subcontractor charged the agency for work on a client (for profitability)."""


    agency = models.ForeignKey("org.Agency", on_delete=models.CASCADE, related_name="+")
    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="subcontractor_costs")
    contract = models.ForeignKey("contracts.Contract", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    subcontractor = models.ForeignKey(
        "contracts.Subcontractor", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    date = models.DateField()
    amount = models.DecimalField(**MONEY, validators=[MinValueValidator(Decimal("0"))])
    description = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["agency", "date"])]

    def __str__(self) -> str:
        return f"{self.date:%d.%m.%Y}: {self.amount}"


class LoyaltyBasis(models.TextChoices):
    """What a loyalty rule measures, on the invoice date."""

    TENURE_MONTHS = "tenure_months", _("Месяцев сотрудничества")
    MONTHLY_VOLUME = "monthly_volume", _("Средний счёт в месяц, ₽ (3 прошлых месяца)")
    SERVICES_COUNT = "services_count", _("Число услуг по действующим договорам")


class LoyaltyRule(TimeStampedModel):
    """An agency's discount for regular clients: when the client's measure on the invoice date
    reaches `threshold`, its new invoices get `percent` off every line. Rules do not add up:
    the largest discount among the rules a client meets applies."""

    agency = models.ForeignKey("org.Agency", on_delete=models.CASCADE, related_name="loyalty_rules")
    name = models.CharField(_("название"), max_length=120)
    basis = models.CharField(_("условие"), max_length=20, choices=LoyaltyBasis.choices)
    threshold = models.DecimalField(
        _("порог"), max_digits=14, decimal_places=2, validators=[MinValueValidator(Decimal("0"))],
        help_text=_("Месяцы, рубли в месяц или число услуг — смотря по условию."),
    )
    percent = models.DecimalField(
        _("скидка, %"), max_digits=5, decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("50"))],
    )
    is_active = models.BooleanField(_("действует"), default=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("правило скидки лояльности")
        verbose_name_plural = _("правила скидок лояльности")
        ordering = ["basis", "threshold", "id"]
        constraints = [models.UniqueConstraint(fields=["agency", "name"], name="loyalty_rule_name_unique")]

    def __str__(self) -> str:
        return f"{self.name}: {self.percent}%"
class RetainerOverageDecision(models.Model):
    """What was done with a month's over-service on a retainer line: billed (an invoice line of
    the hours × the overage rate) or written off with a reason; who decided and when.

    One decision per line and month (the database guards it), so over-service is never billed
    twice; the decided month is frozen (tandem.work.RetainerMonth).
    """

    class Decision(models.TextChoices):
        BILLED = "billed", _("Выставлено клиенту")
        WRITTEN_OFF = "written_off", _("Списано")

    agency = models.ForeignKey("org.Agency", on_delete=models.CASCADE, related_name="+")
    line = models.ForeignKey("contracts.ContractLine", on_delete=models.PROTECT, related_name="overage_decisions")
    month = models.DateField(_("месяц"))
    decision = models.CharField(_("решение"), max_length=12, choices=Decision.choices)
    hours = models.DecimalField(_("часов сверх лимита"), max_digits=9, decimal_places=2)
    rate = models.DecimalField(_("ставка, ₽/ч"), **MONEY, default=ZERO)
    amount = models.DecimalField(_("сумма"), **MONEY, default=ZERO)
    invoice_line = models.OneToOneField(
        InvoiceLine, on_delete=models.PROTECT, null=True, blank=True, related_name="overage_decision"
    )
    reason = models.TextField(_("причина списания"), blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("решено"))

    class Meta:
        verbose_name = _("решение о сверхлимите")
        verbose_name_plural = _("решения о сверхлимите")
        ordering = ["-month", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["line", "month"], name="retainer_overage_once_per_month"),
            models.CheckConstraint(
                condition=(models.Q(decision="billed") & models.Q(invoice_line__isnull=False))
                | (models.Q(decision="written_off") & models.Q(invoice_line__isnull=True) & ~models.Q(reason="")),
                name="retainer_overage_billed_has_line_written_off_has_reason",
            ),
            models.CheckConstraint(condition=models.Q(hours__gt=0), name="retainer_overage_hours_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.line_id} {self.month:%m.%Y}: {self.decision}"


class OneCExport(models.Model):
    """One file handed to 1C:Бухгалтерия (EnterpriseData XML): which period, who, when, and which
    documents in which version it carried. Never edited after creation."""

    class Mode(models.TextChoices):
        CHANGED = "changed", _("Только новые и изменённые")
        ALL = "all", _("Все за период")

    agency = models.ForeignKey("org.Agency", on_delete=models.CASCADE, related_name="onec_exports")
    period_start = models.DateField(_("период с"))
    period_end = models.DateField(_("период по"))
    mode = models.CharField(_("режим"), max_length=8, choices=Mode.choices, default=Mode.CHANGED)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("создана"), auto_now_add=True, db_index=True)
    file_name = models.CharField(_("файл"), max_length=255)
    content = models.BinaryField(_("содержимое"))
    invoice_count = models.PositiveIntegerField(_("счетов"), default=0)
    act_count = models.PositiveIntegerField(_("актов"), default=0)
    counterparty_count = models.PositiveIntegerField(_("контрагентов"), default=0)

    class Meta:
        verbose_name = _("выгрузка в 1С")
        verbose_name_plural = _("выгрузки в 1С")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(period_end__gte=models.F("period_start")),
                                   name="onec_export_period_ordered"),
        ]

    def __str__(self) -> str:
        return f"Выгрузка в 1С {self.period_start:%d.%m.%Y}–{self.period_end:%d.%m.%Y}"

    @property
    def document_count(self) -> int:
        return self.invoice_count + self.act_count


class OneCExportItem(models.Model):
    """A document in an export with the version it had (its updated_at): the next «only new and
    changed» export skips it unless it changed since."""

    class Kind(models.TextChoices):
        INVOICE = "invoice", _("Счёт")
        ACT = "act", _("Акт")

    export = models.ForeignKey(OneCExport, on_delete=models.CASCADE, related_name="items")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    object_id = models.PositiveBigIntegerField()
    number = models.CharField(max_length=40)
    version = models.DateTimeField()
    # A fingerprint of what 1C sees (number, date, client, sums, lines, cancellation): a payment
    # that only touches `paid_amount` changes updated_at but not this, so it is not re-exported.
    digest = models.CharField(max_length=64)
    is_change = models.BooleanField(default=False)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["kind", "object_id"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"
