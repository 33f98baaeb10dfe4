"""Forms of the money pages: they parse input only; services decide."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tandem.billing.models import Invoice
from tandem.billing.services import AllocationInput, rub
from tandem.clients.models import Client
from tandem.org.models import Employee
from tandem.web.forms_util import date_input, decimal_field, month_field


class StatementUploadForm(forms.Form):
    file = forms.FileField(label=_("Выписка 1CClientBankExchange (.txt)"))


class AllocateForm(forms.Form):
    invoice: forms.ModelChoiceField[Invoice] = forms.ModelChoiceField(queryset=None, label=_("Счёт"))
    amount = decimal_field(label=_("Сумма"), max_digits=14, decimal_places=2, required=False,
                           min_value=Decimal("0.01"), help_text=_("Пусто — сколько позволяют платёж и счёт."))

    def __init__(self, *args, invoices=None, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["invoice"].queryset = invoices
        self.fields["invoice"].label_from_instance = (
            lambda inv: _("№ %(number)s от %(date)s — %(client)s, остаток %(rest)s ₽") % {
                "number": inv.number, "date": f"{inv.date:%d.%m.%Y}", "client": inv.client.display_name,
                "rest": inv.total - inv.paid_amount}
        )


class PaymentForm(forms.Form):
    client: forms.ModelChoiceField[Client] = forms.ModelChoiceField(queryset=None, label=_("Клиент"), required=False)
    date = forms.DateField(label=_("Дата"), widget=date_input())
    amount = decimal_field(label=_("Сумма"), max_digits=14, decimal_places=2, min_value=Decimal("0.01"))
    payer_name = forms.CharField(label=_("Плательщик"), required=False)
    payer_inn = forms.CharField(label=_("ИНН плательщика"), required=False, max_length=16,
                                help_text=_("По ИНН платёж разносится так же, как из выписки."))
    payer_account = forms.CharField(label=_("Счёт плательщика"), required=False, max_length=34)
    purpose = forms.CharField(label=_("Назначение"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, clients=None, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = clients


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Причина аннулирования"))


class PromiseForm(forms.Form):
    promised_on = forms.DateField(label=_("Обещали оплатить"), widget=date_input())
    note = forms.CharField(label=_("Заметка"), required=False)


class ReminderCloseForm(forms.Form):
    note = forms.CharField(label=_("Комментарий"), required=False, max_length=1000)


class ReminderLetterForm(forms.Form):
    """The reminder letter as the AM reviews it: subject and body prefilled from the template."""

    subject = forms.CharField(label=_("Тема"), max_length=255)
    body = forms.CharField(label=_("Текст письма"), widget=forms.Textarea(attrs={"rows": 12}))
    reminder = forms.IntegerField(required=False, widget=forms.HiddenInput)


class MonthForm(forms.Form):
    month = month_field(label=_("Месяц"), ahead=3)


class PlanForm(forms.Form):
    employee: forms.ModelChoiceField[Employee] = forms.ModelChoiceField(queryset=None, label=_("Аккаунт-менеджер"))
    # Plans are set up to a year ahead.
    month = month_field(label=_("Месяц"), ahead=12)
    amount = decimal_field(label=_("План, ₽"), max_digits=14, decimal_places=2, min_value=Decimal("0"))

    def __init__(self, *args, employees=None, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["employee"].queryset = employees


class ReallocateClientForm(forms.Form):
    """Whose invoices the re-allocation page lists (GET) and whose credit the rest becomes."""

    client: forms.ModelChoiceField[Client] = forms.ModelChoiceField(
        queryset=None, label=_("Клиент"), required=False)

    def __init__(self, *args, clients=None, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = clients


class ReallocateForm(forms.Form):
    """An amount per listed invoice (empty: nothing on it) and the reason; the rest stays credit."""

    client = forms.IntegerField(widget=forms.HiddenInput, required=False)
    reason = forms.CharField(label=_("Причина изменения"), widget=forms.Textarea(attrs={"rows": 2}),
                             help_text=_("Останется в истории платежа вместе с вашим именем."))

    def __init__(self, *args, invoices=(), current=None, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.invoices = list(invoices)
        current = current or {}
        for inv in self.invoices:
            owed = inv.total - inv.paid_amount + current.get(inv.pk, Decimal("0"))
            self.fields[f"amount_{inv.pk}"] = decimal_field(
                label=_("№ %(n)s от %(d)s — остаток %(o)s") % {"n": inv.number, "d": f"{inv.date:%d.%m.%Y}", "o": rub(owed)},
                max_digits=14, decimal_places=2, required=False, min_value=Decimal("0"),
                initial=current.get(inv.pk),
            )

    def targets(self) -> list[AllocationInput]:
        return [
            AllocationInput(invoice=inv, amount=self.cleaned_data[f"amount_{inv.pk}"])
            for inv in self.invoices if self.cleaned_data.get(f"amount_{inv.pk}")
        ]


class BonusBuildForm(forms.Form):
    """Month and whose statement to (re)build; empty employee = every AM of the month."""

    month = month_field(label=_("Месяц"), ahead=0)
    employee = forms.TypedChoiceField(label=_("Сотрудник"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, employees: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["employee"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", _("Все аккаунты месяца")), *employees]


class PeriodForm(forms.Form):
    """The period of a report, read from the URL (`?start=&end=`, dd.mm.yyyy or ISO); an
    unreadable date is shown next to its field and the report keeps its default period."""

    start = forms.DateField(label=_("С"), widget=date_input(), required=False)
    end = forms.DateField(label=_("По"), widget=date_input(), required=False)

    def period(self, *, default_start: date, default_end: date) -> tuple[date, date]:
        data = self.cleaned_data if self.is_valid() else {}
        return data.get("start") or default_start, data.get("end") or default_end
