"""Writes of client reports: build a draft, edit it, send it, prepare drafts on schedule, and the
month-end batch «закрыть месяц документами». Re-exported from tandem.reports.services.

Sending spans comms (the «Отправлен отчёт» interaction, so contact recency counts it) and the
mail: the letter leaves from a Celery job after the commit and is sent at most once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tandem.billing import services as billing_services
from tandem.billing.models import Invoice, InvoiceStatus
from tandem.clients.models import SERVED_STATUSES, Client, Contact
from tandem.comms import services as comms_services
from tandem.comms.models import CommChannel, Direction, InteractionKind
from tandem.core.errors import PermissionDenied
from tandem.core.money import format_money, format_quantity
from tandem.core.validators import check_sensible_date
from tandem.integrations.workcalendar import WorkCalendar
from tandem.org.models import User

from . import documents
from .client_report import build_figures, month_bounds
from .models import ClientReport, ClientReportSchedule, ClientReportStatus, DocumentKind
from .permissions import can_close_month_with_documents, can_prepare_client_report

logger = logging.getLogger(__name__)

DEFAULT_REPORT_WORKING_DAY = 3
RESULT_NAMES = {
    "visits": "Визиты", "goal_conversions": "Достижения целей", "leads": "Заявки", "revenue": "Выручка, ₽", "ad_spend": "Расход на рекламу, ₽",
    "cost_per_lead": "Стоимость заявки, ₽", "avg_position": "Средняя позиция в поиске",
    "top10_share": "Доля запросов в топ-10",
}


def previous_month(today: date) -> tuple[date, date]:
    return month_bounds(today.replace(day=1) - timedelta(days=1))


def _check_period(start: date, end: date) -> None:
    today = timezone.localdate()
    check_sensible_date(start, field="period_start", today=today, years_ahead=1)
    check_sensible_date(end, field="period_end", today=today, years_ahead=1)
    if end < start:
        raise ValidationError({"period_end": _("Конец периода раньше его начала.")})
    if (end - start).days > 366:
        raise ValidationError({"period_end": _("Период отчёта — не больше года.")})


def _new_report(client: Client, start: date, end: date, author: User | None) -> ClientReport:
    figures = build_figures(client=client, start=start, end=end)
    report = ClientReport(
        agency_id=client.agency_id, client=client, period_start=start, period_end=end, author=author,
        data=figures.as_json(), built_at=timezone.now(),
    )
    report.full_clean(exclude=["client", "agency", "author"])
    report.save()
    return report


@transaction.atomic
def client_report_create(
    *, actor: User, client: Client, period_start: date | None = None, period_end: date | None = None,
    today: date | None = None,
) -> ClientReport:
    """A draft report of `client` for [period_start, period_end] (the previous month by default)
    with its figures built now. One report per client and period. Who may:
    `can_prepare_client_report` (the client's AM, its group head, heads, admins)."""
    if not can_prepare_client_report(actor, client):
        raise PermissionDenied()
    if period_start is None or period_end is None:
        default_start, default_end = previous_month(today or timezone.localdate())
        period_start, period_end = period_start or default_start, period_end or default_end
    _check_period(period_start, period_end)
    if ClientReport.objects.filter(client=client, period_start=period_start, period_end=period_end).exists():
        raise ValidationError({"period_start": _("Отчёт за этот период уже есть.")})
    return _new_report(client, period_start, period_end, actor)


def _require_draft(actor: User, report: ClientReport) -> None:
    if not can_prepare_client_report(actor, report.client):
        raise PermissionDenied()
    if not report.is_draft:
        raise ValidationError({"status": _("Отчёт уже отправлен: его нельзя менять.")})


def client_report_update(*, actor: User, report: ClientReport, summary: str, next_plan: str) -> ClientReport:
    """The AM's summary and next period's plan; drafts only."""
    _require_draft(actor, report)
    report.summary, report.next_plan = summary.strip(), next_plan.strip()
    report.save(update_fields=["summary", "next_plan", "updated_at"])
    return report


def client_report_rebuild(*, actor: User, report: ClientReport) -> ClientReport:
    """Rebuild a draft's figures from today's data (after late time entries or a refresh)."""
    _require_draft(actor, report)
    report.data = build_figures(client=report.client, start=report.period_start, end=report.period_end).as_json()
    report.built_at = timezone.now()
    report.save(update_fields=["data", "built_at", "updated_at"])
    return report


# --- rendering ---------------------------------------------------------------------------------


def client_report_context(report: ClientReport) -> dict[str, Any]:
    """What the web page, the PDF and the DOCX show (read from the stored figures)."""
    data = report.data or {}
    results = data.get("results") or {}
    fmt = documents.fmt_date
    previous = year_ago = ""
    if data.get("previous_start"):
        previous = f"{fmt(date.fromisoformat(data['previous_start']))} – {fmt(date.fromisoformat(data['previous_end']))}"
    if data.get("year_ago_start"):
        year_ago = f"{fmt(date.fromisoformat(data['year_ago_start']))} – {fmt(date.fromisoformat(data['year_ago_end']))}"
    running_until = fmt(date.fromisoformat(data["results_end"])) if data.get("results_end") else ""
    series = data.get("series") or {}
    chart_spec = {
        "type": "line", "labels": series.get("labels", []),
        "datasets": [
            {"label": _("Визиты за период"), "data": series.get("current", [])},
            {"label": _("Визиты год назад"), "data": series.get("year_ago", [])},
        ],
    } if series else None
    return {
        "report": report, "client": report.client, "data": data, "previous_period": previous,
        "year_ago_period": year_ago, "results_have_year_ago": results.get("has_year_ago", False),
        "results_running_until": running_until,
        "chart_spec": chart_spec,
        "tasks": [{**t, "closed": fmt(date.fromisoformat(t["closed"]))} for t in data.get("tasks_done", [])],
        "stages": [{**s, "approved": fmt(date.fromisoformat(s["approved"]))} for s in data.get("stages_approved", [])],
        "results": results.get("rows", []), "results_have_data": results.get("has_data", False),
        "chart": data.get("chart", []), "chart_width": max(len(data.get("chart", [])), 1) * 10,
        "money": data.get("money", {}),
    }


def client_report_html(report: ClientReport) -> str:
    """The printable HTML (always in Russian: the client reads it)."""
    with translation.override("ru"):
        return render_to_string("reports/client_report_pdf.html", client_report_context(report))


def client_report_pdf(report: ClientReport) -> bytes:
    """The PDF the client receives; a sent report's stored file when there is one."""
    if not report.is_draft and report.pdf:
        with report.pdf.open("rb") as fh:
            return bytes(fh.read())
    return documents.html_to_pdf(client_report_html(report))


def _pct(change: Any) -> str:
    if change is None:
        return "—"
    return f"{'+' if change > 0 else ''}{change} %"


def _figure(key: str, value: Any) -> str:
    """A results figure as the client reads it; «—» when there is none."""
    if value is None:
        return "—"
    if key in ("ad_spend", "cost_per_lead", "revenue"):
        return format_money(value)
    return format_quantity(value)


def client_report_docx_context(report: ClientReport) -> dict[str, Any]:
    """The placeholders of the «client report» template (documents.FIELDS)."""
    from .document_services import agency_fields, client_fields

    data = report.data or {}
    shown = client_report_context(report)
    money = data.get("money", {})
    fmt = documents.fmt_date
    author = report.author
    return {
        "today": fmt(timezone.localdate()), "agency": agency_fields(report.agency), "client": client_fields(report.client),
        "report": {
            "period": f"{fmt(report.period_start)} – {fmt(report.period_end)}",
            "previous_period": shown["previous_period"], "year_ago_period": shown["year_ago_period"],
            "summary": report.summary, "next_plan": report.next_plan,
            "author": (getattr(getattr(author, "employee", None), "full_name", "") or (author.get_full_name() if author else "")),
            "hours_total": format_quantity(data.get("hours_total", "0")),
            "issued": format_money(money.get("issued", "0")),
            "paid": format_money(money.get("paid", "0")),
            "outstanding": format_money(money.get("outstanding", "0")),
        },
        "tasks": shown["tasks"], "stages": shown["stages"],
        "hours": [
            {"project": h["project"], "service": h["service"] or "", "hours": format_quantity(h["hours"]),
             "planned": format_quantity(h["planned"]) if h["planned"] is not None else ""}
            for h in data.get("hours_by_project", [])
        ],
        "results": [
            {"name": RESULT_NAMES.get(r["key"], r["key"]), "current": _figure(r["key"], r["current"]),
             "previous": _figure(r["key"], r["previous"]), "change": _pct(r["change"]),
             "year_ago": _figure(r["key"], r.get("year_ago")), "year_change": _pct(r.get("year_change")),
             "source": r.get("source", "")}
            for r in (data.get("results") or {}).get("rows", [])
        ],
    }


def client_report_docx(report: ClientReport) -> bytes:
    """The report through the agency's «client report» DOCX template (or the built-in one)."""
    from .document_services import active_template

    return documents.render_docx(active_template(report.agency, DocumentKind.CLIENT_REPORT),
                                 client_report_docx_context(report))


# --- sending -----------------------------------------------------------------------------------


@transaction.atomic
def client_report_send(
    *, actor: User, report: ClientReport, contacts: list[Contact], message: str = "",
) -> ClientReport:
    """Send a draft to the chosen contacts of its client (each with an e-mail): the PDF is
    rendered and stored, the report becomes «sent» with who, when and to whom, an outgoing
    «Отправлен отчёт» interaction is logged with those contacts (their recency counts it), and
    the letter with the PDF leaves from a job after the commit."""
    _require_draft(actor, report)
    if not contacts:
        raise ValidationError({"contacts": _("Выберите, кому отправить отчёт.")})
    foreign = [c for c in contacts if c.client_id != report.client_id]
    if foreign:
        raise ValidationError({"contacts": _("Контакт не относится к этому клиенту.")})
    without_email = [c.full_name for c in contacts if not c.email]
    if without_email:
        raise ValidationError({"contacts": _("Нет e-mail у контакта: %(names)s.") % {"names": ", ".join(without_email)}})
    pdf = documents.html_to_pdf(client_report_html(report))
    now = timezone.now()
    period = f"{report.period_start:%d.%m.%Y} – {report.period_end:%d.%m.%Y}"
    interaction = comms_services.interaction_create(
        actor=actor, client=report.client, contacts=contacts,
        data={
            "kind": InteractionKind.REPORT, "direction": Direction.OUTGOING, "channel": CommChannel.EMAIL,
            "occurred_at": now, "summary": _("Отправлен отчёт за %(period)s") % {"period": period},
            "outcome": message.strip(),
        },
    )
    report.pdf.save("report.pdf", ContentFile(pdf), save=False)
    report.status, report.sent_at, report.sent_by, report.interaction = ClientReportStatus.SENT, now, actor, interaction
    report.save()
    report.sent_to.set(contacts)
    from .tasks import client_report_email_task

    report_id = report.pk
    transaction.on_commit(lambda: client_report_email_task.delay(report_id, message.strip()))
    return report


def client_report_email(*, report_id: int, message: str = "") -> bool:
    """The job: e-mail the stored PDF to the report's recipients, once (a retried job that finds
    `emailed_at` set does nothing). Returns whether a letter left."""
    with transaction.atomic():
        report = (ClientReport.objects.select_for_update(of=("self",)).select_related("client", "sent_by")
                  .filter(pk=report_id, status=ClientReportStatus.SENT, emailed_at__isnull=True).first())
        if report is None:
            return False
        recipients = [c.email for c in report.sent_to.all() if c.email]
        subject = _("Отчёт за %(period)s — %(client)s") % {
            "period": f"{report.period_start:%d.%m.%Y} – {report.period_end:%d.%m.%Y}", "client": report.client.display_name}
        body = message or _("Здравствуйте! Во вложении отчёт о работе за период.")
        reply_to = [report.sent_by.email] if report.sent_by and report.sent_by.email else None
        email = EmailMessage(subject=subject, body=body, to=recipients, reply_to=reply_to,
                             from_email=settings.DEFAULT_FROM_EMAIL)
        with report.pdf.open("rb") as fh:
            email.attach(f"report-{report.period_start:%Y-%m}.pdf", fh.read(), "application/pdf")
        email.send(fail_silently=False)
        report.emailed_at = timezone.now()
        report.save(update_fields=["emailed_at"])
    return True


# --- schedule and month-end --------------------------------------------------------------------


def nth_working_day(month: date, n: int, calendar: WorkCalendar | None = None) -> date:
    """The n-th working day of `month` on the Russian calendar (holidays and moved days off)."""
    calendar = calendar or WorkCalendar()
    day, seen = month.replace(day=1), 0
    while True:
        if calendar.is_working_day(day):
            seen += 1
            if seen == n:
                return day
        day += timedelta(days=1)


def _ensure_draft(client: Client, start: date, end: date) -> tuple[ClientReport, bool]:
    """The client's report for the period, made as a draft (author: its AM) when missing."""
    existing = ClientReport.objects.filter(client=client, period_start=start, period_end=end).first()
    if existing is not None:
        return existing, False
    author = client.account_manager.user if client.account_manager_id and client.account_manager else None
    try:
        with transaction.atomic():
            return _new_report(client, start, end, author), True
    except IntegrityError:  # made concurrently by another run
        return ClientReport.objects.get(client=client, period_start=start, period_end=end), False


def client_reports_prepare_due(*, today: date, calendar: WorkCalendar | None = None) -> dict[str, int]:
    """The daily job: for every served client whose report day (the N-th working day of the
    month, `DEFAULT_REPORT_WORKING_DAY` without a schedule) has come this month, make the draft
    for the previous month unless it exists. Idempotent; «подготовить отчёт» then shows in the
    AM's My day. Returns counts for the job log."""
    calendar = calendar or WorkCalendar()
    start, end = previous_month(today)
    schedules = {s.client_id: s for s in ClientReportSchedule.objects.all()}
    counts = {"created": 0, "existing": 0, "not_due": 0}
    due_by_day: dict[int, bool] = {}
    for client in Client.objects.filter(status__in=SERVED_STATUSES).select_related("account_manager__user"):
        schedule = schedules.get(client.pk)
        if schedule is not None and not schedule.is_active:
            continue
        n = schedule.working_day if schedule else DEFAULT_REPORT_WORKING_DAY
        if n not in due_by_day:
            due_by_day[n] = today >= nth_working_day(today, n, calendar)
        if not due_by_day[n]:
            counts["not_due"] += 1
            continue
        _report, created = _ensure_draft(client, start, end)
        counts["created" if created else "existing"] += 1
    return counts


@dataclass
class MonthCloseItem:
    kind: str  # "act" or "report"
    label: str
    outcome: str  # "created" or "skipped"
    reason: str = ""
    object_id: int | None = None


@dataclass
class MonthCloseResult:
    month: date
    items: list[MonthCloseItem] = field(default_factory=list)

    def _count(self, kind: str, outcome: str) -> int:
        return sum(1 for i in self.items if i.kind == kind and i.outcome == outcome)

    @property
    def acts_created(self) -> int:
        return self._count("act", "created")

    @property
    def acts_skipped(self) -> int:
        return self._count("act", "skipped")

    @property
    def reports_created(self) -> int:
        return self._count("report", "created")

    @property
    def reports_skipped(self) -> int:
        return self._count("report", "skipped")


ACT_STATUSES = (InvoiceStatus.ISSUED, InvoiceStatus.PARTLY_PAID, InvoiceStatus.PAID)


def month_close_documents(*, actor: User, month: date, today: date | None = None) -> MonthCloseResult:
    """«Закрыть месяц документами»: for the month of `month`, an act (dated the month's last day,
    or today for the current month) for every issued or paid invoice of the month that has no
    act, and a draft client report for every served client that has none. Each step that cannot
    be done is reported with the reason and does not stop the others; running it again creates
    nothing new. Who may: `can_close_month_with_documents` (finance, heads, admins)."""
    if not can_close_month_with_documents(actor):
        raise PermissionDenied()
    employee = actor.employee
    start, end = month_bounds(month)
    today = today or timezone.localdate()
    check_sensible_date(start, field="month", today=today)
    if start > today:
        raise ValidationError({"month": _("Месяц ещё не начался.")})
    act_date = min(end, today)
    result = MonthCloseResult(month=start)
    invoices = (Invoice.objects.filter(agency_id=employee.agency_id, status__in=ACT_STATUSES, date__gte=start,
                                       date__lte=end).select_related("client", "contract", "agency")
                .order_by("date", "pk"))
    with_acts = set(Invoice.objects.filter(pk__in=invoices.values("pk"), acts__isnull=False).values_list("pk", flat=True))
    for invoice in invoices:
        label = _("Счёт № %(n)s, %(client)s") % {"n": invoice.number, "client": invoice.client.display_name}
        if invoice.pk in with_acts:
            result.items.append(MonthCloseItem("act", label, "skipped", _("акт уже есть")))
            continue
        try:
            with transaction.atomic():
                act = billing_services.act_create(actor=actor, invoice=invoice, date=act_date)
        except ValidationError as exc:
            result.items.append(MonthCloseItem("act", label, "skipped", " ".join(exc.messages)))
        else:
            result.items.append(MonthCloseItem("act", label, "created", _("акт № %(n)s") % {"n": act.number}, act.pk))
    clients = (Client.objects.filter(agency_id=employee.agency_id, status__in=SERVED_STATUSES)
               .select_related("account_manager__user").order_by("legal_name", "pk"))
    for client in clients:
        report, created = _ensure_draft(client, start, end)
        if created:
            result.items.append(MonthCloseItem("report", client.display_name, "created", _("черновик"), report.pk))
        else:
            result.items.append(MonthCloseItem("report", client.display_name, "skipped",
                                               _("отчёт уже есть (%(status)s)") % {"status": report.get_status_display()},
                                               report.pk))
    return result
