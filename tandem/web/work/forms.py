"""Forms for the work pages: shape only; rules come back from tandem.work.services."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from tandem.clients.models import Contact
from tandem.org.models import Employee
from tandem.web.forms_util import date_input, decimal_field, model_choice, month_field
from tandem.work.models import OnboardingTemplateItem, StageKind, StageSubmission, TaskPriority, TaskStatus

DATE = date_input()


class TaskFilterForm(forms.Form):
    SCOPES = [("mine", _("Мои")), ("all", _("Все видимые")), ("review", _("Жду проверки"))]
    scope = forms.ChoiceField(label=_("Показать"), choices=SCOPES, required=False)
    status = forms.ChoiceField(label=_("Статус"), required=False,
                               choices=[("", _("Открытые")), ("any", _("Все"))] + list(TaskStatus.choices))
    overdue = forms.BooleanField(label=_("Только просроченные"), required=False)
    q = forms.CharField(label=_("Поиск"), required=False)


class TaskForm(forms.Form):
    title = forms.CharField(label=_("Задача"), max_length=255)
    brief = forms.CharField(label=_("Бриф"), required=False, widget=forms.Textarea(attrs={"rows": 8}),
                            help_text=_("Markdown: **жирный**, *курсив*, списки «- », ссылки [текст](https://…)."))
    assignee = forms.ModelChoiceField(label=_("Исполнитель"), queryset=Employee.objects.none(), required=False)
    reviewer = forms.ModelChoiceField(label=_("Проверяющий"), queryset=Employee.objects.none(), required=False,
                                      help_text=_("Пусто — аккаунт проекта."))
    deadline = forms.DateField(label=_("Срок"), widget=DATE, required=False)
    estimate_hours = decimal_field(label=_("Оценка, ч"), max_digits=6, decimal_places=2, min_value=0,
                                        required=False)
    priority = forms.TypedChoiceField(label=_("Приоритет"), choices=TaskPriority.choices, coerce=int,
                                      initial=TaskPriority.NORMAL)

    def __init__(self, *args: Any, employees: QuerySet[Employee], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("assignee", "reviewer"):
            model_choice(self, name).queryset = employees.filter(is_active=True).order_by("full_name")


class TaskTransitionForm(forms.Form):
    to_status = forms.ChoiceField(choices=TaskStatus.choices)
    comment = forms.CharField(label=_("Комментарий"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class StageForm(forms.Form):
    kind = forms.ChoiceField(label=_("Тип"), choices=StageKind.choices)
    title = forms.CharField(label=_("Название"), max_length=255, required=False)
    due_date = forms.DateField(label=_("Срок"), widget=DATE, required=False)
    deliverable_url = forms.URLField(label=_("Ссылка на результат"), required=False, max_length=500,
                                      assume_scheme="https")


class StageSendForm(forms.Form):
    deliverable_url = forms.URLField(label=_("Ссылка на результат"), required=False, max_length=500,
                                      assume_scheme="https")
    note = forms.CharField(label=_("Сопроводительный текст"), required=False,
                           help_text=_("Что отправили и что просим посмотреть."))


class StageAnswerForm(forms.Form):
    """The client's answer; who answered is picked from the client's contacts (a contact of
    another client is not among the choices, so it is refused with a field error)."""

    decision = forms.ChoiceField(label=_("Ответ клиента"), choices=StageSubmission.Decision.choices)
    contact = forms.TypedChoiceField(label=_("Кто ответил"), required=False, coerce=int, empty_value=None)
    comment = forms.CharField(label=_("Замечания / комментарий"), required=False,
                              help_text=_("Обязательно, если клиент прислал замечания."))
    answered_on = forms.DateField(label=_("Дата ответа"), widget=DATE, required=False,
                                  help_text=_("Пусто — сегодня."))

    def __init__(self, *args: Any, contacts: Sequence[Contact] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.contacts = {c.pk: c for c in contacts}
        choice = self.fields["contact"]
        assert isinstance(choice, forms.TypedChoiceField)
        choice.choices = [("", "—")] + [
            (c.pk, f"{c.full_name} · {c.get_role_display()}" if c.role != Contact.Role.OTHER else c.full_name)
            for c in contacts
        ]

    def clean_contact(self) -> Contact | None:
        pk = self.cleaned_data.get("contact")
        return self.contacts.get(pk) if pk is not None else None


class MonthForm(forms.Form):
    month = month_field(label=_("Месяц"))


class CostRateForm(forms.Form):
    employee = forms.ModelChoiceField(label=_("Сотрудник"), queryset=Employee.objects.none())
    valid_from = forms.DateField(label=_("Действует с"), widget=DATE)
    rate = decimal_field(label=_("Себестоимость часа, ₽"), max_digits=10, decimal_places=2, min_value=0)

    def __init__(self, *args: Any, employees: QuerySet[Employee], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice(self, "employee").queryset = employees.order_by("full_name")


class TaskEditForm(TaskForm):
    """Editing keeps a task's people: assignee and reviewer are required here."""

    def __init__(self, *args: Any, employees: QuerySet[Employee], **kwargs: Any) -> None:
        super().__init__(*args, employees=employees, **kwargs)
        for name in ("assignee", "reviewer"):
            self.fields[name].required = True
            self.fields[name].help_text = ""


class StageEditForm(forms.Form):
    title = forms.CharField(label=_("Название"), max_length=255)
    due_date = forms.DateField(label=_("Срок"), widget=DATE, required=False)
    deliverable_url = forms.URLField(label=_("Ссылка на результат"), required=False, max_length=500,
                                      assume_scheme="https")
    deliverable_file = forms.FileField(label=_("Файл результата"), required=False,
                                       help_text=_("До 25 МБ. Новый файл заменяет прежний."))
    remove_file = forms.BooleanField(label=_("Удалить текущий файл"), required=False)


class TemplateItemForm(forms.Form):
    title = forms.CharField(label=_("Пункт"), max_length=255)
    due_in_days = forms.IntegerField(label=_("Срок, дней от подписания"), min_value=0, max_value=365, initial=7)
    owner_role = forms.ChoiceField(label=_("Ответственный"), choices=OnboardingTemplateItem.OwnerRole.choices)
    is_active = forms.BooleanField(label=_("Используется"), required=False, initial=True)


class WorkSettingsForm(forms.Form):
    stage_wait_flag_days = forms.IntegerField(
        label=_("Ждём ответа клиента дольше, дней"), min_value=1, max_value=90,
        help_text=_("Этап, отправленный клиенту и не согласованный дольше, помечается аккаунту."))
    onboarding_badge_days = forms.IntegerField(
        label=_("Значок онбординга, дней"), min_value=1, max_value=365,
        help_text=_("Сколько дней после подписания первого договора клиент отмечен значком онбординга."))
