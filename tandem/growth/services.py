"""Writes of the growth app: opportunities and their stages, rules, suggestions, «no results»
recommendations and the AM's monthly marks. Each service checks the permission rule again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from tandem.clients.models import SERVED_STATUSES, Client
from tandem.contracts.models import ContractLine, Service
from tandem.core.errors import ApplicationError, PermissionDenied
from tandem.org.models import Agency, Employee, User

from . import rules
from .models import (
    DEFAULT_PROBABILITY,
    OPEN_STAGES,
    RULE_DEFAULTS,
    Decision,
    GrowthRule,
    NoResultsRecommendation,
    Opportunity,
    RuleKind,
    ServiceMark,
    Stage,
    StageChange,
    Suggestion,
    SuggestionStatus,
)
from .permissions import can_edit_rules, can_work_on_client, growth_employee

OPPORTUNITY_FIELDS = ("service", "monthly_value", "probability", "owner", "next_step", "next_step_date", "notes")


class StageNotAllowed(ApplicationError):
    pass


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied()


def _check_refs(*, client: Client, service: Service | None, owner: Employee | None) -> None:
    if service is not None and service.agency_id != client.agency_id:
        raise ValidationError({"service": _("Услуга не из каталога агентства.")})
    if owner is not None and (owner.agency_id != client.agency_id or not owner.is_active):
        raise ValidationError({"owner": _("Ответственный должен быть действующим сотрудником агентства.")})


# --- opportunities ------------------------------------------------------------------------------

@transaction.atomic
def opportunity_create(*, actor: User, client: Client, data: dict[str, Any]) -> Opportunity:
    """A new opportunity of a client the actor works on, at stage «идея» unless given; the owner
    defaults to the actor. The first stage is recorded in the history."""
    _require(can_work_on_client(actor, client))
    employee = growth_employee(actor)
    assert employee is not None
    stage = data.get("stage") or Stage.IDEA
    if stage not in OPEN_STAGES:
        raise ValidationError({"stage": _("Новая возможность начинается с открытого этапа.")})
    opportunity = Opportunity(agency_id=client.agency_id, client=client, stage=stage,
                              probability=DEFAULT_PROBABILITY[Stage(stage)], owner=employee)
    for name in OPPORTUNITY_FIELDS:
        if data.get(name) is not None:
            setattr(opportunity, name, data[name])
    _check_refs(client=client, service=data.get("service"), owner=data.get("owner"))
    opportunity.full_clean()
    opportunity.save()
    StageChange.objects.create(opportunity=opportunity, from_stage="", to_stage=stage, changed_by=actor,
                               changed_at=timezone.now(), comment=data.get("comment", ""))
    return opportunity


@transaction.atomic
def opportunity_update(*, actor: User, opportunity: Opportunity, data: dict[str, Any]) -> Opportunity:
    """Change the value, probability, owner, next step or notes (the stage moves with `opportunity_move`)."""
    _require(can_work_on_client(actor, opportunity.client))
    _check_refs(client=opportunity.client, service=data.get("service"), owner=data.get("owner"))
    for name in OPPORTUNITY_FIELDS:
        if name not in data:
            continue
        value = data[name]
        if value is None and name in ("service", "owner", "monthly_value", "probability"):
            raise ValidationError({name: _("Обязательное поле.")})
        if value is None and name in ("next_step", "notes"):
            value = ""
        setattr(opportunity, name, value)
    opportunity.full_clean()
    opportunity.save()
    return opportunity


@transaction.atomic
def opportunity_move(
    *, actor: User, opportunity: Opportunity, stage: str, lost_reason: str = "", lost_comment: str = "",
    comment: str = "", next_step: str | None = None, next_step_date: date | None = None,
    probability: int | None = None,
) -> Opportunity:
    """Move to another stage. «Проиграно» needs a reason; «выиграно» and «проиграно» close the
    opportunity (probability 100 / 0); any other stage takes its usual probability unless given.
    A closed opportunity can be reopened to an open stage. Recorded in the stage history."""
    _require(can_work_on_client(actor, opportunity.client))
    opportunity = Opportunity.objects.select_for_update().get(pk=opportunity.pk)
    if stage not in Stage.values:
        raise ValidationError({"stage": _("Нет такого этапа.")})
    if stage == opportunity.stage:
        raise StageNotAllowed(_("Возможность уже на этом этапе."), field="stage")
    if stage == Stage.LOST and not lost_reason:
        raise ValidationError({"lost_reason": _("Укажите причину проигрыша.")})
    previous = opportunity.stage
    opportunity.stage = stage
    now = timezone.now()
    if stage == Stage.LOST:
        opportunity.lost_reason, opportunity.lost_comment = lost_reason, lost_comment
    else:
        opportunity.lost_reason, opportunity.lost_comment = "", ""
    if stage in (Stage.WON, Stage.LOST):
        opportunity.probability = DEFAULT_PROBABILITY[Stage(stage)]
        opportunity.closed_at = now
    else:
        opportunity.probability = probability if probability is not None else DEFAULT_PROBABILITY[Stage(stage)]
        opportunity.closed_at = None
    if next_step is not None:
        opportunity.next_step = next_step
    if next_step_date is not None:
        opportunity.next_step_date = next_step_date
    opportunity.full_clean()
    opportunity.save()
    StageChange.objects.create(opportunity=opportunity, from_stage=previous, to_stage=stage, changed_by=actor,
                               changed_at=now, comment=comment or lost_comment)
    return opportunity


@transaction.atomic
def opportunity_delete(*, actor: User, opportunity: Opportunity) -> None:
    """Remove an opportunity entered by mistake; a suggestion it came from becomes open again."""
    _require(can_work_on_client(actor, opportunity.client))
    Suggestion.objects.filter(opportunity=opportunity).update(
        status=SuggestionStatus.OPEN, opportunity=None, decided_by=None, decided_at=None)
    opportunity.delete()


# --- rules ------------------------------------------------------------------------------------

def rules_of(*, agency: Agency) -> list[GrowthRule]:
    """The agency's rules, one per kind, created with the defaults on first use."""
    existing = {r.kind: r for r in GrowthRule.objects.filter(agency=agency)}
    missing = [GrowthRule(agency=agency, kind=kind, threshold=RULE_DEFAULTS[kind][0], months=RULE_DEFAULTS[kind][1])
               for kind in RuleKind.values if kind not in existing]
    if missing:
        GrowthRule.objects.bulk_create(missing, ignore_conflicts=True)
        existing = {r.kind: r for r in GrowthRule.objects.filter(agency=agency)}
    return [existing[kind] for kind in RuleKind.values]


@transaction.atomic
def rule_update(*, actor: User, rule: GrowthRule, is_enabled: bool, threshold: Decimal, months: int) -> GrowthRule:
    """Enable/disable a rule and set its threshold and months (head of accounts, admin)."""
    _require(can_edit_rules(actor))
    employee = growth_employee(actor)
    if employee is None or rule.agency_id != employee.agency_id:
        raise PermissionDenied()
    rule.is_enabled, rule.threshold, rule.months = is_enabled, threshold, months
    if rule.kind != RuleKind.SEO_NO_CONTEXT and months < 1:
        raise ValidationError({"months": _("Нужен хотя бы один месяц.")})
    rule.full_clean()
    rule.save()
    return rule


@transaction.atomic
def rules_update(*, actor: User, changes: list[tuple[GrowthRule, bool, Decimal, int]]) -> list[GrowthRule]:
    """Save several rules at once (the settings page): all or nothing."""
    return [rule_update(actor=actor, rule=rule, is_enabled=enabled, threshold=threshold, months=months)
            for rule, enabled, threshold, months in changes]


# --- suggestions and «no results» ---------------------------------------------------------------

@dataclass
class GenerationResult:
    suggestions_created: int = 0
    suggestions_updated: int = 0
    recommendations_created: int = 0
    recommendations_updated: int = 0


def _config(rule: GrowthRule) -> rules.RuleConfig:
    return rules.RuleConfig(kind=rule.kind, threshold=rule.threshold, months=rule.months)


@transaction.atomic
def growth_generate(*, agency: Agency, today: date, clients: QuerySet[Client] | None = None) -> GenerationResult:
    """Run the enabled rules over the agency's served clients (or `clients` only) and record what
    they find. A client gets one suggestion per service, and none for a service already in its open
    pipeline. Evidence once suggested is never suggested again, whatever became of it (accepted,
    dismissed); an open suggestion of the same client, rule and service takes the newer evidence.
    Likewise for «no results»: an undecided recommendation of a service is refreshed, a decided
    one stays and new evidence (later months) makes a new one. Safe to re-run."""
    agency_clients = Client.objects.filter(agency=agency, status__in=SERVED_STATUSES)
    scope = agency_clients if clients is None else agency_clients.filter(pk__in=clients.values("pk"))
    config = {r.kind: r for r in rules_of(agency=agency)}
    all_lines = rules.lines_grouped(agency_clients, today)
    scope_ids = set(scope.values_list("pk", flat=True))
    lines = {cid: ls for cid, ls in all_lines.items() if cid in scope_ids}
    findings: list[rules.Finding] = []
    if config[RuleKind.SEO_NO_CONTEXT].is_enabled:
        findings += rules.seo_no_context(agency_id=agency.pk, lines_by_client=lines)
    if config[RuleKind.RETAINER_OVERUSE].is_enabled:
        findings += rules.retainer_overuse(config=_config(config[RuleKind.RETAINER_OVERUSE]), lines_by_client=lines,
                                           today=today)
    if config[RuleKind.RESULTS_GROWING].is_enabled:
        findings += rules.results_growing(config=_config(config[RuleKind.RESULTS_GROWING]), lines_by_client=lines,
                                          today=today)
    if config[RuleKind.PEER_SERVICE].is_enabled:
        all_clients = list(agency_clients)
        findings += rules.peer_service(
            config=_config(config[RuleKind.PEER_SERVICE]), clients=[c for c in all_clients if c.pk in scope_ids],
            lines_by_client=lines, all_lines_by_client=all_lines, all_clients=all_clients,
        )
    # One suggestion per client and service (two rules may propose the same one), and none for a
    # service already in the client's open pipeline.
    taken = set(Opportunity.objects.filter(agency=agency, stage__in=OPEN_STAGES, client_id__in=scope_ids)
                .values_list("client_id", "service_id"))
    unique = []
    for f in findings:
        if (f.client_id, f.service_id) not in taken:
            taken.add((f.client_id, f.service_id))
            unique.append(f)
    result = GenerationResult()
    _record_suggestions(agency, unique, result)
    if config[RuleKind.NO_RESULTS].is_enabled:
        _record_recommendations(agency, rules.no_results(config=_config(config[RuleKind.NO_RESULTS]),
                                                         lines_by_client=lines, today=today), result)
    return result


def _record_suggestions(agency: Agency, findings: list[rules.Finding], result: GenerationResult) -> None:
    if not findings:
        return
    existing = list(Suggestion.objects.filter(agency=agency, client_id__in={f.client_id for f in findings}))
    seen = {(s.client_id, s.kind, s.evidence_key) for s in existing}
    open_by = {(s.client_id, s.kind, s.service_id): s for s in existing if s.status == SuggestionStatus.OPEN}
    for f in findings:
        if (f.client_id, f.kind, f.evidence_key) in seen:
            continue
        current = open_by.get((f.client_id, f.kind, f.service_id))
        if current is not None:
            current.evidence, current.evidence_key, current.monthly_value = f.evidence, f.evidence_key, f.monthly_value
            current.save(update_fields=["evidence", "evidence_key", "monthly_value", "updated_at"])
            result.suggestions_updated += 1
        else:
            Suggestion.objects.create(agency=agency, client_id=f.client_id, kind=f.kind, service_id=f.service_id,
                                      evidence=f.evidence, evidence_key=f.evidence_key, monthly_value=f.monthly_value)
            result.suggestions_created += 1
        seen.add((f.client_id, f.kind, f.evidence_key))


def _record_recommendations(agency: Agency, findings: list[rules.Finding], result: GenerationResult) -> None:
    if not findings:
        return
    existing = list(NoResultsRecommendation.objects.filter(
        agency=agency, contract_line_id__in={f.contract_line_id for f in findings}))
    seen = {(r.contract_line_id, r.evidence_key) for r in existing}
    open_by = {r.contract_line_id: r for r in existing if not r.decision}
    for f in findings:
        line_id = f.contract_line_id
        assert line_id is not None
        if (line_id, f.evidence_key) in seen:
            continue
        current = open_by.get(line_id)
        if current is not None:
            current.evidence, current.evidence_key, current.basis = f.evidence, f.evidence_key, f.basis
            current.spent, current.hours = f.spent, f.hours
            current.save(update_fields=["evidence", "evidence_key", "basis", "spent", "hours", "updated_at"])
            result.recommendations_updated += 1
        else:
            NoResultsRecommendation.objects.create(
                agency=agency, client_id=f.client_id, contract_line_id=line_id, basis=f.basis,
                evidence=f.evidence, evidence_key=f.evidence_key, spent=f.spent, hours=f.hours,
            )
            result.recommendations_created += 1


def growth_generate_for(*, actor: User, today: date) -> GenerationResult:
    """«Обновить сейчас»: the rules over the clients the actor works on."""
    from .permissions import growth_clients_of

    employee = growth_employee(actor)
    _require(employee is not None)
    assert employee is not None
    return growth_generate(agency=employee.agency, today=today, clients=growth_clients_of(actor))


@transaction.atomic
def suggestion_accept(*, actor: User, suggestion: Suggestion, owner: Employee | None = None) -> Opportunity:
    """One click: the suggestion becomes an opportunity at «идея» (service and value from the
    suggestion, next step «обсудить с клиентом»), and the suggestion is marked as taken."""
    _require(can_work_on_client(actor, suggestion.client))
    suggestion = Suggestion.objects.select_for_update().get(pk=suggestion.pk)
    if suggestion.status != SuggestionStatus.OPEN:
        raise StageNotAllowed(_("Подсказка уже разобрана."), field="status")
    opportunity = opportunity_create(actor=actor, client=suggestion.client, data={
        "service": suggestion.service, "monthly_value": suggestion.monthly_value,
        "owner": owner, "next_step": _("Обсудить с клиентом"), "notes": suggestion.get_kind_display(),
        "comment": _("Из подсказки: %(kind)s") % {"kind": suggestion.get_kind_display()},
    })
    suggestion.status, suggestion.opportunity = SuggestionStatus.ACCEPTED, opportunity
    suggestion.decided_by, suggestion.decided_at = actor, timezone.now()
    suggestion.save(update_fields=["status", "opportunity", "decided_by", "decided_at", "updated_at"])
    return opportunity


@transaction.atomic
def suggestion_dismiss(*, actor: User, suggestion: Suggestion, reason: str) -> Suggestion:
    """Dismiss with a reason; the same evidence is never suggested again."""
    _require(can_work_on_client(actor, suggestion.client))
    if not reason.strip():
        raise ValidationError({"reason": _("Укажите причину.")})
    suggestion = Suggestion.objects.select_for_update().get(pk=suggestion.pk)
    if suggestion.status != SuggestionStatus.OPEN:
        raise StageNotAllowed(_("Подсказка уже разобрана."), field="status")
    suggestion.status, suggestion.dismiss_reason = SuggestionStatus.DISMISSED, reason.strip()
    suggestion.decided_by, suggestion.decided_at = actor, timezone.now()
    suggestion.save(update_fields=["status", "dismiss_reason", "decided_by", "decided_at", "updated_at"])
    return suggestion


@transaction.atomic
def recommendation_decide(
    *, actor: User, recommendation: NoResultsRecommendation, decision: str, comment: str = "",
    replacement_service: Service | None = None,
) -> NoResultsRecommendation:
    """The AM's decision on a service that gives no results: keep, change, stop, or replace with
    another service (named). A decision may be revised; the history keeps every version.
    «Заменить» also opens an opportunity for the replacement at «идея»."""
    _require(can_work_on_client(actor, recommendation.client))
    if decision not in Decision.values:
        raise ValidationError({"decision": _("Выберите решение.")})
    if decision == Decision.REPLACE and replacement_service is None:
        raise ValidationError({"replacement_service": _("Укажите, на какую услугу заменить.")})
    if replacement_service is not None and replacement_service.agency_id != recommendation.client.agency_id:
        raise ValidationError({"replacement_service": _("Услуга не из каталога агентства.")})
    recommendation = NoResultsRecommendation.objects.select_for_update().select_related(
        "client", "contract_line").get(pk=recommendation.pk)
    recommendation.decision = decision
    recommendation.replacement_service = replacement_service if decision == Decision.REPLACE else None
    recommendation.decision_comment = comment.strip()
    recommendation.decided_by, recommendation.decided_at = actor, timezone.now()
    recommendation.full_clean()
    recommendation.save()
    if decision == Decision.REPLACE and replacement_service is not None:
        opportunity_create(actor=actor, client=recommendation.client, data={
            "service": replacement_service, "monthly_value": recommendation.contract_line.amount,
            "next_step": _("Предложить замену услуги"), "notes": comment.strip(),
        })
    return recommendation


@transaction.atomic
def service_mark_set(*, actor: User, contract_line: ContractLine, month: date, mark: str, comment: str = "") -> ServiceMark:
    """The AM's mark of a client service for a month (one per month; a second one replaces it)."""
    client = contract_line.contract.client
    _require(can_work_on_client(actor, client))
    if month.day != 1:
        month = month.replace(day=1)
    if month > timezone.localdate():
        raise ValidationError({"month": _("Месяц ещё не начался.")})
    existing = ServiceMark.objects.filter(contract_line=contract_line, month=month).first()
    item = existing or ServiceMark(client=client, contract_line=contract_line, month=month)
    item.mark, item.comment, item.marked_by = mark, comment.strip(), actor
    item.full_clean()
    item.save()
    return item
