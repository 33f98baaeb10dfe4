"""Forms of the money pages: they parse input only; services decide."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tandem.billing.models import Invoice
from tandem.clients.models import Client
from tandem.org.models import Employee


class StatementUploadForm(forms.Form):
    file = forms.FileField(label=_("Выписка 1CClientBankExchange (.txt)"))


class AllocateForm(forms.Form):
    invoice: forms.ModelChoiceField[Invoice] = forms.ModelChoiceField(queryset=None, label=_("Счёт"))
    amount = forms.DecimalField(label=_("Сумма"), max_digits=14, decimal_places=2, required=False,
                                min_value=Decimal("0.01"), help_text=_("Пусто — сколько позволяют платёж и счёт."))

    def __init__(self, *args, invoices=None, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["invoice"].queryset = invoices
        self.fields["invoice"].label_from_instance = (
            lambda inv: f"№ {inv.number} от {inv.date:%d.%m.%Y} — {inv.client.display_name}, "
                        f"остаток {inv.total - inv.paid_amount} ₽"
        )


class PaymentForm(forms.Form):
    client: forms.ModelChoiceField[Client] = forms.ModelChoiceField(queryset=None, label=_("Клиент"), required=False)
    date = forms.DateField(label=_("Дата"), widget=forms.DateInput(attrs={"type": "date"}))
    amount = forms.DecimalField(label=_("Сумма"), max_digits=14, decimal_places=2, min_value=Decimal("0.01"))
    payer_name = forms.CharField(label=_("Плательщик"), required=False)
    purpose = forms.CharField(label=_("Назначение"), required=False)

    def __init__(self, *args, clients=None, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = clients


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Причина аннулирования"))


class PromiseForm(forms.Form):
    promised_on = forms.DateField(label=_("Обещали оплатить"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("Заметка"), required=False)


class MonthForm(forms.Form):
    month = forms.DateField(label=_("Месяц"), widget=forms.DateInput(attrs={"type": "month"}),
                            input_formats=["%Y-%m", "%Y-%m-%d"])


class PlanForm(forms.Form):
    employee: forms.ModelChoiceField[Employee] = forms.ModelChoiceField(queryset=None, label=_("Аккаунт-менеджер"))
    month = forms.DateField(label=_("Месяц"), widget=forms.DateInput(attrs={"type": "month"}),
                            input_formats=["%Y-%m", "%Y-%m-%d"])
    amount = forms.DecimalField(label=_("План, ₽"), max_digits=14, decimal_places=2, min_value=Decimal("0"))

    def __init__(self, *args, employees=None, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["employee"].queryset = employees


class BonusBuildForm(forms.Form):
    """Month and whose statement to (re)build; empty employee = every AM of the month."""

    month = forms.DateField(label=_("Месяц"), widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
                            input_formats=["%Y-%m", "%Y-%m-%d"])
    employee = forms.TypedChoiceField(label=_("Сотрудник"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, employees: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["employee"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", _("Все аккаунты месяца")), *employees]
