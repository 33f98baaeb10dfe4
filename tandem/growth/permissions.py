"""Who sees and changes growth records (opportunities, suggestions, recommendations, marks).

- head of accounts and admin: every client of the agency;
- group head: the clients of the groups they head (and their own);
- account manager: the clients where they are the responsible AM (and opportunities they own);
- anyone else (specialists, finance): nothing. Forbidden looks the same as missing (NotFound).
Rules of the agency (thresholds, enabled) are edited by the head of accounts and admins.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from tandem.clients.models import Client
from tandem.clients.permissions import client_visibility_filter
from tandem.core.errors import NotFound
from tandem.org.models import Employee, User
from tandem.org.permissions import actor_employee
from tandem.org.roles import Role

from .models import NoResultsRecommendation, Opportunity, Proposal, ServiceMark, Suggestion

GROWTH_ROLES = frozenset({Role.HEAD_OF_ACCOUNTS, Role.ADMIN, Role.GROUP_HEAD, Role.ACCOUNT_MANAGER})
RULE_EDITOR_ROLES = frozenset({Role.HEAD_OF_ACCOUNTS, Role.ADMIN})


def growth_employee(actor: User) -> Employee | None:
    """The actor's employee when their role works with growth, else None."""
    employee = actor_employee(actor)
    if employee is None or employee.role not in GROWTH_ROLES:
        return None
    return employee


def _client_filter(employee: Employee) -> Q:
    if employee.role == Role.ACCOUNT_MANAGER:
        return Q(agency_id=employee.agency_id, account_manager=employee)
    return client_visibility_filter(employee)


def growth_clients_of(actor: User) -> QuerySet[Client]:
    """Clients whose growth records the actor may see and work on."""
    employee = growth_employee(actor)
    if employee is None:
        return Client.objects.none()
    return Client.objects.filter(_client_filter(employee))


def can_use_growth(actor: User) -> bool:
    """AMs, group heads, heads and admins have the pipeline, suggestions and recommendations."""
    return growth_employee(actor) is not None


def can_edit_rules(actor: User) -> bool:
    """The agency's rules are set by the head of accounts and admins."""
    employee = actor_employee(actor)
    return employee is not None and employee.role in RULE_EDITOR_ROLES


def can_view_decisions(actor: User) -> bool:
    """The list of «no results» decisions is for group heads and heads (their clients)."""
    employee = actor_employee(actor)
    return employee is not None and employee.role in {Role.HEAD_OF_ACCOUNTS, Role.ADMIN, Role.GROUP_HEAD}


def can_work_on_client(actor: User, client: Client) -> bool:
    """May create opportunities, decide suggestions and recommendations, and mark services of `client`."""
    return growth_clients_of(actor).filter(pk=client.pk).exists()


def opportunities_visible_to(actor: User) -> QuerySet[Opportunity]:
    employee = growth_employee(actor)
    if employee is None:
        return Opportunity.objects.none()
    own = Q(owner=employee) if employee.role == Role.ACCOUNT_MANAGER else Q(pk__in=[])
    return Opportunity.objects.filter(Q(client__in=growth_clients_of(actor)) | own, agency_id=employee.agency_id)


def opportunity_get_for(actor: User, opportunity_id: int | str) -> Opportunity:
    """A visible opportunity or NotFound (the same for missing and forbidden)."""
    try:
        return opportunities_visible_to(actor).select_related("client", "service", "owner").get(pk=opportunity_id)
    except (Opportunity.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def suggestions_visible_to(actor: User) -> QuerySet[Suggestion]:
    return Suggestion.objects.filter(client__in=growth_clients_of(actor))


def suggestion_get_for(actor: User, suggestion_id: int | str) -> Suggestion:
    try:
        return suggestions_visible_to(actor).select_related("client", "service").get(pk=suggestion_id)
    except (Suggestion.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def recommendations_visible_to(actor: User) -> QuerySet[NoResultsRecommendation]:
    return NoResultsRecommendation.objects.filter(client__in=growth_clients_of(actor))


def recommendation_get_for(actor: User, recommendation_id: int | str) -> NoResultsRecommendation:
    try:
        return recommendations_visible_to(actor).select_related(
            "client", "contract_line__service").get(pk=recommendation_id)
    except (NoResultsRecommendation.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def marks_visible_to(actor: User) -> QuerySet[ServiceMark]:
    return ServiceMark.objects.filter(client__in=growth_clients_of(actor))


def proposals_visible_to(actor: User) -> QuerySet[Proposal]:
    """КП of the clients whose growth the actor works on (AM, group head, heads, admins)."""
    return Proposal.objects.filter(client__in=growth_clients_of(actor))


def proposal_get_for(actor: User, proposal_id: int | str) -> Proposal:
    """A visible КП or NotFound (the same for missing and forbidden)."""
    try:
        return proposals_visible_to(actor).select_related("client", "author", "opportunity", "contract").get(pk=proposal_id)
    except (Proposal.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None
