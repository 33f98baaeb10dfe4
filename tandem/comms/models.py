"""Communications log, client requests with SLA clocks, escalations and the agency's SLA terms.

SLA deadlines are computed by services from the policy and the working calendar when a
request is received; nobody types them in. Breach flags are derived from those deadlines.
"""

from __future__ import annotations

from datetime import datetime, time

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from tandem.core.models import TimeStampedModel


class InteractionKind(models.TextChoices):
    CALL = "call", _("Звонок")
    MEETING = "meeting", _("Встреча")
    MESSAGE = "message", _("Сообщение")
    EMAIL = "email", _("Письмо")
    TRIP = "business_trip", _("Командировка")
    REPORT = "report_sent", _("Отправлен отчёт")


class Direction(models.TextChoices):
    OUTGOING = "outgoing", _("Исходящее")
    INCOMING = "incoming", _("Входящее")


class CommChannel(models.TextChoices):
    PHONE = "phone", _("Телефон")
    MESSENGER = "messenger", _("Мессенджер")
    EMAIL = "email", _("E-mail")
    VIDEO = "video", _("Видеосвязь")
    IN_PERSON = "in_person", _("Лично")
    TASK_MANAGER = "task_manager", _("Таск-менеджер")
    # Filed or answered by the client's contact in the client portal (tandem.portal).
    PORTAL = "portal", _("Кабинет клиента")


class Interaction(TimeStampedModel):
    """One contact with the client: who, with whom, how, when, what came of it, what next."""

    client = models.ForeignKey("clients.Client", on_delete=models.CASCADE, related_name="interactions")
    contacts = models.ManyToManyField("clients.Contact", blank=True, related_name="interactions",
                                      verbose_name=_("контакты"))
    employees = models.ManyToManyField("org.Employee", blank=True, related_name="interactions",
                                       verbose_name=_("сотрудники"))
    kind = models.CharField(_("вид"), max_length=20, choices=InteractionKind.choices, default=InteractionKind.CALL)
    direction = models.CharField(_("направление"), max_length=10, choices=Direction.choices,
                                 default=Direction.OUTGOING)
    channel = models.CharField(_("канал"), max_length=20, choices=CommChannel.choices, default=CommChannel.PHONE)
    occurred_at = models.DateTimeField(_("когда"), db_index=True)
    summary = models.TextField(_("о чём"))
    outcome = models.TextField(_("итог"), blank=True)
    next_step = models.CharField(_("следующий шаг"), max_length=255, blank=True)
    next_step_due = models.DateField(_("срок следующего шага"), null=True, blank=True)
    next_step_done_at = models.DateTimeField(_("шаг выполнен"), null=True, blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=255, blank=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords(excluded_fields=["updated_at"], m2m_fields=[contacts, employees])

    class Meta:
        verbose_name = _("взаимодействие")
        verbose_name_plural = _("журнал коммуникаций")
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["client", "occurred_at"]),
            models.Index(fields=["kind", "occurred_at"]),
            models.Index(fields=["next_step_due"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "message_id"], condition=~models.Q(message_id=""),
                name="interaction_message_once_per_client",
            ),
            models.CheckConstraint(
                condition=models.Q(next_step_due__isnull=True) | ~models.Q(next_step=""),
                name="interaction_due_needs_next_step",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.client} · {self.occurred_at:%d.%m.%Y}"


class ContactSnooze(models.Model):
    """"Not today": the contact's next-due date is pushed to `until` by an employee."""

    contact = models.ForeignKey("clients.Contact", on_delete=models.CASCADE, related_name="comms_snoozes")
    until = models.DateField(_("отложено до"))
    created_by = models.ForeignKey("org.Employee", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("отложенный контакт")
        verbose_name_plural = _("отложенные контакты")
        indexes = [models.Index(fields=["contact", "until"])]

    def __str__(self) -> str:
        return f"{self.contact_id} → {self.until}"


class Priority(models.TextChoices):
    NORMAL = "normal", _("Обычный")
    URGENT = "urgent", _("Срочный")
    CRITICAL = "critical", _("Критичный")


class WorkSchedule(TimeStampedModel):
    """The agency's working hours for SLA clocks; holidays come from the Russian calendar."""

    agency = models.OneToOneField("org.Agency", on_delete=models.CASCADE, related_name="work_schedule")
    day_start = models.TimeField(_("начало рабочего дня"), default=time(10, 0))
    day_end = models.TimeField(_("конец рабочего дня"), default=time(19, 0))
    time_zone = models.CharField(_("часовой пояс"), max_length=64, default="Europe/Moscow")

    class Meta:
        verbose_name = _("рабочий график")
        verbose_name_plural = _("рабочие графики")
        constraints = [
            models.CheckConstraint(condition=models.Q(day_end__gt=models.F("day_start")),
                                   name="work_schedule_end_after_start"),
        ]


class SlaPolicy(TimeStampedModel):
    """SLA terms for a priority and client tier (blank tier = any tier) of an agency.

    Minutes are business minutes unless `round_the_clock`. `head_escalation_minutes` count
    from the first-response deadline: an unresolved request then goes to the head of accounts.
    """

    agency = models.ForeignKey("org.Agency", on_delete=models.CASCADE, related_name="sla_policies")
    priority = models.CharField(_("приоритет"), max_length=10, choices=Priority.choices)
    tier = models.CharField(_("категория клиента"), max_length=12, blank=True,
                            choices=[("", _("Любая"))] + [(v, lbl) for v, lbl in (
                                ("key", _("Ключевой")), ("current", _("Текущий")), ("new", _("Новый")))])
    first_response_minutes = models.PositiveIntegerField(_("первый ответ, мин"), validators=[MinValueValidator(1)])
    resolve_minutes = models.PositiveIntegerField(_("решение, мин"), validators=[MinValueValidator(1)])
    head_escalation_minutes = models.PositiveIntegerField(
        _("эскалация руководителю через, мин"), validators=[MinValueValidator(1)],
        help_text=_("После срока первого ответа, если обращение не решено."),
    )
    round_the_clock = models.BooleanField(_("круглосуточно"), default=False)

    class Meta:
        verbose_name = _("SLA")
        verbose_name_plural = _("SLA")
        ordering = ["priority", "tier"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "priority", "tier"], name="sla_policy_unique"),
            models.CheckConstraint(condition=models.Q(resolve_minutes__gte=models.F("first_response_minutes")),
                                   name="sla_resolve_not_before_first_response"),
        ]

    def __str__(self) -> str:
        return f"{self.get_priority_display()} / {self.tier or '*'}"


class ClientRequest(TimeStampedModel):
    """A client's request or complaint with its SLA clock."""

    client = models.ForeignKey("clients.Client", on_delete=models.CASCADE, related_name="requests")
    contact = models.ForeignKey("clients.Contact", on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="requests", verbose_name=_("контакт"))
    channel = models.CharField(_("канал"), max_length=20, choices=CommChannel.choices, default=CommChannel.EMAIL)
    subject = models.CharField(_("тема"), max_length=255)
    text = models.TextField(_("текст"), blank=True)
    priority = models.CharField(_("приоритет"), max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    received_at = models.DateTimeField(_("получено"), db_index=True)
    first_response_at = models.DateTimeField(_("первый ответ"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("решено"), null=True, blank=True)
    owner = models.ForeignKey("org.Employee", on_delete=models.PROTECT, null=True, blank=True,
                              related_name="owned_requests", verbose_name=_("ответственный"))
    # Computed by services from SlaPolicy and WorkSchedule when the request is received.
    round_the_clock = models.BooleanField(default=False, editable=False)
    first_response_due_at = models.DateTimeField(_("срок первого ответа"), editable=False)
    resolve_due_at = models.DateTimeField(_("срок решения"), editable=False)
    head_escalation_at = models.DateTimeField(_("эскалация руководителю"), editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("обращение клиента")
        verbose_name_plural = _("обращения клиентов")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["client", "resolved_at"]),
            models.Index(fields=["owner", "resolved_at"]),
            models.Index(fields=["resolved_at", "first_response_due_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(first_response_at__isnull=True) | models.Q(first_response_at__gte=models.F("received_at")),
                name="request_response_after_receipt",
            ),
            models.CheckConstraint(
                condition=models.Q(resolved_at__isnull=True) | models.Q(first_response_at__isnull=False),
                name="request_resolved_has_response",
            ),
        ]

    def __str__(self) -> str:
        return self.subject

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None

    def first_response_breached(self, now: datetime | None = None) -> bool:
        moment = self.first_response_at or now or timezone.now()
        return moment > self.first_response_due_at

    def resolve_breached(self, now: datetime | None = None) -> bool:
        moment = self.resolved_at or now or timezone.now()
        return moment > self.resolve_due_at

    @property
    def escalated_levels(self) -> set[int]:
        """Levels this request has been escalated at (uses prefetched escalations when present)."""
        return {e.level for e in self.escalations.all()}

    @property
    def next_deadline(self) -> datetime | None:
        if self.resolved_at is not None:
            return None
        return self.first_response_due_at if self.first_response_at is None else self.resolve_due_at


class Escalation(models.Model):
    """A record that someone was told about a late request: who, at which level, how, when."""

    class Level(models.IntegerChoices):
        GROUP_HEAD = 1, _("Группхэд")
        HEAD_OF_ACCOUNTS = 2, _("Руководитель аккаунтинга")

    request = models.ForeignKey(ClientRequest, on_delete=models.CASCADE, related_name="escalations")
    level = models.PositiveSmallIntegerField(choices=Level.choices)
    notified = models.ForeignKey("org.Employee", on_delete=models.CASCADE, related_name="comms_escalations")
    channels = models.CharField(_("каналы"), max_length=100)
    notification = models.ForeignKey("notifications.Notification", on_delete=models.SET_NULL, null=True,
                                     blank=True, related_name="+")
    reason = models.CharField(_("причина"), max_length=255)
    # Who pressed "escalate now"; empty for escalations made by the periodic job.
    escalated_by = models.ForeignKey("org.Employee", on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+", verbose_name=_("эскалировал"))
    created_at = models.DateTimeField(_("когда"))

    class Meta:
        verbose_name = _("эскалация")
        verbose_name_plural = _("эскалации")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["request", "level", "notified"], name="escalation_once_per_person"),
        ]

    def __str__(self) -> str:
        return f"{self.request} → {self.notified} ({self.get_level_display()})"

    @property
    def channel_labels(self) -> str:
        """The delivery channels as users see them ("В Tandem, Telegram"), not the stored codes."""
        from tandem.notifications.models import Channel

        labels = dict(Channel.choices)
        return ", ".join(str(labels.get(code, code)) for code in self.channels.split(",") if code)


class Handover(models.Model):
    """The checklist of a client's passing to a new AM (recorded with the AM change): read the
    notes, take over the open requests and the agreed next steps, meet the decision makers,
    talk to the previous AM. The new AM ticks the items; done when every item is."""

    client = models.ForeignKey("clients.Client", on_delete=models.CASCADE, related_name="handovers")
    change = models.OneToOneField("clients.AccountManagerChange", on_delete=models.CASCADE, related_name="handover")
    previous_manager = models.ForeignKey("org.Employee", on_delete=models.SET_NULL, null=True, blank=True,
                                         related_name="+", verbose_name=_("прежний аккаунт"))
    new_manager = models.ForeignKey("org.Employee", on_delete=models.PROTECT, related_name="handovers",
                                    verbose_name=_("новый аккаунт"))
    created_at = models.DateTimeField(_("создан"), db_index=True)
    completed_at = models.DateTimeField(_("завершён"), null=True, blank=True)

    class Meta:
        verbose_name = _("передача клиента")
        verbose_name_plural = _("передачи клиентов")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["new_manager", "completed_at"])]

    def __str__(self) -> str:
        return f"{self.client} → {self.new_manager}"


class HandoverItem(models.Model):
    class Kind(models.TextChoices):
        NOTES = "notes", _("Заметки о клиенте")
        REQUEST = "request", _("Открытое обращение")
        NEXT_STEP = "next_step", _("Договорённость")
        CONTACT = "contact", _("Знакомство с контактом")
        MEETING = "meeting", _("Встреча с прежним аккаунтом")

    handover = models.ForeignKey(Handover, on_delete=models.CASCADE, related_name="items")
    kind = models.CharField(_("что"), max_length=12, choices=Kind.choices)
    label = models.CharField(_("пункт"), max_length=300)
    # The object the item is about (a request, an interaction with a next step, a contact).
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    done_at = models.DateTimeField(_("выполнено"), null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+")

    class Meta:
        verbose_name = _("пункт передачи")
        verbose_name_plural = _("пункты передачи")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.label
