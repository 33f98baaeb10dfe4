"""Forms of the growth pages: choices come from the actor's scope (clients, services, people)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from tandem.clients.models import Client
from tandem.contracts.models import ContractLine, Service
from tandem.growth.models import OPEN_STAGES, Decision, LostReason, Mark, RuleKind, Stage, SuggestionStatus
from tandem.org.models import Employee
from tandem.web.forms_util import date_input, decimal_field, month_field


class EmployeeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.full_name)


class ClientChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.display_name)


class OpportunityForm(forms.Form):
    client = ClientChoiceField(label=_("Клиент"), queryset=Client.objects.none())
    service = forms.ModelChoiceField(label=_("Услуга"), queryset=Service.objects.none())
    monthly_value = decimal_field(label=_("Ожидаемая сумма в месяц, ₽"), max_digits=14, decimal_places=2, min_value=0)
    stage = forms.ChoiceField(label=_("Этап"), choices=[(s.value, s.label) for s in OPEN_STAGES], initial=Stage.IDEA)
    probability = forms.IntegerField(label=_("Вероятность, %"), min_value=0, max_value=100, required=False,
                                     help_text=_("Пусто — обычная для этапа."))
    owner = EmployeeChoiceField(label=_("Ответственный"), queryset=Employee.objects.none(), required=False)
    next_step = forms.CharField(label=_("Следующий шаг"), max_length=255, required=False)
    next_step_date = forms.DateField(label=_("Дата следующего шага"), required=False, widget=date_input())
    notes = forms.CharField(label=_("Заметки"), required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)

    def __init__(self, *args: Any, clients: QuerySet[Client], services: QuerySet[Service],
                 people: QuerySet[Employee], editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = clients  # type: ignore[attr-defined]
        self.fields["service"].queryset = services  # type: ignore[attr-defined]
        self.fields["owner"].queryset = people  # type: ignore[attr-defined]
        if editing:
            del self.fields["client"]
            del self.fields["stage"]

    def service_data(self) -> dict[str, Any]:
        data = {k: v for k, v in self.cleaned_data.items() if k != "client"}
        if data.get("probability") is None:
            data.pop("probability", None)
        if data.get("owner") is None:
            data.pop("owner", None)
        return data


class MoveForm(forms.Form):
    stage = forms.ChoiceField(label=_("Этап"), choices=Stage.choices)
    lost_reason = forms.ChoiceField(label=_("Причина проигрыша"), choices=[("", "—"), *LostReason.choices],
                                    required=False)
    lost_comment = forms.CharField(label=_("Комментарий к проигрышу"), max_length=2000, required=False)
    next_step = forms.CharField(label=_("Следующий шаг"), max_length=255, required=False)
    next_step_date = forms.DateField(label=_("Дата следующего шага"), required=False, widget=date_input())
    comment = forms.CharField(label=_("Комментарий"), max_length=2000, required=False)


class OpportunityFilterForm(forms.Form):
    q = forms.CharField(label=_("Поиск"), required=False, max_length=200)
    stage = forms.ChoiceField(label=_("Этап"), choices=[("", _("Все")), *Stage.choices], required=False)
    owner = EmployeeChoiceField(label=_("Ответственный"), queryset=Employee.objects.none(), required=False,
                                empty_label=_("Все"))

    def __init__(self, *args: Any, people: QuerySet[Employee], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = people  # type: ignore[attr-defined]


class SuggestionFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Статус"), choices=SuggestionStatus.choices, required=False,
                               initial=SuggestionStatus.OPEN)
    kind = forms.ChoiceField(label=_("Правило"), choices=[("", _("Все")), *[
        c for c in RuleKind.choices if c[0] != RuleKind.NO_RESULTS]], required=False)


class DismissForm(forms.Form):
    reason = forms.CharField(label=_("Почему не предлагаем"), max_length=2000)


class DecideForm(forms.Form):
    decision = forms.ChoiceField(label=_("Решение"), choices=Decision.choices, widget=forms.RadioSelect)
    replacement_service = forms.ModelChoiceField(label=_("Заменить на"), queryset=Service.objects.none(),
                                                 required=False)
    comment = forms.CharField(label=_("Комментарий"), max_length=2000, required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, services: QuerySet[Service], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["replacement_service"].queryset = services  # type: ignore[attr-defined]


class RecommendationFilterForm(forms.Form):
    decided = forms.ChoiceField(label=_("Решение"), required=False, choices=[
        ("", _("Все")), ("no", _("Ждут решения")), ("yes", _("Решение принято"))])


class LineChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.contract.client.display_name} — {obj.service.name} (№ {obj.contract.number})"


class MarkForm(forms.Form):
    contract_line = LineChoiceField(label=_("Услуга клиента"), queryset=ContractLine.objects.none())
    month = month_field(label=_("Месяц"), back=12, ahead=0)
    mark = forms.ChoiceField(label=_("Результат по сравнению с прошлым месяцем"), choices=Mark.choices)
    comment = forms.CharField(label=_("Комментарий"), max_length=2000, required=False)

    def __init__(self, *args: Any, lines: QuerySet[ContractLine], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["contract_line"].queryset = lines  # type: ignore[attr-defined]


class RuleForm(forms.Form):
    is_enabled = forms.BooleanField(label=_("Включено"), required=False)
    threshold = decimal_field(label=_("Порог, %"), max_digits=7, decimal_places=2, min_value=0, max_value=1000)
    months = forms.IntegerField(label=_("Месяцев подряд"), min_value=0, max_value=12)
