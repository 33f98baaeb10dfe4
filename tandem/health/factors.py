"""The factors of the health score, each a batch query `factor(client_ids, as_of, cfg)`.

Every factor reads only what was known at the end of `as_of` (dates ≤ as_of, moments before
the next midnight), so the nightly run and the back-test replay use the same code and the
replay sees no future. Each factor costs one or two queries for any number of clients.

A factor returns {client_id: Factor} for the clients it hurts; `points` is what it takes off
100 (at most its weight) and `events` are the records behind it, for links on the pages.

Known approximations (documented, not hidden): contacts and their cadence, the client's start
of service (`served_since`) are taken as they are now — Tandem keeps no dated history of a
cadence; the contact must have existed on the day (created_at) to count.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import DecimalField, Exists, F, Max, OuterRef, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tandem.billing.models import BILLED_STATUSES, Invoice, InvoiceStatus
from tandem.clients.models import AccountManagerChange, Client, Contact
from tandem.clients.results import results_by_period
from tandem.comms.models import ClientRequest, Escalation, Interaction
from tandem.core.money import format_money
from tandem.work.models import StageSubmission, Task, TimeEntry

from .lemmas import complaint_phrases_in
from .models import HealthSettings

ZERO = Decimal("0")
EVENTS_PER_FACTOR = 10


@dataclass
class Event:
    kind: str  # invoice | contact | request | task | stage | interaction | am_change | client
    id: int
    label: str
    client_id: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "id": self.id, "label": self.label}


@dataclass
class Factor:
    points: int = 0
    detail: str = ""
    events: list[Event] = field(default_factory=list)


FactorFn = Callable[[list[int], date, HealthSettings], dict[int, Factor]]


def day_end(day: date) -> datetime:
    """The first moment after `day` in the agency's time zone (exclusive upper bound)."""
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def _scaled(weight: int, ratio: float) -> int:
    return round(weight * max(0.0, min(1.0, ratio)))


def _billed_as_of(as_of: date) -> Q:
    """Invoices that counted as issued on `as_of`: billed now, or cancelled only later."""
    return Q(status__in=BILLED_STATUSES) | Q(status=InvoiceStatus.CANCELLED, cancelled_at__gte=day_end(as_of))


def payment_factor(client_ids: list[int], as_of: date, cfg: HealthSettings) -> dict[int, Factor]:
    """Overdue receivables on `as_of`: issued invoices past their due date and not fully paid by
    payments dated ≤ as_of. Full weight when the oldest is `payment_late_days` late."""
    rows = (
        Invoice.objects.filter(_billed_as_of(as_of), client_id__in=client_ids, date__lte=as_of, due_date__lt=as_of)
        .annotate(paid_then=Coalesce(
            Sum("allocations__amount", filter=Q(allocations__payment__date__lte=as_of)), ZERO,
            output_field=DecimalField(max_digits=14, decimal_places=2)))
        .order_by("due_date", "pk")
        .values("pk", "client_id", "number", "date", "due_date", "total", "paid_then")
    )
    result: dict[int, Factor] = {}
    owed: dict[int, Decimal] = defaultdict(lambda: ZERO)
    worst: dict[int, int] = defaultdict(int)
    for row in rows:
        outstanding = row["total"] - row["paid_then"]
        if outstanding <= 0:
            continue
        days = (as_of - row["due_date"]).days
        factor = result.setdefault(row["client_id"], Factor())
        owed[row["client_id"]] += outstanding
        worst[row["client_id"]] = max(worst[row["client_id"]], days)
        if len(factor.events) < EVENTS_PER_FACTOR:
            factor.events.append(Event("invoice", row["pk"], _("Счёт № %(n)s от %(d)s: %(sum)s ₽, просрочка %(days)s дн.") % {
                "n": row["number"] or row["pk"], "d": row["date"].strftime("%d.%m.%Y"),
                "sum": format_money(outstanding), "days": days}))
    for client_id, factor in result.items():
        factor.points = _scaled(cfg.weight_payment, worst[client_id] / cfg.payment_late_days)
        factor.detail = _("Просрочено %(sum)s ₽, самая старая задолженность — %(days)s дн.") % {
            "sum": format_money(owed[client_id]), "days": worst[client_id]}
    return result


def contact_factor(client_ids: list[int], as_of: date, cfg: HealthSettings) -> dict[int, Factor]:
    """Contacts not reached for longer than their cadence: the last interaction with the contact
    up to `as_of` (or since the contact was added). Full weight when the most neglected contact
    is overdue by twice its cadence (at least 14 days)."""
    end = day_end(as_of)
    rows = (
        Contact.objects.filter(client_id__in=client_ids, is_active=True, created_at__lt=end)
        .annotate(last_then=Max("interactions__occurred_at", filter=Q(interactions__occurred_at__lt=end)))
        .values("pk", "client_id", "full_name", "cadence_days", "last_then", "created_at")
    )
    result: dict[int, Factor] = {}
    worst: dict[int, float] = defaultdict(float)
    for row in rows:
        since = timezone.localdate(row["last_then"] or row["created_at"])
        silent = (as_of - since).days
        overdue = silent - row["cadence_days"]
        if overdue <= 0:
            continue
        ratio = overdue / max(14, 2 * row["cadence_days"])
        factor = result.setdefault(row["client_id"], Factor())
        worst[row["client_id"]] = max(worst[row["client_id"]], ratio)
        if len(factor.events) < EVENTS_PER_FACTOR:
            factor.events.append(Event("contact", row["pk"], _("%(name)s: %(days)s дн. без связи (раз в %(c)s дн.)") % {
                "name": row["full_name"], "days": silent, "c": row["cadence_days"]}))
    for client_id, factor in result.items():
        factor.points = _scaled(cfg.weight_contact, worst[client_id])
        factor.detail = _("Контактов без связи дольше их частоты: %(n)s") % {"n": len(factor.events)}
    return {k: v for k, v in result.items() if v.points > 0}


def sla_factor(client_ids: list[int], as_of: date, cfg: HealthSettings) -> dict[int, Factor]:
    """Requests of the last `lookback_days` whose response or resolution deadline had passed
    unmet by `as_of`, and those escalated by then. Each breach costs a third of the weight, an
    escalation another third."""
    end = day_end(as_of)
    start = day_end(as_of - timedelta(days=cfg.lookback_days))
    first_breach = Q(first_response_due_at__lt=end) & (
        Q(first_response_at__isnull=True) | Q(first_response_at__gt=F("first_response_due_at")))
    resolve_breach = Q(resolve_due_at__lt=end) & (
        Q(resolved_at__isnull=True) | Q(resolved_at__gt=F("resolve_due_at")))
    escalated = Exists(Escalation.objects.filter(request=OuterRef("pk"), created_at__lt=end))
    rows = (
        ClientRequest.objects.filter(client_id__in=client_ids, received_at__gte=start, received_at__lt=end)
        .annotate(escalated=escalated)
        .filter(first_breach | resolve_breach | Q(escalated=True))
        .order_by("-received_at", "pk")
        .values("pk", "client_id", "subject", "received_at", "escalated")
    )
    result: dict[int, Factor] = {}
    units: dict[int, int] = defaultdict(int)
    escalations: dict[int, int] = defaultdict(int)
    for row in rows:
        factor = result.setdefault(row["client_id"], Factor())
        units[row["client_id"]] += 1 + (1 if row["escalated"] else 0)
        escalations[row["client_id"]] += 1 if row["escalated"] else 0
        if len(factor.events) < EVENTS_PER_FACTOR:
            what = _("эскалация") if row["escalated"] else _("нарушен SLA")
            factor.events.append(Event("request", row["pk"], f"{row['subject']} · {timezone.localdate(row['received_at']):%d.%m.%Y} · {what}"))
    for client_id, factor in result.items():
        factor.points = _scaled(cfg.weight_sla, units[client_id] / 3)
        factor.detail = _("Обращений с нарушением SLA: %(n)s, из них с эскалацией: %(e)s") % {
            "n": len(factor.events), "e": escalations[client_id]}
    return result


def work_factor(client_ids: list[int], as_of: date, cfg: HealthSettings) -> dict[int, Factor]:
    """Tasks past their deadline and not closed by `as_of`, and stages sent to the client that
    waited more than `stage_wait_days` for an answer. Full weight at five of them."""
    end = day_end(as_of)
    tasks = (
        Task.objects.filter(project__client_id__in=client_ids, deadline__lt=as_of, created_at__lt=end)
        .filter(Q(closed_at__isnull=True) | Q(closed_at__gte=end))
        .order_by("deadline", "pk").values("pk", "project__client_id", "title", "deadline")
    )
    waiting = (
        StageSubmission.objects.filter(stage__project__client_id__in=client_ids,
                                       sent_at__lt=day_end(as_of - timedelta(days=cfg.stage_wait_days)))
        .filter(Q(answered_at__isnull=True) | Q(answered_at__gte=end))
        .order_by("sent_at", "pk").values("pk", "stage_id", "stage__project__client_id", "stage__title", "sent_at")
    )
    result: dict[int, Factor] = {}
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for t in tasks:
        cid = t["project__client_id"]
        factor = result.setdefault(cid, Factor())
        counts[cid][0] += 1
        if len(factor.events) < EVENTS_PER_FACTOR:
            factor.events.append(Event("task", t["pk"], _("Задача «%(t)s»: срок %(d)s") % {
                "t": t["title"], "d": f"{t['deadline']:%d.%m.%Y}"}))
    for s in waiting:
        cid = s["stage__project__client_id"]
        factor = result.setdefault(cid, Factor())
        counts[cid][1] += 1
        if len(factor.events) < EVENTS_PER_FACTOR:
            days = (as_of - timezone.localdate(s["sent_at"])).days
            factor.events.append(Event("stage", s["stage_id"], _("Этап «%(t)s» ждёт клиента %(d)s дн.") % {
                "t": s["stage__title"], "d": days}))
    for cid, factor in result.items():
        overdue, stages = counts[cid]
        factor.points = _scaled(cfg.weight_work, (overdue + stages) / 5)
        factor.detail = _("Просроченных задач: %(t)s, этапов ждут клиента: %(s)s") % {"t": overdue, "s": stages}
    return result


def _drop_pct(recent: float, prior: float) -> float:
    return 0.0 if prior <= 0 else max(0.0, (prior - recent) / prior * 100)


def results_factor(client_ids: list[int], as_of: date, cfg: HealthSettings) -> dict[int, Factor]:
    """Goal conversions (visits where no goals are set) of the last 30 days against the 30 before,
    from the daily analytics snapshots up to `as_of`, each figure from one source
    (tandem.clients.results: Metrica and GA4 of the same site are not added up); clients without
    snapshots are not judged. Drops under 10 % are noise; full weight at `results_drop_pct`."""
    periods = [(as_of - timedelta(days=29), as_of), (as_of - timedelta(days=59), as_of - timedelta(days=30))]
    result: dict[int, Factor] = {}
    for client_id, found in results_by_period(client_ids, periods).items():
        recent, prior = found.periods
        if not prior.visits:
            continue
        if prior.goal_conversions:
            metric, recent_v, prior_v = _("конверсии"), recent.goal_conversions, prior.goal_conversions
        else:
            metric, recent_v, prior_v = _("визиты"), recent.visits, prior.visits
        drop = _drop_pct(recent_v, prior_v)
        if drop < 10:
            continue
        result[client_id] = Factor(
            points=_scaled(cfg.weight_results, drop / cfg.results_drop_pct),
            detail=_("%(m)s за 30 дней: %(r)s против %(p)s (−%(d)s %%)") % {
                "m": metric, "r": recent_v, "p": prior_v, "d": round(drop)},
            events=[Event("results", client_id, _("Результаты клиента"))],
        )
    return result


def new_client_factor(client_ids: list[int], as_of: date, cfg: HealthSettings) -> dict[int, Factor]:
    """The first `new_client_days` of service (from `served_since`, else the client's creation)
    are the riskiest: the full weight for the whole phase."""
    result: dict[int, Factor] = {}
    for row in Client.objects.filter(pk__in=client_ids).values("pk", "served_since", "created_at"):
        start = row["served_since"] or timezone.localdate(row["created_at"])
        days = (as_of - start).days
        if 0 <= days < cfg.new_client_days:
            result[row["pk"]] = Factor(
                points=cfg.weight_new_client,
                detail=_("Первые месяцы работы: %(d)s-й день с %(s)s") % {"d": days + 1, "s": start.strftime("%d.%m.%Y")},
            )
    return result


def am_change_factor(client_ids: list[int], as_of: date, cfg: HealthSettings) -> dict[int, Factor]:
    """Replacements of the responsible AM within `am_change_days` before `as_of` (the first
    assignment is not a change). Each costs the full weight (capped)."""
    end = day_end(as_of)
    rows = (
        AccountManagerChange.objects.filter(
            client_id__in=client_ids, previous_manager__isnull=False,
            changed_at__gte=day_end(as_of - timedelta(days=cfg.am_change_days)), changed_at__lt=end)
        .order_by("-changed_at", "-pk")
        .values("pk", "client_id", "changed_at", "previous_manager__full_name", "new_manager__full_name")
    )
    result: dict[int, Factor] = {}
    for row in rows:
        factor = result.setdefault(row["client_id"], Factor())
        factor.events.append(Event("am_change", row["pk"], f"{timezone.localdate(row['changed_at']):%d.%m.%Y}: "
                                   f"{row['previous_manager__full_name']} → {row['new_manager__full_name'] or '—'}"))
    for factor in result.values():
        factor.points = _scaled(cfg.weight_am_change, len(factor.events))
        factor.detail = _("Смен аккаунт-менеджера за %(d)s дн.: %(n)s") % {"d": cfg.am_change_days, "n": len(factor.events)}
    return result


def volume_factor(client_ids: list[int], as_of: date, cfg: HealthSettings) -> dict[int, Factor]:
    """Falling volume: hours logged in the last 30 days against the monthly average of the 60
    before, and invoices issued in the last 90 days against the 90 before. The larger drop
    counts (from 10 %); full weight at `volume_drop_pct`."""
    hours = (
        TimeEntry.objects.filter(project__client_id__in=client_ids, date__gt=as_of - timedelta(days=90), date__lte=as_of)
        .values("project__client_id")
        .annotate(recent=Sum("hours", filter=Q(date__gt=as_of - timedelta(days=30))),
                  prior=Sum("hours", filter=Q(date__lte=as_of - timedelta(days=30))))
    )
    invoices = (
        Invoice.objects.filter(_billed_as_of(as_of), client_id__in=client_ids,
                               date__gt=as_of - timedelta(days=180), date__lte=as_of)
        .values("client_id")
        .annotate(recent=Sum("total", filter=Q(date__gt=as_of - timedelta(days=90))),
                  prior=Sum("total", filter=Q(date__lte=as_of - timedelta(days=90))))
    )
    drops: dict[int, list[tuple[float, str]]] = defaultdict(list)
    for hrow in hours:
        prior_month = float(hrow["prior"] or 0) / 2
        if prior_month >= 4:
            drop = _drop_pct(float(hrow["recent"] or 0), prior_month)
            drops[hrow["project__client_id"]].append((drop, _("часы за месяц: %(r)s против %(p)s в среднем") % {
                "r": round(float(hrow["recent"] or 0), 1), "p": round(prior_month, 1)}))
    for irow in invoices:
        if irow["prior"]:
            drop = _drop_pct(float(irow["recent"] or 0), float(irow["prior"]))
            drops[irow["client_id"]].append((drop, _("счета за 90 дней: %(r)s ₽ против %(p)s ₽") % {
                "r": format_money(irow["recent"] or ZERO), "p": format_money(irow["prior"])}))
    result: dict[int, Factor] = {}
    for cid, found in drops.items():
        drop, text = max(found, key=lambda d: d[0])
        if drop >= 10:
            result[cid] = Factor(points=_scaled(cfg.weight_volume, drop / cfg.volume_drop_pct),
                                 detail=f"{text} (−{round(drop)} %)")
    return result


def complaint_factor(client_ids: list[int], as_of: date, cfg: HealthSettings) -> dict[int, Factor]:
    """Interactions of the last `lookback_days` whose summary or outcome contains a complaint
    phrase (compared on lemmas). Each such interaction costs half the weight."""
    end = day_end(as_of)
    rows = (
        Interaction.objects.filter(client_id__in=client_ids, occurred_at__gte=day_end(as_of - timedelta(days=cfg.lookback_days)),
                                   occurred_at__lt=end)
        .order_by("-occurred_at", "-pk").values("pk", "client_id", "occurred_at", "summary", "outcome")
    )
    result: dict[int, Factor] = {}
    for row in rows:
        found = complaint_phrases_in(f"{row['summary']}\n{row['outcome']}", cfg.complaint_phrases)
        if not found:
            continue
        factor = result.setdefault(row["client_id"], Factor())
        factor.events.append(Event("interaction", row["pk"], f"{timezone.localdate(row['occurred_at']):%d.%m.%Y}: "
                                   f"«{', '.join(found)}» — {row['summary'][:80]}"))
    for factor in result.values():
        factor.points = _scaled(cfg.weight_complaints, len(factor.events) / 2)
        factor.detail = _("Взаимодействий с сигналами недовольства: %(n)s") % {"n": len(factor.events)}
        factor.events = factor.events[:EVENTS_PER_FACTOR]
    return result


# (key, label, function) in the order the pages show them.
FACTORS: list[tuple[str, Any, FactorFn]] = [
    ("payment", gettext_lazy("Платёжная дисциплина"), payment_factor),
    ("contact", gettext_lazy("Давность контакта"), contact_factor),
    ("sla", gettext_lazy("SLA и эскалации"), sla_factor),
    ("work", gettext_lazy("Просроченные задачи и этапы у клиента"), work_factor),
    ("results", gettext_lazy("Динамика результатов"), results_factor),
    ("new_client", gettext_lazy("Первые два месяца"), new_client_factor),
    ("am_change", gettext_lazy("Смена аккаунт-менеджера"), am_change_factor),
    ("volume", gettext_lazy("Падение часов или счетов"), volume_factor),
    ("complaints", gettext_lazy("Жалобы во взаимодействиях"), complaint_factor),
]
FACTOR_LABELS: dict[str, Any] = {key: label for key, label, _fn in FACTORS}


@dataclass
class Scored:
    score: int
    factors: list[dict[str, Any]]


def score_clients(client_ids: list[int], as_of: date, cfg: HealthSettings) -> dict[int, Scored]:
    """Scores of `client_ids` as of the end of `as_of`: 100 minus the points of every factor
    (never below 0). Factors are listed with the worst first; zero-point factors are kept so
    the page shows what was checked. A constant number of queries for any number of clients."""
    if not client_ids:
        return {}
    found = {key: fn(client_ids, as_of, cfg) for key, _label, fn in FACTORS}
    result: dict[int, Scored] = {}
    for cid in client_ids:
        listed: list[dict[str, Any]] = []
        for key, label, _fn in FACTORS:
            f = found[key].get(cid) or Factor()
            listed.append({"key": key, "label": str(label), "points": f.points, "detail": f.detail,
                           "events": [e.as_dict() for e in f.events]})
        listed.sort(key=lambda item: -item["points"])
        result[cid] = Scored(score=max(0, 100 - sum(item["points"] for item in listed)), factors=listed)
    return result
