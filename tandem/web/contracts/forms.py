"""Forms for the contract pages: shape only; rules come back from the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from tandem.clients.models import Client, ServiceKind
from tandem.contracts.models import (
    AccountFunctionsSplit,
    BillingModel,
    ContractStatus,
    Service,
    Subcontractor,
    VatMode,
)
from tandem.web.forms_util import date_input, decimal_field, model_choice

DATE = date_input()


class ContractFilterForm(forms.Form):
    q = forms.CharField(label=_("Поиск"), required=False)
    status = forms.ChoiceField(label=_("Статус"), required=False,
                               choices=[("", _("Все"))] + list(ContractStatus.choices))


class ContractForm(forms.Form):
    client = forms.ModelChoiceField(label=_("Клиент"), queryset=Client.objects.none())
    number = forms.CharField(label=_("Номер"), required=False, max_length=50,
                             help_text=_("Пусто — по шаблону агентства."))
    date = forms.DateField(label=_("Дата"), widget=DATE)
    start_date = forms.DateField(label=_("Начало"), widget=DATE)
    end_date = forms.DateField(label=_("Окончание"), widget=DATE, required=False)
    vat_mode = forms.ChoiceField(label=_("НДС"), choices=VatMode.choices)
    payment_terms_days = forms.IntegerField(label=_("Срок оплаты, дней"), min_value=0, max_value=365, initial=5)
    subcontractor = forms.ModelChoiceField(label=_("Субподрядчик"), queryset=Subcontractor.objects.none(),
                                           required=False)
    account_functions = forms.ChoiceField(label=_("Аккаунтинг при субподряде"), required=False,
                                          choices=[("", "—")] + list(AccountFunctionsSplit.choices))
    notes = forms.CharField(label=_("Примечания"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, clients: QuerySet[Client], subcontractors: QuerySet[Subcontractor],
                 editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice(self, "client").queryset = clients.order_by("legal_name")
        model_choice(self, "subcontractor").queryset = subcontractors.order_by("name")
        if editing:
            del self.fields["client"]
            del self.fields["number"]

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        for name in ("client", "number"):
            data.pop(name, None)
        return data


class LineForm(forms.Form):
    service = forms.ModelChoiceField(label=_("Услуга"), queryset=Service.objects.none())
    billing_model = forms.ChoiceField(label=_("Модель оплаты"), choices=BillingModel.choices)
    amount = decimal_field(label=_("Сумма, ₽"), max_digits=14, decimal_places=2, min_value=0)
    planned_hours_per_month = decimal_field(label=_("План часов в месяц"), max_digits=7, decimal_places=2,
                                                 min_value=0, required=False)
    description = forms.CharField(label=_("Описание"), required=False, max_length=255)

    def __init__(self, *args: Any, services: QuerySet[Service], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice(self, "service").queryset = services.filter(is_active=True).order_by("name")

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        if data.get("planned_hours_per_month") is None:
            data.pop("planned_hours_per_month", None)
        return data


class TransitionForm(forms.Form):
    to_status = forms.ChoiceField(choices=ContractStatus.choices)
    on_date = forms.DateField(label=_("Дата"), widget=DATE, required=False)
    comment = forms.CharField(label=_("Комментарий"), required=False)


class RatingForm(forms.Form):
    rating = forms.TypedChoiceField(label=_("Оценка аккаунтинга субподрядчика"), coerce=int,
                                    choices=[(i, str(i)) for i in range(1, 11)])
    comment = forms.CharField(label=_("Комментарий"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ServiceForm(forms.Form):
    name = forms.CharField(label=_("Название"), max_length=200)
    kind = forms.ChoiceField(label=_("Вид"), choices=ServiceKind.choices)
    description = forms.CharField(label=_("Описание"), required=False)


class VatRateForm(forms.Form):
    valid_from = forms.DateField(label=_("Действует с"), widget=DATE)
    rate_percent = decimal_field(label=_("Ставка, %"), max_digits=5, decimal_places=2, min_value=0,
                                      max_value=100)
    note = forms.CharField(label=_("Основание"), required=False, max_length=255)


class SubcontractorForm(forms.Form):
    name = forms.CharField(label=_("Название"), max_length=255)
    inn = forms.CharField(label=_("ИНН"), required=False, max_length=12)
    contact = forms.CharField(label=_("Контакт"), required=False, max_length=255)


class PatternForm(forms.Form):
    number_pattern = forms.CharField(label=_("Шаблон номера договора"), max_length=60)
