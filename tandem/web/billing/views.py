"""Money pages: invoices (with PDF preview), the payments queue with statement upload and manual
matching, receivables aging (table + chart), AM plans with fulfilment bars, profitability.

Specialists see no money: every page answers 404 for them (as for anything invisible).
Writes are POST-only and call one service; a forbidden action on a visible object is 403.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_POST

from tandem.billing import documents, permissions, selectors, services
from tandem.billing.calc import BUCKET_LABELS, BUCKETS
from tandem.billing.models import InvoiceStatus, MatchBasis, StatementImport
from tandem.billing.practice_statement import practice_statement_offered
from tandem.contracts.models import ContractLine
from tandem.core.errors import ApplicationError, PermissionDenied
from tandem.reports import services as report_services
from tandem.reports.exports import iterate
from tandem.web.decorators import AuthedRequest, employee_required
from tandem.web.exports import wants_xlsx, xlsx_response
from tandem.web.forms_util import add_domain_error, clean_search

from . import tables
from .exports import (
    aging_columns,
    aging_rows,
    bonus_columns,
    invoice_columns,
    payment_columns,
    plan_columns,
    profit_columns,
    profit_rows,
)
from .forms import (
    AllocateForm,
    BonusBuildForm,
    CancelForm,
    MonthForm,
    PaymentForm,
    PeriodForm,
    PlanForm,
    PromiseForm,
    ReallocateClientForm,
    ReallocateForm,
    ReminderCloseForm,
    ReminderLetterForm,
    StatementUploadForm,
)


def _money_page(request: AuthedRequest) -> None:
    if not permissions.can_view_money(request.user):
        raise Http404()


def _month_param(request: AuthedRequest, *, default_previous: bool = False) -> date:
    """`?month=YYYY-MM`; without it this month, or the last finished one where that is what
    people look at (bonus statements are built once a month is over)."""
    raw = request.GET.get("month", "")
    try:
        return date.fromisoformat(raw + "-01" if len(raw) == 7 else raw).replace(day=1)
    except ValueError:
        this_month = timezone.localdate().replace(day=1)
        return (this_month - timedelta(days=1)).replace(day=1) if default_previous else this_month


def _date_param(raw: str, default: date) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return default


# --- invoices ----------------------------------------------------------------------------------


@employee_required
def invoice_list(request: AuthedRequest) -> HttpResponse | FileResponse:
    _money_page(request)
    q = request.GET
    filters = selectors.InvoiceFilters(
        status=q.get("status", ""), search=clean_search(q.get("q")), overdue=q.get("overdue") == "1",
    )
    qs = selectors.invoice_list(actor=request.user, filters=filters)
    if wants_xlsx(request):
        return xlsx_response(invoice_columns(), iterate(qs), _("Счета"))
    page = Paginator(qs, 50).get_page(q.get("page"))
    context = {
        "page": page, "invoices": page.object_list, "statuses": InvoiceStatus.choices, "filters": filters,
        "can_manage": permissions.can_manage_money(request.user), "month_form": MonthForm(),
        "today": timezone.localdate(),
    }
    template = "web/billing/_invoice_table.html" if request.htmx else "web/billing/invoice_list.html"
    return render(request, template, context)


@employee_required
def invoice_detail(
    request: AuthedRequest, pk: int, cancel_form: CancelForm | None = None, status: int = 200
) -> HttpResponse:
    invoice = selectors.invoice_detail(invoice=permissions.invoice_get_for(request.user, pk))
    return render(request, "web/billing/invoice_detail.html", {
        "invoice": invoice,
        "can_manage": permissions.can_manage_invoice(request.user, invoice),
        "can_collect": permissions.can_collect(request.user, invoice),
        "cancel_form": cancel_form or CancelForm(), "promise_form": PromiseForm(),
        "has_open_lines": selectors.invoice_lines_open_for_act(invoice=invoice).exists(),
    }, status=status)


@xframe_options_sameorigin
@employee_required
def invoice_pdf(request: AuthedRequest, pk: int) -> HttpResponse:
    invoice = selectors.invoice_detail(invoice=permissions.invoice_get_for(request.user, pk))
    if request.GET.get("html"):
        return HttpResponse(documents.invoice_html(invoice))
    return _pdf_response(documents.invoice_pdf(invoice), _("Счёт %(number)s") % {"number": invoice.number or invoice.pk})


@xframe_options_sameorigin
@employee_required
def act_pdf(request: AuthedRequest, pk: int) -> HttpResponse:
    act = permissions.act_get_for(request.user, pk)
    return _pdf_response(documents.act_pdf(act), _("Акт %(number)s") % {"number": act.number})


def _pdf_response(content: bytes, title: str) -> HttpResponse:
    """A PDF shown inline (the detail pages embed it in an <iframe>, hence SAMEORIGIN framing on
    these two views only), named in plain UTF-8 per RFC 6266 (`filename*=utf-8''…`)."""
    name = "".join("-" if ch in '/\\:*?"<>|' else ch for ch in title) + ".pdf"
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(False, name) or "inline"
    return response


def _run(request: AuthedRequest, action: Any, success: str, url: str) -> HttpResponse:
    try:
        action()
    except ValidationError as exc:
        for msg in exc.messages:
            messages.error(request, msg)
    except ApplicationError as exc:
        if exc.status_code == 403:
            return HttpResponseForbidden(exc.message)
        raise
    else:
        messages.success(request, success)
    return redirect(url)


@require_POST
@employee_required
def invoice_issue(request: AuthedRequest, pk: int) -> HttpResponse:
    invoice = permissions.invoice_get_for(request.user, pk)
    return _run(request, lambda: services.invoice_issue(actor=request.user, invoice=invoice), _("Счёт выставлен."),
                reverse("web:invoice_detail", args=[pk]))


@require_POST
@employee_required
def invoice_cancel(request: AuthedRequest, pk: int) -> HttpResponse:
    """Cancel with a reason; a refusal is shown under the reason field on the invoice page."""
    invoice = permissions.invoice_get_for(request.user, pk)
    if not permissions.can_manage_invoice(request.user, invoice):
        return HttpResponseForbidden(_("Аннулируют финансы и руководители."))
    form = CancelForm(request.POST)
    if form.is_valid():
        try:
            services.invoice_cancel(actor=request.user, invoice=invoice, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Счёт аннулирован."))
            return redirect("web:invoice_detail", pk=pk)
    return invoice_detail(request, pk, cancel_form=form, status=400)


@require_POST
@employee_required
def promise_add(request: AuthedRequest, pk: int) -> HttpResponse:
    invoice = permissions.invoice_get_for(request.user, pk)
    form = PromiseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Укажите дату обещания."))
        return redirect("web:invoice_detail", pk=pk)
    return _run(request, lambda: services.promised_payment_add(actor=request.user, invoice=invoice, **form.cleaned_data),
                _("Обещание оплаты записано."), reverse("web:invoice_detail", args=[pk]))


def _reminder_close(request: AuthedRequest, pk: int, service: Any, success: str) -> HttpResponse:
    reminder = permissions.reminder_get_for(request.user, pk)
    if not permissions.can_collect(request.user, reminder.invoice):
        return HttpResponseForbidden(_("Напоминаниями занимаются аккаунт клиента, его группхэд и финансы."))
    form = ReminderCloseForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    return _run(request, lambda: service(actor=request.user, reminder=reminder, note=note), success,
                reverse("web:invoice_detail", args=[reminder.invoice_id]))


@require_POST
@employee_required
def reminder_done(request: AuthedRequest, pk: int) -> HttpResponse:
    """Mark a planned collection reminder done (the call was made, the letter sent)."""
    return _reminder_close(request, pk, services.reminder_complete, _("Напоминание выполнено."))


@require_POST
@employee_required
def reminder_cancel(request: AuthedRequest, pk: int) -> HttpResponse:
    """Cancel a planned collection reminder that is no longer needed."""
    return _reminder_close(request, pk, services.reminder_cancel, _("Напоминание отменено."))


@employee_required
def invoice_remind(request: AuthedRequest, pk: int) -> HttpResponse:
    """The payment reminder to the client's accountant: GET shows the letter filled in from the
    agency's template for the AM to review and edit; «Отправить» (POST) sends it with the
    invoice PDF and logs it; leaving the page sends nothing."""
    invoice = permissions.invoice_get_for(request.user, pk)
    if not permissions.can_collect(request.user, invoice):
        return HttpResponseForbidden(_("Напоминаниями занимаются аккаунт клиента, его группхэд и финансы."))
    letter = report_services.payment_reminder_draft(actor=request.user, invoice=invoice)
    reminder_id = request.POST.get("reminder") or request.GET.get("reminder") or None
    form = ReminderLetterForm(request.POST or None, initial={
        "subject": letter.subject, "body": letter.body, "reminder": reminder_id,
    })
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            reminder = permissions.reminder_get_for(request.user, d["reminder"]) if d["reminder"] else None
            report_services.payment_reminder_send(
                actor=request.user, invoice=invoice, subject=d["subject"], body=d["body"], reminder=reminder,
            )
        except ValidationError as exc:
            add_domain_error(form, exc)
        except ApplicationError as exc:
            if exc.status_code == 403:
                return HttpResponseForbidden(exc.message)
            raise
        else:
            messages.success(request, _("Письмо бухгалтеру отправлено: %(to)s.") % {"to": letter.to})
            return redirect("web:invoice_detail", pk=pk)
    return render(request, "web/billing/reminder_letter.html", {
        "invoice": invoice, "letter": letter, "form": form,
    }, status=400 if form.errors else 200)


@require_POST
@employee_required
def retainers_generate(request: AuthedRequest) -> HttpResponse:
    form = MonthForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Укажите месяц."))
        return redirect("web:invoice_list")

    def run() -> None:
        result = services.retainer_invoices_generate(actor=request.user, month=form.cleaned_data["month"])
        messages.info(request, _("Создано счетов: %(c)s, уже были: %(s)s.") % {
            "c": len(result.created), "s": len(result.skipped_existing)})

    return _run(request, run, _("Абонентские счета за месяц готовы."), reverse("web:invoice_list"))


# --- payments ----------------------------------------------------------------------------------


PAYMENT_VIEWS = {
    "": _("К разбору"), "review": _("На проверку"), "unmatched": _("Не сопоставлены"), "all": _("Все платежи"),
}


@employee_required
def payment_queue(request: AuthedRequest) -> HttpResponse | FileResponse:
    """The payments page: by default what waits for a person (no client, «на проверку», credit),
    with the reason and the actions; `show=review|unmatched|all` filters. 50 a page."""
    _money_page(request)
    show = request.GET.get("show", "")
    if show not in PAYMENT_VIEWS:
        show = ""
    filters = selectors.PaymentFilters(needs_review=show == "review", unmatched=show == "unmatched")
    qs = (selectors.payment_list(actor=request.user, filters=filters) if show == "all"
          else selectors.payment_queue(actor=request.user, filters=filters))
    if wants_xlsx(request):
        return xlsx_response(payment_columns(), iterate(qs), _("Платежи"))
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "web/billing/payment_queue.html", {
        "page": page, "queue": page.object_list, "can_manage": permissions.can_manage_money(request.user),
        "imports": selectors.statement_imports(actor=request.user)[:10],
        "upload_form": StatementUploadForm(), "show": show, "views": PAYMENT_VIEWS,
        "review_count": selectors.payment_list(
            actor=request.user, filters=selectors.PaymentFilters(needs_review=True)).count(),
    })


def _payment_for_change(request: AuthedRequest, pk: int):  # type: ignore[no-untyped-def]
    payment = permissions.payment_get_for(request.user, pk)
    if not permissions.can_reallocate_payment(request.user, payment):
        return payment, HttpResponseForbidden(_("Платежи перераспределяют финансы и руководители."))
    return payment, None


@require_POST
@employee_required
def payment_confirm(request: AuthedRequest, pk: int) -> HttpResponse:
    """One click: the payment «на проверку» is right as placed."""
    payment, denied = _payment_for_change(request, pk)
    if denied:
        return denied
    return _run(request, lambda: services.payment_confirm(actor=request.user, payment=payment),
                _("Платёж подтверждён."), request.POST.get("next") or reverse("web:payment_queue"))


@require_POST
@employee_required
def payment_accept_suggestion(request: AuthedRequest, pk: int) -> HttpResponse:
    """One click: the queued payment goes to the suggested client (and invoice)."""
    payment, denied = _payment_for_change(request, pk)
    if denied:
        return denied
    return _run(request, lambda: services.payment_accept_suggestion(actor=request.user, payment=payment),
                _("Предложение принято, платёж разнесён."), request.POST.get("next") or reverse("web:payment_queue"))


@employee_required
def payment_reallocate(request: AuthedRequest, pk: int) -> HttpResponse:
    """Undo the payment's allocations and put the money on other invoices (of the client chosen
    on the page) or leave it as credit, with a reason; the history of changes below."""
    _money_page(request)
    payment = permissions.payment_get_for(request.user, pk)
    if not permissions.can_reallocate_payment(request.user, payment):
        raise Http404()
    payment = selectors.payment_list(actor=request.user).get(pk=payment.pk)
    clients = permissions.money_clients_visible_to(request.user)
    chooser = ReallocateClientForm(request.GET or None, clients=clients)
    client = payment.client or payment.suggested_client
    if chooser.is_valid() and chooser.cleaned_data["client"] is not None:
        client = chooser.cleaned_data["client"]
    if request.method == "POST":
        posted = ReallocateClientForm(request.POST, clients=clients)
        if posted.is_valid() and posted.cleaned_data["client"] is not None:
            client = posted.cleaned_data["client"]
    current = {a.invoice_id: a.amount for a in payment.allocations.all()
               if client is not None and a.invoice.client_id == client.pk}
    invoices = selectors.invoices_for_reallocation(actor=request.user, payment=payment, client=client)
    form = ReallocateForm(request.POST or None, invoices=invoices, current=current,
                          initial={"client": client.pk if client else None})
    if request.method == "POST" and form.is_valid():
        try:
            services.payment_reallocate(actor=request.user, payment=payment, client=client,
                                        allocations=form.targets(), reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Платёж перераспределён."))
            return redirect("web:payment_queue")
    if not chooser.is_bound:
        chooser = ReallocateClientForm(initial={"client": client.pk if client else None}, clients=clients)
    return render(request, "web/billing/payment_reallocate.html", {
        "payment": payment, "form": form, "chooser": chooser, "client": client,
        "history": list(selectors.payment_history(payment=payment)[:20]),
    }, status=400 if form.errors else 200)


@employee_required
def payment_create(request: AuthedRequest) -> HttpResponse:
    _money_page(request)
    if not permissions.can_manage_money(request.user):
        raise Http404()
    form = PaymentForm(request.POST or None, clients=permissions.money_clients_visible_to(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            services.payment_record(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Платёж записан."))
            return redirect("web:payment_queue")
    return render(request, "web/billing/form_page.html", {"form": form, "title": _("Новый платёж"),
                                                          "submit": _("Записать")})


@employee_required
def statement_upload(request: AuthedRequest) -> HttpResponse:
    _money_page(request)
    if not permissions.can_manage_money(request.user):
        raise Http404()
    form = StatementUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            services.statement_check_size(size=upload.size or 0)
            report = services.statement_import(actor=request.user, data=upload.read(), file_name=upload.name)
        except ValidationError as exc:
            add_domain_error(form, exc)
        else:
            if report.duplicate_file:
                messages.warning(request, _("Эта выписка уже была загружена — ничего не изменилось."))
            return redirect("web:statement_report", pk=report.import_id)
    return render(request, "web/billing/statement_upload.html", {
        "form": form, "title": _("Загрузка банковской выписки"), "submit": _("Загрузить"), "multipart": True,
        "practice": practice_statement_offered(request.user),
    })


@employee_required
def statement_report(request: AuthedRequest, pk: int) -> HttpResponse:
    try:
        record = selectors.statement_imports(actor=request.user).get(pk=pk)
    except (StatementImport.DoesNotExist, ValueError):
        raise Http404() from None
    report = services.ImportReport.from_dict(record.report, duplicate_file=False)
    on_review = selectors.payments_still_on_review(
        actor=request.user, payment_ids=[r.payment_id for r in report.rows if r.review and r.payment_id])
    return render(request, "web/billing/statement_report.html", {
        "record": record, "report": report, "labels": services.OUTCOME_LABELS,
        "rows": [(r, r.review and r.payment_id in on_review) for r in report.rows],
        "bases": dict(MatchBasis.choices),
    })


@employee_required
def payment_match(request: AuthedRequest, pk: int) -> HttpResponse:
    """Manual matching of one payment with an open invoice (htmx panel or a page)."""
    payment = permissions.payment_get_for(request.user, pk)
    if not permissions.can_manage_money(request.user):
        raise Http404()
    invoices = selectors.open_invoices_for_matching(actor=request.user, payment=payment)
    form = AllocateForm(request.POST or None, invoices=invoices)
    if request.method == "POST" and form.is_valid():
        try:
            services.payment_allocate(actor=request.user, payment=payment, invoice=form.cleaned_data["invoice"],
                                      amount=form.cleaned_data["amount"])
        except ValidationError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Платёж сопоставлен со счётом."))
            return redirect("web:payment_queue")
    template = "web/billing/_match_panel.html" if request.htmx else "web/billing/match_page.html"
    return render(request, template, {"form": form, "payment": payment})


# --- receivables, plans, profitability -----------------------------------------------------------


@employee_required
def receivables(request: AuthedRequest) -> HttpResponse | FileResponse:
    _money_page(request)
    by = request.GET.get("by", "client")
    report = selectors.receivables_aging(actor=request.user, by=by)
    if wants_xlsx(request):
        return xlsx_response(aging_columns(report.by), aging_rows(report), _("Дебиторская задолженность"))
    chart = {
        "labels": [_(BUCKET_LABELS[b]) for b in BUCKETS],
        "values": [str(v) for v in report.totals.bucket_list()],
    }
    everything = tables.show_all(request)
    lines = tables.Shortened(tables.aging_lines(report.rows if everything else report.rows[:tables.ROW_LIMIT]),
                             len(report.rows))
    return render(request, "web/billing/receivables.html", {
        "report": report, "lines": lines, "totals": tables.aging_lines([report.totals])[0],
        "bucket_labels": [_(BUCKET_LABELS[b]) for b in BUCKETS], "by": report.by,
        "groupings": [("client", _("Клиенты")), ("am", _("Аккаунты")), ("group", _("Группы")), ("agency", _("Агентство"))],
        "chart_json": json.dumps(chart), "chase": selectors.invoices_to_chase(actor=request.user)[:20],
    })


@employee_required
def plan_list(request: AuthedRequest) -> HttpResponse | FileResponse:
    _money_page(request)
    month = _month_param(request)
    employees = permissions.plan_employees_visible_to(request.user).filter(
        role__in=["account_manager", "group_head"], is_active=True)
    can_set = [e for e in employees if permissions.can_set_plan(request.user, e)]
    form = PlanForm(request.POST or None, employees=employees.filter(pk__in=[e.pk for e in can_set]))
    if request.method == "POST" and form.is_valid():
        try:
            services.payment_plan_set(actor=request.user, employee=form.cleaned_data["employee"],
                                      month=form.cleaned_data["month"], amount=form.cleaned_data["amount"])
        except (ValidationError, ApplicationError) as exc:
            add_domain_error(form, exc)  # type: ignore[arg-type]
        else:
            messages.success(request, _("План сохранён."))
            return redirect(f"{reverse('web:plan_list')}?month={form.cleaned_data['month']:%Y-%m}")
    rows = selectors.plan_overview(actor=request.user, month=month)
    if wants_xlsx(request):
        return xlsx_response(plan_columns(), rows, _("План платежей %(month)s") % {"month": f"{month:%m.%Y}"})
    prev_month = (month.replace(day=1) - timedelta(days=1)).replace(day=1)
    next_month = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    return render(request, "web/billing/plan_list.html", {
        "rows": rows, "month": month, "prev": prev_month, "next": next_month, "form": form,
        "can_set": bool(can_set), "bonuses": {b.employee_id: b for b in selectors.bonus_statements(
            actor=request.user, month=month)},
    })


@employee_required
def bonus_statement_page(request: AuthedRequest) -> HttpResponse | FileResponse:
    """Bonus statements of a month: the table of the visible ones (an AM sees their own), one
    statement with the payments behind it (`?employee=`), and for those who may build them a
    form to (re)build one employee's statement or every AM's of the month (POST)."""
    _money_page(request)
    buildable = permissions.bonus_statement_employees_buildable_by(request.user).filter(
        role__in=["account_manager", "group_head"], is_active=True).order_by("full_name")
    choices = list(buildable.values_list("pk", "full_name"))
    if request.method == "POST" and not choices:
        return HttpResponseForbidden(_("Ведомость формируют финансы, руководители и группхэд."))
    if request.method == "POST":
        form = BonusBuildForm(request.POST, employees=choices)
        if form.is_valid():
            month, employee_id = form.cleaned_data["month"].replace(day=1), form.cleaned_data["employee"]
            try:
                if employee_id is None:
                    built = services.bonus_statements_build_month(actor=request.user, month=month)
                else:
                    employee = permissions.plan_employee_get_for(request.user, employee_id)
                    built = [services.bonus_statement_build(actor=request.user, employee=employee, month=month)]
            except PermissionDenied:
                return HttpResponseForbidden(_("Ведомость формируют финансы, руководители и группхэд."))
            messages.success(request, _("Ведомостей сформировано: %(n)s.") % {"n": len(built)})
            target = f"?month={month:%Y-%m}" + (f"&employee={employee_id}" if employee_id else "")
            return redirect(reverse("web:bonus_statements") + target)
        month = _month_param(request, default_previous=True)
    else:
        month = _month_param(request, default_previous=True)
        form = BonusBuildForm(initial={"month": month, "employee": request.GET.get("employee", "")}, employees=choices)
    if request.method == "GET" and wants_xlsx(request):
        return xlsx_response(bonus_columns(), selectors.bonus_statements(actor=request.user, month=month),
                             _("Премиальные ведомости %(month)s") % {"month": f"{month:%m.%Y}"})
    statements = list(selectors.bonus_statements(actor=request.user, month=month))
    selected = None
    raw_employee = request.GET.get("employee", "")
    if raw_employee.isdigit():
        selected = next((s for s in statements if s.employee_id == int(raw_employee)), None)
        if selected is None:
            # An invisible employee answers 404 like anything invisible; a visible one has no statement yet.
            permissions.plan_employee_get_for(request.user, raw_employee)
    prev_month = (month - timedelta(days=1)).replace(day=1)
    next_month = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    return render(request, "web/billing/bonus_statements.html", {
        "month": month, "prev": prev_month, "next": next_month, "statements": statements,
        "selected": selected, "selected_missing": raw_employee.isdigit() and selected is None,
        "form": form, "can_build": bool(choices),
    })


SORT_KEYS = {
    "label": lambda r: r.label, "revenue": lambda r: r.revenue, "staff": lambda r: r.staff_cost,
    "sub": lambda r: r.subcontractor_cost, "margin": lambda r: r.margin,
    "margin_pct": lambda r: r.margin_percent if r.margin_percent is not None else -10**9,
    "hours": lambda r: r.hours, "rate": lambda r: r.effective_hourly_rate or 0,
}


@employee_required
def profitability(request: AuthedRequest) -> HttpResponse | FileResponse:
    _money_page(request)
    today = timezone.localdate()
    period_form = PeriodForm(request.GET)
    start, end = period_form.period(default_start=today.replace(month=1, day=1), default_end=today)
    if period_form.is_valid():  # shown as read; an unreadable date stays as typed, with its error
        period_form = PeriodForm(initial={"start": start, "end": end})
    by = request.GET.get("by", "client")
    basis = request.GET.get("basis", "acts")
    sort = request.GET.get("sort", "margin")
    report = selectors.profitability(actor=request.user, start=start, end=end, by=by, basis=basis)
    key = SORT_KEYS.get(sort.lstrip("-"), SORT_KEYS["margin"])
    rows = sorted(report.rows, key=key, reverse=sort.startswith("-"))  # type: ignore[arg-type]
    if wants_xlsx(request):
        return xlsx_response(profit_columns(report.by), profit_rows(rows, report.total), _("Рентабельность"))
    everything = tables.show_all(request)
    shown = rows if everything else rows[:tables.ROW_LIMIT]
    lines = tables.Shortened([tables.profit_line(r) for r in shown], len(rows))
    context = {
        "report": report, "rows": rows, "lines": lines, "total": tables.profit_line(report.total),
        "start": start, "end": end,
        "by": report.by, "basis": report.basis,
        "sort": sort, "period_form": period_form, "groupings": [("client", _("Клиенты")), ("project", _("Проекты")), ("am", _("Аккаунты")),
                                    ("group", _("Группы"))],
        "columns": [("label", _("Название")), ("revenue", _("Выручка")), ("staff", _("Время команды")),
                    ("sub", _("Субподряд")), ("margin", _("Маржа")), ("margin_pct", _("Маржа, %")),
                    ("hours", _("Часы")), ("rate", _("₽/час"))],
    }
    if request.htmx and period_form.errors:
        # The error belongs next to the date typed: the whole filter block is swapped, not just the table.
        response = render(request, "web/billing/profitability.html", context)
        response["HX-Retarget"], response["HX-Reselect"], response["HX-Reswap"] = "#profit-page", "#profit-page", "outerHTML"
        return response
    template = "web/billing/_profit_table.html" if request.htmx else "web/billing/profitability.html"
    return render(request, template, context)


WITHOUT_PROJECT_PAGE_SIZE = 50


@employee_required
def profitability_without_project(request: AuthedRequest) -> HttpResponse:
    """The invoice lines behind «Без проекта» in profitability by project (same period and
    basis, optionally one client), with links to their invoices; money managers attribute each
    line to a service (project) of its invoice's contract right here."""
    _money_page(request)
    today = timezone.localdate()
    start = _date_param(request.GET.get("start", ""), today.replace(month=1, day=1))
    end = _date_param(request.GET.get("end", ""), today)
    basis = request.GET.get("basis", "acts")
    basis = basis if basis in selectors.BASES else "acts"
    raw_client = request.GET.get("client", "")
    client_id = int(raw_client) if raw_client.isdigit() else None
    lines = selectors.invoice_lines_without_project(
        actor=request.user, start=start, end=end, basis=basis, client_id=client_id
    )
    page = Paginator(lines, WITHOUT_PROJECT_PAGE_SIZE).get_page(request.GET.get("page"))
    can_manage = permissions.can_manage_money(request.user)
    choices: dict[int, list[Any]] = {}
    if can_manage:
        contract_ids = {ln.invoice.contract_id for ln in page.object_list if ln.invoice.contract_id}
        for cl in ContractLine.objects.filter(contract_id__in=contract_ids).select_related("service").order_by("id"):
            choices.setdefault(cl.contract_id, []).append(cl)
    rows = [(ln, choices.get(ln.invoice.contract_id or 0, [])) for ln in page.object_list]
    query = f"start={start:%Y-%m-%d}&end={end:%Y-%m-%d}&basis={basis}" + (f"&client={client_id}" if client_id else "")
    return render(request, "web/billing/without_project.html", {
        "page": page, "rows": rows, "start": start, "end": end, "basis": basis, "client_id": client_id,
        "can_manage": can_manage, "query": query, "back": f"{request.path}?{query}&page={page.number}",
    })


@require_POST
@employee_required
def invoice_line_project(request: AuthedRequest, pk: int, line_id: int) -> HttpResponse:
    """Attribute one invoice line to a service (project) of its invoice's contract."""
    invoice = permissions.invoice_get_for(request.user, pk)
    if not permissions.can_manage_invoice(request.user, invoice):
        return HttpResponseForbidden(_("Строки счетов относят к проектам финансы и руководители."))
    line = invoice.lines.filter(pk=line_id).select_related("invoice").first()
    if line is None:
        raise Http404()
    raw = request.POST.get("contract_line", "")
    contract_line = (
        ContractLine.objects.filter(pk=int(raw), contract_id=invoice.contract_id).first()
        if raw.isdigit() and invoice.contract_id else None
    )
    if raw and contract_line is None:
        messages.error(request, _("Выберите услугу из договора этого счёта."))
    else:
        try:
            services.invoice_line_set_contract_line(actor=request.user, line=line, contract_line=contract_line)
        except ValidationError as exc:
            for msg in exc.messages:
                messages.error(request, msg)
        else:
            messages.success(request, _("Строка «%(name)s» отнесена к проекту.") % {"name": line.name}
                             if contract_line else _("Строка «%(name)s» оставлена без проекта.") % {"name": line.name})
    back = request.POST.get("next", "")
    if not back.startswith("/") or back.startswith("//"):
        back = reverse("web:invoice_detail", args=[invoice.pk])
    return redirect(back)
