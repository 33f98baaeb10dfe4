"""Loyalty discount rules (Настройки → Скидки лояльности): the rules in force with a form to
add, edit, switch off or delete one, and «what would this client get today» for checking a
rule. Heads of accounts, admins and finance change them; for everyone else the page is 404."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from tandem.billing import permissions, selectors, services
from tandem.billing.models import LoyaltyBasis, LoyaltyRule
from tandem.core.errors import NotFound
from tandem.web.decorators import AuthedRequest, employee_required
from tandem.web.forms_util import add_domain_error, decimal_field

from .settings_views import _settings_manager


class LoyaltyRuleForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Название"), max_length=120)
    basis = forms.ChoiceField(label=gettext_lazy("Условие"), choices=LoyaltyBasis.choices)
    threshold = decimal_field(
        label=gettext_lazy("Порог"), max_digits=14, decimal_places=2, min_value=Decimal("0"),
        help_text=gettext_lazy("Месяцы, рубли в месяц или число услуг — смотря по условию."),
    )
    percent = decimal_field(label=gettext_lazy("Скидка, %"), max_digits=5, decimal_places=2,
                            min_value=Decimal("0.01"), max_value=Decimal("50"))
    is_active = forms.BooleanField(label=gettext_lazy("Действует"), required=False, initial=True)


def _initial(rule: LoyaltyRule) -> dict[str, Any]:
    return {"name": rule.name, "basis": rule.basis, "threshold": rule.threshold, "percent": rule.percent,
            "is_active": rule.is_active}


@employee_required
def loyalty_rules(request: AuthedRequest) -> HttpResponse:
    """The rules and a form to add one; `?client=` shows what that client gets today."""
    actor = _settings_manager(request)
    form = LoyaltyRuleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.loyalty_rule_create(actor=actor, **form.cleaned_data)
        except ValidationError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Правило скидки сохранено: оно действует для новых счетов."))
            return redirect("web:loyalty_rules")
    preview = None
    client_id = request.GET.get("client", "")
    if client_id.isdigit():
        try:
            preview = {"found": selectors.client_loyalty_discount(actor=actor, client_id=client_id,
                                                                  on=timezone.localdate()),
                       "client": permissions.money_client_get_for(actor, client_id)}
        except NotFound:
            preview = None
    return render(request, "web/billing/loyalty_rules.html", {
        "form": form, "rules": selectors.loyalty_rule_list(actor=actor), "preview": preview,
        "clients": permissions.money_clients_visible_to(actor).order_by("legal_name").only(
            "id", "legal_name", "brand_name"),
        "client_id": client_id,
    }, status=400 if request.method == "POST" else 200)


@employee_required
def loyalty_rule_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    actor = _settings_manager(request)
    rule = permissions.loyalty_rule_get_for(actor, pk)
    form = LoyaltyRuleForm(request.POST or None, initial=_initial(rule))
    if request.method == "POST" and form.is_valid():
        try:
            services.loyalty_rule_update(actor=actor, rule=rule, **form.cleaned_data)
        except ValidationError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Правило скидки изменено; выставленные счета не меняются."))
            return redirect("web:loyalty_rules")
    return render(request, "web/billing/loyalty_rule_form.html", {"form": form, "rule": rule},
                  status=400 if request.method == "POST" else 200)


@require_POST
@employee_required
def loyalty_rule_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    actor = _settings_manager(request)
    services.loyalty_rule_delete(actor=actor, rule=permissions.loyalty_rule_get_for(actor, pk))
    messages.success(request, _("Правило скидки удалено; счета со скидкой по нему сохранили её и основание."))
    return redirect("web:loyalty_rules")
