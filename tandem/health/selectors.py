"""Reads of client health, scoped to the actor (see health.permissions)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from tandem.clients.models import Client, LifecycleStatus
from tandem.org.models import User
from tandem.org.permissions import actor_employee

from .models import BacktestRun, HealthScore, ProposalStatus, RiskProposal
from .permissions import health_client_filter, health_clients_visible_to, proposals_visible_to


@dataclass(frozen=True)
class HealthFilters:
    account_manager_id: int | None = None
    group_id: int | None = None
    below: int | None = None  # only scores below this


def health_latest_scores(*, actor: User, filters: HealthFilters | None = None) -> QuerySet[HealthScore]:
    """Each visible client's latest score, worst first (clients never scored are not listed)."""
    filters = filters or HealthFilters()
    employee = actor_employee(actor)
    if employee is None:
        return HealthScore.objects.none()
    latest = HealthScore.objects.filter(client=OuterRef("client")).order_by("-day").values("pk")[:1]
    qs = HealthScore.objects.filter(health_client_filter(employee, "client__"), pk=Subquery(latest)).exclude(
        client__status=LifecycleStatus.CHURNED)
    if filters.account_manager_id:
        qs = qs.filter(client__account_manager_id=filters.account_manager_id)
    if filters.group_id:
        qs = qs.filter(client__group_id=filters.group_id)
    if filters.below is not None:
        qs = qs.filter(score__lt=filters.below)
    return qs.select_related("client", "client__account_manager", "client__group").order_by("score", "client__legal_name", "pk")


def client_health_history(*, client: Client, days: int = 90, today: date | None = None) -> QuerySet[HealthScore]:
    """The client's scores of the last `days` days, newest first (the caller has checked access)."""
    since = (today or timezone.localdate()) - timedelta(days=days)
    return HealthScore.objects.filter(client=client, day__gt=since).order_by("-day")


def client_health_scores(*, client: Client) -> QuerySet[HealthScore]:
    """All of the client's scores, newest first (the caller has checked access)."""
    return HealthScore.objects.filter(client=client).order_by("-day")


def risk_proposal_list(*, actor: User, status: str = "", client: Client | None = None) -> QuerySet[RiskProposal]:
    """Proposals the actor may see, newest first; open ones of churned clients are not shown."""
    qs = proposals_visible_to(actor).select_related("client", "client__account_manager", "decided_by")
    if status:
        qs = qs.filter(status=status)
    if client is not None:
        qs = qs.filter(client=client)
    return qs.exclude(status=ProposalStatus.OPEN, client__status=LifecycleStatus.CHURNED).order_by("-created_at", "-pk")


def risk_proposals_open(*, actor: User, am_ids: list[int] | None = None) -> QuerySet[RiskProposal]:
    """Open proposals for My day: of the given AMs' clients (all visible ones when None)."""
    qs = risk_proposal_list(actor=actor, status=ProposalStatus.OPEN)
    if am_ids is not None:
        qs = qs.filter(client__account_manager_id__in=am_ids)
    return qs


@dataclass(frozen=True)
class AtRiskClient:
    client: Client
    score: int | None
    day: date | None
    top_reason: str
    top_reason_detail: str
    proposal_id: int | None  # an open «под риском» proposal, if that is why the client is listed


def at_risk_clients(*, actor: User, group_id: int | None = None, limit: int | None = None) -> list[AtRiskClient]:
    """Clients the actor may see that are «под риском» or have an open proposal to be, with the
    latest score and its top reason (the factor that cost most), lowest score first.
    Three queries for any number of clients. For the head's dashboard and the health list."""
    clients = health_clients_visible_to(actor).filter(status=LifecycleStatus.AT_RISK)
    proposed = risk_proposals_open(actor=actor)
    if group_id:
        clients = clients.filter(group_id=group_id)
        proposed = proposed.filter(client__group_id=group_id)
    open_by_client = {p.client_id: p for p in proposed}
    listed = {c.pk: c for c in clients.select_related("account_manager", "group")}
    for p in open_by_client.values():
        listed.setdefault(p.client_id, p.client)
    latest_day = HealthScore.objects.filter(client=OuterRef("client")).order_by("-day").values("pk")[:1]
    scores = {s.client_id: s for s in HealthScore.objects.filter(client_id__in=listed, pk=Subquery(latest_day))}
    result = []
    for cid, client in listed.items():
        s = scores.get(cid)
        top = s.top_factor if s else None
        proposal = open_by_client.get(cid)
        if top is None and proposal is not None and proposal.reasons:
            top = proposal.reasons[0]
        result.append(AtRiskClient(
            client=client, score=s.score if s else None, day=s.day if s else None,
            top_reason=top["label"] if top else "", top_reason_detail=top.get("detail", "") if top else "",
            proposal_id=proposal.pk if proposal else None,
        ))
    result.sort(key=lambda r: (r.score if r.score is not None else 101, r.client.display_name))
    return result[:limit] if limit is not None else result


def backtest_latest(*, actor: User) -> BacktestRun | None:
    """The agency's latest back-test run (the caller has checked `can_run_backtest`)."""
    employee = actor_employee(actor)
    if employee is None:
        return None
    return BacktestRun.objects.filter(agency_id=employee.agency_id).order_by("-created_at", "-pk").first()
