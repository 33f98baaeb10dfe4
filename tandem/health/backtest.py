"""Back-test: replay the health score over the agency's past and check it against real churn.

For each replay day D (every `step_days` from `start` to `end`) the clients served on D are
those whose last lifecycle transition up to D is onboarding, active or at risk; they are scored
with `factors.score_clients(ids, D)` — the nightly code, which reads only data up to D — and a
score below the threshold is a flag. Then, against the transitions to «ушёл»:

- a churn on day C is caught when the client was flagged on some replay day in [C − horizon, C);
  the lead time is C minus the earliest such flag;
- a flagged client «did not churn» when no churn followed any of its flags within the horizon;
  flags in the last `horizon_days` of the period cannot be judged yet and count as pending;
- precision = flagged clients that churned / (those + flagged clients that did not churn).

Cost: two queries up front, then the constant number of factor queries per replay day.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from tandem.clients.models import SERVED_STATUSES, Client, LifecycleStatus, LifecycleTransition
from tandem.org.models import Agency, User

from .factors import score_clients
from .models import BacktestRun, HealthSettings
from .services import health_settings_for


@dataclass
class ChurnCase:
    client_id: int
    client: str
    churned_on: str
    flagged_on: str | None
    lead_days: int | None


@dataclass
class FlagCase:
    client_id: int
    client: str
    first_flag: str
    lowest_score: int


@dataclass
class BacktestResult:
    start: str
    end: str
    step_days: int
    horizon_days: int
    threshold: int
    replay_days: int
    client_days: int
    churned: int
    churned_flagged: int
    lead_days_avg: float | None
    lead_days_median: float | None
    flagged_clients: int
    flagged_churned: int
    flagged_not_churned: int
    flagged_pending: int
    precision: float | None
    recall: float | None
    churns: list[ChurnCase] = field(default_factory=list)
    false_alarms: list[FlagCase] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _served_on(history: list[tuple[date, str]], day: date) -> bool:
    status = None
    for when, to_status in history:
        if when > day:
            break
        status = to_status
    return status in SERVED_STATUSES


def replay_flags(*, agency: Agency, days: list[date], cfg: HealthSettings) -> tuple[dict[int, dict[date, int]], int]:
    """{client_id: {replay day: score}} for the clients served on each replay day, and the
    number of client-days scored."""
    history: dict[int, list[tuple[date, str]]] = defaultdict(list)
    for cid, changed_at, to_status in (
        LifecycleTransition.objects.filter(client__agency=agency).order_by("changed_at", "pk")
        .values_list("client_id", "changed_at", "to_status")
    ):
        history[cid].append((timezone.localdate(changed_at), to_status))
    scores: dict[int, dict[date, int]] = defaultdict(dict)
    client_days = 0
    for day in days:
        served = sorted(cid for cid, h in history.items() if _served_on(h, day))
        client_days += len(served)
        for cid, result in score_clients(served, day, cfg).items():
            scores[cid][day] = result.score
    return scores, client_days


def backtest_run(*, agency: Agency, start: date, end: date, step_days: int = 7, horizon_days: int = 90,
                 cfg: HealthSettings | None = None) -> BacktestResult:
    """Replay the score from `start` to `end` and compare the flags with the churn that happened
    (see the module docstring for the rules)."""
    cfg = cfg or health_settings_for(agency)
    days = []
    day = start
    while day <= end:
        days.append(day)
        day += timedelta(days=step_days)
    scores, client_days = replay_flags(agency=agency, days=days, cfg=cfg)
    flags = {cid: sorted(d for d, s in by_day.items() if s < cfg.risk_threshold) for cid, by_day in scores.items()}
    churns = list(
        LifecycleTransition.objects.filter(client__agency=agency, to_status=LifecycleStatus.CHURNED)
        .order_by("changed_at", "pk").values_list("client_id", "changed_at")
    )
    names = dict(Client.objects.filter(agency=agency).values_list("pk", "brand_name"))
    legal = dict(Client.objects.filter(agency=agency).values_list("pk", "legal_name"))

    def name(cid: int) -> str:
        return names.get(cid) or legal.get(cid, str(cid))

    cases: list[ChurnCase] = []
    churned_after_flag: set[int] = set()
    churn_days: dict[int, list[date]] = defaultdict(list)
    for cid, changed_at in churns:
        churned_on = timezone.localdate(changed_at)
        churn_days[cid].append(churned_on)
        if not (start < churned_on <= end):
            continue
        window = [d for d in flags.get(cid, []) if churned_on - timedelta(days=horizon_days) <= d < churned_on]
        first = window[0] if window else None
        cases.append(ChurnCase(cid, name(cid), churned_on.isoformat(), first.isoformat() if first else None,
                               (churned_on - first).days if first else None))
    judged_until = end - timedelta(days=horizon_days)
    false_alarms: list[FlagCase] = []
    pending = 0
    for cid, flagged_days in flags.items():
        if not flagged_days:
            continue
        if any(d < c <= d + timedelta(days=horizon_days) for d in flagged_days for c in churn_days.get(cid, [])):
            churned_after_flag.add(cid)
        elif any(d <= judged_until for d in flagged_days):
            false_alarms.append(FlagCase(cid, name(cid), flagged_days[0].isoformat(), min(scores[cid].values())))
        else:
            pending += 1
    leads = [c.lead_days for c in cases if c.lead_days is not None]
    flagged_total = len(churned_after_flag) + len(false_alarms) + pending
    judged = len(churned_after_flag) + len(false_alarms)
    return BacktestResult(
        start=start.isoformat(), end=end.isoformat(), step_days=step_days, horizon_days=horizon_days,
        threshold=cfg.risk_threshold, replay_days=len(days), client_days=client_days,
        churned=len(cases), churned_flagged=len(leads),
        lead_days_avg=round(statistics.fmean(leads), 1) if leads else None,
        lead_days_median=float(statistics.median(leads)) if leads else None,
        flagged_clients=flagged_total, flagged_churned=len(churned_after_flag),
        flagged_not_churned=len(false_alarms), flagged_pending=pending,
        precision=round(len(churned_after_flag) / judged, 3) if judged else None,
        recall=round(len(leads) / len(cases), 3) if cases else None,
        churns=cases, false_alarms=sorted(false_alarms, key=lambda f: f.lowest_score),
    )


def backtest_store(*, agency: Agency, actor: User | None, start: date, end: date, step_days: int = 7,
                   horizon_days: int = 90) -> BacktestRun:
    """Run the back-test and keep its result (the page shows the latest run)."""
    cfg = health_settings_for(agency)
    result = backtest_run(agency=agency, start=start, end=end, step_days=step_days, horizon_days=horizon_days, cfg=cfg)
    return BacktestRun.objects.create(
        agency=agency, created_at=timezone.now(), created_by=actor, start=start, end=end, step_days=step_days,
        horizon_days=horizon_days, threshold=cfg.risk_threshold, result=result.as_dict(),
    )


def health_backtest_run(*, actor: User, start: date, end: date, step_days: int = 7,
                        horizon_days: int = 90) -> BacktestRun:
    """The back-test as a head of accounts or admin starts it from the page or the API."""
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    from tandem.core.errors import PermissionDenied
    from tandem.org.permissions import actor_employee

    from .permissions import can_run_backtest

    employee = actor_employee(actor)
    if employee is None or not can_run_backtest(actor):
        raise PermissionDenied()
    if start >= end:
        raise ValidationError({"start": _("Начало периода должно быть раньше конца.")})
    if (end - start).days > 3 * 366:
        raise ValidationError({"start": _("Период не длиннее трёх лет.")})
    if not 1 <= step_days <= 31:
        raise ValidationError({"step_days": _("Шаг — от 1 до 31 дня.")})
    if not 7 <= horizon_days <= 365:
        raise ValidationError({"horizon_days": _("Горизонт — от 7 до 365 дней.")})
    return backtest_store(agency=employee.agency, actor=actor, start=start, end=end, step_days=step_days,
                          horizon_days=horizon_days)
