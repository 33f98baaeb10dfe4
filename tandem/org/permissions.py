"""Who may do what with the organisation. Every check for org objects is written here once."""

from __future__ import annotations

from django.db.models import QuerySet

from tandem.core.errors import NotFound

from .models import Agency, ApiToken, Employee, Group, User
from .roles import ORG_MANAGER_ROLES, Role


def actor_employee(actor: User) -> Employee | None:
    """The actor's active employee record, or None for users outside any agency."""
    if not actor.is_authenticated:
        return None
    employee = actor.employee_or_none
    if employee is None or not employee.is_active:
        return None
    return employee


def actor_agency(actor: User) -> Agency | None:
    employee = actor_employee(actor)
    return employee.agency if employee else None


def has_role(actor: User, *roles: Role) -> bool:
    employee = actor_employee(actor)
    return employee is not None and employee.role in roles


def can_manage_org(actor: User) -> bool:
    """Heads of accounts and admins edit groups, employees and agency limits."""
    employee = actor_employee(actor)
    return employee is not None and employee.role in ORG_MANAGER_ROLES


def can_view_cost_rates(actor: User) -> bool:
    """Hourly cost rates are pay data: heads of accounts, admins and finance see them."""
    employee = actor_employee(actor)
    return employee is not None and employee.role in {Role.HEAD_OF_ACCOUNTS, Role.ADMIN, Role.FINANCE}


def can_view_field_history(actor: User) -> bool:
    """Field history (who changed what, when) of money documents, payments, tasks and stages:
    heads (heads of accounts, group heads, admins) and finance, on the records they may open."""
    employee = actor_employee(actor)
    return employee is not None and employee.role in {
        Role.HEAD_OF_ACCOUNTS, Role.GROUP_HEAD, Role.ADMIN, Role.FINANCE,
    }


def can_view_org(actor: User) -> bool:
    """Every employee sees the agency's directory of groups and colleagues."""
    return actor_employee(actor) is not None


def employees_visible_to(actor: User) -> QuerySet[Employee]:
    """Employees of the actor's agency; nobody else's."""
    agency = actor_agency(actor)
    if agency is None:
        return Employee.objects.none()
    return Employee.objects.filter(agency=agency).select_related("user", "group", "agency")


def groups_visible_to(actor: User) -> QuerySet[Group]:
    agency = actor_agency(actor)
    if agency is None:
        return Group.objects.none()
    return Group.objects.filter(agency=agency).select_related("head")


def employee_get_for(actor: User, employee_id: int | str) -> Employee:
    """An employee of the actor's agency; NotFound for missing and foreign alike."""
    try:
        return employees_visible_to(actor).get(pk=employee_id)
    except (Employee.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def group_get_for(actor: User, group_id: int | str) -> Group:
    try:
        return groups_visible_to(actor).get(pk=group_id)
    except (Group.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def head_group_ids(employee: Employee) -> list[int]:
    """The groups a group head answers for: those they head plus their own. Cached on the
    instance so that the permission checks of one request cost one query."""
    cached: list[int] | None = getattr(employee, "_tandem_head_group_ids", None)
    if cached is None:
        ids = set(employee.headed_groups.values_list("id", flat=True))
        if employee.group_id:
            ids.add(employee.group_id)
        cached = sorted(ids)
        employee._tandem_head_group_ids = cached  # type: ignore[attr-defined]
    return cached


def can_revoke_api_token(actor: User, token: ApiToken) -> bool:
    """Everyone revokes their own tokens (and nobody else's: an admin deactivates the employee)."""
    return actor.is_authenticated and token.user_id == actor.pk


def api_token_get_for(actor: User, token_id: int) -> ApiToken:
    """The actor's own token; someone else's is NotFound, as a missing one."""
    token = ApiToken.objects.filter(pk=token_id, user_id=actor.pk).first()
    if token is None:
        raise NotFound()
    return token
