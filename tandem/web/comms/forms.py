"""Forms of the comms pages: shape only; rules live in comms services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tandem.clients.models import Client, Contact
from tandem.comms.models import CommChannel, Direction, InteractionKind, Priority
from tandem.org.models import Employee
from tandem.web.forms_util import date_input, model_choice, month_field

DT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
D = date_input()

# Keyed by the channel value as stored (a str), as in `contact.preferred_channel`.
KIND_BY_CHANNEL: dict[str, tuple[InteractionKind, CommChannel]] = {
    Contact.Channel.PHONE: (InteractionKind.CALL, CommChannel.PHONE),
    Contact.Channel.MESSENGER: (InteractionKind.MESSAGE, CommChannel.MESSENGER),
    Contact.Channel.EMAIL: (InteractionKind.EMAIL, CommChannel.EMAIL),
    Contact.Channel.TASK_MANAGER: (InteractionKind.MESSAGE, CommChannel.TASK_MANAGER),
}


class InteractionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Вид"), choices=InteractionKind.choices)
    direction = forms.ChoiceField(label=_("Направление"), choices=Direction.choices)
    channel = forms.ChoiceField(label=_("Канал"), choices=CommChannel.choices)
    occurred_at = forms.DateTimeField(label=_("Когда"), widget=DT)
    contacts = forms.ModelMultipleChoiceField(label=_("Контакты"), queryset=Contact.objects.none(),
                                              required=False, widget=forms.CheckboxSelectMultiple)
    summary = forms.CharField(label=_("О чём"), widget=forms.Textarea(attrs={"rows": 3}))
    outcome = forms.CharField(label=_("Итог"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    next_step = forms.CharField(label=_("Следующий шаг"), required=False, max_length=255)
    next_step_due = forms.DateField(label=_("Срок шага"), required=False, widget=D)

    def __init__(self, *args: Any, client: Client, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        contacts = Contact.objects.filter(client=client, is_active=True).order_by("full_name")
        model_choice(self, "contacts").queryset = contacts
        self.fields["occurred_at"].initial = timezone.localtime().replace(second=0, microsecond=0)

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("contacts")
        return data


class LogContactForm(forms.Form):
    """The short in-place form (My day, client card, request): the contact's preferred channel
    and «сейчас» come preselected, so opening it and saving are the only two clicks needed;
    the time may be changed (a call made yesterday), what was said is optional."""

    kind = forms.ChoiceField(label=_("Вид"), choices=InteractionKind.choices)
    channel = forms.ChoiceField(label=_("Канал"), choices=CommChannel.choices)
    occurred_at = forms.DateTimeField(label=_("Когда"), widget=DT, required=False,
                                      help_text=_("Сейчас; измените, если контакт был раньше."))
    summary = forms.CharField(label=_("О чём"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    next_step = forms.CharField(label=_("Следующий шаг"), required=False, max_length=255)
    next_step_due = forms.DateField(label=_("Срок шага"), required=False, widget=D)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["occurred_at"].initial = timezone.localtime().replace(second=0, microsecond=0)


class RequestForm(forms.Form):
    client = forms.ModelChoiceField(label=_("Клиент"), queryset=Client.objects.none())
    contact = forms.ModelChoiceField(label=_("Контакт"), queryset=Contact.objects.none(), required=False)
    priority = forms.ChoiceField(label=_("Приоритет"), choices=Priority.choices, initial=Priority.NORMAL)
    channel = forms.ChoiceField(label=_("Канал"), choices=CommChannel.choices, initial=CommChannel.EMAIL)
    subject = forms.CharField(label=_("Тема"), max_length=255)
    text = forms.CharField(label=_("Текст"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    received_at = forms.DateTimeField(label=_("Получено"), widget=DT)

    def __init__(self, *args, clients, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = clients.order_by("legal_name")
        # Only the chosen client's contacts (an agency has thousands); choosing a client reloads
        # them (htmx). A contact of another client is not a valid choice.
        self.fields["client"].widget.attrs.update({
            "hx-get": reverse("web:request_contact_options"), "hx-target": "#id_contact", "hx-trigger": "change",
        })
        self.fields["contact"].queryset = request_contacts(clients, self.data.get("client") or self.initial.get("client"))
        self.fields["received_at"].initial = timezone.localtime().replace(second=0, microsecond=0)


def request_contacts(clients: QuerySet[Client], client_id: object) -> QuerySet[Contact]:
    """Active contacts of one of `clients` (none without a valid client id)."""
    if not str(client_id or "").isdigit():
        return Contact.objects.none()
    return Contact.objects.filter(client__in=clients, client_id=int(str(client_id)), is_active=True).order_by("full_name")


class EmailImportForm(forms.Form):
    file = forms.FileField(label=_("Файл .eml или mbox"))


class PreferencesForm(forms.Form):
    email_enabled = forms.BooleanField(label=_("Присылать на e-mail"), required=False)
    telegram_enabled = forms.BooleanField(label=_("Присылать в Telegram"), required=False)
    telegram_chat_id = forms.CharField(label=_("Telegram chat id"), required=False, max_length=64)
    quiet_hours_start = forms.TimeField(label=_("Не беспокоить с"), required=False,
                                        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    quiet_hours_end = forms.TimeField(label=_("Не беспокоить до"), required=False,
                                      widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))


class RequestAssignForm(forms.Form):
    """Whom to hand the request to: only employees who may handle the client's requests."""

    owner = forms.ModelChoiceField(label=_("Передать"), queryset=Employee.objects.none(), empty_label=None)

    def __init__(self, *args: Any, owners: QuerySet[Employee], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice(self, "owner").queryset = owners


class RequestReopenForm(forms.Form):
    reason = forms.CharField(label=_("Причина"), max_length=100)


class StatsMonthForm(forms.Form):
    """The month of the response-speed report (`?month=yyyy-mm`), picked from a list."""

    month = month_field(label=_("Месяц"), ahead=0)
