"""Reads for clients, contacts, teams and AM workload. Results are scoped to the actor."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q, QuerySet

from tandem.org.models import Employee, User
from tandem.org.permissions import actor_employee
from tandem.org.roles import Role

from .models import (
    SERVED_STATUSES,
    AccountManagerChange,
    Client,
    Contact,
    LifecycleTransition,
    TeamMember,
)
from .permissions import clients_visible_to


@dataclass(frozen=True)
class ClientFilters:
    search: str = ""
    account_manager_id: int | None = None
    group_id: int | None = None
    statuses: tuple[str, ...] = field(default_factory=tuple)
    tier: str = ""
    kind: str = ""


def client_list(*, actor: User, filters: ClientFilters | None = None) -> QuerySet[Client]:
    """Visible clients matching the filters, with AM and group loaded (two joins, no N+1).

    Search looks in legal and brand names, INN and contact names/e-mails.
    """
    filters = filters or ClientFilters()
    qs = clients_visible_to(actor).select_related("account_manager", "group")
    if filters.search:
        term = filters.search.strip()
        matching_contacts = Contact.objects.filter(
            Q(full_name__icontains=term) | Q(email__icontains=term)
        ).values("client_id")
        qs = qs.filter(
            Q(legal_name__icontains=term)
            | Q(brand_name__icontains=term)
            | Q(inn__startswith=term)
            | Q(pk__in=matching_contacts)
        )
    if filters.account_manager_id:
        qs = qs.filter(account_manager_id=filters.account_manager_id)
    if filters.group_id:
        qs = qs.filter(group_id=filters.group_id)
    if filters.statuses:
        qs = qs.filter(status__in=filters.statuses)
    if filters.tier:
        qs = qs.filter(tier=filters.tier)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    return qs.order_by("legal_name", "pk")


def client_detail(*, client: Client) -> Client:
    """The client with contacts, team, and histories prefetched for the card (constant queries)."""
    return (
        Client.objects.select_related("account_manager", "group", "agency")
        .prefetch_related(
            Prefetch("contacts", queryset=Contact.objects.order_by("-is_urgent_contact", "full_name")),
            Prefetch("team_members", queryset=TeamMember.objects.select_related("employee").order_by("service")),
            Prefetch(
                "am_changes",
                queryset=AccountManagerChange.objects.select_related(
                    "previous_manager", "new_manager", "changed_by"
                ),
            ),
            Prefetch("lifecycle_transitions", queryset=LifecycleTransition.objects.select_related("changed_by")),
        )
        .get(pk=client.pk)
    )


def contact_list(*, actor: User, client: Client | None = None, search: str = "") -> QuerySet[Contact]:
    qs = Contact.objects.filter(client__in=clients_visible_to(actor)).select_related("client")
    if client is not None:
        qs = qs.filter(client=client)
    if search:
        qs = qs.filter(Q(full_name__icontains=search) | Q(email__icontains=search) | Q(phone__icontains=search))
    return qs.order_by("client_id", "full_name")


SEARCH_MIN_LENGTH = 2


def _text_variants(term: str) -> set[str]:
    """The term as typed, lower-case and capitalised: SQLite's LIKE folds the case of ASCII
    letters only, so «альфа» would not find «Альфа» there (PostgreSQL folds every letter)."""
    return {term, term.lower(), term.capitalize()}


def _any_icontains(fields: tuple[str, ...], term: str) -> Q:
    condition = Q()
    for name in fields:
        for variant in _text_variants(term):
            condition |= Q(**{f"{name}__icontains": variant})
    return condition


def client_search(*, actor: User, query: str, limit: int = 10) -> list[Client]:
    """Visible clients whose legal or brand name contains `query` (any case) or whose INN
    starts with it; at most `limit`, by name. Queries shorter than SEARCH_MIN_LENGTH find
    nothing. One query."""
    term = query.strip()
    if len(term) < SEARCH_MIN_LENGTH:
        return []
    condition = _any_icontains(("legal_name", "brand_name"), term)
    if term.isdigit():
        condition |= Q(inn__startswith=term)
    qs = clients_visible_to(actor).filter(condition).select_related("account_manager")
    return list(qs.order_by("legal_name", "pk")[:limit])


def contact_search(*, actor: User, query: str, limit: int = 10) -> list[Contact]:
    """Contacts of visible clients whose name or e-mail contains `query` (any case), or whose
    phone contains it — digits typed without the phone's spaces, brackets and dashes match too
    («9161234567» finds «+7 (916) 123-45-67») when there are at least five of them. At most
    `limit`, by name. One query."""
    term = query.strip()
    if len(term) < SEARCH_MIN_LENGTH:
        return []
    condition = _any_icontains(("full_name", "email"), term) | Q(phone__icontains=term)
    digits = "".join(ch for ch in term if ch.isdigit())
    if len(digits) >= 5:
        condition |= Q(phone__regex=r"\D*".join(digits))
    qs = Contact.objects.filter(client__in=clients_visible_to(actor)).filter(condition).select_related("client")
    return list(qs.order_by("full_name", "pk")[:limit])


def account_manager_load(employee: Employee) -> int:
    """The AM's load: the number of clients in served statuses where they are responsible."""
    return Client.objects.filter(account_manager=employee, status__in=SERVED_STATUSES).count()


@dataclass(frozen=True)
class Workload:
    employee: Employee
    active_clients: int
    soft_limit: int
    hard_limit: int

    @property
    def state(self) -> str:
        """'ok', 'warning' (above soft limit) or 'over' (above hard limit)."""
        if self.active_clients > self.hard_limit:
            return "over"
        if self.active_clients > self.soft_limit:
            return "warning"
        return "ok"

    @property
    def percent_of_soft(self) -> int:
        return round(100 * self.active_clients / self.soft_limit) if self.soft_limit else 0


def workload_list(*, actor: User, group_id: int | None = None) -> list[Workload]:
    """Load of every active AM and group head (and anyone else carrying clients) in the actor's
    agency, in one query."""
    employee = actor_employee(actor)
    if employee is None:
        return []
    qs = (
        Employee.objects.filter(agency=employee.agency, is_active=True)
        .select_related("agency", "group")
        .annotate(active_clients=Count("managed_clients", filter=Q(managed_clients__status__in=SERVED_STATUSES)))
        # AMs and group heads always; anyone else (a head of accounts) only while carrying clients.
        .filter(Q(role__in=[Role.ACCOUNT_MANAGER, Role.GROUP_HEAD]) | Q(active_clients__gt=0))
        .order_by("group__name", "full_name")
    )
    if group_id:
        qs = qs.filter(group_id=group_id)
    return [
        Workload(
            employee=e,
            active_clients=e.active_clients,
            soft_limit=e.effective_soft_limit,
            hard_limit=e.effective_hard_limit,
        )
        for e in qs
    ]
