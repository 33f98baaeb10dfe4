"""Who sees and acts on client health. One rule for the API, the pages and My day.

- account manager: the clients where they are the responsible AM;
- group head: the clients of the groups they head or belong to, plus their own;
- head of accounts and admin: every client of the agency;
- everyone else (specialists, finance): none. Hidden objects raise the same NotFound as missing.
Deciding a proposal also needs the lifecycle right on the client (clients.permissions).
Settings and the back-test: heads of accounts and admins.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from tandem.clients.models import Client
from tandem.clients.permissions import can_change_lifecycle
from tandem.core.errors import NotFound
from tandem.org.models import Employee, User
from tandem.org.permissions import actor_employee, head_group_ids
from tandem.org.roles import Role

from .models import RiskProposal

ALL_HEALTH_ROLES = frozenset({Role.HEAD_OF_ACCOUNTS, Role.ADMIN})


def health_client_filter(employee: Employee, prefix: str = "") -> Q:
    """The Q selecting the clients whose health `employee` may see; `prefix` ("client__") for
    models that point at a client."""
    agency = Q(**{f"{prefix}agency_id": employee.agency_id})
    own = Q(**{f"{prefix}account_manager_id": employee.pk})
    if employee.role in ALL_HEALTH_ROLES:
        return agency
    if employee.role == Role.GROUP_HEAD:
        return agency & (Q(**{f"{prefix}group_id__in": head_group_ids(employee)}) | own)
    if employee.role == Role.ACCOUNT_MANAGER:
        return agency & own
    return Q(pk__in=[])


def health_clients_visible_to(actor: User) -> QuerySet[Client]:
    """Clients whose scores and proposals the actor may see."""
    employee = actor_employee(actor)
    if employee is None:
        return Client.objects.none()
    return Client.objects.filter(health_client_filter(employee))


def health_client_get_for(actor: User, client_id: int | str) -> Client:
    """A client whose health the actor may see, or NotFound (missing and forbidden alike)."""
    try:
        return health_clients_visible_to(actor).select_related("account_manager", "group", "agency").get(pk=client_id)
    except (Client.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def can_view_health(actor: User, client: Client) -> bool:
    employee = actor_employee(actor)
    return employee is not None and Client.objects.filter(health_client_filter(employee), pk=client.pk).exists()


def can_recompute_health(actor: User, client: Client) -> bool:
    """Whoever sees a client's health may recompute it now."""
    return can_view_health(actor, client)


def proposals_visible_to(actor: User) -> QuerySet[RiskProposal]:
    employee = actor_employee(actor)
    if employee is None:
        return RiskProposal.objects.none()
    return RiskProposal.objects.filter(health_client_filter(employee, "client__"))


def proposal_get_for(actor: User, proposal_id: int | str) -> RiskProposal:
    """A proposal of a client whose health the actor sees, or NotFound."""
    try:
        return proposals_visible_to(actor).select_related("client", "client__account_manager").get(pk=proposal_id)
    except (RiskProposal.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def can_decide_proposal(actor: User, proposal: RiskProposal) -> bool:
    """The AM, the group head and heads decide — those who may move the client's lifecycle."""
    return can_view_health(actor, proposal.client) and can_change_lifecycle(actor, proposal.client)


def can_manage_health_settings(actor: User) -> bool:
    """Weights and thresholds are the agency's policy: heads of accounts and admins."""
    employee = actor_employee(actor)
    return employee is not None and employee.role in ALL_HEALTH_ROLES


def can_run_backtest(actor: User) -> bool:
    """The back-test covers every client of the agency: heads of accounts and admins."""
    return can_manage_health_settings(actor)


def can_view_health_list(actor: User) -> bool:
    """The health list is for those who carry or lead clients."""
    employee = actor_employee(actor)
    return employee is not None and employee.role in {
        Role.HEAD_OF_ACCOUNTS, Role.ADMIN, Role.GROUP_HEAD, Role.ACCOUNT_MANAGER}
