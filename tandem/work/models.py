"""Projects, stages with client approvals, onboarding, tasks, time entries, cost-rate history
and months closed by finance."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from tandem.core.models import TimeStampedModel

DEFAULT_STAGE_WAIT_DAYS = 5
ONBOARDING_BADGE_DAYS = 60


class WorkSettings(models.Model):
    """Agency-wide work settings (a row per agency; defaults apply while there is none)."""

    agency = models.OneToOneField("org.Agency", on_delete=models.CASCADE, related_name="work_settings")
    stage_wait_flag_days = models.PositiveSmallIntegerField(
        _("ждём ответа клиента дольше, дней"), default=DEFAULT_STAGE_WAIT_DAYS,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
        help_text=_("Этап, отправленный клиенту и не согласованный дольше, помечается аккаунту."),
    )
    onboarding_badge_days = models.PositiveSmallIntegerField(
        _("значок онбординга, дней"), default=ONBOARDING_BADGE_DAYS,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )

    class Meta:
        verbose_name = _("настройки работы")
        verbose_name_plural = _("настройки работы")

    def __str__(self) -> str:
        return f"{self.agency_id}"


class ProjectStatus(models.TextChoices):
    ACTIVE = "active", _("В работе")
    CLOSED = "closed", _("Закрыт")


class Project(TimeStampedModel):
    """One per client × service line of a signed contract, opened by work.services.contract_sign."""

    agency = models.ForeignKey("org.Agency", on_delete=models.CASCADE, related_name="projects")
    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="projects")
    contract_line = models.OneToOneField(
        "contracts.ContractLine", on_delete=models.PROTECT, related_name="project"
    )
    name = models.CharField(_("название"), max_length=255)
    account_manager = models.ForeignKey(
        "org.Employee", verbose_name=_("аккаунт-менеджер"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="managed_projects",
    )
    specialist = models.ForeignKey(
        "org.Employee", verbose_name=_("специалист"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="specialist_projects",
    )
    status = models.CharField(_("статус"), max_length=10, choices=ProjectStatus.choices, default=ProjectStatus.ACTIVE)
    start_date = models.DateField(_("начало"))

    class Meta:
        verbose_name = _("проект")
        verbose_name_plural = _("проекты")
        ordering = ["client__legal_name", "name", "id"]
        indexes = [models.Index(fields=["agency", "status"]), models.Index(fields=["client", "status"])]

    def __str__(self) -> str:
        return self.name

    @property
    def name_without_client(self) -> str:
        """The name without its leading «Клиент — » (contract_sign names projects «Клиент —
        Услуга»), for places that already show the client beside it."""
        _client, sep, rest = self.name.partition(" — ")
        return rest if sep and rest else self.name


class StageKind(models.TextChoices):
    AUDIT = "audit", _("Аудит")
    STRATEGY = "strategy", _("Стратегия")
    MONTHLY_WORK = "monthly_work", _("Работы за месяц")
    REPORT = "report", _("Отчёт")
    CUSTOM = "custom", _("Другое")


class StageStatus(models.TextChoices):
    PLANNED = "planned", _("Запланирован")
    IN_WORK = "in_work", _("В работе")
    SENT = "sent", _("Отправлен клиенту")
    CHANGES_REQUESTED = "changes_requested", _("Есть замечания")
    APPROVED = "approved", _("Согласован")


def stage_deliverable_path(instance: Stage, filename: str) -> str:
    """Deliverables live under an unguessable folder (stages/<random>/<name>): they are only
    ever served by the web/API download views, which check that the stage is visible."""
    return f"stages/{uuid.uuid4().hex}/{filename}"


class Stage(TimeStampedModel):
    """A deliverable of the project the client approves: audit, strategy, monthly work, report."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="stages")
    kind = models.CharField(_("тип"), max_length=20, choices=StageKind.choices)
    title = models.CharField(_("название"), max_length=255)
    due_date = models.DateField(_("срок"), null=True, blank=True)
    deliverable_url = models.URLField(_("ссылка на результат"), blank=True, max_length=500)
    deliverable_file = models.FileField(_("файл результата"), upload_to=stage_deliverable_path, blank=True,
                                        max_length=255)
    status = models.CharField(_("статус"), max_length=20, choices=StageStatus.choices, default=StageStatus.PLANNED)
    sent_at = models.DateTimeField(_("отправлен клиенту"), null=True, blank=True)
    approved_at = models.DateTimeField(_("согласован"), null=True, blank=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("этап")
        verbose_name_plural = _("этапы")
        ordering = ["due_date", "id"]
        indexes = [models.Index(fields=["status", "sent_at"])]

    def __str__(self) -> str:
        return self.title


class StageSubmission(models.Model):
    """One sending of a stage to the client and the client's answer: who sent it and when,
    when the answer came, what it was and who recorded it. answer_time = answered_at − sent_at."""

    class Decision(models.TextChoices):
        APPROVED = "approved", _("Согласовано")
        CHANGES_REQUESTED = "changes_requested", _("Замечания")

    stage = models.ForeignKey(Stage, on_delete=models.CASCADE, related_name="submissions")
    sent_at = models.DateTimeField(_("отправлено"))
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(_("сопроводительный текст"), blank=True)
    answered_at = models.DateTimeField(_("ответ клиента"), null=True, blank=True)
    answer_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decision = models.CharField(_("решение"), max_length=20, choices=Decision.choices, blank=True)
    client_comment = models.TextField(_("комментарий клиента"), blank=True)
    contact = models.ForeignKey(
        "clients.Contact", verbose_name=_("кто ответил"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    # Free text from before answers named a contact (and from the API's `client_contact`); kept for history.
    client_contact = models.CharField(_("кто ответил (текстом)"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("отправка этапа")
        verbose_name_plural = _("отправки этапов")
        ordering = ["sent_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(answered_at__isnull=True, decision="")
                | (models.Q(answered_at__isnull=False) & ~models.Q(decision="")),
                name="stage_submission_answer_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.stage_id} @ {self.sent_at:%d.%m.%Y}"

    @property
    def answer_time(self):  # type: ignore[no-untyped-def]
        """How long the client took to answer (timedelta) or None while waiting."""
        return self.answered_at - self.sent_at if self.answered_at else None

    @property
    def answered_by_name(self) -> str:
        """Who answered on the client's side: the chosen contact, else the old free text."""
        return self.contact.full_name if self.contact_id and self.contact else self.client_contact

    @property
    def answer_days(self) -> float | None:
        delta = self.answer_time
        return round(delta.total_seconds() / 86400, 1) if delta is not None else None


class OnboardingTemplateItem(models.Model):
    """An item of the agency's onboarding template, copied into each new checklist."""

    class OwnerRole(models.TextChoices):
        ACCOUNT_MANAGER = "account_manager", _("Аккаунт-менеджер")
        SPECIALIST = "specialist", _("Специалист")

    agency = models.ForeignKey("org.Agency", on_delete=models.CASCADE, related_name="onboarding_template")
    title = models.CharField(_("пункт"), max_length=255)
    position = models.PositiveSmallIntegerField(_("порядок"), default=0)
    due_in_days = models.PositiveSmallIntegerField(_("срок, дней от подписания"), default=7)
    owner_role = models.CharField(
        _("ответственный"), max_length=20, choices=OwnerRole.choices, default=OwnerRole.ACCOUNT_MANAGER
    )
    is_active = models.BooleanField(_("используется"), default=True)

    class Meta:
        verbose_name = _("пункт шаблона онбординга")
        verbose_name_plural = _("шаблон онбординга")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.title


# The default template, used when the agency has not edited its own yet:
# (title, due in days from signing, owner role).
DEFAULT_ONBOARDING_ITEMS: tuple[tuple[str, int, str], ...] = (
    ("Установочная встреча (kick-off)", 3, "account_manager"),
    ("Согласован план на первый месяц", 7, "account_manager"),
    ("Согласован формат коммуникации", 5, "account_manager"),
    ("Назван контакт для срочных вопросов", 5, "account_manager"),
    ("Согласована периодичность отчётов", 7, "account_manager"),
    ("Команда представлена клиенту", 7, "account_manager"),
    ("Проведено обучение команды по продукту клиента", 14, "specialist"),
)


class OnboardingChecklist(TimeStampedModel):
    """The client's onboarding, opened when its first contract is signed."""

    client = models.OneToOneField("clients.Client", on_delete=models.CASCADE, related_name="onboarding")
    contract = models.ForeignKey("contracts.Contract", on_delete=models.PROTECT, related_name="+")
    started_on = models.DateField(_("начало"))
    completed_at = models.DateTimeField(_("завершён"), null=True, blank=True)

    class Meta:
        verbose_name = _("онбординг")
        verbose_name_plural = _("онбординги")

    def badge_until(self, days: int = ONBOARDING_BADGE_DAYS) -> date:
        from datetime import timedelta

        return self.started_on + timedelta(days=days)


class OnboardingItem(models.Model):
    checklist = models.ForeignKey(OnboardingChecklist, on_delete=models.CASCADE, related_name="items")
    title = models.CharField(_("пункт"), max_length=255)
    position = models.PositiveSmallIntegerField(default=0)
    owner = models.ForeignKey(
        "org.Employee", verbose_name=_("ответственный"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="onboarding_items",
    )
    due_date = models.DateField(_("срок"))
    done_at = models.DateTimeField(_("выполнен"), null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+")

    class Meta:
        verbose_name = _("пункт онбординга")
        verbose_name_plural = _("пункты онбординга")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.title


class TaskStatus(models.TextChoices):
    NEW = "new", _("Новая")
    IN_PROGRESS = "in_progress", _("В работе")
    REVIEW = "review", _("На проверке")
    CHANGES_REQUESTED = "changes_requested", _("На доработке")
    DONE = "done", _("Готово")
    CANCELLED = "cancelled", _("Отменена")


OPEN_TASK_STATUSES = (TaskStatus.NEW, TaskStatus.IN_PROGRESS, TaskStatus.REVIEW, TaskStatus.CHANGES_REQUESTED)


class TaskPriority(models.IntegerChoices):
    LOW = 1, _("Низкий")
    NORMAL = 2, _("Обычный")
    HIGH = 3, _("Высокий")
    URGENT = 4, _("Срочный")


class Task(TimeStampedModel):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(_("задача"), max_length=255)
    brief = models.TextField(_("бриф"), blank=True)
    assignee = models.ForeignKey(
        "org.Employee", verbose_name=_("исполнитель"), on_delete=models.PROTECT, related_name="assigned_tasks"
    )
    reviewer = models.ForeignKey(
        "org.Employee", verbose_name=_("проверяющий"), on_delete=models.PROTECT, related_name="review_tasks"
    )
    deadline = models.DateField(_("срок"), null=True, blank=True)
    estimate_hours = models.DecimalField(
        _("оценка, ч"), max_digits=6, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    priority = models.PositiveSmallIntegerField(_("приоритет"), choices=TaskPriority.choices,
                                                default=TaskPriority.NORMAL)
    status = models.CharField(_("статус"), max_length=20, choices=TaskStatus.choices, default=TaskStatus.NEW)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField(_("закрыта"), null=True, blank=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("задача")
        verbose_name_plural = _("задачи")
        ordering = ["deadline", "-priority", "id"]
        indexes = [
            models.Index(fields=["status", "deadline"]),
            models.Index(fields=["assignee", "status"]),
            models.Index(fields=["reviewer", "status"]),
            # "My day" overdue tasks: open tasks of an AM's projects by deadline (with the two above,
            # the project/assignee/reviewer OR becomes a BitmapOr instead of a scan of every overdue task).
            models.Index(fields=["project", "deadline"], condition=models.Q(status__in=OPEN_TASK_STATUSES),
                         name="task_open_project_deadline"),
            # The tasks list's default order: a page is an index walk, not a sort of every task (issue 16).
            models.Index(fields=["deadline", "-priority", "id"], name="task_list_order"),
            # "My day" overdue tasks in display order: with only `task_list_order` the planner walked
            # every overdue task, closed ones too (~95,000 at factor 1), to find an AM's first ten.
            models.Index(fields=["deadline", "-priority", "id"], condition=models.Q(status__in=OPEN_TASK_STATUSES),
                         name="task_open_list_order"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_TASK_STATUSES


class TaskTransition(models.Model):
    """Every status change of a task with who, when and the comment."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=20, choices=TaskStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=TaskStatus.choices)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(db_index=True)
    comment = models.TextField(blank=True)

    class Meta:
        verbose_name = _("смена статуса задачи")
        verbose_name_plural = _("история задач")
        ordering = ["changed_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status or '—'} → {self.to_status}"


class EmployeeCostRate(models.Model):
    """Hourly cost rate of an employee valid from a date. The rate for a day is the latest row
    with valid_from <= day; with no such row Employee.hourly_cost_rate applies."""

    employee = models.ForeignKey("org.Employee", on_delete=models.CASCADE, related_name="cost_rates")
    valid_from = models.DateField(_("действует с"))
    rate = models.DecimalField(_("себестоимость часа, ₽"), max_digits=10, decimal_places=2,
                               validators=[MinValueValidator(Decimal("0"))])
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                               related_name="+")
    set_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("ставка себестоимости")
        verbose_name_plural = _("история ставок себестоимости")
        ordering = ["employee", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["employee", "valid_from"], name="cost_rate_unique_date"),
        ]

    def __str__(self) -> str:
        return f"{self.rate} ₽/ч с {self.valid_from:%d.%m.%Y}"


class ClosedMonth(models.Model):
    """A month closed by finance: time entries dated in it cannot be added, changed or removed."""

    agency = models.ForeignKey("org.Agency", on_delete=models.CASCADE, related_name="closed_months")
    month = models.DateField(_("месяц"), help_text=_("Первое число месяца."))
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField(_("закрыт"))

    class Meta:
        verbose_name = _("закрытый месяц")
        verbose_name_plural = _("закрытые месяцы")
        ordering = ["-month"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "month"], name="closed_month_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%m.%Y}"


class TimeEntry(TimeStampedModel):
    """Hours an employee spent on a project (optionally a task) on a day.

    Hours go in 0.25 steps; one employee logs at most 24 h a day in total. `cost_rate` is the
    employee's rate valid on `date`, fixed when the entry is written (and recalculated when
    the rate history changes, except in closed months); cost = hours × cost_rate.
    """

    employee = models.ForeignKey("org.Employee", on_delete=models.PROTECT, related_name="time_entries")
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="time_entries")
    task = models.ForeignKey(Task, on_delete=models.SET_NULL, null=True, blank=True, related_name="time_entries")
    date = models.DateField(_("дата"))
    hours = models.DecimalField(
        _("часы"), max_digits=5, decimal_places=2,
        validators=[MinValueValidator(Decimal("0.25")), MaxValueValidator(Decimal("24"))],
    )
    note = models.CharField(_("комментарий"), max_length=500, blank=True)
    cost_rate = models.DecimalField(_("ставка, ₽/ч"), max_digits=10, decimal_places=2, default=Decimal("0"))
    cost = models.DecimalField(_("себестоимость, ₽"), max_digits=14, decimal_places=2, default=Decimal("0"))

    class Meta:
        verbose_name = _("запись времени")
        verbose_name_plural = _("учёт времени")
        ordering = ["-date", "-id"]
        indexes = [
            models.Index(fields=["employee", "date"]),
            models.Index(fields=["project", "date"]),
            # The list's default order (newest first): a page is an index walk, not a sort of the
            # day's entries; date ranges use it as they used the former (date) index (issue 16).
            models.Index(fields=["-date", "-id"], name="timeentry_date_id_desc"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(hours__gt=0) & models.Q(hours__lte=24), name="time_entry_hours_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.employee} {self.date} {self.hours} ч"


class TimeMonthRollup(models.Model):
    """Hours, cost and number of time entries per project × employee × month: the sums of
    TimeEntry kept exact by every write of time entries (work.services.time_rollup_refresh,
    called with the keys a write touched), so that month and whole-month sums over history
    read a few thousand rows instead of millions (issue 16). `client` and `agency` are the
    project's, copied for grouping. `manage.py check_rollups` compares it with the raw rows."""

    agency = models.ForeignKey("org.Agency", on_delete=models.CASCADE, related_name="+")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    client = models.ForeignKey("clients.Client", on_delete=models.CASCADE, related_name="+")
    employee = models.ForeignKey("org.Employee", on_delete=models.CASCADE, related_name="+")
    month = models.DateField(_("месяц"), help_text=_("Первое число месяца."))
    hours = models.DecimalField(_("часы"), max_digits=12, decimal_places=2)
    cost = models.DecimalField(_("себестоимость, ₽"), max_digits=16, decimal_places=2)
    entries = models.PositiveIntegerField(_("записей"))

    class Meta:
        verbose_name = _("итог времени за месяц")
        verbose_name_plural = _("итоги времени за месяц")
        constraints = [
            models.UniqueConstraint(fields=["project", "employee", "month"], name="time_rollup_key"),
        ]
        indexes = [
            models.Index(fields=["agency", "month"]),
            models.Index(fields=["client", "month"]),
            models.Index(fields=["employee", "month"]),
        ]

    def __str__(self) -> str:
        return f"{self.project_id}/{self.employee_id} {self.month:%m.%Y}: {self.hours} ч"


class RetainerMonthFreezeReason(models.TextChoices):
    MONTH_CLOSED = "month_closed", _("Месяц закрыт")
    OVERAGE_DECIDED = "overage_decided", _("Решение о сверхлимите")


class RetainerMonth(models.Model):
    """A frozen month of a retainer line's balance (tandem.contracts.retainers arithmetic).

    Written once, when the agency closes the month or the month's over-service is decided; from
    then on the balance shows these figures and later changes of time or terms do not move
    them. Later months continue from the stored budget and used hours.
    """

    line = models.ForeignKey("contracts.ContractLine", on_delete=models.CASCADE, related_name="retainer_months")
    month = models.DateField(_("месяц"), help_text=_("Первое число месяца."))
    opening = models.DecimalField(_("остаток на начало, ч"), max_digits=9, decimal_places=2)
    expired = models.DecimalField(_("сгорело, ч"), max_digits=9, decimal_places=2)
    carried_in = models.DecimalField(_("перенесено, ч"), max_digits=9, decimal_places=2)
    budget = models.DecimalField(_("бюджет, ч"), max_digits=9, decimal_places=2)
    used = models.DecimalField(_("израсходовано, ч"), max_digits=9, decimal_places=2)
    overage = models.DecimalField(_("сверх лимита, ч"), max_digits=9, decimal_places=2)
    closing = models.DecimalField(_("остаток на конец, ч"), max_digits=9, decimal_places=2)
    money_budget = models.DecimalField(_("бюджет расходов, ₽"), max_digits=14, decimal_places=2)
    money_spent = models.DecimalField(_("расходы, ₽"), max_digits=14, decimal_places=2)
    reason = models.CharField(_("основание"), max_length=20, choices=RetainerMonthFreezeReason.choices)
    frozen_at = models.DateTimeField(_("зафиксирован"))
    frozen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("зафиксированный месяц абонемента")
        verbose_name_plural = _("зафиксированные месяцы абонементов")
        ordering = ["line", "month"]
        constraints = [
            models.UniqueConstraint(fields=["line", "month"], name="retainer_month_once"),
        ]

    def __str__(self) -> str:
        return f"{self.line_id} {self.month:%m.%Y}"
