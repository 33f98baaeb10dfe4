"""Portal fixtures: client_a's contact with an accepted portal account (every area), a
contact of client_a with every area off, a contact of client_b with a portal account; a sent stage,
an approved stage, two invoices (paid and unpaid), a sent act, time entries, a request, two
sent client reports and a draft (and client_b's sent report).

Use in a test module with `from tandem.testing.portal import portal  # noqa: F401` and the
`money` fixture is pulled in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from tandem.billing import services as billing
from tandem.billing.models import Act, Invoice
from tandem.clients.models import Contact
from tandem.clients.tests.factories import ContactFactory
from tandem.comms.models import ClientRequest
from tandem.portal import services
from tandem.portal.models import PortalAccount
from tandem.portal.permissions import signed_id
from tandem.reports.models import ClientReport, ClientReportStatus
from tandem.testing.billing import make_money
from tandem.testing.org import make_org
from tandem.work.models import Project, Stage, StageStatus
from tandem.work.services import stage_record_answer, stage_send
from tandem.work.tests.factories import StageFactory, TimeEntryFactory, signed_project

PORTAL_PASSWORD = "Portal-pass-2026"


@dataclass
class PortalWorld:
    org: Any
    contact: Contact
    account: PortalAccount
    narrow: PortalAccount  # client_a, no money, no hours, no work, no requests
    other: PortalAccount  # client_b
    project: Project
    stage: Stage  # sent, waiting for the client
    approved_stage: Stage
    other_stage: Stage  # client_b's, sent
    paid: Invoice
    unpaid: Invoice
    act: Act
    other_invoice: Invoice
    request: ClientRequest
    other_request: ClientRequest
    report: ClientReport | None = None  # client_a's, sent for January
    older_report: ClientReport | None = None  # client_a's, sent for December
    draft_report: ClientReport | None = None  # client_a's draft for February: never shown
    other_report: ClientReport | None = None  # client_b's, sent

    def sid(self, kind: str, obj: object, account: PortalAccount | None = None) -> str:
        return signed_id(account or self.account, kind, obj.pk)  # type: ignore[attr-defined]


def make_account(org, contact: Contact, *, password: str = PORTAL_PASSWORD, **access: bool) -> PortalAccount:
    tokens: list[str] = []
    services.portal_invite(
        actor=org.head.user, contact=contact, access=services.PortalAccess(**access),
        accept_url=lambda token: tokens.append(token) or f"/portal/invitation/{token}/",  # type: ignore[func-returns-value]
        max_age_days=7,
    )
    return services.portal_invitation_accept(token=tokens[0], password=password, max_age_days=7)


def _sent_stage(org, project: Project, title: str) -> Stage:
    stage = StageFactory.create(project=project, title=title, status=StageStatus.IN_WORK,
                                deliverable_url="https://docs.example/result")
    stage_send(actor=org.head.user, stage=stage, sent_at=timezone.now() - timedelta(days=1))
    stage.refresh_from_db()
    return stage


@pytest.fixture
def portal(money) -> PortalWorld:
    return build_portal_world(money)


@pytest.fixture(scope="module")
def portal_module(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    """`portal` built once per module (inside a transaction rolled back at the module's end);
    tests still ask for `db` so that their own writes roll back after each test."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield build_portal_world(make_money(make_org()))
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


REPORT_PDF = b"%PDF-1.4 test report"


def make_report(org, client, start: date, end: date, *, sent: bool = True) -> ClientReport:  # type: ignore[no-untyped-def]
    """A client report as `client_report_send` leaves it (status, who, when, stored PDF), without
    rendering a PDF (slow) or a letter."""
    report = ClientReport.objects.create(agency=org.agency, client=client, period_start=start, period_end=end,
                                         author=org.am1.user, summary="Итоги")
    if sent:
        report.pdf.save("report.pdf", ContentFile(REPORT_PDF), save=False)
        report.status, report.sent_at, report.sent_by = ClientReportStatus.SENT, timezone.now(), org.am1.user
        report.save()
    return report


def build_portal_world(org) -> PortalWorld:  # type: ignore[no-untyped-def]
    contact = ContactFactory.create(client=org.client_a, full_name="Ирина Клиентова", email="irina@alfa.example")
    account = make_account(org, contact, work=True, money=True, hours=True, requests=True, reports=True)
    narrow = make_account(org, ContactFactory.create(client=org.client_a, email="acc@alfa.example"),
                          work=False, money=False, hours=False, requests=False, reports=False)
    other = make_account(org, ContactFactory.create(client=org.client_b, email="boris@beta.example"),
                         work=True, money=True, hours=True, requests=True, reports=True)
    project = signed_project(org, planned="20")
    other_project = signed_project(org, client=org.client_b)
    stage = _sent_stage(org, project, "Стратегия продвижения")
    approved = _sent_stage(org, project, "Аудит сайта")
    stage_record_answer(actor=org.head.user, stage=approved, decision="approved")
    other_stage = _sent_stage(org, other_project, "Аудит Беты")
    today = timezone.localdate()
    TimeEntryFactory.create(employee=org.spec1, project=project, date=today.replace(day=1), hours=Decimal("5"))
    TimeEntryFactory.create(employee=org.spec1, project=project, date=today.replace(day=1), hours=Decimal("2.5"))
    day = date(2026, 2, 2)
    paid = billing.invoice_create(actor=org.finance.user, client=org.client_a, date=day,
                                  lines=[billing.LineInput(name="SEO", price=Decimal("1000"))])
    paid = billing.invoice_issue(actor=org.finance.user, invoice=paid)
    unpaid = billing.invoice_create(actor=org.finance.user, client=org.client_a, date=day + timedelta(days=1),
                                    lines=[billing.LineInput(name="SEO", price=Decimal("2000"))])
    unpaid = billing.invoice_issue(actor=org.finance.user, invoice=unpaid)
    billing.payment_record(actor=org.finance.user, date=day + timedelta(days=3), amount=paid.total, client=org.client_a,
                           purpose=f"Оплата по счёту № {paid.number}")
    paid.refresh_from_db()
    act = billing.act_create(actor=org.finance.user, invoice=paid, date=day + timedelta(days=5))
    act = billing.act_mark_sent(actor=org.finance.user, act=act)
    other_invoice = billing.invoice_create(actor=org.finance.user, client=org.client_b, date=day + timedelta(days=2),
                                           lines=[billing.LineInput(name="SEO", price=Decimal("3000"))])
    other_invoice = billing.invoice_issue(actor=org.finance.user, invoice=other_invoice)
    request = services.portal_request_file(account=account, subject="Поправить title", text="На главной")
    other_request = services.portal_request_file(account=other, subject="Вопрос Беты")
    return PortalWorld(org, contact, account, narrow, other, project, stage, approved, other_stage, paid, unpaid,
                       act, other_invoice, request, other_request,
                       report=make_report(org, org.client_a, date(2026, 1, 1), date(2026, 1, 31)),
                       older_report=make_report(org, org.client_a, date(2025, 12, 1), date(2025, 12, 31)),
                       draft_report=make_report(org, org.client_a, date(2026, 2, 1), date(2026, 2, 28), sent=False),
                       other_report=make_report(org, org.client_b, date(2026, 1, 1), date(2026, 1, 31)))
