"""Demo client reports: last month's report sent and this month's draft for a few clients
(the demo AM «am1»'s and one client of every group; the portal's demo contact has the last
two months' reports sent to them), and the built-in DOCX templates of
contracts and acts uploaded as the agency's own (so the templates page lists them).

The sent reports are recorded as the service records them (PDF stored, «Отправлен отчёт»
interaction with the recipients) but no e-mail leaves: `emailed_at` is set.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.files.base import ContentFile
from django.utils import timezone

from tandem.clients.models import SERVED_STATUSES, Client, Contact
from tandem.comms import services as comms_services
from tandem.comms.models import CommChannel, Direction, InteractionKind
from tandem.org.models import User
from tandem.reports import documents, services
from tandem.reports.client_report import month_bounds
from tandem.reports.models import ClientReport, ClientReportStatus, DocumentKind, DocumentTemplate

from .context import DemoContext
from .portal import portal_demo_account

AM1_CLIENTS = 3
SUMMARIES = [
    "Трафик из поиска вырос, заявки стабильны. Закрыли технические ошибки из аудита, согласовали стратегию.",
    "Месяц ровный: визиты на уровне прошлого месяца, стоимость заявки снизилась за счёт чистки кампаний.",
    "Запустили новые посадочные страницы; конверсия в заявку выросла, расход на рекламу в пределах бюджета.",
]
PLANS = [
    "Расширить семантику по коммерческим запросам, доработать карточки услуг, подготовить отчёт по позициям.",
    "Тест новых объявлений в Директе, настройка целей в Метрике, ежемесячный созвон с маркетологом.",
    "Запуск таргета VK на тёплую аудиторию, A/B-тест формы заявки.",
]


def _clients(ctx: DemoContext) -> list[Client]:
    served = Client.objects.filter(agency=ctx.agency, status__in=SERVED_STATUSES, account_manager__isnull=False)
    chosen = list(served.filter(account_manager__user__username="am1").order_by("pk")[:AM1_CLIENTS])
    for group_id in served.exclude(group__isnull=True).values_list("group_id", flat=True).distinct().order_by("group_id"):
        client = served.filter(group_id=group_id).exclude(pk__in=[c.pk for c in chosen]).order_by("pk").first()
        if client is not None:
            chosen.append(client)
    return chosen


def _record_sent(ctx: DemoContext, report: ClientReport, am: User, contact: Contact) -> None:
    """Record the report as sent a few days after its period, as `client_report_send` does."""
    sent_at = timezone.now() - timedelta(days=max((ctx.today - report.period_end).days - 3, 0))
    interaction = comms_services.interaction_create(
        actor=am, client=report.client, contacts=[contact],
        data={"kind": InteractionKind.REPORT, "direction": Direction.OUTGOING, "channel": CommChannel.EMAIL,
              "occurred_at": sent_at,
              "summary": f"Отправлен отчёт за {report.period_start:%d.%m.%Y} – {report.period_end:%d.%m.%Y}"},
    )
    report.pdf.save("report.pdf", ContentFile(services.client_report_pdf(report)), save=False)
    report.status, report.sent_at, report.sent_by = ClientReportStatus.SENT, sent_at, am
    report.emailed_at, report.interaction = sent_at, interaction
    report.save()
    report.sent_to.set([contact])


def _portal_reports(ctx: DemoContext) -> int:
    """The portal's demo contact (tandem.demo.portal) sees the last two months' reports."""
    account = portal_demo_account(ctx.agency.pk)
    client = account.contact.client if account is not None else None
    if account is None or client is None or client.account_manager is None:
        return 0
    am = client.account_manager.user
    made = 0
    month_end = services.previous_month(ctx.today)[1]
    for n in range(2):
        start, end = month_bounds(month_end)
        report = ClientReport.objects.filter(client=client, period_start=start, period_end=end).first()
        if report is None:
            report = services.client_report_create(actor=am, client=client, period_start=start, period_end=end)
            services.client_report_update(actor=am, report=report, summary=SUMMARIES[n], next_plan=PLANS[n])
        if report.is_draft:
            _record_sent(ctx, report, am, account.contact)
            made += 1
        month_end = start - timedelta(days=1)
    return made


def seed(ctx: DemoContext) -> None:
    if ClientReport.objects.filter(agency=ctx.agency).exists():
        ctx.log("client reports: already there, skipped")
        return
    head = ctx.employee("head").user
    for kind in (DocumentKind.CONTRACT, DocumentKind.ACT):
        if not DocumentTemplate.objects.filter(agency=ctx.agency, kind=kind).exists():
            services.document_template_upload(actor=head, kind=kind, name="Стандартный шаблон агентства",
                                              content=documents.default_template(kind))
    last_start, last_end = services.previous_month(ctx.today)
    this_start, this_end = month_bounds(ctx.today)
    sent = drafts = 0
    for n, client in enumerate(_clients(ctx)):
        assert client.account_manager is not None
        am = client.account_manager.user
        report = services.client_report_create(actor=am, client=client, period_start=last_start, period_end=last_end)
        services.client_report_update(actor=am, report=report, summary=SUMMARIES[n % len(SUMMARIES)],
                                      next_plan=PLANS[n % len(PLANS)])
        contact = Contact.objects.filter(client=client, is_active=True).exclude(email="").order_by("pk").first()
        if contact is not None:
            _record_sent(ctx, report, am, contact)
            sent += 1
        services.client_report_create(actor=am, client=client, period_start=this_start, period_end=this_end)
        drafts += 1
    portal = _portal_reports(ctx)
    ctx.log(f"client reports: {sent} sent for {last_start:%m.%Y}, {drafts} drafts for {this_start:%m.%Y}, "
            f"{portal} more sent to the portal's contact; contract and act templates")
