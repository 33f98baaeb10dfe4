"""Reads of the client portal: what a contact sees (always through the scoped querysets of
tandem.portal.permissions) and the portal activity staff see in My day."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth

from tandem.billing.models import Act, Invoice, InvoiceStatus
from tandem.clients.permissions import clients_visible_to
from tandem.comms.models import ClientRequest
from tandem.org.models import User
from tandem.reports.models import ClientReport
from tandem.work.models import Project, Stage, StageStatus, TimeEntry
from tandem.work.retainers import RetainerBalance, RetainerMonthRow, retainer_balances

from . import permissions
from .models import Area, PortalAccount, PortalEvent, RequestReply

ZERO = Decimal("0")
HOURS_MONTHS = 6


@dataclass
class PortalOverview:
    stages_waiting: int = 0
    invoices_unpaid: int = 0
    amount_unpaid: Decimal = ZERO
    requests_open: int = 0


def portal_overview(*, account: PortalAccount) -> PortalOverview:
    """What waits for the contact: stages to answer, unpaid invoices (count and amount left to
    pay), open requests — only in the areas the account may see."""
    result = PortalOverview()
    if account.sees(Area.WORK):
        result.stages_waiting = permissions.stages_visible_to_contact(account).filter(status=StageStatus.SENT).count()
    if account.sees(Area.MONEY):
        row = permissions.invoices_visible_to_contact(account).exclude(status=InvoiceStatus.PAID).aggregate(
            n=Count("id"), total=Sum("total"), paid=Sum("paid_amount"))
        result.invoices_unpaid = row["n"] or 0
        result.amount_unpaid = (row["total"] or ZERO) - (row["paid"] or ZERO)
    if account.sees(Area.REQUESTS):
        result.requests_open = permissions.requests_visible_to_contact(account).filter(resolved_at__isnull=True).count()
    return result


def portal_projects(*, account: PortalAccount) -> QuerySet[Project]:
    """The client's projects with the stages the client sees (two queries)."""
    stages = permissions.stages_visible_to_contact(account).order_by("due_date", "id")
    return (permissions.projects_visible_to_contact(account).select_related("contract_line")
            .prefetch_related(Prefetch("stages", queryset=stages, to_attr="client_stages"))
            .order_by("status", "name", "id"))


def portal_stage_detail(*, stage: Stage) -> Stage:
    """A stage with its sendings and answers (for the stage page)."""
    return Stage.objects.select_related("project").prefetch_related("submissions__contact").get(pk=stage.pk)


def portal_invoices(*, account: PortalAccount) -> QuerySet[Invoice]:
    return permissions.invoices_visible_to_contact(account).select_related("contract").order_by("-date", "-id")


def portal_acts(*, account: PortalAccount) -> QuerySet[Act]:
    return permissions.acts_visible_to_contact(account).select_related("invoice").order_by("-date", "-id")


def portal_requests(*, account: PortalAccount) -> QuerySet[ClientRequest]:
    return permissions.requests_visible_to_contact(account).order_by("-received_at", "-id")


def portal_reports(*, account: PortalAccount) -> QuerySet[ClientReport]:
    """Reports sent to the contact's company, newest period first (then latest sent)."""
    return permissions.reports_visible_to_contact(account).order_by("-period_start", "-sent_at", "-id")


def request_replies(*, request: ClientRequest) -> QuerySet[RequestReply]:
    """The whole thread for staff: the contact's replies, staff answers and internal notes."""
    return RequestReply.objects.filter(request=request).select_related("account__contact", "author__employee")


def request_thread_for_contact(*, request: ClientRequest) -> QuerySet[RequestReply]:
    """The thread the contact sees: their replies and staff answers, never internal notes."""
    return request_replies(request=request).filter(internal=False)


# --- hours by month -----------------------------------------------------------------------------
# One selector and one template (web/portal/_hours.html) so that the retainer balance (issue 13,
# built separately) can replace it: the planned hours per month come from the contract line.

@dataclass
class MonthHours:
    month: date
    hours: Decimal
    planned: Decimal | None

    @property
    def over(self) -> bool:
        return self.planned is not None and self.hours > self.planned

    @property
    def left(self) -> Decimal | None:
        return None if self.planned is None else self.planned - self.hours


@dataclass
class ProjectHours:
    project: Project
    planned: Decimal | None
    months: list[MonthHours] = field(default_factory=list)
    # The retainer balance of the project's line (hours left with rollover), when it has terms.
    balance: RetainerBalance | None = None

    @property
    def balance_rows(self) -> list[RetainerMonthRow]:
        """The balance's months, newest first, as many as the hours table shows."""
        return list(reversed(self.balance.rows))[:len(self.months)] if self.balance else []


def _month_starts(today: date, n: int) -> list[date]:
    months, year, month = [], today.year, today.month
    for _i in range(n):
        months.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months


def portal_hours_by_month(*, account: PortalAccount, today: date, months: int = HOURS_MONTHS) -> list[ProjectHours]:
    """Hours logged per project per month for the last `months` months (newest first), against
    the contract line's planned hours per month; for retainer lines also the balance with rollover
    (hours left this month, carried and expired hours). Six queries whatever the number of projects."""
    if not account.sees(Area.HOURS):
        return []
    starts = _month_starts(today, months)
    projects = list(Project.objects.filter(client_id=account.contact.client_id)
                    .select_related("contract_line", "contract_line__contract")
                    .order_by("status", "name", "id"))
    totals: dict[tuple[int, date], Decimal] = {}
    rows = (TimeEntry.objects.filter(project__client_id=account.contact.client_id, date__gte=starts[-1])
            .annotate(month=TruncMonth("date")).values("project_id", "month").annotate(hours=Sum("hours")))
    for row in rows:
        month = row["month"].date() if isinstance(row["month"], datetime) else row["month"]
        totals[(row["project_id"], month)] = row["hours"] or ZERO
    balances = retainer_balances(
        lines=[p.contract_line for p in projects if p.contract_line is not None], until=today)
    result = []
    for project in projects:
        planned = project.contract_line.planned_hours_per_month
        result.append(ProjectHours(project=project, planned=planned, months=[
            MonthHours(month=m, hours=totals.get((project.pk, m), ZERO), planned=planned) for m in starts],
            balance=balances.get(project.contract_line_id) if project.contract_line_id else None))
    return result


# --- staff side ---------------------------------------------------------------------------------

def portal_activity(*, actor: User, am_ids: list[int] | None = None, since: datetime | None = None) -> QuerySet[PortalEvent]:
    """What contacts did in the portal, newest first, for clients the actor sees (optionally only
    clients of the given AMs, and since a moment)."""
    qs = PortalEvent.objects.filter(client__in=clients_visible_to(actor))
    if am_ids:
        qs = qs.filter(Q(client__account_manager_id__in=am_ids) | Q(stage__project__account_manager_id__in=am_ids))
    if since is not None:
        qs = qs.filter(created_at__gte=since)
    return qs.select_related("account__contact", "client", "stage", "request").order_by("-created_at", "-id")


def portal_accounts_of_contacts(*, contact_ids: list[int]) -> dict[int, PortalAccount]:
    """The portal accounts of these contacts by contact id (one query; for the client card)."""
    return {a.contact_id: a for a in PortalAccount.objects.filter(contact_id__in=contact_ids)}
