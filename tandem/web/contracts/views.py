"""Contract pages: list, card (lines, status moves, subcontractor rating), form, and the
catalogue / VAT / subcontractor settings pages. Rules live in the services."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from tandem.billing import permissions as billing_permissions
from tandem.clients.permissions import clients_visible_to
from tandem.contracts import permissions as perms
from tandem.contracts import selectors, services
from tandem.contracts.models import RETAINER_BILLING_MODELS, BillingModel, ContractStatus
from tandem.core.errors import ApplicationError
from tandem.org.permissions import actor_agency
from tandem.reports.exports import iterate
from tandem.web.decorators import AuthedRequest, employee_required
from tandem.web.exports import wants_xlsx, xlsx_response
from tandem.web.forms_util import add_domain_error
from tandem.work.services import contract_transition

from .exports import contract_columns
from .forms import (
    ContractFilterForm,
    ContractForm,
    LineForm,
    PatternForm,
    RatingForm,
    ServiceForm,
    SubcontractorForm,
    TransitionForm,
    VatRateForm,
)
from .retainers import retainer_blocks

NEXT_STATUS_ACTIONS = {
    ContractStatus.DRAFT: [(ContractStatus.IN_APPROVAL, gettext_lazy("Отправить на согласование"))],
    ContractStatus.IN_APPROVAL: [(ContractStatus.SIGNED, gettext_lazy("Подписан")), (ContractStatus.DRAFT, gettext_lazy("Вернуть в черновик"))],
    ContractStatus.SIGNED: [(ContractStatus.CLOSED, gettext_lazy("Закрыть договор"))],
    ContractStatus.CLOSED: [],
}


PAGE_SIZE = 50


@employee_required
def contract_list(request: AuthedRequest) -> HttpResponse | FileResponse:
    form = ContractFilterForm(request.GET or None)
    filters = selectors.ContractFilters()
    if form.is_valid():
        filters = selectors.ContractFilters(search=form.cleaned_data["q"], status=form.cleaned_data["status"])
    contracts = selectors.contract_list(actor=request.user, filters=filters)
    if wants_xlsx(request):
        return xlsx_response(contract_columns(), iterate(contracts), _("Договоры"))
    page = Paginator(contracts, PAGE_SIZE).get_page(request.GET.get("page"))
    template = "web/contracts/_list_partial.html" if request.htmx else "web/contracts/list.html"
    return render(request, template, {"form": form, "contracts": page.object_list, "page": page,
                                      "can_catalogue": perms.can_edit_catalogue(request.user)})


def _contract_form(request: AuthedRequest, data=None, initial=None, editing: bool = False) -> ContractForm:  # type: ignore[no-untyped-def]
    return ContractForm(data, initial=initial, clients=clients_visible_to(request.user),
                        subcontractors=perms.subcontractors_visible_to(request.user), editing=editing)


@employee_required
def contract_create(request: AuthedRequest) -> HttpResponse:
    from django.utils import timezone

    today = timezone.localdate()
    form = _contract_form(request, request.POST or None,
                          initial={"client": request.GET.get("client"), "date": today, "start_date": today})
    if request.method == "POST" and form.is_valid():
        client = form.cleaned_data["client"]
        try:
            contract = services.contract_create(actor=request.user, client=client, data=form.service_data(),
                                                number=form.cleaned_data["number"])
        except (ValidationError, ApplicationError) as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Договор %(n)s создан.") % {"n": contract.number})
            return redirect("web:contract_detail", pk=contract.pk)
    return render(request, "web/contracts/form.html", {"form": form, "title": _("Новый договор")})


@employee_required
def contract_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    contract = perms.contract_get_for(request.user, pk)
    initial = {f: getattr(contract, f) for f in services.CONTRACT_EDITABLE_FIELDS}
    form = _contract_form(request, request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        try:
            services.contract_update(actor=request.user, contract=contract, data=form.service_data())
        except (ValidationError, ApplicationError) as exc:
            add_domain_error(form, exc)
        else:
            return redirect("web:contract_detail", pk=contract.pk)
    return render(request, "web/contracts/form.html", {"form": form, "contract": contract,
                                                       "title": _("Договор %(n)s") % {"n": contract.number}})


def _detail_context(request: AuthedRequest, contract, **extra):  # type: ignore[no-untyped-def]
    contract = selectors.contract_detail(contract=contract)
    can_manage = perms.can_manage_contracts(request.user, contract.client)
    ctx = {
        "contract": contract,
        "lines": list(contract.lines.all()),
        "history": list(contract.status_changes.all()),
        "vat_rate": selectors.contract_vat_rate(contract=contract),
        "can_manage": can_manage,
        "editable": can_manage and contract.status in services.EDITABLE_STATUSES,
        "actions": NEXT_STATUS_ACTIONS[contract.status] if can_manage else [],
        "line_form": LineForm(services=perms.services_visible_to(request.user)),
        "rating_form": RatingForm(initial={"rating": contract.subcontractor_rating or 8,
                                           "comment": contract.subcontractor_rating_comment}),
    }
    from tandem.work.selectors import project_list

    ctx["projects"] = list(project_list(actor=request.user).filter(contract_line__contract=contract))
    ctx["can_bill_time"] = (
        billing_permissions.can_manage_money(request.user)
        and contract.status in (ContractStatus.SIGNED, ContractStatus.CLOSED)
        and any(line.billing_model == BillingModel.HOURLY for line in ctx["lines"])
    )
    ctx["retainer_blocks"] = retainer_blocks(request.user, ctx["lines"])
    ctx["retainer_lines"] = [line for line in ctx["lines"] if line.billing_model in RETAINER_BILLING_MODELS] \
        if can_manage else []
    ctx.update(extra)
    return ctx


@employee_required
def contract_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    contract = perms.contract_get_for(request.user, pk)
    return render(request, "web/contracts/detail.html", _detail_context(request, contract))


@employee_required
@require_POST
def contract_line_add(request: AuthedRequest, pk: int) -> HttpResponse:
    contract = perms.contract_get_for(request.user, pk)
    form = LineForm(request.POST, services=perms.services_visible_to(request.user))
    if form.is_valid():
        try:
            services.contract_line_add(actor=request.user, contract=contract, data=form.service_data())
        except (ValidationError, ApplicationError) as exc:
            add_domain_error(form, exc)
        else:
            return redirect("web:contract_detail", pk=contract.pk)
    return render(request, "web/contracts/detail.html", _detail_context(request, contract, line_form=form),
                  status=400)


@employee_required
@require_POST
def contract_line_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    line = perms.contract_line_get_for(request.user, pk)
    try:
        services.contract_line_remove(actor=request.user, line=line)
    except (ValidationError, ApplicationError) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    return redirect("web:contract_detail", pk=line.contract_id)


def _error_text(exc: ValidationError | ApplicationError) -> str:
    if isinstance(exc, ApplicationError):
        return exc.message
    return " ".join(exc.messages)


@employee_required
@require_POST
def contract_status(request: AuthedRequest, pk: int) -> HttpResponse:
    contract = perms.contract_get_for(request.user, pk)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Неизвестный статус договора."))
        return redirect("web:contract_detail", pk=pk)
    try:
        contract_transition(actor=request.user, contract=contract, to_status=form.cleaned_data["to_status"],
                            on_date=form.cleaned_data["on_date"], comment=form.cleaned_data["comment"])
    except (ValidationError, ApplicationError) as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("Статус договора изменён."))
    return redirect("web:contract_detail", pk=pk)


@employee_required
@require_POST
def contract_rating(request: AuthedRequest, pk: int) -> HttpResponse:
    contract = perms.contract_get_for(request.user, pk)
    form = RatingForm(request.POST)
    if form.is_valid():
        try:
            services.contract_rate_subcontractor(actor=request.user, contract=contract,
                                                 rating=form.cleaned_data["rating"],
                                                 comment=form.cleaned_data["comment"])
        except (ValidationError, ApplicationError) as exc:
            messages.error(request, _error_text(exc))
    return redirect("web:contract_detail", pk=pk)


@employee_required
def contract_settings(request: AuthedRequest) -> HttpResponse:
    """Services catalogue, VAT rates, subcontractors and the number pattern on one page."""
    actor = request.user
    forms_by_kind = {
        "service": ServiceForm(prefix="service"), "vat": VatRateForm(prefix="vat"),
        "sub": SubcontractorForm(prefix="sub"),
        "pattern": PatternForm(prefix="pattern", initial={
            "number_pattern": selectors.contract_number_pattern(agency=actor_agency(actor))}),  # type: ignore[arg-type]
    }
    status = 200
    if request.method == "POST":
        kind = request.POST.get("kind", "")
        writers = {
            "service": (ServiceForm, lambda d: services.service_create(actor=actor, data=d)),
            "vat": (VatRateForm, lambda d: services.vat_rate_set(actor=actor, **d)),
            "sub": (SubcontractorForm, lambda d: services.subcontractor_create(actor=actor, data=d)),
            "pattern": (PatternForm, lambda d: services.contract_settings_update(actor=actor, **d)),
        }
        if kind in writers:
            form_class, write = writers[kind]
            form = form_class(request.POST, prefix=kind)
            forms_by_kind[kind] = form
            if form.is_valid():
                try:
                    write(form.cleaned_data)
                except (ValidationError, ApplicationError) as exc:
                    add_domain_error(form, exc)
                else:
                    messages.success(request, _("Сохранено."))
                    return redirect("web:contract_settings")
            status = 400
    return render(request, "web/contracts/settings.html", {
        "forms": forms_by_kind,
        "services": list(perms.services_visible_to(actor).order_by("name")),
        "vat_rates": list(perms.vat_rates_visible_to(actor)),
        "subcontractors": list(selectors.subcontractor_list(actor=actor)),
        "can_catalogue": perms.can_edit_catalogue(actor), "can_vat": perms.can_edit_vat_rates(actor),
        "can_subs": perms.can_edit_subcontractors(actor),
    }, status=status)
