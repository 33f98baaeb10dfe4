"""Billing settings pages: the agency's requisites for documents and numbering, the bonus rule,
subcontractor costs per client and month. Heads of accounts, admins and finance only; for
everyone else each page is 404."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.forms.models import model_to_dict
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tandem.billing import permissions, selectors, services
from tandem.clients.models import Client
from tandem.contracts.models import Contract, Subcontractor
from tandem.org.models import User
from tandem.org.permissions import actor_employee
from tandem.web.decorators import AuthedRequest, employee_required
from tandem.web.forms_util import add_domain_error

from .settings_forms import (
    LETTER_FIELDS,
    SETTINGS_FIELDS,
    BillingSettingsForm,
    BonusRuleForm,
    ReminderTemplateForm,
    SubcontractorCostForm,
    TierFormSet,
)

COST_PAGE_SIZE = 50


def _settings_manager(request: AuthedRequest) -> User:
    actor = request.user
    if not permissions.can_manage_settings(actor):
        raise Http404()
    return actor


@employee_required
def billing_settings(request: AuthedRequest) -> HttpResponse:
    actor = _settings_manager(request)
    current = selectors.billing_settings_get(actor=actor)
    posted_letter = request.method == "POST" and request.POST.get("form") == "letter"
    data = request.POST if request.method == "POST" else None
    form = BillingSettingsForm(None if posted_letter else data, initial=model_to_dict(current, fields=SETTINGS_FIELDS))
    letter_form = ReminderTemplateForm(data if posted_letter else None,
                                       initial=model_to_dict(current, fields=LETTER_FIELDS))
    bound, names, done = (
        (letter_form, LETTER_FIELDS, _("Письмо-напоминание сохранено.")) if posted_letter
        else (form, SETTINGS_FIELDS, _("Реквизиты сохранены."))
    )
    if data is not None and bound.is_valid():
        try:
            services.billing_settings_update(actor=actor, data={name: bound.cleaned_data[name] for name in names})
        except ValidationError as exc:
            add_domain_error(bound, exc)
        else:
            messages.success(request, done)
            return redirect("web:billing_settings")
    return render(request, "web/billing/settings.html", {
        "form": form, "letter_form": letter_form, "title": _("Реквизиты и нумерация"),
    })


@employee_required
def bonus_rules(request: AuthedRequest) -> HttpResponse:
    """The rules in force (latest first) and a form to set the rule from a month."""
    actor = _settings_manager(request)
    form = BonusRuleForm(request.POST or None, initial={"valid_from": timezone.localdate().replace(day=1)})
    tiers = TierFormSet(request.POST or None, prefix="tiers")
    tier_errors: list[str] = []
    if request.method == "POST" and form.is_valid() and tiers.is_valid():
        pairs: list[tuple[Decimal, Decimal]] = [
            (t.cleaned_data["from_percent"], t.cleaned_data["share_percent"])
            for t in tiers.forms if t.has_changed() and t.cleaned_data
        ]
        try:
            services.bonus_rule_set(actor=actor, valid_from=form.cleaned_data["valid_from"],
                                    fixed_salary=form.cleaned_data["fixed_salary"],
                                    note=form.cleaned_data["note"], tiers=pairs)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                rest = dict(exc.message_dict)
                tier_errors = rest.pop("tiers", [])
                if rest:
                    add_domain_error(form, ValidationError(rest))
            else:
                add_domain_error(form, exc)
        else:
            messages.success(request, _("Правило премирования сохранено."))
            return redirect("web:bonus_rules")
    return render(request, "web/billing/bonus_rules.html", {
        "form": form, "tiers": tiers, "tier_errors": tier_errors, "rules": selectors.bonus_rule_list(actor=actor),
    })


def _cost_form(request: AuthedRequest, actor: User, initial: dict[str, Any]) -> SubcontractorCostForm:
    employee = actor_employee(actor)
    if employee is None:
        raise Http404()
    agency_id = employee.agency_id
    chosen = request.POST.get("client") or initial.get("client")
    form = SubcontractorCostForm(
        request.POST or None, initial=initial,
        clients=Client.objects.filter(agency_id=agency_id).order_by("legal_name"),
        contracts=_cost_contracts(agency_id, chosen),
        subcontractors=Subcontractor.objects.filter(agency_id=agency_id).order_by("name"),
    )
    # Choosing a client reloads its contracts (htmx): an agency has thousands of contracts.
    form.fields["client"].widget.attrs.update({
        "hx-get": reverse("web:subcontractor_cost_contract_options"), "hx-target": "#id_contract",
        "hx-trigger": "change",
    })
    return form


def _cost_contracts(agency_id: int, client_id: object) -> QuerySet[Contract]:
    """The contracts a subcontractor cost may cite: the chosen client's (none before a client is chosen)."""
    if not str(client_id or "").isdigit():
        return Contract.objects.none()
    return Contract.objects.filter(agency_id=agency_id, client_id=int(str(client_id))).select_related(
        "client").order_by("-date")


@employee_required
def subcontractor_cost_contract_options(request: AuthedRequest) -> HttpResponse:
    """htmx: the contract <option>s of the chosen client."""
    actor = _settings_manager(request)
    employee = actor_employee(actor)
    assert employee is not None  # _settings_manager lets only agency employees through
    return render(request, "web/billing/_contract_options.html",
                  {"contracts": _cost_contracts(employee.agency_id, request.GET.get("client"))})


@employee_required
def subcontractor_costs(request: AuthedRequest) -> HttpResponse:
    """Costs by month (newest first), filterable by client, with a form to add one."""
    actor = _settings_manager(request)
    form = _cost_form(request, actor, initial={"month": timezone.localdate().replace(day=1)})
    if request.method == "POST" and form.is_valid():
        try:
            services.subcontractor_cost_create(actor=actor, **form.cleaned_data)
        except ValidationError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Расход на субподряд записан."))
            return redirect("web:subcontractor_costs")
    client_id = request.GET.get("client", "")
    filters = selectors.CostFilters(client_id=int(client_id) if client_id.isdigit() else None)
    page = Paginator(selectors.subcontractor_cost_list(actor=actor, filters=filters), COST_PAGE_SIZE).get_page(
        request.GET.get("page"))
    return render(request, "web/billing/subcontractor_costs.html", {
        "form": form, "page": page, "costs": page.object_list, "client_id": client_id,
    }, status=400 if request.method == "POST" else 200)


@employee_required
def subcontractor_cost_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    actor = _settings_manager(request)
    cost = permissions.subcontractor_cost_get_for(actor, pk)
    form = _cost_form(request, actor, initial={
        "client": cost.client_id, "contract": cost.contract_id, "subcontractor": cost.subcontractor_id,
        "month": cost.date, "amount": cost.amount, "description": cost.description,
    })
    if request.method == "POST" and form.is_valid():
        try:
            services.subcontractor_cost_update(actor=actor, cost=cost, **form.cleaned_data)
        except ValidationError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Расход изменён."))
            return redirect("web:subcontractor_costs")
    return render(request, "web/billing/subcontractor_cost_form.html", {"form": form, "cost": cost})


@require_POST
@employee_required
def subcontractor_cost_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    actor = _settings_manager(request)
    services.subcontractor_cost_delete(actor=actor, cost=permissions.subcontractor_cost_get_for(actor, pk))
    messages.success(request, _("Расход удалён."))
    return redirect("web:subcontractor_costs")
