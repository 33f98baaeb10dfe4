"""Opportunity stage moves and their history, permissions of the services, rules saved atomically."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from tandem.clients.models import ServiceKind
from tandem.core.errors import PermissionDenied
from tandem.growth import selectors, services
from tandem.growth.models import GrowthRule, Opportunity, RuleKind, Stage, StageChange
from tandem.growth.permissions import opportunities_visible_to

from .factories import OpportunityFactory, service


@pytest.fixture
def smm(org):
    return service(org.agency, ServiceKind.SMM, "SMM")


def test_create_records_the_first_stage_and_defaults(org, smm):
    opp = services.opportunity_create(actor=org.am1.user, client=org.client_a,
                                      data={"service": smm, "monthly_value": Decimal("40000")})
    assert (opp.stage, opp.probability, opp.owner) == (Stage.IDEA, 10, org.am1)
    assert list(StageChange.objects.values_list("from_stage", "to_stage")) == [("", "idea")]


def test_moves_keep_history_and_reopening_clears_the_loss(org, smm):
    # given
    opp = OpportunityFactory.create(client=org.client_a, service=smm)
    # when offered, lost, then reopened as offered
    services.opportunity_move(actor=org.am1.user, opportunity=opp, stage=Stage.OFFERED)
    services.opportunity_move(actor=org.am1.user, opportunity=opp, stage=Stage.LOST, lost_reason="no_budget",
                              lost_comment="Заморозили бюджет")
    lost = Opportunity.objects.get()
    assert (lost.probability, lost.lost_reason, lost.closed_at is not None) == (0, "no_budget", True)
    services.opportunity_move(actor=org.group_head.user, opportunity=opp, stage=Stage.OFFERED)
    # then
    reopened = Opportunity.objects.get()
    assert (reopened.stage, reopened.lost_reason, reopened.closed_at, reopened.probability) == (
        Stage.OFFERED, "", None, 30)
    history = list(selectors.opportunity_stage_history(opportunity=reopened))
    assert [(h.from_stage, h.to_stage, h.changed_by.username) for h in history] == [
        ("lost", "offered", "group_head"), ("offered", "lost", "am1"), ("idea", "offered", "am1")]
    assert history[1].comment == "Заморозили бюджет"


def test_same_stage_and_lost_without_reason_are_refused(org, smm):
    opp = OpportunityFactory.create(client=org.client_a, service=smm)
    with pytest.raises(ValidationError):
        services.opportunity_move(actor=org.am1.user, opportunity=opp, stage=Stage.LOST)
    with pytest.raises(Exception, match="уже на этом этапе"):
        services.opportunity_move(actor=org.am1.user, opportunity=opp, stage=Stage.IDEA)
    assert not StageChange.objects.exists() and Opportunity.objects.get().stage == Stage.IDEA


@pytest.mark.parametrize(("name", "sees"), [
    ("am1", True), ("am2", False), ("group_head", True), ("head", True), ("admin", True), ("spec1", False),
    ("finance", False), ("outsider", False),
])
def test_visibility_and_moves_by_role(org, smm, name, sees):
    opp = OpportunityFactory.create(client=org.client_a, service=smm)
    actor = org.by_role_name(name).user
    assert opportunities_visible_to(actor).filter(pk=opp.pk).exists() is sees
    if not sees:
        with pytest.raises(PermissionDenied):
            services.opportunity_move(actor=actor, opportunity=opp, stage=Stage.OFFERED)
        assert Opportunity.objects.get().stage == Stage.IDEA


def test_rules_are_saved_all_or_nothing(org):
    rules = {r.kind: r for r in services.rules_of(agency=org.agency)}
    with pytest.raises(ValidationError):
        services.rules_update(actor=org.head.user, changes=[
            (rules[RuleKind.RETAINER_OVERUSE], True, Decimal("150"), 2),
            (rules[RuleKind.NO_RESULTS], True, Decimal("5"), 0),  # months must be at least one
        ])
    assert GrowthRule.objects.get(agency=org.agency, kind=RuleKind.RETAINER_OVERUSE).threshold == Decimal("100")


def test_only_heads_edit_rules(org):
    rule = services.rules_of(agency=org.agency)[0]
    for name in ("am1", "group_head", "outsider"):
        with pytest.raises(PermissionDenied):
            services.rule_update(actor=org.by_role_name(name).user, rule=rule, is_enabled=False,
                                 threshold=Decimal("1"), months=1)
    assert GrowthRule.objects.get(pk=rule.pk).is_enabled is True
