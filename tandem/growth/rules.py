"""The rules behind suggestions and «no results»: pure reads that return findings with evidence.

Every rule looks at complete calendar months before `today` (the current month is not over) and
at the client services that are active today: lines of signed contracts running on `today`.
A finding's `evidence_key` says what the evidence is in a stable form, so that the same evidence
(e.g. the same three over-used months) is recognised when the rules run again.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext as _

from tandem.billing.models import BILLED_STATUSES, InvoiceLine
from tandem.clients.models import SERVED_STATUSES, Client, ServiceKind
from tandem.clients.results import results_by_period
from tandem.contracts.models import BillingModel, ContractLine, ContractStatus, Service
from tandem.core.money import format_money
from tandem.core.months import add_months
from tandem.work.models import TimeEntry

from .models import Mark, RuleKind, ServiceMark

AD_KINDS = (ServiceKind.CONTEXT, ServiceKind.TARGETED, ServiceKind.MEDIA)
MIN_PEERS = 3
CENT = Decimal("0.01")


def month_start(day: date) -> date:
    return day.replace(day=1)


def last_months(today: date, n: int) -> list[date]:
    """The first days of the `n` complete months before `today`, oldest first."""
    current = month_start(today)
    return [add_months(current, -k) for k in range(n, 0, -1)]


def _m(month: date) -> str:
    return f"{month:%m.%Y}"


def _pct(value: Decimal) -> str:
    return f"{value.quantize(Decimal('1'), ROUND_HALF_UP)} %"


@dataclass
class Finding:
    client_id: int
    kind: str
    service_id: int
    evidence: list[dict[str, str]]
    evidence_key: str
    monthly_value: Decimal = Decimal("0.00")
    # «No results» only:
    contract_line_id: int | None = None
    basis: str = ""
    spent: Decimal = Decimal("0.00")
    hours: Decimal = Decimal("0.00")


@dataclass(frozen=True)
class RuleConfig:
    kind: str
    threshold: Decimal
    months: int


def _as_date(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def active_lines(clients: QuerySet[Client], today: date) -> list[ContractLine]:
    """Lines of signed contracts running on `today`, of served clients among `clients`."""
    return list(
        ContractLine.objects.filter(
            contract__client__in=clients.filter(status__in=SERVED_STATUSES),
            contract__status=ContractStatus.SIGNED, contract__start_date__lte=today,
        ).filter(Q(contract__end_date__isnull=True) | Q(contract__end_date__gte=today))
        .select_related("service", "contract", "contract__client", "project").order_by("contract__client_id", "id")
    )


def _group(lines: Iterable[ContractLine]) -> dict[int, list[ContractLine]]:
    grouped: dict[int, list[ContractLine]] = defaultdict(list)
    for line in lines:
        grouped[line.contract.client_id].append(line)
    return grouped


def monthly_results(client_ids: Iterable[int], start: date, end_exclusive: date) -> dict[int, dict[date, int]]:
    """Leads per client and month (goal reaches where a day has no leads), each counted from one
    source (tandem.clients.results); months without counted snapshots and clients without any
    are absent."""
    months: list[tuple[date, date]] = []
    month = start.replace(day=1)
    while month < end_exclusive:
        following = add_months(month, 1)
        months.append((max(month, start), min(following, end_exclusive) - timedelta(days=1)))
        month = following
    out: dict[int, dict[date, int]] = defaultdict(dict)
    for client_id, found in results_by_period(list(client_ids), months).items():
        for (first, _last), figures in zip(months, found.periods, strict=True):
            if figures.days:
                out[client_id][first.replace(day=1)] = figures.leads
    return out


def _hours_by_line_month(lines: list[ContractLine], start: date, end_exclusive: date) -> dict[tuple[int, date], Decimal]:
    project_to_line = {}
    for line in lines:
        project = getattr(line, "project", None)
        if project is not None:
            project_to_line[project.pk] = line.pk
    rows = (TimeEntry.objects.filter(project_id__in=list(project_to_line), date__gte=start, date__lt=end_exclusive)
            .annotate(month=TruncMonth("date")).values("project_id", "month").annotate(h=Sum("hours")).order_by())
    out: dict[tuple[int, date], Decimal] = {}
    for row in rows:
        out[(project_to_line[row["project_id"]], _as_date(row["month"]))] = row["h"] or Decimal("0")
    return out


def _line_has_project(line: ContractLine) -> bool:
    try:
        return line.project is not None
    except ContractLine.project.RelatedObjectDoesNotExist:  # type: ignore[attr-defined]
        return False


# --- suggestion rules -------------------------------------------------------------------------

def seo_no_context(*, agency_id: int, lines_by_client: dict[int, list[ContractLine]]) -> list[Finding]:
    """A client buying SEO and no context ads: propose context ads (the catalogue's first active
    context service), valued at the average context retainer of the agency."""
    service = Service.objects.filter(agency_id=agency_id, kind=ServiceKind.CONTEXT, is_active=True).order_by("pk").first()
    if service is None:
        return []
    value = (ContractLine.objects.filter(
        service__agency_id=agency_id, service__kind=ServiceKind.CONTEXT, billing_model=BillingModel.MONTHLY_RETAINER,
        contract__status=ContractStatus.SIGNED,
    ).aggregate(s=Sum("amount"))["s"] or Decimal("0"))
    count = ContractLine.objects.filter(
        service__agency_id=agency_id, service__kind=ServiceKind.CONTEXT, billing_model=BillingModel.MONTHLY_RETAINER,
        contract__status=ContractStatus.SIGNED,
    ).count()
    average = (value / count).quantize(CENT) if count else Decimal("0.00")
    findings = []
    for client_id, lines in lines_by_client.items():
        seo = [line for line in lines if line.service.kind == ServiceKind.SEO]
        if not seo or any(line.service.kind == ServiceKind.CONTEXT for line in lines):
            continue
        evidence = [{"label": _("SEO"), "value": _("%(service)s, %(amount)s ₽ (договор № %(number)s)") % {
            "service": line.service.name, "amount": format_money(line.amount), "number": line.contract.number}}
            for line in seo]
        evidence.append({"label": _("Контекстная реклама"), "value": _("не подключена")})
        findings.append(Finding(
            client_id=client_id, kind=RuleKind.SEO_NO_CONTEXT, service_id=service.pk, evidence=evidence,
            evidence_key="seo=" + ",".join(str(line.pk) for line in seo), monthly_value=average,
        ))
    return findings


def retainer_overuse(*, config: RuleConfig, lines_by_client: dict[int, list[ContractLine]], today: date) -> list[Finding]:
    """A monthly retainer whose project used more than `threshold` % of the planned hours in each of
    the last `months` complete months: propose a larger retainer, valued at the extra hours at the
    retainer's price per planned hour."""
    months = last_months(today, max(config.months, 1))
    retainers = [line for lines in lines_by_client.values() for line in lines
                 if line.billing_model == BillingModel.MONTHLY_RETAINER and line.planned_hours_per_month > 0
                 and _line_has_project(line)]
    hours = _hours_by_line_month(retainers, months[0], add_months(months[-1], 1))
    findings = []
    for line in retainers:
        used = [hours.get((line.pk, m), Decimal("0")) for m in months]
        shares = [u * 100 / line.planned_hours_per_month for u in used]
        if not all(share > config.threshold for share in shares):
            continue
        extra = sum(used, Decimal("0")) / len(used) - line.planned_hours_per_month
        price = line.amount / line.planned_hours_per_month
        evidence = [{"label": _m(m), "value": _("%(used)s ч из %(plan)s (%(share)s)") % {
            "used": f"{u.normalize():f}".replace(".", ","), "plan": f"{line.planned_hours_per_month.normalize():f}",
            "share": _pct(s)}} for m, u, s in zip(months, used, shares, strict=True)]
        evidence.insert(0, {"label": _("Абонемент"), "value": _("%(service)s, %(amount)s ₽ за %(plan)s ч") % {
            "service": line.service.name, "amount": format_money(line.amount),
            "plan": f"{line.planned_hours_per_month.normalize():f}"}})
        findings.append(Finding(
            client_id=line.contract.client_id, kind=RuleKind.RETAINER_OVERUSE, service_id=line.service_id,
            evidence=evidence, evidence_key=f"line={line.pk}:{months[0]:%Y-%m}..{months[-1]:%Y-%m}",
            monthly_value=(extra * price).quantize(CENT),
        ))
    return findings


def results_growing(*, config: RuleConfig, lines_by_client: dict[int, list[ContractLine]], today: date) -> list[Finding]:
    """Leads grew by more than `threshold` % month on month in each of the last `months` complete
    months: propose more budget for the client's ads (or its largest service), valued at that line's
    amount times the average growth."""
    n = max(config.months, 1)
    months = last_months(today, n + 1)
    results = monthly_results(lines_by_client, months[0], add_months(months[-1], 1))
    findings = []
    for client_id, lines in lines_by_client.items():
        series = results.get(client_id)
        if not series or any(m not in series for m in months):
            continue
        values = [Decimal(series[m]) for m in months]
        growth = [((b - a) * 100 / a) if a else Decimal("0") for a, b in zip(values, values[1:], strict=False)]
        if not all(g > config.threshold for g in growth):
            continue
        ads = [line for line in lines if line.service.kind in AD_KINDS]
        line = max(ads or lines, key=lambda x: x.amount)
        average = sum(growth, Decimal("0")) / len(growth)
        evidence = [{"label": _m(months[0]), "value": _("%(n)s заявок") % {"n": int(values[0])}}]
        evidence += [{"label": _m(m), "value": _("%(n)s заявок (+%(g)s)") % {"n": int(v), "g": _pct(g)}}
                     for m, v, g in zip(months[1:], values[1:], growth, strict=True)]
        evidence.append({"label": _("Увеличить бюджет"), "value": line.service.name})
        findings.append(Finding(
            client_id=client_id, kind=RuleKind.RESULTS_GROWING, service_id=line.service_id, evidence=evidence,
            evidence_key=f"{months[0]:%Y-%m}..{months[-1]:%Y-%m}",
            monthly_value=(line.amount * average / 100).quantize(CENT),
        ))
    return findings


def peer_service(*, config: RuleConfig, clients: list[Client], lines_by_client: dict[int, list[ContractLine]],
                 all_lines_by_client: dict[int, list[ContractLine]], all_clients: list[Client]) -> list[Finding]:
    """A service that at least `threshold` % (and at least MIN_PEERS) of similar clients buy — the
    same kind (B2B/B2C/marketplace) and tier, served, with active services — and this client does
    not: propose it, valued at the average amount those clients pay for it."""
    peers_of: dict[tuple[str, str], list[Client]] = defaultdict(list)
    for c in all_clients:
        if all_lines_by_client.get(c.pk):
            peers_of[(c.kind, c.tier)].append(c)
    findings = []
    for client in clients:
        own = {line.service_id for line in lines_by_client.get(client.pk, [])}
        if not own:
            continue
        peers = [p for p in peers_of[(client.kind, client.tier)] if p.pk != client.pk]
        if len(peers) < MIN_PEERS:
            continue
        buyers: dict[int, list[tuple[Client, ContractLine]]] = defaultdict(list)
        for p in peers:
            seen = set()
            for line in all_lines_by_client[p.pk]:
                if line.service_id not in seen:
                    seen.add(line.service_id)
                    buyers[line.service_id].append((p, line))
        for service_id, bought in sorted(buyers.items()):
            share = Decimal(len(bought)) * 100 / len(peers)
            if service_id in own or len(bought) < MIN_PEERS or share < config.threshold:
                continue
            service = bought[0][1].service
            average = (sum((line.amount for _p, line in bought), Decimal("0")) / len(bought)).quantize(CENT)
            evidence = [
                {"label": _("Похожие клиенты"), "value": _("%(kind)s, %(tier)s: %(n)s из %(all)s покупают «%(service)s» (%(share)s)") % {
                    "kind": client.get_kind_display(), "tier": client.get_tier_display(), "n": len(bought),
                    "all": len(peers), "service": service.name, "share": _pct(share)}},
                {"label": _("Например"), "value": ", ".join(p.display_name for p, _line in bought[:3])},
                {"label": _("Средний чек"), "value": f"{format_money(average)} ₽"},
            ]
            findings.append(Finding(
                client_id=client.pk, kind=RuleKind.PEER_SERVICE, service_id=service_id, evidence=evidence,
                evidence_key=f"service={service_id}", monthly_value=average,
            ))
    return findings


# --- «no results» ---------------------------------------------------------------------------

def no_results(*, config: RuleConfig, lines_by_client: dict[int, list[ContractLine]], today: date) -> list[Finding]:
    """A client service whose results did not grow by more than `threshold` % month on month in
    each of the last `months` complete months — by the client's analytics (leads), or where there
    are none by the AM's marks (each month «так же» or «хуже») — while money was spent on it
    (invoiced or hours logged in those months)."""
    n = max(config.months, 1)
    months = last_months(today, n + 1)
    window = months[1:]
    start, end = months[0], add_months(months[-1], 1)
    lines = [line for ls in lines_by_client.values() for line in ls if line.contract.start_date <= months[1]]
    results = monthly_results({line.contract.client_id for line in lines}, start, end)
    hours = _hours_by_line_month([line for line in lines if _line_has_project(line)], window[0], end)
    invoiced: dict[int, Decimal] = defaultdict(lambda: Decimal("0"))
    for row in (InvoiceLine.objects.filter(contract_line__in=lines, invoice__status__in=BILLED_STATUSES,
                                           invoice__date__gte=window[0], invoice__date__lt=end)
                .values("contract_line_id").annotate(s=Sum("amount")).order_by()):
        invoiced[row["contract_line_id"]] = row["s"] or Decimal("0")
    marks: dict[tuple[int, date], str] = {
        (m.contract_line_id, m.month): m.mark
        for m in ServiceMark.objects.filter(contract_line__in=lines, month__gte=window[0], month__lt=end)
    }
    findings = []
    for line in lines:
        spent = invoiced[line.pk].quantize(CENT)
        line_hours = sum((hours.get((line.pk, m), Decimal("0")) for m in window), Decimal("0"))
        if spent <= 0 and line_hours <= 0:
            continue
        series = results.get(line.contract.client_id)
        evidence: list[dict[str, str]]
        if series and all(m in series for m in months):
            values = [Decimal(series[m]) for m in months]
            growth = [((b - a) * 100 / a) if a else Decimal("0") for a, b in zip(values, values[1:], strict=False)]
            if not all(g <= config.threshold for g in growth):
                continue
            basis = "analytics"
            evidence = [{"label": _m(months[0]), "value": _("%(n)s заявок") % {"n": int(values[0])}}]
            evidence += [{"label": _m(m), "value": _("%(n)s заявок (%(g)s)") % {
                "n": int(v), "g": ("+" if g > 0 else "") + _pct(g)}}
                for m, v, g in zip(window, values[1:], growth, strict=True)]
        else:
            line_marks = [marks.get((line.pk, m)) for m in window]
            if not all(mark in (Mark.SAME, Mark.WORSE) for mark in line_marks):
                continue
            basis = "marks"
            evidence = [{"label": _m(m), "value": _("оценка аккаунта: %(mark)s") % {"mark": Mark(str(mark)).label}}
                        for m, mark in zip(window, line_marks, strict=True)]
        evidence.append({"label": _("Выставлено за период"), "value": f"{format_money(spent)} ₽"})
        evidence.append({"label": _("Часов за период"), "value": f"{line_hours.normalize():f}".replace(".", ",")})
        findings.append(Finding(
            client_id=line.contract.client_id, kind=RuleKind.NO_RESULTS, service_id=line.service_id,
            evidence=evidence, evidence_key=f"{basis}:{window[0]:%Y-%m}..{window[-1]:%Y-%m}",
            contract_line_id=line.pk, basis=basis, spent=spent, hours=line_hours.quantize(CENT),
        ))
    return findings


def lines_grouped(clients: QuerySet[Client], today: date) -> dict[int, list[ContractLine]]:
    return _group(active_lines(clients, today))
