"""Forms of the client report and document pages."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from tandem.clients.models import Contact
from tandem.contracts.models import Service
from tandem.reports.models import DocumentKind
from tandem.web.forms_util import date_input, decimal_field, month_field

PROPOSAL_ROWS = 5


class ReportCreateForm(forms.Form):
    month = month_field(label=_("Месяц отчёта"), back=24, ahead=0)


class ReportTextForm(forms.Form):
    summary = forms.CharField(label=_("Итоги периода"), required=False, max_length=10000,
                              widget=forms.Textarea(attrs={"rows": 6}))
    next_plan = forms.CharField(label=_("План на следующий период"), required=False, max_length=10000,
                                widget=forms.Textarea(attrs={"rows": 5}))


class ReportSendForm(forms.Form):
    contacts = forms.ModelMultipleChoiceField(
        label=_("Кому отправить"), queryset=Contact.objects.none(), widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Выберите, кому отправить отчёт.")},
    )
    message = forms.CharField(label=_("Текст письма"), required=False, max_length=5000,
                              widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, contacts: QuerySet[Contact], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["contacts"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = contacts
        field.label_from_instance = lambda obj: f"{obj.full_name} ({obj.get_role_display()}, {obj.email})"  # type: ignore[method-assign]


class TemplateUploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("Вид документа"), choices=DocumentKind.choices)
    name = forms.CharField(label=_("Название"), max_length=255)
    file = forms.FileField(label=_("Файл DOCX"), help_text=_("Шаблон docxtpl, не больше 5 МБ."))


class MonthCloseForm(forms.Form):
    month = month_field(label=_("Месяц"), back=12, ahead=0)


class ProposalForm(forms.Form):
    discount_percent = decimal_field(label=_("Скидка, %"), required=False, min_value=Decimal("0"),
                                     max_value=Decimal("100"), decimal_places=2, max_digits=5)
    valid_until = forms.DateField(label=_("Действительно до"), required=False, widget=date_input())
    vat = forms.BooleanField(label=_("С НДС"), required=False, initial=True)
    file_format = forms.ChoiceField(label=_("Формат"), choices=[("docx", "DOCX"), ("pdf", "PDF")])

    def __init__(self, *args: Any, services: QuerySet[Service], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for i in range(1, PROPOSAL_ROWS + 1):
            self.fields[f"service_{i}"] = forms.ModelChoiceField(
                label=_("Услуга %(n)s") % {"n": i}, queryset=services, required=i == 1)
            self.fields[f"price_{i}"] = decimal_field(label=_("Цена, ₽"), required=False, min_value=Decimal("0"),
                                                      decimal_places=2, max_digits=14)
            self.fields[f"quantity_{i}"] = decimal_field(label=_("Количество"), required=False,
                                                         min_value=Decimal("0.01"), decimal_places=2, max_digits=10)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for i in range(1, PROPOSAL_ROWS + 1):
            if data.get(f"service_{i}") and data.get(f"price_{i}") is None:
                self.add_error(f"price_{i}", _("Укажите цену."))
        return data

    def lines(self) -> list[tuple[Service, Decimal, Decimal]]:
        data = self.cleaned_data
        return [
            (data[f"service_{i}"], data[f"price_{i}"], data.get(f"quantity_{i}") or Decimal("1"))
            for i in range(1, PROPOSAL_ROWS + 1) if data.get(f"service_{i}")
        ]
