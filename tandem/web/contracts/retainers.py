"""Retainer pages: the balance table on the contract and project pages, and a line's retainer
page (terms, balance, booked expenses, over-service decisions). Rules live in the services;
visibility in tandem.billing.permissions (who sees the client's money)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from tandem.billing import permissions as billing_perms
from tandem.billing import services as billing_services
from tandem.billing.models import RetainerOverageDecision
from tandem.contracts import permissions as contract_perms
from tandem.contracts import services as contract_services
from tandem.contracts.models import (
    ContractLine,
    RetainerExpense,
    RetainerExpenseKind,
    RetainerTerms,
    Subcontractor,
)
from tandem.core.errors import ApplicationError, NotFound
from tandem.web.decorators import AuthedRequest, employee_required
from tandem.web.forms_util import add_domain_error, date_input, decimal_field, model_choice, month_field
from tandem.work.models import Project
from tandem.work.retainers import RetainerBalance, retainer_balances

# ------------------------------------------------------------------ forms


class RetainerTermsForm(forms.Form):
    start_month = month_field(label=_("Первый месяц"), back=36, ahead=12)
    hours_per_month = decimal_field(label=_("Часов в месяц"), min_value=0, max_digits=7, decimal_places=2)
    money_per_month = decimal_field(label=_("Бюджет расходов в месяц, ₽"), min_value=0, max_digits=14,
                                    decimal_places=2, required=False,
                                    help_text=_("Рекламный бюджет и расходы на субподрядчиков."))
    rollover_months = forms.IntegerField(label=_("Переносить остаток, мес."), min_value=0, max_value=24, initial=0,
                                         help_text=_("0 — неизрасходованные часы сгорают в конце месяца."))
    rollover_cap_hours = decimal_field(label=_("Потолок перенесённых часов"), min_value=0, max_digits=7,
                                       decimal_places=2, required=False, help_text=_("Пусто — без потолка."))
    overage_allowed = forms.BooleanField(label=_("Сверхлимитные работы допустимы"), required=False)
    overage_rate = decimal_field(label=_("Ставка сверх лимита, ₽/ч"), min_value=0, max_digits=10, decimal_places=2,
                                 required=False)

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        for name in ("money_per_month", "overage_rate"):
            if data.get(name) is None:
                data[name] = 0
        if data.get("start_month") is None:
            data.pop("start_month", None)
        return data


class RetainerExpenseForm(forms.Form):
    kind = forms.ChoiceField(label=_("Вид"), choices=RetainerExpenseKind.choices)
    date = forms.DateField(label=_("Дата"), widget=date_input())
    amount = decimal_field(label=_("Сумма, ₽"), min_value=0, max_digits=14, decimal_places=2)
    subcontractor = forms.ModelChoiceField(label=_("Субподрядчик"), queryset=Subcontractor.objects.none(),
                                           required=False)
    description = forms.CharField(label=_("Описание"), max_length=255, required=False)

    def __init__(self, *args: Any, subcontractors: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice(self, "subcontractor").queryset = subcontractors.order_by("name")


class OverageDecisionForm(forms.Form):
    month = forms.DateField(widget=forms.HiddenInput)
    decision = forms.ChoiceField(label=_("Решение"), choices=RetainerOverageDecision.Decision.choices)
    reason = forms.CharField(label=_("Причина списания"), max_length=2000, required=False)


# ------------------------------------------------------------------ blocks for other pages


def retainer_blocks(actor: Any, lines: Iterable[ContractLine]) -> list[dict[str, Any]]:
    """The balance blocks of those `lines` whose retainer the actor may see: {line, balance,
    rows: [(row, decision)]}. Constant queries for any number of lines and months."""
    lines = list(lines)
    if not lines:
        return []
    visible = set(billing_perms.retainer_lines_visible_to(actor).filter(pk__in=[ln.pk for ln in lines])
                  .values_list("pk", flat=True))
    balances = retainer_balances(lines=[ln for ln in lines if ln.pk in visible])
    if not balances:
        return []
    decisions = {(d.line_id, d.month): d for d in RetainerOverageDecision.objects.filter(line_id__in=balances)
                 .select_related("decided_by__employee", "invoice_line")}
    return [_block(balance, decisions) for balance in balances.values()]


def _block(balance: RetainerBalance, decisions: dict[Any, RetainerOverageDecision]) -> dict[str, Any]:
    return {
        "line": balance.line, "balance": balance,
        "rows": [(row, decisions.get((balance.line.pk, row.month))) for row in balance.rows],
    }


def project_retainer_block(actor: Any, project: Project) -> dict[str, Any] | None:
    """The balance block of the project's line, or None (no line, no terms, or not visible)."""
    if project.contract_line is None:
        return None
    blocks = retainer_blocks(actor, [project.contract_line])
    return blocks[0] if blocks else None


# ------------------------------------------------------------------ the line's retainer page


def _line_or_404(request: AuthedRequest, pk: int) -> ContractLine:
    try:
        return billing_perms.retainer_line_get_for(request.user, pk)
    except NotFound:
        raise Http404 from None


def _page(request: AuthedRequest, line: ContractLine, *, status: int = 200, **forms_: Any) -> HttpResponse:
    actor = request.user
    can_manage = contract_perms.can_manage_contracts(actor, line.contract.client)
    can_decide = billing_perms.can_decide_retainer_overage(actor, line)
    terms = RetainerTerms.objects.filter(line=line).first()
    terms_form = forms_.get("terms_form") or RetainerTermsForm(initial=_terms_initial(terms, line))
    expense_form = forms_.get("expense_form") or RetainerExpenseForm(
        subcontractors=contract_perms.subcontractors_visible_to(actor))
    blocks = retainer_blocks(actor, [line])
    block = blocks[0] if blocks else None
    return render(request, "web/contracts/retainer.html", {
        "line": line, "contract": line.contract, "terms": terms, "retainer": block,
        "can_manage": can_manage, "can_decide": can_decide, "terms_form": terms_form, "expense_form": expense_form,
        "decision_error": forms_.get("decision_error", ""),
        "expenses": list(RetainerExpense.objects.filter(line=line).select_related("subcontractor", "created_by")
                         .order_by("-date", "-id")[:50]),
    }, status=status)


def _terms_initial(terms: RetainerTerms | None, line: ContractLine) -> dict[str, Any]:
    if terms is None:
        return {"start_month": f"{line.contract.start_date:%Y-%m}", "hours_per_month": line.planned_hours_per_month,
                "rollover_months": 0}
    return {
        "start_month": f"{terms.start_month:%Y-%m}", "hours_per_month": terms.hours_per_month,
        "money_per_month": terms.money_per_month, "rollover_months": terms.rollover_months,
        "rollover_cap_hours": terms.rollover_cap_hours, "overage_allowed": terms.overage_allowed,
        "overage_rate": terms.overage_rate,
    }


@employee_required
def line_retainer(request: AuthedRequest, pk: int) -> HttpResponse:
    """GET: the page; POST: save the terms (errors next to the fields)."""
    line = _line_or_404(request, pk)
    if request.method != "POST":
        return _page(request, line)
    if not contract_perms.can_manage_contracts(request.user, line.contract.client):
        raise PermissionDenied
    form = RetainerTermsForm(request.POST)
    if form.is_valid():
        try:
            contract_services.retainer_terms_set(actor=request.user, line=line, data=form.service_data())
        except (ValidationError, ApplicationError) as exc:
            add_domain_error(form, exc)
        else:
            return redirect("web:line_retainer", pk=line.pk)
    return _page(request, line, terms_form=form, status=400)


@employee_required
@require_POST
def retainer_expense_add(request: AuthedRequest, pk: int) -> HttpResponse:
    line = _line_or_404(request, pk)
    if not contract_perms.can_manage_contracts(request.user, line.contract.client):
        raise PermissionDenied
    form = RetainerExpenseForm(request.POST, subcontractors=contract_perms.subcontractors_visible_to(request.user))
    if form.is_valid():
        try:
            contract_services.retainer_expense_add(actor=request.user, line=line, data=form.cleaned_data)
        except (ValidationError, ApplicationError) as exc:
            add_domain_error(form, exc)
        else:
            return redirect("web:line_retainer", pk=line.pk)
    return _page(request, line, expense_form=form, status=400)


@employee_required
@require_POST
def retainer_expense_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    expense = RetainerExpense.objects.filter(
        pk=pk, line__in=billing_perms.retainer_lines_visible_to(request.user)
    ).select_related("line__contract__client").first()
    if expense is None:
        raise Http404
    if not contract_perms.can_manage_contracts(request.user, expense.line.contract.client):
        raise PermissionDenied
    try:
        contract_services.retainer_expense_delete(actor=request.user, expense=expense)
    except ApplicationError as exc:
        return _page(request, expense.line, decision_error=exc.message, status=403)
    return redirect("web:line_retainer", pk=expense.line_id)


@employee_required
@require_POST
def retainer_overage_decide(request: AuthedRequest, pk: int) -> HttpResponse:
    line = _line_or_404(request, pk)
    if not billing_perms.can_decide_retainer_overage(request.user, line):
        raise PermissionDenied
    form = OverageDecisionForm(request.POST)
    if not form.is_valid():
        return _page(request, line, decision_error=" ".join(str(e) for e in form.errors.values()), status=400)
    data = form.cleaned_data
    try:
        if data["decision"] == RetainerOverageDecision.Decision.BILLED:
            billing_services.retainer_overage_bill(actor=request.user, line=line, month=data["month"])
        else:
            billing_services.retainer_overage_write_off(actor=request.user, line=line, month=data["month"],
                                                        reason=data["reason"])
    except ValidationError as exc:
        return _page(request, line, decision_error=" ".join(exc.messages), status=400)
    except ApplicationError as exc:
        return _page(request, line, decision_error=exc.message, status=403)
    return redirect("web:line_retainer", pk=line.pk)
