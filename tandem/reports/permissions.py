"""Who sees and manages a client's analytics (issue #11).

- Results (snapshots) are seen by everyone who sees the client (`clients_visible_to`), so the AM,
  the team, group heads, heads, finance and admins read the same figures.
- Churn and retention reports and the head of accounts' dashboard (issue 12) are management
  pages: the head of accounts and admins see the whole agency, a group head sees them over the
  clients they see (their groups' clients, `clients_visible_to`). Account managers, specialists
  and finance do not get them (404): an AM's own figures are on «Мой день» and the plan page,
  and a dashboard over one AM's handful of clients would show noise as churn rates.
- Connecting a counter, replacing its token and «Обновить сейчас» belong to those who run the
  client: its AM, its group head, heads and admins (`can_change_lifecycle`). Finance and
  specialists only read.
"""

from __future__ import annotations

from django.db.models import QuerySet

from tandem.billing.permissions import can_manage_money, can_view_money, money_clients_visible_to
from tandem.clients.models import Client
from tandem.clients.permissions import can_change_lifecycle, clients_visible_to
from tandem.core.errors import NotFound
from tandem.org.models import User
from tandem.org.permissions import actor_employee
from tandem.org.roles import ORG_MANAGER_ROLES, Role

from .models import AnalyticsSnapshot, AnalyticsSource, ClientReport, DocumentTemplate


def can_view_analytics(actor: User, client: Client) -> bool:
    """Whoever sees the client sees its results."""
    return clients_visible_to(actor).filter(pk=client.pk).exists()


def can_manage_analytics(actor: User, client: Client) -> bool:
    """The client's AM, its group head, heads and admins connect counters and refresh."""
    return can_change_lifecycle(actor, client)


def analytics_sources_visible_to(actor: User) -> QuerySet[AnalyticsSource]:
    """Sources of the clients the actor may see."""
    return AnalyticsSource.objects.filter(client__in=clients_visible_to(actor))


def analytics_snapshots_visible_to(actor: User) -> QuerySet[AnalyticsSnapshot]:
    """Snapshots of the clients the actor may see."""
    return AnalyticsSnapshot.objects.filter(client__in=clients_visible_to(actor))


# --- client reports and document templates ---------------------------------------------------
#
# - A client's reports are seen by whoever sees the client's money (`money_clients_visible_to`):
#   the AM their own clients, the group head the group's, heads, finance and admins all; a
#   specialist none. Missing and forbidden look alike (NotFound).
# - Building, editing and sending a report: the client's AM, its group head, heads and admins
#   (`can_change_lifecycle`); finance reads.
# - Document templates are uploaded by heads of accounts and admins; everyone in the agency may
#   read the list of placeholders and generate documents they may see.


def client_reports_visible_to(actor: User) -> QuerySet[ClientReport]:
    """Reports of the clients whose money the actor sees."""
    return ClientReport.objects.filter(client__in=money_clients_visible_to(actor))


def client_report_get_for(actor: User, report_id: int | str) -> ClientReport:
    """A visible report or NotFound (the same for missing and forbidden)."""
    try:
        return client_reports_visible_to(actor).select_related(
            "client", "client__account_manager", "agency", "author", "sent_by",
        ).get(pk=report_id)
    except (ClientReport.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def report_client_get_for(actor: User, client_id: int | str) -> Client:
    """A client whose reports the actor sees, or NotFound."""
    try:
        return money_clients_visible_to(actor).select_related("account_manager", "agency").get(pk=client_id)
    except (Client.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def can_view_client_reports(actor: User) -> bool:
    """Anyone who may see some client's money (not specialists)."""
    return can_view_money(actor)


def can_prepare_client_report(actor: User, client: Client) -> bool:
    """The client's AM, its group head, heads and admins build, edit and send its reports."""
    return can_change_lifecycle(actor, client)


def can_manage_document_templates(actor: User) -> bool:
    """Heads of accounts and admins upload the agency's DOCX templates."""
    employee = actor_employee(actor)
    return employee is not None and employee.role in ORG_MANAGER_ROLES


def document_templates_visible_to(actor: User) -> QuerySet[DocumentTemplate]:
    """The agency's templates, for anyone of the agency."""
    employee = actor_employee(actor)
    if employee is None:
        return DocumentTemplate.objects.none()
    return DocumentTemplate.objects.filter(agency_id=employee.agency_id)


def can_close_month_with_documents(actor: User) -> bool:
    """«Закрыть месяц документами»: those who make acts (finance, heads, admins)."""
    return can_manage_money(actor)


# Who opens the churn and retention reports and the head's dashboard.
MANAGEMENT_REPORT_ROLES = frozenset({Role.HEAD_OF_ACCOUNTS, Role.ADMIN, Role.GROUP_HEAD})


def can_view_retention(actor: User) -> bool:
    """Heads of accounts, admins and group heads (the figures are scoped to the clients they see)."""
    employee = actor_employee(actor)
    return employee is not None and employee.role in MANAGEMENT_REPORT_ROLES


def can_view_dashboard(actor: User) -> bool:
    """The head of accounts' dashboard: the same people as the retention reports."""
    return can_view_retention(actor)


def lands_on_dashboard(actor: User) -> bool:
    """The head of accounts starts the day on the dashboard instead of «Мой день» (which is
    about one's own clients, and a head usually carries none)."""
    employee = actor_employee(actor)
    return employee is not None and employee.role == Role.HEAD_OF_ACCOUNTS
