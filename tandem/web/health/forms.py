"""Forms of the health pages."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tandem.clients.models import Client
from tandem.health.models import HealthSettings
from tandem.health.services import SETTINGS_FIELDS
from tandem.web.forms_util import date_input


class HealthFilterForm(forms.Form):
    """GET filters of the health list. Invalid values are ignored, not reported."""

    am = forms.TypedChoiceField(label=_("Аккаунт-менеджер"), required=False, coerce=int, empty_value=None)
    group = forms.TypedChoiceField(label=_("Группа"), required=False, coerce=int, empty_value=None)
    below = forms.TypedChoiceField(label=_("Оценка"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, visible_clients: QuerySet[Client], threshold: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        base = visible_clients.order_by()
        managers = sorted(base.filter(account_manager__isnull=False)
                          .values_list("account_manager_id", "account_manager__full_name").distinct(), key=lambda c: c[1])
        groups = sorted(base.filter(group__isnull=False).values_list("group_id", "group__name").distinct(),
                        key=lambda c: c[1])
        everyone: list[tuple[Any, Any]] = [("", _("Все"))]
        self.fields["am"].choices = everyone + managers  # type: ignore[attr-defined]
        self.fields["group"].choices = everyone + groups  # type: ignore[attr-defined]
        self.fields["below"].choices = everyone + [(threshold, _("ниже порога (%(n)s)") % {"n": threshold})]  # type: ignore[attr-defined]

    def value(self, name: str) -> Any:
        if not self.is_bound or not self.is_valid():
            return None
        return self.cleaned_data.get(name)


class HealthSettingsForm(forms.ModelForm):
    class Meta:
        model = HealthSettings
        fields = list(SETTINGS_FIELDS)
        widgets = {"complaint_phrases": forms.Textarea(attrs={"rows": 8})}


class DecisionForm(forms.Form):
    comment = forms.CharField(label=_("Комментарий"), required=False, max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 2}))


class BacktestForm(forms.Form):
    start = forms.DateField(label=_("С"), widget=date_input())
    end = forms.DateField(label=_("По"), widget=date_input())
    step_days = forms.IntegerField(label=_("Шаг, дней"), min_value=1, max_value=31, initial=7)
    horizon_days = forms.IntegerField(label=_("Горизонт, дней"), min_value=7, max_value=365, initial=90)

    @classmethod
    def initial_values(cls) -> dict[str, Any]:
        today = timezone.localdate()
        return {"start": today - timedelta(days=365), "end": today, "step_days": 7, "horizon_days": 90}
