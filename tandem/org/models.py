"""Agency, its groups and employees.

A User is a login; an Employee is that person's place in an agency (role, group, cost,
capacity). Every domain object is scoped to an agency through its client or employee.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.models import AbstractUser
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from tandem.core.models import TimeStampedModel

from .roles import Grade, Role, Specialty


class User(AbstractUser):
    """Login account. Business attributes live on Employee."""

    class Meta:
        verbose_name = _("пользователь")
        verbose_name_plural = _("пользователи")

    @property
    def employee_or_none(self) -> Employee | None:
        try:
            return self.employee
        except Employee.DoesNotExist:
            return None


class Agency(TimeStampedModel):
    """The agency using Tandem, with its agency-wide settings."""

    name = models.CharField(_("название"), max_length=255)
    legal_name = models.CharField(_("юридическое название"), max_length=255, blank=True)
    am_soft_client_limit = models.PositiveSmallIntegerField(
        _("мягкий лимит клиентов на аккаунта"), default=20,
        help_text=_("Назначение сверх лимита разрешено, но с предупреждением."),
    )
    am_hard_client_limit = models.PositiveSmallIntegerField(
        _("жёсткий лимит клиентов на аккаунта"), default=25,
        help_text=_("Сверх лимита назначить может только руководитель аккаунтинга, с пометкой."),
    )
    started_on = models.DateField(
        _("работает с"), null=True, blank=True,
        help_text=_("Время и документы раньше этой даты не вносятся (опечатка в годе)."),
    )
    two_factor_roles = models.JSONField(
        _("роли с обязательной двухфакторной аутентификацией"), default=list, blank=True,
        help_text=_("Сотрудники этих ролей входят только с кодом из приложения-аутентификатора."),
    )

    class Meta:
        verbose_name = _("агентство")
        verbose_name_plural = _("агентства")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(am_hard_client_limit__gte=models.F("am_soft_client_limit")),
                name="agency_hard_limit_not_below_soft",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Group(TimeStampedModel):
    """A working group of the agency ("SEO 1", "Performance") led by a group head."""

    class Kind(models.TextChoices):
        SEO = "seo", _("SEO")
        PERFORMANCE = "performance", _("Performance")
        NON_STANDARD = "non_standard", _("Нестандартные проекты")
        OTHER = "other", _("Другое")

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="groups")
    name = models.CharField(_("название"), max_length=120)
    kind = models.CharField(_("тип"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    head = models.ForeignKey(
        "org.Employee", verbose_name=_("группхэд"), on_delete=models.SET_NULL,
        null=True, blank=True, related_name="headed_groups",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("группа")
        verbose_name_plural = _("группы")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["agency", "name"], name="group_name_unique_in_agency")]

    def __str__(self) -> str:
        return self.name


class Employee(TimeStampedModel):
    """A person working in the agency. Specialty applies to specialists; grade is optional."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="employees")
    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="employee")
    full_name = models.CharField(_("ФИО"), max_length=255)
    role = models.CharField(_("роль"), max_length=32, choices=Role.choices)
    specialty = models.CharField(_("специализация"), max_length=20, choices=Specialty.choices, blank=True)
    grade = models.CharField(_("грейд"), max_length=10, choices=Grade.choices, blank=True)
    group = models.ForeignKey(
        Group, verbose_name=_("группа"), on_delete=models.SET_NULL, null=True, blank=True, related_name="members"
    )
    hourly_cost_rate = models.DecimalField(
        _("себестоимость часа, ₽"), max_digits=10, decimal_places=2, default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    monthly_capacity_hours = models.PositiveSmallIntegerField(_("ёмкость, ч/мес"), default=160)
    soft_client_limit = models.PositiveSmallIntegerField(
        _("мягкий лимит клиентов"), null=True, blank=True, help_text=_("Пусто — лимит агентства.")
    )
    hard_client_limit = models.PositiveSmallIntegerField(
        _("жёсткий лимит клиентов"), null=True, blank=True, help_text=_("Пусто — лимит агентства.")
    )
    is_active = models.BooleanField(_("работает"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("сотрудник")
        verbose_name_plural = _("сотрудники")
        ordering = ["full_name"]
        indexes = [models.Index(fields=["agency", "role", "is_active"])]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(role=Role.SPECIALIST) | ~models.Q(specialty=""),
                name="employee_specialist_has_specialty",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def effective_soft_limit(self) -> int:
        return self.soft_client_limit if self.soft_client_limit is not None else self.agency.am_soft_client_limit

    @property
    def effective_hard_limit(self) -> int:
        return self.hard_client_limit if self.hard_client_limit is not None else self.agency.am_hard_client_limit


class ApiToken(models.Model):
    """A named API token of a user; several per user (one per script or device).

    Only a SHA-256 digest of the key is stored: the key itself is shown once, when issued.
    `prefix` (its first characters) tells tokens apart in lists. No expiry when `expires_at` is empty.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("название"), max_length=100, blank=True)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(_("начало ключа"), max_length=8, editable=False)
    created_at = models.DateTimeField(_("выпущен"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("последнее использование"), null=True, blank=True)
    expires_at = models.DateTimeField(_("действует до"), null=True, blank=True)

    class Meta:
        verbose_name = _("API-токен")
        verbose_name_plural = _("API-токены")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.prefix}… {self.name}".strip()


class TotpDevice(models.Model):
    """A user's TOTP second factor (RFC 6238, 30-second steps, 6 digits; any authenticator app).

    The shared secret is stored encrypted (tandem.core.secrets). The device is in force only once
    `confirmed_at` is set (the person typed a code from the app). `last_step` is the last accepted
    time step: a code is accepted once (no replay). Wrong codes are counted in `failed_attempts`;
    at the limit the second step is closed until `locked_until`.
    """

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="totp_device")
    secret_encrypted = models.TextField(editable=False)
    confirmed_at = models.DateTimeField(_("включена"), null=True, blank=True)
    last_step = models.BigIntegerField(default=0, editable=False)
    failed_attempts = models.PositiveSmallIntegerField(_("неверных кодов подряд"), default=0)
    locked_until = models.DateTimeField(_("вход по коду закрыт до"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("двухфакторная аутентификация")
        verbose_name_plural = _("двухфакторная аутентификация")

    def __str__(self) -> str:
        return str(self.user)

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None


class RecoveryCode(models.Model):
    """A single-use recovery code for signing in without the authenticator app.

    Only a SHA-256 digest is kept (the codes carry ~49 random bits and are shown once)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="recovery_codes")
    code_hash = models.CharField(max_length=64, editable=False)
    used_at = models.DateTimeField(_("использован"), null=True, blank=True)

    class Meta:
        verbose_name = _("код восстановления")
        verbose_name_plural = _("коды восстановления")
        constraints = [models.UniqueConstraint(fields=["user", "code_hash"], name="recovery_code_unique_per_user")]

    def __str__(self) -> str:
        return f"{self.user} #{self.pk}"
