"""Reads of the growth app, scoped to the actor (see permissions)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count, DecimalField, ExpressionWrapper, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from tandem.clients.models import Client
from tandem.org.models import User

from .models import (
    OPEN_STAGES,
    NoResultsRecommendation,
    Opportunity,
    Proposal,
    ProposalStatusChange,
    ServiceMark,
    Stage,
    StageChange,
    Suggestion,
    SuggestionStatus,
)
from .permissions import (
    marks_visible_to,
    opportunities_visible_to,
    proposals_visible_to,
    recommendations_visible_to,
    suggestions_visible_to,
)

ZERO = Decimal("0.00")
WEIGHTED = ExpressionWrapper(F("monthly_value") * F("probability") / Value(Decimal(100)),
                             output_field=DecimalField(max_digits=16, decimal_places=4))


@dataclass(frozen=True)
class OpportunityFilters:
    stage: str = ""
    owner_id: int | None = None
    client_id: int | None = None
    service_id: int | None = None
    search: str = ""
    open_only: bool = False


def opportunity_list(*, actor: User, filters: OpportunityFilters | None = None) -> QuerySet[Opportunity]:
    """Opportunities of the actor's clients (and, for an AM, those they own), filtered; nearest
    next step first, then newest."""
    f = filters or OpportunityFilters()
    qs = opportunities_visible_to(actor).select_related("client", "service", "owner")
    if f.stage:
        qs = qs.filter(stage=f.stage)
    if f.open_only:
        qs = qs.filter(stage__in=OPEN_STAGES)
    if f.owner_id:
        qs = qs.filter(owner_id=f.owner_id)
    if f.client_id:
        qs = qs.filter(client_id=f.client_id)
    if f.service_id:
        qs = qs.filter(service_id=f.service_id)
    if f.search:
        qs = qs.filter(Q(client__legal_name__icontains=f.search) | Q(client__brand_name__icontains=f.search)
                       | Q(service__name__icontains=f.search) | Q(next_step__icontains=f.search))
    return qs.order_by(F("next_step_date").asc(nulls_last=True), "-id")


@dataclass
class PipelineTotals:
    count: int = 0
    value: Decimal = ZERO
    weighted: Decimal = ZERO


@dataclass
class BoardColumn:
    stage: Stage
    items: list[Opportunity] = field(default_factory=list)
    totals: PipelineTotals = field(default_factory=PipelineTotals)


@dataclass
class Board:
    columns: list[BoardColumn]
    # Open stages only: what the pipeline is worth (value × probability).
    open_totals: PipelineTotals


def pipeline_totals(qs: QuerySet[Opportunity]) -> dict[str, PipelineTotals]:
    """Count, monthly value and weighted value (value × probability) per stage, in one query."""
    rows = qs.order_by().values("stage").annotate(
        n=Count("pk"), value=Coalesce(Sum("monthly_value"), Value(ZERO)),
        weighted=Coalesce(Sum(WEIGHTED), Value(Decimal(0)), output_field=DecimalField(max_digits=16, decimal_places=4)),
    )
    return {r["stage"]: PipelineTotals(r["n"], Decimal(r["value"]).quantize(ZERO),
                                       Decimal(r["weighted"]).quantize(ZERO)) for r in rows}


BOARD_COLUMN_LIMIT = 100


def pipeline_board(*, actor: User, filters: OpportunityFilters | None = None) -> Board:
    """Columns by stage with their first BOARD_COLUMN_LIMIT opportunities (open ones by next step,
    won and lost the latest) and the totals: per column and for the open pipeline (weighted =
    Σ value × probability). The list page has them all."""
    qs = opportunity_list(actor=actor, filters=filters)
    totals = pipeline_totals(qs)
    items_by_stage: dict[str, list[Opportunity]] = {}
    for stage in Stage.values:
        column = qs.filter(stage=stage)
        if stage not in OPEN_STAGES:
            column = column.order_by("-closed_at", "-id")
        items_by_stage[stage] = list(column[:BOARD_COLUMN_LIMIT])
    columns = [BoardColumn(stage=Stage(s), items=items_by_stage[s], totals=totals.get(s, PipelineTotals()))
               for s in Stage.values]
    open_totals = PipelineTotals()
    for s in OPEN_STAGES:
        t = totals.get(s)
        if t:
            open_totals.count += t.count
            open_totals.value += t.value
            open_totals.weighted += t.weighted
    return Board(columns=columns, open_totals=open_totals)


def opportunity_stage_history(*, opportunity: Opportunity) -> QuerySet[StageChange]:
    """The stage moves of an opportunity (the caller looked it up with `opportunity_get_for`)."""
    return opportunity.stage_changes.select_related("changed_by__employee").order_by("-changed_at", "-id")


def opportunities_next_steps(*, actor: User, am_ids: list[int], today: date) -> QuerySet[Opportunity]:
    """Open opportunities with a next-step date up to `today` (overdue first), owned by `am_ids`
    (the day's people) — for My day."""
    qs = opportunity_list(actor=actor, filters=OpportunityFilters(open_only=True)).filter(next_step_date__lte=today)
    if am_ids:
        qs = qs.filter(owner_id__in=am_ids)
    return qs.order_by("next_step_date", "id")


@dataclass(frozen=True)
class SuggestionFilters:
    status: str = SuggestionStatus.OPEN
    kind: str = ""
    client_id: int | None = None


def suggestion_list(*, actor: User, filters: SuggestionFilters | None = None) -> QuerySet[Suggestion]:
    f = filters or SuggestionFilters()
    qs = suggestions_visible_to(actor).select_related("client", "service", "opportunity", "decided_by__employee")
    if f.status:
        qs = qs.filter(status=f.status)
    if f.kind:
        qs = qs.filter(kind=f.kind)
    if f.client_id:
        qs = qs.filter(client_id=f.client_id)
    return qs.order_by("-created_at", "-id")


@dataclass(frozen=True)
class RecommendationFilters:
    decided: bool | None = None
    client_id: int | None = None
    group_id: int | None = None
    account_manager_id: int | None = None


def recommendation_list(*, actor: User, filters: RecommendationFilters | None = None) -> QuerySet[NoResultsRecommendation]:
    """«No results» recommendations of the actor's clients; undecided first, then the latest decisions."""
    f = filters or RecommendationFilters()
    qs = recommendations_visible_to(actor).select_related(
        "client", "client__account_manager", "client__group", "contract_line__service", "contract_line__contract",
        "replacement_service", "decided_by__employee",
    )
    if f.decided is True:
        qs = qs.exclude(decision="")
    elif f.decided is False:
        qs = qs.filter(decision="")
    if f.client_id:
        qs = qs.filter(client_id=f.client_id)
    if f.group_id:
        qs = qs.filter(client__group_id=f.group_id)
    if f.account_manager_id:
        qs = qs.filter(client__account_manager_id=f.account_manager_id)
    return qs.order_by(F("decided_at").desc(nulls_first=True), "-created_at", "-id")


def mark_list(*, actor: User, client_id: int | None = None) -> QuerySet[ServiceMark]:
    qs = marks_visible_to(actor).select_related("client", "contract_line__service", "marked_by__employee")
    if client_id:
        qs = qs.filter(client_id=client_id)
    return qs.order_by("-month", "client__legal_name", "id")


@dataclass
class ClientGrowth:
    open_opportunities: list[Opportunity]
    totals: PipelineTotals
    open_suggestions: list[Suggestion]
    open_recommendations: list[NoResultsRecommendation]
    # The client's latest КП (CARD_PROPOSALS at most) and how many there are in all.
    proposals: list[Proposal] = field(default_factory=list)
    proposal_count: int = 0


CARD_PROPOSALS = 5


def client_growth(*, actor: User, client: Client) -> ClientGrowth:
    """The client card's panel: open opportunities with the weighted total, open suggestions,
    undecided «no results» recommendations and the client's latest КП with their status (the
    caller looked the client up)."""
    opps = list(opportunity_list(actor=actor, filters=OpportunityFilters(client_id=client.pk, open_only=True)))
    totals = PipelineTotals(count=len(opps), value=sum((o.monthly_value for o in opps), ZERO),
                            weighted=sum((o.weighted_value for o in opps), ZERO))
    proposals = list(proposal_list(actor=actor, client_id=client.pk)[:CARD_PROPOSALS])
    count = (proposals_visible_to(actor).filter(client=client).count() if len(proposals) == CARD_PROPOSALS
             else len(proposals))
    return ClientGrowth(
        open_opportunities=opps, totals=totals,
        open_suggestions=list(suggestion_list(actor=actor, filters=SuggestionFilters(client_id=client.pk))),
        open_recommendations=list(recommendation_list(
            actor=actor, filters=RecommendationFilters(decided=False, client_id=client.pk))),
        proposals=proposals, proposal_count=count,
    )


# --- commercial proposals ------------------------------------------------------------------------


def proposal_list(*, actor: User, status: str = "", client_id: int | None = None) -> QuerySet[Proposal]:
    """Visible КП, newest first, with their totals before the discount (`subtotal`)."""
    qs = proposals_visible_to(actor).select_related("client", "author", "author__employee")
    if status:
        qs = qs.filter(status=status)
    if client_id:
        qs = qs.filter(client_id=client_id)
    subtotal = Sum(F("lines__price") * F("lines__quantity"), output_field=DecimalField(max_digits=16, decimal_places=2))
    return qs.annotate(subtotal=subtotal).order_by("-date", "-id")


def proposal_history(*, proposal: Proposal) -> QuerySet[ProposalStatusChange]:
    return proposal.status_changes.select_related("changed_by", "changed_by__employee").order_by("changed_at", "id")
