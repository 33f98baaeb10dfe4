"""Who sees and changes communications. Everything follows the client's visibility:
an interaction or request is visible exactly when its client is; invisible = NotFound.

- log an interaction or a request: anyone who sees the client (they spoke to the client);
- edit an interaction: its author, or whoever may edit the client (AM, group head, heads);
- delete an interaction: its author, or a head (the client's group head, heads of accounts, admins);
- answer, resolve, reassign, reopen a request: its owner, or whoever may edit the client; a
  request goes only to an employee who may handle it (`request_owner_candidates`);
- SLA terms and working hours: heads of accounts and admins change them; group heads and AMs
  read them; everyone else gets NotFound;
- escalate a request by hand: whoever may manage it;
- escalation and response statistics: over the clients the actor sees.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Q, QuerySet

from tandem.clients.models import Client
from tandem.clients.permissions import can_edit_client, clients_visible_to
from tandem.core.errors import NotFound
from tandem.org.models import Employee, User
from tandem.org.permissions import actor_employee, can_manage_org, head_group_ids
from tandem.org.roles import Role

from .models import ClientRequest, Interaction


def interactions_visible_to(actor: User) -> QuerySet[Interaction]:
    return Interaction.objects.filter(client__in=clients_visible_to(actor))


def requests_visible_to(actor: User) -> QuerySet[ClientRequest]:
    return ClientRequest.objects.filter(client__in=clients_visible_to(actor))


def interaction_get_for(actor: User, interaction_id: int | str) -> Interaction:
    """A visible interaction or NotFound (the same for missing and forbidden)."""
    try:
        return interactions_visible_to(actor).select_related("client", "created_by").get(pk=interaction_id)
    except (Interaction.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def request_get_for(actor: User, request_id: int | str) -> ClientRequest:
    try:
        return requests_visible_to(actor).select_related(
            "client__group__head", "client__account_manager", "contact", "owner"
        ).get(pk=request_id)
    except (ClientRequest.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def _sees(actor: User, client: Client) -> bool:
    return clients_visible_to(actor).filter(pk=client.pk).exists()


def can_log_interaction(actor: User, client: Client) -> bool:
    """Anyone who sees the client may record a contact with it."""
    return actor_employee(actor) is not None and _sees(actor, client)


def can_edit_interaction(actor: User, interaction: Interaction) -> bool:
    """The author fixes their own entry; the client's editors fix any."""
    employee = actor_employee(actor)
    if employee is None or not _sees(actor, interaction.client):
        return False
    return interaction.created_by_id == actor.pk or can_edit_client(actor, interaction.client)


def interaction_delete_rule(actor: User) -> Callable[[Interaction], bool]:
    """The deletion rule for interactions already scoped to the actor (list rows): the author
    removes their own entry; heads of accounts, admins and the client's group head remove any.
    No query per row."""
    employee = actor_employee(actor)
    if employee is None:
        return lambda interaction: False
    if employee.role in (Role.HEAD_OF_ACCOUNTS, Role.ADMIN):
        agency_id = employee.agency_id
        return lambda interaction: interaction.client.agency_id == agency_id
    groups = set(head_group_ids(employee)) if employee.role == Role.GROUP_HEAD else set()

    def rule(interaction: Interaction) -> bool:
        return interaction.created_by_id == actor.pk or (
            interaction.client.group_id is not None and interaction.client.group_id in groups
        )

    return rule


def can_delete_interaction(actor: User, interaction: Interaction) -> bool:
    """An entry recorded by mistake is removed by its author or a head (the client's group
    head, heads of accounts, admins); the client must be visible to the actor."""
    if actor_employee(actor) is None or not _sees(actor, interaction.client):
        return False
    return interaction_delete_rule(actor)(interaction)


def can_create_request(actor: User, client: Client) -> bool:
    return actor_employee(actor) is not None and _sees(actor, client)


def can_manage_request(actor: User, request: ClientRequest) -> bool:
    """The owner, the client's AM, its group head, heads of accounts and admins."""
    employee = actor_employee(actor)
    if employee is None or not _sees(actor, request.client):
        return False
    return request_manage_rule(actor)(request)


def request_manage_rule(actor: User) -> Callable[[ClientRequest], bool]:
    """`can_manage_request` for requests already scoped to the actor (list rows, whose clients
    the actor sees): the owner, the client's AM, its group head, heads and admins — without a
    query per row."""
    employee = actor_employee(actor)

    def rule(request: ClientRequest) -> bool:
        return employee is not None and (request.owner_id == employee.pk or can_edit_client(actor, request.client))

    return rule


def can_reassign_request(actor: User, request: ClientRequest) -> bool:
    """Reassign an open request: whoever may manage it (owner, AM, group head, heads)."""
    return request.resolved_at is None and can_manage_request(actor, request)


def can_reopen_request(actor: User, request: ClientRequest) -> bool:
    """Reopen a resolved request: whoever may manage it (owner, AM, group head, heads)."""
    return request.resolved_at is not None and can_manage_request(actor, request)


def request_owner_candidates(client: Client) -> QuerySet[Employee]:
    """Who may handle a request of the client: working employees of its agency who see the
    client and answer clients — heads of accounts, the group heads of its group, its AM and
    the specialists of its team. Ordered by name."""
    sees = Q(role=Role.HEAD_OF_ACCOUNTS) | Q(pk=client.account_manager_id) | Q(
        team_memberships__client=client, role=Role.SPECIALIST,
    )
    if client.group_id is not None:
        sees |= Q(role=Role.GROUP_HEAD) & (Q(group_id=client.group_id) | Q(headed_groups__id=client.group_id))
    return Employee.objects.filter(
        sees, agency_id=client.agency_id, is_active=True,
        role__in=(Role.ACCOUNT_MANAGER, Role.GROUP_HEAD, Role.HEAD_OF_ACCOUNTS, Role.SPECIALIST),
    ).distinct().order_by("full_name")


def can_configure_sla(actor: User) -> bool:
    return can_manage_org(actor)


def can_view_sla_settings(actor: User) -> bool:
    """SLA terms and working hours are read by heads, admins, group heads and AMs (others: 404)."""
    employee = actor_employee(actor)
    return employee is not None and (
        can_configure_sla(actor) or employee.role in (Role.GROUP_HEAD, Role.ACCOUNT_MANAGER)
    )


def can_escalate_request(actor: User, request: ClientRequest) -> bool:
    """"Escalate now" by hand: whoever may manage the request (owner, AM, group head, heads)."""
    return can_manage_request(actor, request)
