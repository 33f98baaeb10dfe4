"""Forms of the billing settings pages: requisites, bonus rule, subcontractor costs. They parse
input only; checksums, patterns and rules are checked by the model and the services."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.forms.models import fields_for_model
from django.utils.translation import gettext_lazy as _

from tandem.billing.models import BillingSettings
from tandem.clients.models import Client
from tandem.contracts.models import Contract, Subcontractor
from tandem.web.forms_util import decimal_field, month_field

SETTINGS_FIELDS = [
    "supplier_name", "inn", "kpp", "ogrn", "address", "director_name", "director_position",
    "accountant_name", "bank_name", "bik", "correspondent_account", "bank_account", "other_accounts",
    "invoice_number_pattern", "act_number_pattern", "default_payment_terms_days",
    "remind_days_before", "remind_days_after", "escalation_days",
]


class BillingSettingsForm(forms.Form):
    """The model's fields, rendered and parsed; `billing_settings_update` validates and saves
    (checksums and patterns come back from it as field errors)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields.update(fields_for_model(
            BillingSettings, fields=SETTINGS_FIELDS,
            widgets={"address": forms.Textarea(attrs={"rows": 2}), "other_accounts": forms.Textarea(attrs={"rows": 2})},
        ))


LETTER_FIELDS = ["reminder_email_subject", "reminder_email_body"]


class ReminderTemplateForm(forms.Form):
    """The agency's payment-reminder letter (placeholders are checked by the model)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "letter")
        super().__init__(*args, **kwargs)
        self.fields.update(fields_for_model(
            BillingSettings, fields=LETTER_FIELDS, widgets={"reminder_email_body": forms.Textarea(attrs={"rows": 10})},
        ))


class BonusRuleForm(forms.Form):
    valid_from = month_field(label=_("Действует с месяца"), ahead=12)
    fixed_salary = decimal_field(label=_("Оклад по умолчанию, ₽"), max_digits=14, decimal_places=2,
                                 min_value=Decimal("0"))
    note = forms.CharField(label=_("Комментарий"), required=False, max_length=255)


class BonusTierForm(forms.Form):
    from_percent = decimal_field(label=_("От, % плана"), max_digits=6, decimal_places=2, min_value=Decimal("0"))
    share_percent = decimal_field(label=_("Доля от оплат, %"), max_digits=5, decimal_places=2,
                                  min_value=Decimal("0"), max_value=Decimal("100"))


TierFormSet = forms.formset_factory(BonusTierForm, extra=4, max_num=10)


class SubcontractorCostForm(forms.Form):
    client = forms.ModelChoiceField(queryset=Client.objects.none(), label=_("Клиент"))
    contract = forms.ModelChoiceField(queryset=Contract.objects.none(), label=_("Договор"), required=False)
    subcontractor = forms.ModelChoiceField(
        queryset=Subcontractor.objects.none(), label=_("Субподрядчик"), required=False,
        help_text=_("Пусто — субподрядчик из договора."),
    )
    month = month_field(label=_("Месяц"))
    amount = decimal_field(label=_("Сумма, ₽"), max_digits=14, decimal_places=2, min_value=Decimal("0"))
    description = forms.CharField(label=_("Описание"), required=False, max_length=255)

    def __init__(
        self, *args: Any, clients: QuerySet[Client], contracts: QuerySet[Contract],
        subcontractors: QuerySet[Subcontractor], **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        for name, qs in (("client", clients), ("contract", contracts), ("subcontractor", subcontractors)):
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = qs
