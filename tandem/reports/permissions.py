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

from tandem.clients.models import Client
from tandem.clients.permissions import can_change_lifecycle, clients_visible_to
from tandem.org.models import User
from tandem.org.permissions import actor_employee
from tandem.org.roles import Role

from .models import AnalyticsSnapshot, AnalyticsSource


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
