"""Who sees and changes which client. One rule for the API, the web pages and search.

Visibility (issue #2):
- head of accounts, finance and admin: every client of the agency;
- group head: clients of the groups they head or belong to;
- account manager: clients where they are the responsible AM;
- specialist: clients where they are on the team;
- everyone additionally sees clients where they are the AM or on the team;
- anyone else: nothing. Forbidden objects raise the same NotFound as missing ones.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from tandem.core.errors import NotFound
from tandem.org.models import Employee, User
from tandem.org.permissions import actor_employee, head_group_ids
from tandem.org.roles import ALL_CLIENTS_ROLES, Role

from .models import Client, Contact, ImportRecord, TeamMember


def client_visibility_filter(employee: Employee) -> Q:
    """The Q object selecting the clients `employee` may see (within their agency)."""
    own = Q(account_manager=employee) | Q(
        Exists(TeamMember.objects.filter(client=OuterRef("pk"), employee=employee))
    )
    if employee.role in ALL_CLIENTS_ROLES:
        return Q(agency_id=employee.agency_id)
    if employee.role == Role.GROUP_HEAD:
        return Q(agency_id=employee.agency_id) & (Q(group_id__in=head_group_ids(employee)) | own)
    return Q(agency_id=employee.agency_id) & own


def clients_visible_to(actor: User) -> QuerySet[Client]:
    """Clients the actor may see; empty for users outside any agency."""
    employee = actor_employee(actor)
    if employee is None:
        return Client.objects.none()
    return Client.objects.filter(client_visibility_filter(employee))


def client_get_for(actor: User, client_id: int | str) -> Client:
    """A visible client or NotFound (the same for missing and forbidden)."""
    try:
        return clients_visible_to(actor).select_related("account_manager", "group", "agency").get(pk=client_id)
    except (Client.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def contacts_visible_to(actor: User) -> QuerySet[Contact]:
    """Contacts of the clients the actor may see."""
    return Contact.objects.filter(client__in=clients_visible_to(actor))


def contact_get_for(actor: User, contact_id: int | str) -> Contact:
    """A contact of a visible client or NotFound."""
    try:
        return Contact.objects.select_related("client").get(
            pk=contact_id, client__in=clients_visible_to(actor)
        )
    except (Contact.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def _is_group_head_of(employee: Employee, client: Client) -> bool:
    return employee.role == Role.GROUP_HEAD and client.group_id is not None and (
        client.group_id in head_group_ids(employee)
    )


def can_create_client(actor: User) -> bool:
    """Heads, group heads, AMs and admins bring new clients in."""
    employee = actor_employee(actor)
    return employee is not None and employee.role in {
        Role.HEAD_OF_ACCOUNTS, Role.ADMIN, Role.GROUP_HEAD, Role.ACCOUNT_MANAGER,
    }


def can_edit_client(actor: User, client: Client) -> bool:
    """Heads and admins edit any client; a group head their group's; the AM their own;
    finance edits details (they keep legal and bank data right). Specialists only read."""
    employee = actor_employee(actor)
    if employee is None or employee.agency_id != client.agency_id:
        return False
    if employee.role in {Role.HEAD_OF_ACCOUNTS, Role.ADMIN, Role.FINANCE}:
        return True
    if _is_group_head_of(employee, client):
        return True
    return client.account_manager_id == employee.pk and employee.role in {Role.ACCOUNT_MANAGER, Role.GROUP_HEAD}


def can_change_lifecycle(actor: User, client: Client) -> bool:
    """The client's AM, its group head, heads and admins move it through the lifecycle."""
    employee = actor_employee(actor)
    if employee is None or employee.role == Role.FINANCE:
        return False
    return can_edit_client(actor, client)


def can_manage_team(actor: User, client: Client) -> bool:
    """Specialists are added and removed by the AM, the group head, heads and admins."""
    return can_change_lifecycle(actor, client)


def can_assign_account_manager(actor: User, client: Client) -> bool:
    """Only heads, admins and the client's group head choose the responsible AM."""
    employee = actor_employee(actor)
    if employee is None or employee.agency_id != client.agency_id:
        return False
    return employee.role in {Role.HEAD_OF_ACCOUNTS, Role.ADMIN} or _is_group_head_of(employee, client)


def can_set_served_since(actor: User, client: Client) -> bool:
    """The start of service decides whose payment plan a client's old payments count for, so it
    is entered by those who staff clients (heads, admins, the client's group head) or by finance
    (who load history at go-live) — not by the AM who would be credited."""
    employee = actor_employee(actor)
    if employee is None or employee.agency_id != client.agency_id:
        return False
    return employee.role in {Role.HEAD_OF_ACCOUNTS, Role.ADMIN, Role.FINANCE} or _is_group_head_of(employee, client)


def can_force_over_hard_limit(actor: User) -> bool:
    """Only the head of accounts may assign an AM beyond the hard workload limit."""
    employee = actor_employee(actor)
    return employee is not None and employee.role == Role.HEAD_OF_ACCOUNTS


def can_import_data(actor: User) -> bool:
    """Moving an agency's data in from spreadsheets and other CRMs is for heads of accounts and admins."""
    employee = actor_employee(actor)
    return employee is not None and employee.role in {Role.HEAD_OF_ACCOUNTS, Role.ADMIN}


def import_record_get_for(actor: User, record_id: int | str) -> ImportRecord:
    """An import of the actor's agency, for those who may import; NotFound otherwise."""
    employee = actor_employee(actor)
    if employee is None or not can_import_data(actor):
        raise NotFound()
    try:
        return ImportRecord.objects.select_related("created_by").get(pk=record_id, agency_id=employee.agency_id)
    except (ImportRecord.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None
