"""Invoice editor (one-off invoices: create, edit a draft, save and issue; line rows added and
removed with htmx) and act pages (create from an invoice's unclosed lines, list, detail with
"sent" and "signed by the client").

Only finance, heads of accounts and admins write money: for anyone else the editor pages are
404 when the invoice is invisible and 403 when it is visible (an AM's own client).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tandem.billing import permissions, selectors, services
from tandem.billing.models import ActStatus, Invoice, InvoiceStatus
from tandem.contracts.models import Contract, ContractStatus, Service
from tandem.core.errors import ApplicationError
from tandem.org.models import User
from tandem.org.permissions import actor_employee
from tandem.reports.exports import iterate
from tandem.web.decorators import AuthedRequest, employee_required
from tandem.web.exports import wants_xlsx, xlsx_response
from tandem.web.forms_util import add_domain_error

from .document_forms import (
    LINES_PREFIX,
    ActCreateForm,
    ActSignForm,
    InvoiceForm,
    InvoiceFromTimeForm,
    InvoiceLineForm,
    LineFormSet,
    line_initial,
)
from .exports import act_columns

ACT_PAGE_SIZE = 50


def _require_money_manager(request: AuthedRequest) -> User:
    actor = request.user
    if not permissions.can_manage_money(actor):
        raise Http404()
    return actor


def _contracts(actor: User, client_id: int | str | None) -> QuerySet[Contract]:
    """Contracts an invoice may cite: signed or closed ones of the chosen visible client."""
    qs = Contract.objects.filter(
        client__in=permissions.money_clients_visible_to(actor),
        status__in=[ContractStatus.SIGNED, ContractStatus.CLOSED],
    ).order_by("-date", "number")
    return qs.filter(client_id=client_id) if client_id and str(client_id).isdigit() else qs.none()


def _services(actor: User) -> QuerySet[Service]:
    employee = actor_employee(actor)
    if employee is None:
        return Service.objects.none()
    return Service.objects.filter(agency_id=employee.agency_id, is_active=True).order_by("name")


def _split_line_errors(exc: ValidationError) -> tuple[list[str], ValidationError | None]:
    """Service errors about lines go above the line table; the rest to the head form."""
    if not hasattr(exc, "error_dict"):
        return [], exc
    errors = dict(exc.message_dict)
    line_errors = errors.pop("lines", [])
    return line_errors, (ValidationError(errors) if errors else None)


def _discount_change(invoice: Invoice, data: dict[str, Any]) -> dict[str, Any]:
    """The discount arguments of an edit: only when the percentage or its reason was changed
    (saving the form untouched keeps the loyalty rule's discount as it is)."""
    percent, reason = data.get("discount_percent"), (data.get("discount_reason") or "").strip()
    if percent is None or (percent == invoice.discount_percent and reason == invoice.discount_reason):
        return {}
    return {"discount_percent": percent, "discount_reason": reason}


def _editor(request: AuthedRequest, actor: User, invoice: Invoice | None) -> HttpResponse:
    editing = invoice is not None
    data = request.POST if request.method == "POST" else None
    client_id = invoice.client_id if invoice else (request.POST.get("client") or request.GET.get("client"))
    initial: dict[str, Any] = {"date": timezone.localdate(), "client": client_id}
    if invoice is not None:
        initial = {"client": invoice.client_id, "contract": invoice.contract_id, "date": invoice.date,
                   "period_start": invoice.period_start, "period_end": invoice.period_end, "notes": invoice.notes,
                   "vat_mode": "no_vat" if invoice.vat_rate is None else "vat",
                   "discount_percent": invoice.discount_percent, "discount_reason": invoice.discount_reason}
    form = InvoiceForm(
        data, initial=initial, editing=editing,
        clients=permissions.money_clients_visible_to(actor).order_by("legal_name"),
        contracts=_contracts(actor, client_id),
    )
    services_qs = _services(actor)
    contract_id = invoice.contract_id if invoice else (request.POST.get("contract") or request.GET.get("contract"))
    lines = LineFormSet(
        data, prefix=LINES_PREFIX, services=services_qs,
        contract_lines=selectors.invoice_contract_lines(actor=actor, contract_id=contract_id),
        initial=line_initial(invoice) if invoice is not None and data is None else ([{}] if data is None else None),
    )
    line_errors: list[str] = []
    if data is not None and form.is_valid() and lines.is_valid():
        d = form.cleaned_data
        try:
            if invoice is None:
                invoice = services.invoice_create(
                    actor=actor, client=d["client"], contract=d.get("contract"), date=d["date"],
                    vat_mode=d.get("vat_mode") or None, period_start=d.get("period_start"),
                    period_end=d.get("period_end"), notes=d.get("notes") or "", lines=lines.line_inputs(),
                    discount_percent=d.get("discount_percent"), discount_reason=d.get("discount_reason") or "",
                )
            else:
                invoice = services.invoice_update(
                    actor=actor, invoice=invoice, date=d["date"], period_start=d.get("period_start"),
                    period_end=d.get("period_end"), notes=d.get("notes") or "", lines=lines.line_inputs(),
                    **_discount_change(invoice, d),
                )
        except ValidationError as exc:
            line_errors, rest = _split_line_errors(exc)
            if rest is not None:
                add_domain_error(form, rest)
        else:
            if "issue" in request.POST:
                try:
                    services.invoice_issue(actor=actor, invoice=invoice)
                except ValidationError as exc:
                    for msg in exc.messages:
                        messages.error(request, msg)
                    messages.info(request, _("Черновик сохранён."))
                else:
                    messages.success(request, _("Счёт выставлен."))
            else:
                messages.success(request, _("Черновик счёта сохранён."))
            return redirect("web:invoice_detail", pk=invoice.pk)
    return render(request, "web/billing/invoice_form.html", {
        "form": form, "lines": lines, "line_errors": line_errors, "invoice": invoice,
        "title": _("Редактирование черновика") if editing else _("Новый счёт"),
    })


@employee_required
def invoice_create(request: AuthedRequest) -> HttpResponse:
    """A one-off invoice: client → contract, lines; saved as a draft or saved and issued."""
    actor = _require_money_manager(request)
    return _editor(request, actor, None)


@employee_required
def invoice_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    actor = request.user
    invoice = permissions.invoice_get_for(actor, pk)
    if not permissions.can_manage_invoice(actor, invoice):
        return HttpResponseForbidden(_("Счета изменяют финансы и руководители."))
    if invoice.status != InvoiceStatus.DRAFT:
        messages.error(request, _("Изменять можно только черновик; выставленный счёт можно аннулировать."))
        return redirect("web:invoice_detail", pk=pk)
    return _editor(request, actor, invoice)


@employee_required
def invoice_line_row(request: AuthedRequest) -> HttpResponse:
    """htmx: one more empty line row (index from the management form) and the new row count."""
    actor = _require_money_manager(request)
    raw = request.GET.get(f"{LINES_PREFIX}-TOTAL_FORMS", "0")
    index = int(raw) if raw.isdigit() else 0
    form = InvoiceLineForm(
        prefix=f"{LINES_PREFIX}-{index}", services=_services(actor), empty_permitted=True,
        use_required_attribute=False,
        contract_lines=selectors.invoice_contract_lines(actor=actor, contract_id=request.GET.get("contract")),
    )
    return render(request, "web/billing/_invoice_line_row.html", {"line": form, "total": index + 1, "oob": True})


@employee_required
def invoice_contract_options(request: AuthedRequest) -> HttpResponse:
    """htmx: the contract <option>s of the chosen client."""
    actor = _require_money_manager(request)
    return render(request, "web/billing/_contract_options.html",
                  {"contracts": _contracts(actor, request.GET.get("client"))})


@employee_required
def invoice_contract_line_options(request: AuthedRequest) -> HttpResponse:
    """htmx: the <option>s of a line's «услуга договора (проект)» for the chosen contract (its
    only line comes preselected); with `hourly`, the contract's hourly lines for «счёт по часам»."""
    actor = _require_money_manager(request)
    contract_id = request.GET.get("contract")
    if request.GET.get("hourly"):
        return render(request, "web/billing/_contract_line_options.html", {
            "contract_lines": list(selectors.hourly_contract_lines(actor=actor, contract_id=contract_id)),
            "hourly": True,
        })
    lines = list(selectors.invoice_contract_lines(actor=actor, contract_id=contract_id))
    return render(request, "web/billing/_contract_line_options.html", {"contract_lines": lines})


def _previous_month() -> date:
    return (timezone.localdate().replace(day=1) - timedelta(days=1)).replace(day=1)


@employee_required
def invoice_from_time(request: AuthedRequest) -> HttpResponse:
    """«Счёт по часам за месяц»: a draft invoice for a month's unbilled hours of a contract's
    hourly services (hours × rate); the time entries are marked billed."""
    actor = _require_money_manager(request)
    data = request.POST if request.method == "POST" else None
    contract_id = request.POST.get("contract") if data is not None else request.GET.get("contract")
    contract = (
        Contract.objects.filter(pk=contract_id, client__in=permissions.money_clients_visible_to(actor)).first()
        if contract_id and str(contract_id).isdigit() else None
    )
    client_id = (request.POST.get("client") if data is not None else None) or (contract.client_id if contract else None)
    form = InvoiceFromTimeForm(
        data, initial={"client": client_id, "contract": contract.pk if contract else None, "month": _previous_month()},
        clients=permissions.money_clients_visible_to(actor).order_by("legal_name"),
        contracts=_contracts(actor, client_id),
        hourly_lines=selectors.hourly_contract_lines(actor=actor, contract_id=contract_id),
    )
    if data is not None and form.is_valid():
        d = form.cleaned_data
        try:
            invoice = services.invoice_from_time(
                actor=actor, contract=d["contract"], month=d["month"], contract_line=d.get("contract_line"),
                on=d.get("date"),
            )
        except ValidationError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Черновик счёта по часам создан; время отмечено как выставленное."))
            return redirect("web:invoice_detail", pk=invoice.pk)
    return render(request, "web/billing/invoice_from_time.html", {"form": form}, status=400 if form.errors else 200)


# --- acts ------------------------------------------------------------------------------------------


@employee_required
def act_create(request: AuthedRequest, pk: int) -> HttpResponse:
    """An act for chosen unclosed lines of an issued invoice, with date and client's signer."""
    actor = request.user
    invoice = permissions.invoice_get_for(actor, pk)
    if not permissions.can_manage_invoice(actor, invoice):
        return HttpResponseForbidden(_("Акты составляют финансы и руководители."))
    open_lines = selectors.invoice_lines_open_for_act(invoice=invoice)
    form = ActCreateForm(request.POST or None, lines=open_lines,
                         initial={"lines": list(open_lines), "date": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            act = services.act_create(
                actor=actor, invoice=invoice, date=d["date"], line_ids=[ln.pk for ln in d["lines"]],
                client_signer_name=d["client_signer_name"], client_signer_position=d["client_signer_position"],
            )
        except ValidationError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Акт составлен."))
            return redirect("web:act_detail", pk=act.pk)
    return render(request, "web/billing/act_form.html", {"form": form, "invoice": invoice,
                                                         "has_lines": open_lines.exists()})


@employee_required
def act_list(request: AuthedRequest) -> HttpResponse | FileResponse:
    if not permissions.can_view_money(request.user):
        raise Http404()
    status = request.GET.get("status", "")
    qs = selectors.act_list(actor=request.user, status=status)
    if wants_xlsx(request):
        return xlsx_response(act_columns(), iterate(qs), _("Акты"))
    page = Paginator(qs, ACT_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "acts": page.object_list, "statuses": ActStatus.choices, "status": status}
    template = "web/billing/_act_table.html" if request.htmx else "web/billing/act_list.html"
    return render(request, template, context)


def _act_page(request: AuthedRequest, pk: int, sign_form: ActSignForm | None = None, status: int = 200) -> HttpResponse:
    actor = request.user
    act = selectors.act_detail(act=permissions.act_get_for(actor, pk))
    can_manage = permissions.can_manage_money(actor)
    return render(request, "web/billing/act_detail.html", {
        "act": act, "can_manage": can_manage,
        "sign_form": sign_form or ActSignForm(initial={
            "signed_on": timezone.localdate(), "client_signer_name": act.client_signer_name,
            "client_signer_position": act.client_signer_position}),
    }, status=status)


@employee_required
def act_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    return _act_page(request, pk)


@require_POST
@employee_required
def act_mark_sent(request: AuthedRequest, pk: int) -> HttpResponse:
    actor = request.user
    act = permissions.act_get_for(actor, pk)
    try:
        services.act_mark_sent(actor=actor, act=act)
    except ValidationError as exc:
        for msg in exc.messages:
            messages.error(request, msg)
    except ApplicationError as exc:
        if exc.status_code == 403:
            return HttpResponseForbidden(exc.message)
        raise
    else:
        messages.success(request, _("Акт отмечен как отправленный."))
    return redirect("web:act_detail", pk=pk)


@require_POST
@employee_required
def act_mark_signed(request: AuthedRequest, pk: int) -> HttpResponse:
    actor = request.user
    act = permissions.act_get_for(actor, pk)
    if not permissions.can_manage_money(actor):
        return HttpResponseForbidden(_("Отмечают финансы и руководители."))
    form = ActSignForm(request.POST)
    if form.is_valid():
        try:
            services.act_mark_signed(actor=actor, act=act, **form.cleaned_data)
        except ValidationError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Акт подписан клиентом."))
            return redirect("web:act_detail", pk=pk)
    return _act_page(request, pk, sign_form=form, status=400)
