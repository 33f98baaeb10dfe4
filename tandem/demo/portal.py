"""The client portal in the demo: a contact of one of am1's clients with a portal account
(every area), a stage waiting for their approval, paid and unpaid invoices, hours, and a request
they filed (the reports they see are sent by tandem.demo.client_reports) (so am1's My day shows «Из кабинета клиента»). `manage.py demo_logins` prints the
login. Goes through the portal services. Skips itself when the agency has a portal account."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from tandem.billing.models import InvoiceStatus
from tandem.clients.models import Client, Contact
from tandem.org.models import Employee
from tandem.portal import services
from tandem.portal.models import PortalAccount
from tandem.work.models import Stage, StageStatus
from tandem.work.services import stage_send

from .context import DEMO_PASSWORD, DemoContext


def portal_demo_account(agency_id: int) -> PortalAccount | None:
    return (PortalAccount.objects.filter(contact__client__agency_id=agency_id, is_active=True)
            .select_related("user", "contact__client").order_by("pk").first())


def _client_for(ctx: DemoContext, am: Employee) -> Client | None:
    """One of the AM's clients with paid and unpaid invoices, a project and a contact with e-mail."""
    paid = Q(invoices__status=InvoiceStatus.PAID)
    unpaid = Q(invoices__status__in=[InvoiceStatus.ISSUED, InvoiceStatus.PARTLY_PAID])
    base = Client.objects.filter(agency=ctx.agency, account_manager=am, projects__isnull=False,
                                 contacts__email__gt="", contacts__is_active=True)
    both = base.filter(pk__in=Client.objects.filter(paid).values("pk")).filter(
        pk__in=Client.objects.filter(unpaid).values("pk"))
    return both.distinct().order_by("pk").first() or base.distinct().order_by("pk").first()


def _waiting_stage(ctx: DemoContext, client: Client, am: Employee) -> Stage | None:
    stage = Stage.objects.filter(project__client=client, status=StageStatus.SENT).order_by("pk").first()
    if stage is not None:
        return stage
    stage = (Stage.objects.filter(project__client=client, status__in=[StageStatus.IN_WORK, StageStatus.PLANNED])
             .select_related("project").order_by("pk").first())
    if stage is None:
        project = client.projects.order_by("pk").first()
        assert project is not None  # the client was chosen with a project
        stage = Stage.objects.create(project=project, kind="strategy",
                                     title="Стратегия на квартал", status=StageStatus.IN_WORK)
    stage.status = StageStatus.IN_WORK
    stage.deliverable_url = stage.deliverable_url or "https://docs.example.ru/strategy"
    stage.save(update_fields=["status", "deliverable_url", "updated_at"])
    stage_send(actor=am.user, stage=stage, note="Стратегия на согласование",
               sent_at=timezone.now() - timedelta(days=2))
    return stage


def _keep(tokens: list[str], token: str) -> str:
    tokens.append(token)
    return token


def seed(ctx: DemoContext) -> None:
    if portal_demo_account(ctx.agency.pk) is not None:
        ctx.log("portal: already there, skipped")
        return
    am = Employee.objects.filter(agency=ctx.agency, user__username="am1").select_related("user").first()
    client = _client_for(ctx, am) if am is not None else None
    if am is None or client is None:
        ctx.log("portal: no client of am1 to invite, skipped")
        return
    contact = (Contact.objects.filter(client=client, is_active=True, email__gt="")
               .order_by("-is_urgent_contact", "pk").first())
    assert contact is not None  # chosen above
    stage = _waiting_stage(ctx, client, am)
    tokens: list[str] = []
    services.portal_invite(actor=am.user, contact=contact, access=services.PortalAccess(work=True, money=True,
                                                                                       hours=True, requests=True,
                                                                                       reports=True),
                           accept_url=lambda token: _keep(tokens, token), max_age_days=7, send_letter=False)
    account = services.portal_invitation_accept(token=tokens[0], password=DEMO_PASSWORD, max_age_days=7)
    services.portal_request_file(account=account, subject="Добавить новый раздел в отчёт",
                                 text="Хотим видеть в ежемесячном отчёте позиции по брендовым запросам.")
    ctx.log(f"portal: {account.user.username} ({contact.full_name}, {client.display_name}); "
            f"stage waiting: {stage.title if stage else '—'}")
