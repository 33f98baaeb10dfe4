"""Daily scores, proposals and their decisions, permissions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tandem.clients.models import Client, LifecycleStatus, LifecycleTransition
from tandem.core.errors import NotFound, PermissionDenied
from tandem.health import permissions, selectors, services
from tandem.health.models import HealthScore, ProposalStatus, RiskProposal
from tandem.notifications.models import Notification

from .builders import interaction, invoice


@pytest.fixture
def troubled(org):
    """client_a: two complaints and a long-overdue invoice → well below 60."""
    today = timezone.localdate()
    a = org.client_a
    Client.objects.filter(pk__in=[a.pk, org.client_b.pk]).update(served_since=today - timedelta(days=400))
    invoice(a, day=today - timedelta(days=80), due=today - timedelta(days=70), total="30000.00")
    interaction(a, day=today - timedelta(days=3), summary="Недовольны: нет результата")
    interaction(a, day=today - timedelta(days=9), summary="Говорят, что хотят расторгнуть договор")
    return a


def test_recompute_stores_one_row_per_client_and_day(org, troubled):
    # when: the same day twice
    services.health_recompute(agency=org.agency)
    services.health_recompute(agency=org.agency)
    # then
    today = timezone.localdate()
    assert HealthScore.objects.filter(day=today).count() == 2
    a_score = HealthScore.objects.get(client=troubled, day=today)
    assert a_score.score == 100 - 20 - 25
    assert a_score.top_factor["key"] in {"payment", "complaints"}
    events = {(e["kind"], e["id"]) for f in a_score.factors for e in f["events"]}
    assert any(kind == "invoice" for kind, _id in events)


def test_low_score_proposes_at_risk_once_and_notifies_the_am(org, troubled):
    services.health_recompute(agency=org.agency)
    services.health_recompute(agency=org.agency)
    proposal = RiskProposal.objects.get()
    assert proposal.client == troubled and proposal.status == ProposalStatus.OPEN
    assert [r["key"] for r in proposal.reasons][:2] == [f["key"] for f in proposal.health_score.factors][:2]
    note = Notification.objects.get(kind="health.risk_proposal")
    assert note.recipient == org.am1
    assert "Альфа" in note.title


def test_churned_clients_are_frozen(org, troubled):
    Client.objects.filter(pk=troubled.pk).update(status=LifecycleStatus.CHURNED, churn_reason="results")
    result = services.health_recompute(agency=org.agency)
    assert [s.client_id for s in result.scores] == [org.client_b.pk]
    assert not RiskProposal.objects.exists()


def test_accept_moves_the_client_to_at_risk_with_the_reasons(org, troubled):
    services.health_recompute(agency=org.agency)
    proposal = RiskProposal.objects.get()
    services.risk_proposal_accept(actor=org.am1.user, proposal=proposal, comment="Звоню ЛПР завтра")
    troubled.refresh_from_db()
    proposal.refresh_from_db()
    assert troubled.status == LifecycleStatus.AT_RISK
    assert proposal.status == ProposalStatus.ACCEPTED and proposal.decided_by == org.am1.user
    transition = LifecycleTransition.objects.get(client=troubled, to_status=LifecycleStatus.AT_RISK)
    assert "Оценка здоровья" in transition.reason and "Звоню ЛПР завтра" in transition.reason
    # a client already at risk gets no new proposal
    RiskProposal.objects.all().delete()
    services.health_recompute(agency=org.agency)
    assert not RiskProposal.objects.exists()


def test_dismiss_needs_a_comment_and_blocks_new_proposals_for_a_while(org, troubled):
    services.health_recompute(agency=org.agency)
    proposal = RiskProposal.objects.get()
    with pytest.raises(ValidationError):
        services.risk_proposal_dismiss(actor=org.am1.user, proposal=proposal, comment="  ")
    services.risk_proposal_dismiss(actor=org.am1.user, proposal=proposal, comment="Долг согласован, платят по графику")
    proposal.refresh_from_db()
    troubled.refresh_from_db()
    assert proposal.status == ProposalStatus.DISMISSED
    assert troubled.status == LifecycleStatus.ACTIVE
    services.health_recompute(agency=org.agency)
    assert RiskProposal.objects.count() == 1
    with pytest.raises(services.ProposalAlreadyDecided):
        services.risk_proposal_accept(actor=org.am1.user, proposal=proposal)


@pytest.mark.parametrize(("who", "sees"), [
    ("am1", True), ("am2", False), ("group_head", True), ("head", True), ("admin", True),
    ("spec1", False), ("finance", False), ("outsider", False),
])
def test_who_sees_a_clients_health(org, troubled, who, sees):
    services.health_recompute(agency=org.agency)
    actor = org.by_role_name(who).user
    proposal = RiskProposal.objects.get()
    if sees:
        assert permissions.health_client_get_for(actor, troubled.pk) == troubled
        assert permissions.proposal_get_for(actor, proposal.pk) == proposal
    else:
        with pytest.raises(NotFound):
            permissions.health_client_get_for(actor, troubled.pk)
        with pytest.raises(NotFound):
            permissions.proposal_get_for(actor, proposal.pk)


def test_another_am_cannot_decide(org, troubled):
    services.health_recompute(agency=org.agency)
    proposal = RiskProposal.objects.get()
    with pytest.raises(PermissionDenied):
        services.risk_proposal_accept(actor=org.am2.user, proposal=proposal)
    troubled.refresh_from_db()
    assert troubled.status == LifecycleStatus.ACTIVE
    assert RiskProposal.objects.get().status == ProposalStatus.OPEN


def test_at_risk_clients_selector_gives_the_top_reason(org, troubled, django_assert_max_num_queries):
    services.health_recompute(agency=org.agency)
    with django_assert_max_num_queries(7):
        listed = selectors.at_risk_clients(actor=org.head.user)
    assert [r.client.pk for r in listed] == [troubled.pk]
    assert listed[0].score == 55 and listed[0].proposal_id is not None
    assert listed[0].top_reason in {"Жалобы во взаимодействиях", "Платёжная дисциплина"}
    assert selectors.at_risk_clients(actor=org.am2.user) == []


def test_settings_only_for_heads_and_admins(org):
    with pytest.raises(PermissionDenied):
        services.health_settings_update(actor=org.group_head.user, data={"risk_threshold": 70})
    cfg = services.health_settings_update(actor=org.head.user, data={"risk_threshold": 70})
    assert cfg.risk_threshold == 70
    with pytest.raises(ValidationError):
        services.health_settings_update(actor=org.head.user, data={"risk_threshold": 0})


def test_at_risk_is_the_accepted_status_and_scores_below_the_threshold(org, troubled, django_assert_max_num_queries):
    # given client_a below the threshold whose proposal the AM dismissed, and client_b put «под
    # риском» by hand while its score is fine
    from tandem.clients.services import client_change_status

    services.health_recompute(agency=org.agency)
    services.risk_proposal_dismiss(actor=org.am1.user, proposal=RiskProposal.objects.get(client=troubled),
                                   comment="Знаем, решаем")
    client_change_status(actor=org.head.user, client=org.client_b, to_status=LifecycleStatus.AT_RISK,
                         reason="Сменился директор")
    # when the head asks for the clients at risk
    with django_assert_max_num_queries(7):
        listed = selectors.at_risk_clients(actor=org.head.user)
    # then both: the low score with its top factor, the accepted one with the reason of its move
    rows = {r.client.pk: r for r in listed}
    assert list(rows) == [troubled.pk, org.client_b.pk]  # lowest score first
    low, accepted = rows[troubled.pk], rows[org.client_b.pk]
    assert (low.accepted, low.proposal_id, low.score) == (False, None, 55)
    assert low.top_reason in {"Жалобы во взаимодействиях", "Платёжная дисциплина"} and low.top_reason_detail
    assert (accepted.accepted, accepted.top_reason) == (True, "Сменился директор")
    assert accepted.since is not None and accepted.score is not None and accepted.score >= 60
    # and each AM sees only their own client
    assert [r.client.pk for r in selectors.at_risk_clients(actor=org.am2.user)] == [org.client_b.pk]
