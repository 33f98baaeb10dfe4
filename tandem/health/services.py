"""Writes of client health: the daily scores, «под риском» proposals and their decisions, settings.

The nightly job (tasks.health_recompute_all) and the «Пересчитать» button both call
`health_recompute`; re-running a day replaces that day's scores (one row per client and day).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tandem.clients import services as client_services
from tandem.clients.models import SERVED_STATUSES, Client, LifecycleStatus
from tandem.core.errors import ApplicationError, PermissionDenied
from tandem.core.events import emit
from tandem.notifications.services import notify
from tandem.org.models import Agency, User
from tandem.org.permissions import actor_employee

from . import permissions
from .factors import score_clients
from .models import HealthScore, HealthSettings, ProposalStatus, RiskProposal

# After a proposal is dismissed the same client is not proposed again for this many days.
DISMISS_COOLDOWN_DAYS = 14
# Reasons shown on a proposal: the factors that cost most.
PROPOSAL_REASONS = 3

SETTINGS_FIELDS = (
    "risk_threshold", "weight_payment", "payment_late_days", "weight_contact", "weight_sla", "weight_work",
    "stage_wait_days", "weight_results", "results_drop_pct", "weight_new_client", "new_client_days",
    "weight_am_change", "am_change_days", "weight_volume", "volume_drop_pct", "weight_complaints",
    "lookback_days", "complaint_phrases",
)


class ProposalAlreadyDecided(ApplicationError):
    status_code = 409


def health_settings_for(agency: Agency | int) -> HealthSettings:
    """The agency's settings, created with the defaults on first use."""
    agency_id = agency if isinstance(agency, int) else agency.pk
    obj, _created = HealthSettings.objects.get_or_create(agency_id=agency_id)
    return obj


def health_settings_update(*, actor: User, data: dict[str, Any]) -> HealthSettings:
    """Heads of accounts and admins change weights, thresholds and the complaint phrases."""
    if not permissions.can_manage_health_settings(actor):
        raise PermissionDenied()
    employee = actor_employee(actor)
    assert employee is not None
    obj = health_settings_for(employee.agency_id)
    for name in SETTINGS_FIELDS:
        if name in data:
            setattr(obj, name, data[name])
    obj.full_clean()
    obj.save()
    return obj


@dataclass
class RecomputeResult:
    scores: list[HealthScore]
    proposals: list[RiskProposal]


def _proposal_reasons(factors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"key": f["key"], "label": f["label"], "points": f["points"], "detail": f["detail"]}
            for f in factors if f["points"] > 0][:PROPOSAL_REASONS]


@transaction.atomic
def health_recompute(*, agency: Agency, day: date | None = None, client_ids: list[int] | None = None,
                     propose: bool = True) -> RecomputeResult:
    """Score the agency's served clients (onboarding, active, at risk) for `day` (today by
    default) and store one row per client and day, replacing a row of the same day (idempotent).
    Churned clients and leads are frozen: no new scores and no proposals.

    A client below the threshold that is not already «под риском», has no open proposal and
    had none dismissed in the last DISMISS_COOLDOWN_DAYS gets a proposal, and its AM a notification.
    """
    day = day or timezone.localdate()
    cfg = health_settings_for(agency)
    clients_qs = Client.objects.filter(agency=agency, status__in=SERVED_STATUSES)
    if client_ids is not None:
        clients_qs = clients_qs.filter(pk__in=client_ids)
    clients = {c.pk: c for c in clients_qs.select_related("account_manager")}
    scored = score_clients(sorted(clients), day, cfg)
    now = timezone.now()
    existing = {s.client_id: s for s in HealthScore.objects.filter(client_id__in=clients, day=day)}
    to_create, to_update = [], []
    for cid, result in scored.items():
        row = existing.get(cid)
        if row is None:
            to_create.append(HealthScore(agency=agency, client_id=cid, day=day, score=result.score,
                                         factors=result.factors, computed_at=now))
        else:
            row.score, row.factors, row.computed_at = result.score, result.factors, now
            to_update.append(row)
    HealthScore.objects.bulk_create(to_create)
    HealthScore.objects.bulk_update(to_update, ["score", "factors", "computed_at"])
    scores = to_create + to_update
    proposals = _propose(agency, cfg, clients, scores, day) if propose else []
    return RecomputeResult(scores=scores, proposals=proposals)


def _propose(agency: Agency, cfg: HealthSettings, clients: dict[int, Client], scores: list[HealthScore],
             day: date) -> list[RiskProposal]:
    low = [s for s in scores if s.score < cfg.risk_threshold and clients[s.client_id].status != LifecycleStatus.AT_RISK]
    if not low:
        return []
    ids = [s.client_id for s in low]
    blocked = set(RiskProposal.objects.filter(client_id__in=ids, status=ProposalStatus.OPEN).values_list("client_id", flat=True))
    blocked |= set(RiskProposal.objects.filter(
        client_id__in=ids, status=ProposalStatus.DISMISSED,
        decided_at__gte=timezone.now() - timedelta(days=DISMISS_COOLDOWN_DAYS),
    ).values_list("client_id", flat=True))
    created = []
    for s in low:
        if s.client_id in blocked:
            continue
        proposal = RiskProposal.objects.create(
            agency=agency, client_id=s.client_id, health_score=s, day=day, score=s.score,
            reasons=_proposal_reasons(s.factors),
        )
        created.append(proposal)
        _notify_proposal(proposal, clients[s.client_id])
        emit("client.health_below_threshold", agency_id=agency.pk, data={
            "client": s.client_id, "score": s.score, "threshold": cfg.risk_threshold, "day": day.isoformat(),
            "reasons": [r["label"] for r in proposal.reasons],
        })
    return created


def _notify_proposal(proposal: RiskProposal, client: Client) -> None:
    if client.account_manager is None:
        return
    reasons = "; ".join(r["label"] for r in proposal.reasons)
    notify(
        recipient=client.account_manager, kind="health.risk_proposal",
        title=_("%(client)s: оценка здоровья %(score)s — поставить «под риском»?") % {
            "client": client.display_name, "score": proposal.score},
        body=_("Причины: %(reasons)s") % {"reasons": reasons},
        dedupe_key=f"health.risk_proposal:{proposal.pk}",
        url=f"/clients/{client.pk}/#health",
    )


def health_recompute_client(*, actor: User, client: Client) -> HealthScore:
    """«Пересчитать сейчас» from the card or the API: today's score of one client."""
    if not permissions.can_recompute_health(actor, client):
        raise PermissionDenied()
    if client.status not in SERVED_STATUSES:
        raise ValidationError({"client": _("Оценка считается только для клиентов в работе.")})
    result = health_recompute(agency=client.agency, client_ids=[client.pk])
    return result.scores[0]


def _reasons_text(proposal: RiskProposal) -> str:
    lines = [_("Оценка здоровья %(score)s на %(day)s.") % {"score": proposal.score, "day": proposal.day.strftime("%d.%m.%Y")}]
    lines += [f"{r['label']} (−{r['points']}): {r['detail']}" for r in proposal.reasons]
    return "\n".join(lines)


def _decidable(actor: User, proposal: RiskProposal) -> RiskProposal:
    if not permissions.can_decide_proposal(actor, proposal):
        raise PermissionDenied()
    locked = RiskProposal.objects.select_for_update().select_related("client").get(pk=proposal.pk)
    if locked.status != ProposalStatus.OPEN:
        raise ProposalAlreadyDecided(_("Решение по предложению уже принято."))
    return locked


@transaction.atomic
def risk_proposal_accept(*, actor: User, proposal: RiskProposal, comment: str = "") -> RiskProposal:
    """Accept: the client becomes «под риском» through the clients service, with the score's
    reasons (and the comment) as the reason of the status change."""
    proposal = _decidable(actor, proposal)
    reason = _reasons_text(proposal) + (f"\n{comment.strip()}" if comment.strip() else "")
    if proposal.client.status != LifecycleStatus.AT_RISK:
        client_services.client_change_status(
            actor=actor, client=proposal.client, to_status=LifecycleStatus.AT_RISK, reason=reason)
    proposal.status = ProposalStatus.ACCEPTED
    proposal.decided_by = actor
    proposal.decided_at = timezone.now()
    proposal.comment = comment.strip()
    proposal.full_clean()
    proposal.save()
    return proposal


@transaction.atomic
def risk_proposal_dismiss(*, actor: User, proposal: RiskProposal, comment: str) -> RiskProposal:
    """Dismiss with a comment (why the client is fine); the client keeps its status."""
    if not comment.strip():
        raise ValidationError({"comment": _("Напишите, почему клиент не под риском.")})
    proposal = _decidable(actor, proposal)
    proposal.status = ProposalStatus.DISMISSED
    proposal.decided_by = actor
    proposal.decided_at = timezone.now()
    proposal.comment = comment.strip()
    proposal.full_clean()
    proposal.save()
    return proposal
