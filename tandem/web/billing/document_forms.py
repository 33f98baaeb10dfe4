"""Forms of the invoice editor and act pages: they parse input only; services decide."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from tandem.billing.models import Invoice, InvoiceLine
from tandem.billing.services import LineInput
from tandem.clients.models import Client
from tandem.contracts.models import Contract, ContractLine, Service, VatMode
from tandem.web.forms_util import date_input, decimal_field, month_field

DATE = date_input()


class InvoiceForm(forms.Form):
    """The invoice head. Client and contract are fixed once the draft exists (`editing`)."""

    client = forms.ModelChoiceField(queryset=Client.objects.none(), label=_("Клиент"))
    contract = forms.ModelChoiceField(
        queryset=Contract.objects.none(), label=_("Договор"), required=False,
        help_text=_("НДС и срок оплаты — по договору."),
    )
    vat_mode = forms.ChoiceField(label=_("НДС без договора"), choices=VatMode.choices, initial=VatMode.VAT,
                                 required=False)
    date = forms.DateField(label=_("Дата счёта"), widget=DATE, required=False, help_text=_("Пусто — сегодня."))
    period_start = forms.DateField(label=_("Период с"), widget=DATE, required=False)
    period_end = forms.DateField(label=_("Период по"), widget=DATE, required=False)
    notes = forms.CharField(label=_("Примечание"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    discount_percent = decimal_field(
        label=_("Скидка, %"), required=False, max_digits=5, decimal_places=2, min_value=Decimal("0"),
        max_value=Decimal("100"),
        help_text=_("Пусто — по правилам лояльности агентства на дату счёта; 0 — без скидки."),
    )
    discount_reason = forms.CharField(label=_("Основание скидки"), required=False, max_length=255,
                                      help_text=_("Для скидки, заданной вручную."))

    def __init__(
        self, *args: Any, clients: QuerySet[Client], contracts: QuerySet[Contract], editing: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        client_field = self.fields["client"]
        contract_field = self.fields["contract"]
        assert isinstance(client_field, forms.ModelChoiceField)
        assert isinstance(contract_field, forms.ModelChoiceField)
        client_field.queryset = clients
        contract_field.queryset = contracts
        # Choosing a client reloads the contract options (htmx).
        client_field.widget.attrs.update({
            "hx-get": reverse("web:invoice_contract_options"), "hx-target": "#id_contract", "hx-trigger": "change",
        })
        if editing:
            for name in ("client", "contract", "vat_mode"):
                self.fields[name].disabled = True
                self.fields[name].required = False

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", _("Конец периода раньше начала."))
        return data


class ContractLineChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """A line of the invoice's contract, named by its service (the project it feeds)."""

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.description or obj.service.name} · {obj.get_billing_model_display()}"


class InvoiceLineForm(forms.Form):
    """One line row: the contract's service (project) it bills, a catalogue service and/or a
    description, period, quantity × price."""

    contract_line = ContractLineChoiceField(
        queryset=ContractLine.objects.none(), label=_("Услуга договора (проект)"), required=False,
        empty_label=_("— без проекта —"),
    )
    service = forms.ModelChoiceField(queryset=Service.objects.none(), label=_("Услуга"), required=False)
    name = forms.CharField(label=_("Описание"), max_length=500, required=False)
    period_start = forms.DateField(label=_("с"), widget=DATE, required=False)
    period_end = forms.DateField(label=_("по"), widget=DATE, required=False)
    quantity = decimal_field(label=_("Кол-во"), max_digits=12, decimal_places=3, min_value=Decimal("0.001"),
                             initial=Decimal("1"))
    unit = forms.CharField(label=_("Ед."), max_length=16, initial="усл.")
    price = decimal_field(label=_("Цена"), max_digits=14, decimal_places=2, min_value=Decimal("0"))

    def __init__(
        self, *args: Any, services: QuerySet[Service] | None = None,
        contract_lines: QuerySet[ContractLine] | None = None, **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["service"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = services if services is not None else Service.objects.none()
        line_field = self.fields["contract_line"]
        assert isinstance(line_field, forms.ModelChoiceField)
        self.contract_lines = list(contract_lines) if contract_lines is not None else []
        line_field.queryset = contract_lines if contract_lines is not None else ContractLine.objects.none()
        if len(self.contract_lines) == 1:
            # The contract's only service is the line's project unless said otherwise.
            line_field.initial = self.contract_lines[0].pk
            line_field.empty_label = None
        # The choices follow the invoice's contract (htmx reloads them when it changes).
        line_field.widget.attrs.update({
            "hx-get": reverse("web:invoice_contract_line_options"), "hx-include": "#id_contract",
            "hx-trigger": "change from:#id_contract, htmx:afterSettle from:#id_contract", "hx-swap": "innerHTML",
            "class": "contract-line", "aria-label": str(line_field.label),
        })

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("service") and not (data.get("name") or "").strip():
            self.add_error("name", _("Выберите услугу или опишите строку."))
        if not data.get("contract_line") and len(self.contract_lines) > 1:
            self.add_error("contract_line", _(
                "Выберите услугу договора: в договоре их несколько, а выручка считается по проектам."
            ))
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", _("Конец раньше начала."))
        return data

    def line_input(self) -> LineInput:
        d = self.cleaned_data
        return LineInput(
            name=d.get("name") or "", price=d["price"], quantity=d["quantity"], unit=d["unit"],
            service_id=d["service"].pk if d.get("service") else None,
            contract_line_id=d["contract_line"].pk if d.get("contract_line") else None,
            period_start=d.get("period_start"), period_end=d.get("period_end"),
        )


def compact_rows(data: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    """Posted rows renumbered 0..n-1: a row removed with htmx leaves a gap in the numbering.
    Every posted row is a new line (the service replaces all lines), so none is "initial"."""
    rows = sorted({
        int(parts[1]) for parts in (key.split("-", 2) for key in data)
        if len(parts) == 3 and parts[0] == prefix and parts[1].isdigit()
    })
    new_index = {old: new for new, old in enumerate(rows)}
    result: dict[str, Any] = {}
    for key in data:
        parts = key.split("-", 2)
        if len(parts) == 3 and parts[0] == prefix and parts[1].isdigit():
            result[f"{prefix}-{new_index[int(parts[1])]}-{parts[2]}"] = data.get(key)
        else:
            result[key] = data.get(key)
    result[f"{prefix}-TOTAL_FORMS"] = str(len(rows))
    result[f"{prefix}-INITIAL_FORMS"] = "0"
    return result


class BaseLineFormSet(forms.BaseFormSet):  # type: ignore[type-arg]
    """Line rows; rows removed in the browser simply do not arrive. At least one row is needed."""

    def __init__(
        self, data: Mapping[str, Any] | None = None, *args: Any, services: QuerySet[Service] | None = None,
        contract_lines: QuerySet[ContractLine] | None = None, **kwargs: Any,
    ) -> None:
        self.services = services
        self.contract_lines = contract_lines
        if data is not None:
            data = compact_rows(data, kwargs.get("prefix") or self.get_default_prefix())
        super().__init__(data, *args, **kwargs)

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        return {"services": self.services, "contract_lines": self.contract_lines}

    def clean(self) -> None:
        if any(self.errors):
            return
        if not [f for f in self.forms if f.has_changed()]:
            raise forms.ValidationError(_("В счёте должна быть хотя бы одна строка."))

    def line_inputs(self) -> list[LineInput]:
        return [f.line_input() for f in self.forms if f.has_changed()]


LineFormSet = cast(
    "type[BaseLineFormSet]", forms.formset_factory(InvoiceLineForm, formset=BaseLineFormSet, extra=0, max_num=200)
)
LINES_PREFIX = "lines"


def line_initial(invoice: Invoice) -> list[dict[str, Any]]:
    return [
        {"contract_line": ln.contract_line_id, "service": ln.service_id, "name": ln.name, "period_start": ln.period_start, "period_end": ln.period_end,
         "quantity": ln.quantity.normalize(), "unit": ln.unit, "price": ln.price}
        for ln in invoice.lines.all()
    ]


class CancelInvoiceForm(forms.Form):
    reason = forms.CharField(label=_("Причина аннулирования"), widget=forms.Textarea(attrs={"rows": 2}))


class _InvoiceLineChoiceField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} — {obj.quantity.normalize()} {obj.unit} × {obj.price} = {obj.amount} ₽"


class ActCreateForm(forms.Form):
    lines = _InvoiceLineChoiceField(
        queryset=InvoiceLine.objects.none(), label=_("Строки счёта, не закрытые актами"),
        widget=forms.CheckboxSelectMultiple,
    )
    date = forms.DateField(label=_("Дата акта"), widget=DATE)
    client_signer_name = forms.CharField(label=_("Подписант заказчика"), required=False, max_length=255)
    client_signer_position = forms.CharField(label=_("Должность подписанта заказчика"), required=False,
                                             max_length=255)

    def __init__(self, *args: Any, lines: QuerySet[InvoiceLine], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["lines"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = lines


class ActSignForm(forms.Form):
    signed_on = forms.DateField(label=_("Дата подписания клиентом"), widget=DATE)
    client_signer_name = forms.CharField(label=_("Подписант заказчика"), required=False, max_length=255)
    client_signer_position = forms.CharField(label=_("Должность"), required=False, max_length=255)


class InvoiceFromTimeForm(forms.Form):
    """«Счёт по часам за месяц»: client → contract → its hourly service(s), and the month."""

    client = forms.ModelChoiceField(queryset=Client.objects.none(), label=_("Клиент"))
    contract = forms.ModelChoiceField(queryset=Contract.objects.none(), label=_("Договор"))
    contract_line = ContractLineChoiceField(
        queryset=ContractLine.objects.none(), label=_("Почасовая услуга"), required=False,
        empty_label=_("— все почасовые услуги договора —"),
    )
    month = month_field(label=_("Месяц работ"), ahead=0)
    date = forms.DateField(label=_("Дата счёта"), widget=DATE, required=False, help_text=_("Пусто — сегодня."))

    def __init__(
        self, *args: Any, clients: QuerySet[Client], contracts: QuerySet[Contract],
        hourly_lines: QuerySet[ContractLine], **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        for name, qs in (("client", clients), ("contract", contracts), ("contract_line", hourly_lines)):
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = qs
        self.fields["client"].widget.attrs.update({
            "hx-get": reverse("web:invoice_contract_options"), "hx-target": "#id_contract", "hx-trigger": "change",
        })
        self.fields["contract_line"].widget.attrs.update({
            "hx-get": reverse("web:invoice_contract_line_options") + "?hourly=1", "hx-include": "#id_contract",
            "hx-trigger": "change from:#id_contract, htmx:afterSettle from:#id_contract", "hx-swap": "innerHTML",
        })

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        contract, line = data.get("contract"), data.get("contract_line")
        if contract is not None and line is not None and line.contract_id != contract.pk:
            self.add_error("contract_line", _("Услуга из другого договора."))
        return data
