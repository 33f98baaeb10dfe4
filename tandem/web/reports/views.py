"""Client report pages, the agency's document templates, documents from them, and the month-end batch.

Who sees what follows tandem.reports.permissions: a report is seen by whoever sees its client's
money (404 otherwise); the AM, group head, heads and admins edit and send it; templates are
managed by heads of accounts and admins (404 for others); the month-end batch is for finance,
heads and admins.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from tandem.billing.loyalty import loyalty_discount_for
from tandem.billing.permissions import act_get_for
from tandem.clients.models import Contact
from tandem.contracts.permissions import contract_get_for, services_visible_to
from tandem.core.errors import ApplicationError
from tandem.reports import documents, permissions, selectors, services
from tandem.reports.client_report import month_bounds
from tandem.reports.document_services import DOCX_TYPE, GeneratedDocument
from tandem.reports.exports import iterate
from tandem.reports.models import ClientReport, ClientReportStatus
from tandem.web.decorators import AuthedRequest, employee_required
from tandem.web.exports import wants_xlsx, xlsx_response
from tandem.web.forms_util import add_domain_error

from .exports import report_columns
from .forms import (
    MonthCloseForm,
    ProposalForm,
    ReportCreateForm,
    ReportSendForm,
    ReportTextForm,
    TemplateUploadForm,
)

PAGE_SIZE = 50


def _download(content: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _document(doc: GeneratedDocument) -> HttpResponse:
    return _download(doc.content, doc.filename, doc.content_type)


# --- client reports ----------------------------------------------------------------------------


@employee_required
def client_report_list(request: AuthedRequest) -> HttpResponse | FileResponse:
    if not permissions.can_view_client_reports(request.user):
        raise Http404()
    status = request.GET.get("status", "")
    status = status if status in ClientReportStatus.values else ""
    month_raw = request.GET.get("month", "")
    try:
        month = datetime.strptime(month_raw, "%Y-%m").date() if month_raw else None
    except ValueError:
        month = None
    client_raw = request.GET.get("client", "")
    client_id = int(client_raw) if client_raw.isdigit() and int(client_raw) < 2**31 else None
    qs = selectors.client_report_list(
        actor=request.user, filters=selectors.ClientReportFilters(client_id=client_id, status=status, month=month),
    )
    if wants_xlsx(request):
        return xlsx_response(report_columns(), iterate(qs), _("Отчёты клиентам"))
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "reports": page.object_list, "statuses": ClientReportStatus.choices, "status": status,
               "month": month_raw if month else "", "client_id": client_id}
    template = "web/reports/_report_table.html" if request.htmx else "web/reports/report_list.html"
    return render(request, template, context)


@employee_required
@require_http_methods(["GET", "POST"])
def client_report_new(request: AuthedRequest, pk: int) -> HttpResponse:
    client = permissions.report_client_get_for(request.user, pk)
    if not permissions.can_prepare_client_report(request.user, client):
        raise Http404()
    form = ReportCreateForm(request.POST or None)
    if request.method == "GET":
        previous = services.previous_month(timezone.localdate())[0]
        form = ReportCreateForm(initial={"month": f"{previous:%Y-%m}"})
    if request.method == "POST" and form.is_valid():
        start, end = month_bounds(form.cleaned_data["month"])
        try:
            report = services.client_report_create(actor=request.user, client=client, period_start=start,
                                                   period_end=end)
        except ValidationError as exc:
            existing = ClientReport.objects.filter(client=client, period_start=start, period_end=end).first()
            if existing is not None:
                messages.info(request, _("Отчёт за этот месяц уже есть."))
                return redirect("web:client_report_detail", existing.pk)
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Черновик отчёта собран."))
            return redirect("web:client_report_detail", report.pk)
    return render(request, "web/reports/report_new.html", {"form": form, "client": client})


def _contacts(report: ClientReport) -> Any:
    return Contact.objects.filter(client=report.client, is_active=True).exclude(email="").order_by("full_name")


def _detail(request: AuthedRequest, report: ClientReport, *, text_form: ReportTextForm | None = None,
            send_form: ReportSendForm | None = None, status: int = 200) -> HttpResponse:
    may_prepare = permissions.can_prepare_client_report(request.user, report.client) and report.is_draft
    context = {
        **services.client_report_context(report),
        "web_view": True,  # the Chart.js chart; the PDF keeps its SVG bars
        "may_prepare": may_prepare,
        "text_form": text_form or ReportTextForm(initial={"summary": report.summary, "next_plan": report.next_plan}),
        "send_form": send_form or ReportSendForm(contacts=_contacts(report)),
        "sent_to": list(report.sent_to.all()) if not report.is_draft else [],
    }
    return render(request, "web/reports/report_detail.html", context, status=status)


@employee_required
@require_http_methods(["GET", "POST"])
def client_report_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    report = permissions.client_report_get_for(request.user, pk)
    if request.method == "POST":
        form = ReportTextForm(request.POST)
        if not permissions.can_prepare_client_report(request.user, report.client):
            raise Http404()
        if form.is_valid():
            try:
                services.client_report_update(actor=request.user, report=report, **form.cleaned_data)
            except (ValidationError, ApplicationError) as exc:
                add_domain_error(form, exc)
            else:
                messages.success(request, _("Текст отчёта сохранён."))
                return redirect("web:client_report_detail", report.pk)
        return _detail(request, report, text_form=form, status=400)
    return _detail(request, report)


@employee_required
@require_POST
def client_report_rebuild(request: AuthedRequest, pk: int) -> HttpResponse:
    report = permissions.client_report_get_for(request.user, pk)
    if not permissions.can_prepare_client_report(request.user, report.client):
        raise Http404()
    try:
        services.client_report_rebuild(actor=request.user, report=report)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Цифры отчёта пересобраны."))
    return redirect("web:client_report_detail", report.pk)


@employee_required
@require_POST
def client_report_send(request: AuthedRequest, pk: int) -> HttpResponse:
    report = permissions.client_report_get_for(request.user, pk)
    if not permissions.can_prepare_client_report(request.user, report.client):
        raise Http404()
    form = ReportSendForm(request.POST, contacts=_contacts(report))
    if form.is_valid():
        try:
            services.client_report_send(actor=request.user, report=report, contacts=list(form.cleaned_data["contacts"]),
                                        message=form.cleaned_data["message"])
        except (ValidationError, ApplicationError) as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Отчёт отправлен клиенту."))
            return redirect("web:client_report_detail", report.pk)
    return _detail(request, report, send_form=form, status=400)


@employee_required
def client_report_pdf(request: AuthedRequest, pk: int) -> HttpResponse:
    report = permissions.client_report_get_for(request.user, pk)
    return _download(services.client_report_pdf(report), f"report-{report.period_start:%Y-%m}.pdf", "application/pdf")


@employee_required
def client_report_docx(request: AuthedRequest, pk: int) -> HttpResponse:
    report = permissions.client_report_get_for(request.user, pk)
    try:
        content = services.client_report_docx(report)
    except documents.TemplateInvalid as exc:
        messages.error(request, str(exc))
        return redirect("web:client_report_detail", report.pk)
    return _download(content, f"report-{report.period_start:%Y-%m}.docx", DOCX_TYPE)


# --- templates and documents ---------------------------------------------------------------------


@employee_required
@require_http_methods(["GET", "POST"])
def document_templates(request: AuthedRequest) -> HttpResponse:
    if not permissions.can_manage_document_templates(request.user):
        raise Http404()
    form = TemplateUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if (upload.size or 0) > documents.MAX_TEMPLATE_BYTES:
                raise ValidationError({"file": _("Файл больше 5 МБ.")})
            services.document_template_upload(actor=request.user, kind=form.cleaned_data["kind"],
                                              name=form.cleaned_data["name"], content=upload.read())
        except (ValidationError, ApplicationError) as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Шаблон принят и используется."))
            return redirect("web:document_templates")
    return render(request, "web/reports/templates.html", {
        "form": form, "templates": selectors.document_template_list(actor=request.user),
        "fields": [(kind, label, documents.FIELDS[kind]) for kind, label in documents.DocumentKind.choices],
    }, status=400 if form.errors else 200)


@employee_required
def document_template_default(request: AuthedRequest, kind: str) -> HttpResponse:
    """The built-in template of a kind, to start an agency's own from."""
    if not permissions.can_manage_document_templates(request.user) or kind not in documents.FIELDS:
        raise Http404()
    return _download(documents.default_template(kind), f"{kind}-default.docx", DOCX_TYPE)


@employee_required
@require_POST
def document_template_off(request: AuthedRequest, pk: int) -> HttpResponse:
    if not permissions.can_manage_document_templates(request.user):
        raise Http404()
    template = selectors.document_template_list(actor=request.user).filter(pk=pk).first()
    if template is None:
        raise Http404()
    services.document_template_deactivate(actor=request.user, template=template)
    messages.success(request, _("Шаблон отключён: используется встроенный."))
    return redirect("web:document_templates")


def _generated(request: AuthedRequest, make: Any, back: str) -> HttpResponse:
    try:
        return _document(make())
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(back)


@employee_required
def contract_document(request: AuthedRequest, pk: int, fmt: str) -> HttpResponse:
    contract = contract_get_for(request.user, pk)
    return _generated(request, lambda: services.contract_document(actor=request.user, contract=contract, fmt=fmt),
                      reverse("web:contract_detail", args=[contract.pk]))


@employee_required
def act_document(request: AuthedRequest, pk: int, fmt: str) -> HttpResponse:
    act = act_get_for(request.user, pk)
    return _generated(request, lambda: services.act_document(actor=request.user, act=act, fmt=fmt),
                      reverse("web:act_detail", args=[act.pk]))


@employee_required
@require_http_methods(["GET", "POST"])
def client_proposal(request: AuthedRequest, pk: int) -> HttpResponse:
    client = permissions.report_client_get_for(request.user, pk)
    if not permissions.can_prepare_client_report(request.user, client):
        raise Http404()
    catalogue = services_visible_to(request.user).filter(is_active=True).order_by("name")
    form = ProposalForm(request.POST or None, services=catalogue)
    loyalty = loyalty_discount_for(client=client, on=timezone.localdate())
    form.fields["discount_percent"].help_text = (
        _("Пусто — по правилам лояльности: %(reason)s.") % {"reason": loyalty.reason} if loyalty
        else _("Пусто — по правилам лояльности (сейчас клиенту скидка не положена).")
    )
    if request.method == "POST" and form.is_valid():
        try:
            doc = services.proposal_document(
                actor=request.user, client=client, discount_percent=form.cleaned_data["discount_percent"],
                valid_until=form.cleaned_data["valid_until"], vat=form.cleaned_data["vat"],
                fmt=form.cleaned_data["file_format"],
                lines=[services.ProposalLine(s, p, q) for s, p, q in form.lines()],
            )
        except ValidationError as exc:
            add_domain_error(form, exc)
        else:
            return _document(doc)
    return render(request, "web/reports/proposal.html", {"form": form, "client": client},
                  status=400 if form.errors else 200)


@employee_required
@require_http_methods(["GET", "POST"])
def month_close(request: AuthedRequest) -> HttpResponse:
    if not permissions.can_close_month_with_documents(request.user):
        raise Http404()
    result = None
    if request.method == "POST":
        form = MonthCloseForm(request.POST)
        if form.is_valid():
            try:
                result = services.month_close_documents(actor=request.user, month=form.cleaned_data["month"])
            except ValidationError as exc:
                add_domain_error(form, exc)
    else:
        previous = services.previous_month(timezone.localdate())[0]
        form = MonthCloseForm(initial={"month": f"{previous:%Y-%m}"})
    return render(request, "web/reports/month_close.html", {"form": form, "result": result})
