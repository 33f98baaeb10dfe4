"""Growth: an upsell pipeline in every stage (built through the services, so the stage history is
real), the AM's monthly marks of a service without analytics, the agency's rules run over the demo
(suggestions with evidence, «no results» recommendations), and a few decisions: a suggestion taken
into the pipeline, one dismissed, a recommendation decided «заменить».

The demo AM «am1» gets a full board, an opportunity whose next step is today (My day) and one
overdue. Skips itself when the agency already has opportunities.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.db.models import Q

from tandem.clients.models import SERVED_STATUSES, Client, ServiceKind
from tandem.contracts.models import ContractLine, ContractStatus, Service
from tandem.growth import proposal_services, services
from tandem.growth.models import (
    Decision,
    LostReason,
    Mark,
    NoResultsRecommendation,
    Opportunity,
    ProposalStatus,
    Stage,
    Suggestion,
    SuggestionStatus,
)
from tandem.growth.rules import last_months
from tandem.org.models import Employee
from tandem.org.roles import Role
from tandem.reports.models import AnalyticsSource
from tandem.work.models import TimeEntry

from .context import DemoContext

NEXT_STEPS = ["Позвонить ЛПР", "Показать кейсы конкурентов", "Отправить КП", "Созвон по КП", "Уточнить бюджет",
              "Встреча в офисе клиента", "Подготовить медиаплан"]
# (stage, days from today to the next step) of am1's board; None: no next step.
AM1_PLAN = [
    (Stage.IDEA, 3), (Stage.IDEA, -2), (Stage.OFFERED, 1), (Stage.OFFERED, 6), (Stage.PROPOSAL_SENT, 0),
    (Stage.PROPOSAL_SENT, 4), (Stage.WON, None), (Stage.LOST, None),
]


def _services_missing(client: Client, catalogue: list[Service]) -> list[Service]:
    bought = set(ContractLine.objects.filter(contract__client=client).values_list("service_id", flat=True))
    return [s for s in catalogue if s.pk not in bought and s.kind != ServiceKind.OTHER]


def _opportunity(ctx: DemoContext, am: Employee, client: Client, service: Service, stage: Stage,
                 step_in_days: int | None) -> Opportunity:
    actor = am.user
    opp = services.opportunity_create(actor=actor, client=client, data={
        "service": service, "monthly_value": Decimal(ctx.rng.choice([35, 40, 45, 55, 60, 70, 90])) * 1000,
        "next_step": ctx.rng.choice(NEXT_STEPS),
        "next_step_date": ctx.today + timedelta(days=step_in_days) if step_in_days is not None else None,
    })
    path = {Stage.IDEA: [], Stage.OFFERED: [Stage.OFFERED], Stage.PROPOSAL_SENT: [Stage.OFFERED, Stage.PROPOSAL_SENT],
            Stage.WON: [Stage.OFFERED, Stage.PROPOSAL_SENT, Stage.WON],
            Stage.LOST: [Stage.OFFERED, Stage.PROPOSAL_SENT, Stage.LOST]}[stage]
    for step in path:
        opp = services.opportunity_move(
            actor=actor, opportunity=opp, stage=step,
            lost_reason=LostReason.PRICE if step == Stage.LOST else "",
            lost_comment="Клиент выбрал подрядчика дешевле" if step == Stage.LOST else "",
            comment="КП отправлено на почту ЛПР" if step == Stage.PROPOSAL_SENT else "",
        )
    if step_in_days is not None and opp.next_step_date != ctx.today + timedelta(days=step_in_days):
        opp = services.opportunity_update(actor=actor, opportunity=opp, data={
            "next_step_date": ctx.today + timedelta(days=step_in_days)})
    return opp


def seed(ctx: DemoContext) -> None:
    if Opportunity.objects.filter(agency=ctx.agency).exists():
        ctx.log("growth: already there, skipped")
        return
    services.rules_of(agency=ctx.agency)
    catalogue = list(Service.objects.filter(agency=ctx.agency, is_active=True).order_by("pk"))
    served = Client.objects.filter(agency=ctx.agency, status__in=SERVED_STATUSES).order_by("pk")
    am1 = ctx.employee("am1")
    made = 0
    # am1: every stage, one next step today, one overdue.
    own = list(served.filter(account_manager=am1)[: len(AM1_PLAN)])
    for client, (stage, days) in zip(own, AM1_PLAN, strict=False):
        missing = _services_missing(client, catalogue)
        if missing:
            _opportunity(ctx, am1, client, ctx.rng.choice(missing), stage, days)
            made += 1
    # Other AMs: two or three each, at random stages.
    for am in Employee.objects.filter(agency=ctx.agency, role=Role.ACCOUNT_MANAGER, is_active=True).exclude(pk=am1.pk):
        for client in served.filter(account_manager=am)[: ctx.rng.randint(2, 3)]:
            missing = _services_missing(client, catalogue)
            if missing:
                stage = ctx.rng.choice(list(Stage))
                _opportunity(ctx, am, client, ctx.rng.choice(missing), stage,
                             None if stage in (Stage.WON, Stage.LOST) else ctx.rng.randint(-3, 10))
                made += 1

    # Marks where there is no analytics: am1 marks a service that had hours in the last three months.
    months = last_months(ctx.today, 3)
    with_analytics = AnalyticsSource.objects.values("client_id")
    marked = (ContractLine.objects.filter(
        contract__client__account_manager=am1, contract__status=ContractStatus.SIGNED,
        contract__start_date__lte=months[0], project__isnull=False,
    ).filter(Q(contract__end_date__isnull=True) | Q(contract__end_date__gte=ctx.today))
        .exclude(contract__client_id__in=with_analytics)
        .filter(pk__in=TimeEntry.objects.filter(date__gte=months[0]).values("project__contract_line_id"))
        .select_related("contract__client").order_by("pk").first())
    if marked is not None:
        for month, mark, note in zip(months, (Mark.SAME, Mark.WORSE, Mark.SAME), (
                "Охваты на прежнем уровне", "Вовлечённость упала после смены алгоритма", "Без изменений"),
                strict=True):
            services.service_mark_set(actor=am1.user, contract_line=marked, month=month, mark=mark, comment=note)

    result = services.growth_generate(agency=ctx.agency, today=ctx.today)

    # Decisions: am1 takes one suggestion into the pipeline and dismisses another; decides a recommendation.
    mine = list(Suggestion.objects.filter(client__account_manager=am1, status=SuggestionStatus.OPEN).order_by("pk"))
    if len(mine) >= 3:
        services.suggestion_accept(actor=am1.user, suggestion=mine[0])
        services.suggestion_dismiss(actor=am1.user, suggestion=mine[1],
                                    reason="Клиент сейчас сокращает маркетинговый бюджет")
    rec = (NoResultsRecommendation.objects.filter(client__account_manager=am1).order_by("pk").first()
           or NoResultsRecommendation.objects.filter(agency=ctx.agency).order_by("pk").first())
    if rec is not None:
        actor = rec.client.account_manager or am1
        replacement = Service.objects.filter(agency=ctx.agency, kind=ServiceKind.TARGETED).exclude(
            pk=rec.contract_line.service_id).first()
        if replacement is not None:
            services.recommendation_decide(
                actor=actor.user, recommendation=rec, decision=Decision.REPLACE, replacement_service=replacement,
                comment="Бюджет уходит без роста заявок: предлагаем таргет ВКонтакте вместо текущей услуги")
        else:
            services.recommendation_decide(actor=actor.user, recommendation=rec, decision=Decision.CHANGE,
                                           comment="Меняем семантику и посадочные страницы")
    ctx.log(f"growth: {made} opportunities, {result.suggestions_created} suggestions, "
            f"{result.recommendations_created} «no results» recommendations")
    _proposals(ctx, am1, own, catalogue)


# (status, discount %, days ago) of am1's КП; the sent one belongs to an offered opportunity.
PROPOSAL_PLAN = [
    (ProposalStatus.DRAFT, Decimal("0"), 1), (ProposalStatus.SENT, Decimal("5"), 6),
    (ProposalStatus.ACCEPTED, Decimal("10"), 20), (ProposalStatus.DECLINED, Decimal("0"), 40),
]


def _proposals(ctx: DemoContext, am1: Employee, clients: list[Client], catalogue: list[Service]) -> None:
    """A few КП of am1 in every status, with the status history made through the services."""
    if not clients or not catalogue:
        return
    made = 0
    for n, (status, discount, days_ago) in enumerate(PROPOSAL_PLAN):
        client = clients[n % len(clients)]
        picked = ctx.rng.sample(catalogue, k=min(2, len(catalogue)))
        lines = [proposal_services.LineData(service=svc, price=Decimal(ctx.rng.randint(3, 12) * 10_000))
                 for svc in picked]
        opportunity = (Opportunity.objects.filter(client=client, stage__in=(Stage.IDEA, Stage.OFFERED)).first()
                       if status == ProposalStatus.SENT else None)
        proposal = proposal_services.proposal_create(
            actor=am1.user, client=client, lines=lines, discount_percent=discount, opportunity=opportunity,
            today=ctx.today - timedelta(days=days_ago), notes="Стоимость указана за месяц работ",
        )
        if status != ProposalStatus.DRAFT:
            proposal_services.proposal_change_status(actor=am1.user, proposal=proposal, status=ProposalStatus.SENT)
        if status in (ProposalStatus.ACCEPTED, ProposalStatus.DECLINED):
            proposal_services.proposal_change_status(
                actor=am1.user, proposal=proposal, status=status,
                comment="Согласовано с директором по маркетингу" if status == ProposalStatus.ACCEPTED else "Дорого",
            )
        made += 1
    ctx.log(f"growth: {made} commercial proposals")
