"""Client reports: figures reconcile with the data, drafts, editing, sending, schedule, month-end."""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from docx import Document

from tandem.billing import services as billing_services
from tandem.billing.models import Act
from tandem.billing.tests.helpers import issued_invoice
from tandem.clients.models import LifecycleStatus
from tandem.clients.tests.factories import ContactFactory
from tandem.comms.models import Interaction, InteractionKind
from tandem.core.errors import PermissionDenied
from tandem.reports import services
from tandem.reports.client_report import build_figures, previous_period
from tandem.reports.models import (
    AnalyticsKind,
    AnalyticsSnapshot,
    AnalyticsSource,
    ClientReport,
    ClientReportSchedule,
)
from tandem.work.models import StageStatus, TaskStatus
from tandem.work.tests.factories import StageFactory, TaskFactory

pytestmark = pytest.mark.django_db
MSK = ZoneInfo("Europe/Moscow")
MARCH = (date(2026, 3, 1), date(2026, 3, 31))


@pytest.fixture
def data(hourly):
    """`hourly` (6.5 h + 2 h in March) plus: a task done and a stage approved in March (and
    one of each outside it), Metrica snapshots for February and March, a March invoice half paid."""
    org = hourly
    TaskFactory(project=org.seo_project, title="Аудит ссылок", status=TaskStatus.DONE,
                closed_at=datetime(2026, 3, 12, 15, tzinfo=MSK))
    TaskFactory(project=org.seo_project, title="Апрельская задача", status=TaskStatus.DONE,
                closed_at=datetime(2026, 4, 2, 15, tzinfo=MSK))
    TaskFactory(project=org.seo_project, title="Открытая", status=TaskStatus.IN_PROGRESS)
    StageFactory(project=org.seo_project, title="Стратегия", status=StageStatus.APPROVED,
                 approved_at=datetime(2026, 3, 20, 11, tzinfo=MSK))
    source = AnalyticsSource.objects.create(client=org.client_a, counter_id="1", is_demo=True)
    now = datetime(2026, 4, 1, tzinfo=MSK)
    direct = AnalyticsSource.objects.create(client=org.client_a, kind=AnalyticsKind.YANDEX_DIRECT)
    AnalyticsSnapshot.objects.bulk_create(
        [AnalyticsSnapshot(source=source, client=org.client_a, date=date(2026, 2, d), visits=10, goal_conversions=1,
                           leads=1, fetched_at=now) for d in range(1, 29)]
        + [AnalyticsSnapshot(source=source, client=org.client_a, date=date(2026, 3, d), visits=20, goal_conversions=2,
                             leads=2, fetched_at=now) for d in range(1, 32)]
        # Ad spend comes from the Direct upload (Metrica gives none).
        + [AnalyticsSnapshot(source=direct, client=org.client_a, date=date(2026, 2, d), ad_spend=Decimal("100"),
                             fetched_at=now) for d in range(1, 29)]
        + [AnalyticsSnapshot(source=direct, client=org.client_a, date=date(2026, 3, d), ad_spend=Decimal("150"),
                             fetched_at=now) for d in range(1, 32)]
    )
    org.invoice = issued_invoice(org.finance, org.client_a, "1000.00", on=date(2026, 3, 5))
    billing_services.payment_record(actor=org.finance.user, date=date(2026, 3, 10), amount=Decimal("400.00"),
                                    client=org.client_a)
    org.contact = ContactFactory(client=org.client_a, full_name="Мария Маркетолог", email="maria@alpha.example")
    return org


def test_previous_period_of_a_month_is_the_previous_month():
    assert previous_period(*MARCH) == (date(2026, 2, 1), date(2026, 2, 28))
    assert previous_period(date(2026, 3, 10), date(2026, 3, 19)) == (date(2026, 2, 28), date(2026, 3, 9))


def test_figures_reconcile_with_entries_stages_snapshots_and_money(data, django_assert_max_num_queries):
    with django_assert_max_num_queries(10):  # results: the sources, the three periods, the daily series
        figures = build_figures(client=data.client_a, start=MARCH[0], end=MARCH[1])

    assert [t["title"] for t in figures.tasks_done] == ["Аудит ссылок"]
    assert [s["title"] for s in figures.stages_approved] == ["Стратегия"]
    assert figures.hours_total == Decimal("8.5")
    assert sorted(h["hours"] for h in figures.hours_by_project) == ["2.00", "6.50"]
    assert figures.hours_by_person == [{"person": data.spec1.full_name, "hours": "8.50"}]
    rows = {r["key"]: r for r in figures.results["rows"]}
    assert rows["visits"] == {"key": "visits", "current": 620, "previous": 280, "change": 121, "year_ago": None,
                              "year_change": None, "source": "Яндекс Метрика"}
    assert rows["ad_spend"]["source"] == "Яндекс Директ (расход)"
    assert rows["leads"]["current"] == 62 and rows["cost_per_lead"]["current"] == "75.00"
    assert rows["cost_per_lead"]["previous"] == "100.00" and rows["cost_per_lead"]["change"] == -25
    assert len(figures.chart) == 31 and figures.chart[0]["height"] == 100
    assert figures.money == {"issued_count": 1, "issued": "1000.00", "paid": "400.00", "outstanding": "600.00"}


def test_am_creates_a_draft_for_last_month_by_default(data):
    report = services.client_report_create(actor=data.am1.user, client=data.client_a, today=date(2026, 4, 3))

    assert (report.period_start, report.period_end) == MARCH
    assert report.is_draft and report.author == data.am1.user and report.data["hours_total"] == "8.50"
    with pytest.raises(ValidationError) as exc:
        services.client_report_create(actor=data.am1.user, client=data.client_a, today=date(2026, 4, 3))
    assert "period_start" in exc.value.message_dict and ClientReport.objects.count() == 1


@pytest.mark.parametrize("role", ["am2", "finance", "spec1"])
def test_others_may_not_create_reports(data, role):
    with pytest.raises(PermissionDenied):
        services.client_report_create(actor=data.by_role_name(role).user, client=data.client_a, today=date(2026, 4, 3))
    assert not ClientReport.objects.exists()


def test_send_stores_pdf_logs_interaction_and_mails_once(data, django_capture_on_commit_callbacks):
    report = services.client_report_create(actor=data.am1.user, client=data.client_a, today=date(2026, 4, 3))
    services.client_report_update(actor=data.am1.user, report=report, summary="Рост визитов вдвое", next_plan="Новые цели")

    with django_capture_on_commit_callbacks(execute=True):
        services.client_report_send(actor=data.am1.user, report=report, contacts=[data.contact], message="Добрый день!")

    report.refresh_from_db()
    assert report.status == "sent" and report.sent_by == data.am1.user and report.emailed_at is not None
    assert list(report.sent_to.all()) == [data.contact]
    assert report.pdf.open("rb").read(5) == b"%PDF-"
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["maria@alpha.example"]
    assert mail.outbox[0].attachments[0][0] == "report-2026-03.pdf" and mail.outbox[0].body == "Добрый день!"
    interaction = Interaction.objects.get()
    assert interaction.kind == InteractionKind.REPORT and list(interaction.contacts.all()) == [data.contact]
    data.contact.refresh_from_db()
    assert data.contact.last_interaction_at == interaction.occurred_at
    assert services.client_report_email(report_id=report.pk) is False and len(mail.outbox) == 1
    with pytest.raises(ValidationError):
        services.client_report_update(actor=data.am1.user, report=report, summary="x", next_plan="y")


def test_send_refuses_contacts_without_email_or_of_another_client(data):
    report = services.client_report_create(actor=data.am1.user, client=data.client_a, today=date(2026, 4, 3))
    no_email = ContactFactory(client=data.client_a, email="")
    foreign = ContactFactory(client=data.client_b)

    for contacts in ([], [no_email], [foreign]):
        with pytest.raises(ValidationError) as exc:
            services.client_report_send(actor=data.am1.user, report=report, contacts=contacts)
        assert "contacts" in exc.value.message_dict
    report.refresh_from_db()
    assert report.is_draft and not Interaction.objects.exists() and not mail.outbox


def test_docx_of_the_report_has_the_figures_and_the_am_text(data):
    report = services.client_report_create(actor=data.am1.user, client=data.client_a, today=date(2026, 4, 3))
    services.client_report_update(actor=data.am1.user, report=report, summary="Итоги марта", next_plan="План апреля")

    text = "\n".join(p.text for p in Document(io.BytesIO(services.client_report_docx(report))).paragraphs)
    cells = [c.text for t in Document(io.BytesIO(services.client_report_docx(report))).tables for r in t.rows
             for c in r.cells]

    assert "Итоги марта" in text and "План апреля" in text and "Аудит ссылок" in text
    assert "01.03.2026 – 31.03.2026" in text and "Визиты" in cells and "620" in cells and "+121 %" in cells


def test_nth_working_day_skips_weekends_and_holidays():
    assert services.nth_working_day(date(2026, 1, 1), 3) == date(2026, 1, 14)  # New Year holidays to the 11th
    assert services.nth_working_day(date(2026, 4, 1), 3) == date(2026, 4, 3)


def test_schedule_makes_last_months_drafts_from_the_report_day_once(data):
    data.client_a.status = data.client_b.status = LifecycleStatus.ACTIVE
    data.client_a.save()
    data.client_b.save()
    ClientReportSchedule.objects.create(client=data.client_b, working_day=5)

    early = services.client_reports_prepare_due(today=date(2026, 4, 2))
    due = services.client_reports_prepare_due(today=date(2026, 4, 3))
    again = services.client_reports_prepare_due(today=date(2026, 4, 9))

    assert early == {"created": 0, "existing": 0, "not_due": 2}
    assert due == {"created": 1, "existing": 0, "not_due": 1}
    assert again == {"created": 1, "existing": 1, "not_due": 0}
    report = ClientReport.objects.get(client=data.client_a)
    assert (report.period_start, report.period_end) == MARCH and report.author == data.am1.user


def test_month_close_creates_missing_acts_and_report_drafts_idempotently(data):
    data.client_a.status = LifecycleStatus.ACTIVE
    data.client_a.save()
    second = issued_invoice(data.finance, data.client_b, "500.00", on=date(2026, 3, 20))
    billing_services.act_create(actor=data.finance.user, invoice=second, date=date(2026, 3, 25))

    first = services.month_close_documents(actor=data.finance.user, month=date(2026, 3, 1), today=date(2026, 4, 2))
    again = services.month_close_documents(actor=data.finance.user, month=date(2026, 3, 1), today=date(2026, 4, 2))

    assert (first.acts_created, first.acts_skipped, first.reports_created) == (1, 1, 2)
    act = Act.objects.get(invoice=data.invoice)
    assert act.date == date(2026, 3, 31)
    assert [i.reason for i in first.items if i.outcome == "skipped"] == ["акт уже есть"]
    assert (again.acts_created, again.acts_skipped, again.reports_created, again.reports_skipped) == (0, 2, 0, 2)
    assert Act.objects.count() == 2 and ClientReport.objects.count() == 2


def test_month_close_is_for_finance_and_heads(data):
    with pytest.raises(PermissionDenied):
        services.month_close_documents(actor=data.am1.user, month=date(2026, 3, 1), today=date(2026, 4, 2))
    assert not Act.objects.filter(invoice=data.invoice).exists()
