"""Reads of client health, scoped to the actor (see health.permissions)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from tandem.clients.models import Client, LifecycleStatus, LifecycleTransition
from tandem.org.models import User
from tandem.org.permissions import actor_employee

from .models import BacktestRun, HealthScore, HealthSettings, ProposalStatus, RiskProposal
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
    proposal_id: int | None  # an open «под риском» proposal, if there is one
    accepted: bool = False  # the client is in the «под риском» status (set by hand or a proposal accepted)
    since: datetime | None = None  # when it last moved into «под риском» (accepted ones)


def _risk_threshold(agency_id: int) -> int:
    value = HealthSettings.objects.filter(agency_id=agency_id).values_list("risk_threshold", flat=True).first()
    return int(value if value is not None else HealthSettings._meta.get_field("risk_threshold").get_default())


def at_risk_clients(*, actor: User, group_id: int | None = None, limit: int | None = None) -> list[AtRiskClient]:
    """The one list of clients at risk (the head's dashboard in the web and the API, the health
    list): clients the actor may see that are
    - in the accepted «под риском» status: the reason is the one written on their latest move
      into it (the AM's own words, or the accepted proposal's reasons), else the score's top factor;
    - not (yet) at risk but with the latest score below the agency's threshold, or an open
      proposal: the reason is the score's top factor (the factor that cost most points).
    Lowest score first (clients never scored last), then by name. A fixed number of queries
    (six) for any number of clients."""
    employee = actor_employee(actor)
    if employee is None:
        return []
    threshold = _risk_threshold(employee.agency_id)
    latest_move = LifecycleTransition.objects.filter(
        client_id=OuterRef("pk"), to_status=LifecycleStatus.AT_RISK).order_by("-changed_at", "-id")
    accepted_qs = (health_clients_visible_to(actor).filter(status=LifecycleStatus.AT_RISK)
                   .annotate(risk_reason=Subquery(latest_move.values("reason")[:1]),
                             risk_since=Subquery(latest_move.values("changed_at")[:1]))
                   .select_related("account_manager", "group"))
    latest = HealthScore.objects.filter(client=OuterRef("client")).order_by("-day").values("pk")[:1]
    scores_qs = (HealthScore.objects.filter(health_client_filter(employee, "client__"), pk=Subquery(latest))
                 .exclude(client__status=LifecycleStatus.CHURNED)
                 .filter(Q(score__lt=threshold) | Q(client__status=LifecycleStatus.AT_RISK))
                 .select_related("client", "client__account_manager", "client__group"))
    proposed = risk_proposals_open(actor=actor)
    if group_id:
        accepted_qs = accepted_qs.filter(group_id=group_id)
        scores_qs = scores_qs.filter(client__group_id=group_id)
        proposed = proposed.filter(client__group_id=group_id)
    accepted = {c.pk: c for c in accepted_qs}
    scores = {s.client_id: s for s in scores_qs}
    open_by_client = {p.client_id: p for p in proposed.select_related("client__group")}
    listed: dict[int, Client] = {s.client_id: s.client for s in scores.values()}
    listed.update(accepted)
    for p in open_by_client.values():
        listed.setdefault(p.client_id, p.client)
    result = []
    for cid, client in listed.items():
        score = scores.get(cid)
        proposal = open_by_client.get(cid)
        factor = score.top_factor if score else None
        if factor is None and proposal is not None and proposal.reasons:
            factor = proposal.reasons[0]
        reason, detail = (factor["label"], factor.get("detail", "")) if factor else ("", "")
        moved = accepted.get(cid)
        moved_reason: str = getattr(moved, "risk_reason", None) or ""
        if moved_reason:
            reason, detail = moved_reason, ""
        result.append(AtRiskClient(
            client=client, score=score.score if score else None, day=score.day if score else None,
            top_reason=reason, top_reason_detail=detail, proposal_id=proposal.pk if proposal else None,
            accepted=moved is not None, since=getattr(moved, "risk_since", None) if moved is not None else None,
        ))
    result.sort(key=lambda r: (r.score if r.score is not None else 101, r.client.display_name, r.client.pk))
    return result[:limit] if limit is not None else result


def backtest_latest(*, actor: User) -> BacktestRun | None:
    """The agency's latest back-test run (the caller has checked `can_run_backtest`)."""
    employee = actor_employee(actor)
    if employee is None:
        return None
    return BacktestRun.objects.filter(agency_id=employee.agency_id).order_by("-created_at", "-pk").first()
