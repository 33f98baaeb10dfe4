"""Columns of the churn/retention and dashboard XLSX exports. Rows come from the same
selectors the pages use (tandem.reports.retention, tandem.reports.dashboard)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from tandem.billing.selectors import AgingRow
from tandem.clients.models import Client
from tandem.clients.selectors import Workload
from tandem.comms.selectors import ResponseStats
from tandem.health.selectors import AtRiskClient
from tandem.reports.dashboard import MoneyMonth, ProfitMonth
from tandem.reports.exports import Column, Kind
from tandem.reports.retention import (
    ChurnMonth,
    ChurnRow,
    CohortReport,
    CohortRow,
    ReasonRow,
    RevenueRetention,
    lifetime_months,
)


def _month(value: Any) -> str:
    return f"{value:%m.%Y}"


def churn_month_columns() -> list[Column[ChurnMonth]]:
    return [
        Column(_("Месяц"), lambda m: _month(m.month), width=10),
        Column(_("На начало месяца"), lambda m: m.active_at_start, Kind.INT),
        Column(_("Новые"), lambda m: m.new, Kind.INT),
        Column(_("Ушли"), lambda m: m.churned, Kind.INT),
        Column(_("Отток, %"), lambda m: m.rate, Kind.PERCENT),
    ]


def churn_row_columns(header: str) -> list[Column[ChurnRow]]:
    return [
        Column(header, lambda r: r.label, width=32),
        Column(_("Обслуживались"), lambda r: r.served, Kind.INT),
        Column(_("Ушли"), lambda r: r.churned, Kind.INT),
        Column(_("Отток, %"), lambda r: r.rate, Kind.PERCENT),
    ]


def reason_columns() -> list[Column[ReasonRow]]:
    return [
        Column(_("Причина ухода"), lambda r: r.label, width=32),
        Column(_("Клиентов"), lambda r: r.count, Kind.INT),
        Column(_("Доля, %"), lambda r: r.share, Kind.PERCENT),
        Column(_("Выручка за всё время"), lambda r: r.lifetime_revenue, Kind.MONEY),
    ]


def cohort_columns(report: CohortReport, *, revenue: bool) -> list[Column[CohortRow]]:
    columns: list[Column[CohortRow]] = [
        Column(_("Когорта"), lambda r: _month(r.cohort), width=10),
        Column(_("Клиентов"), lambda r: r.size, Kind.INT),
    ]
    for k in range(report.width):
        if revenue:
            columns.append(Column(_("Месяц %(k)s, %%") % {"k": k},
                                  lambda r, k=k: r.revenue_percents[k] if k < len(r.revenue) else None,  # type: ignore[misc]
                                  Kind.PERCENT))
        else:
            columns.append(Column(_("Месяц %(k)s, %%") % {"k": k},
                                  lambda r, k=k: r.client_percents[k] if k < len(r.retained) else None,  # type: ignore[misc]
                                  Kind.PERCENT))
    return columns


def retention_columns() -> list[Column[RevenueRetention]]:
    return [
        Column(_("Месяц"), lambda x: _month(x.period.start), width=10),
        Column(_("Клиентов в базе"), lambda x: x.clients, Kind.INT),
        Column(_("Выручка базы"), lambda x: x.base_revenue, Kind.MONEY),
        Column(_("Сохранено (не больше базы)"), lambda x: x.kept_revenue, Kind.MONEY),
        Column(_("Выручка сейчас"), lambda x: x.current_revenue, Kind.MONEY),
        Column(_("GRR, %"), lambda x: x.grr, Kind.PERCENT),
        Column(_("NRR, %"), lambda x: x.nrr, Kind.PERCENT),
    ]


def winback_columns() -> list[Column[Client]]:
    return [
        Column(_("Клиент"), lambda c: c.display_name, width=32),
        Column(_("Дата ухода"), lambda c: getattr(c, "churned_on", None), Kind.DATE),
        Column(_("Причина"), lambda c: c.get_churn_reason_display(), width=24),
        Column(_("Комментарий"), lambda c: c.churn_comment, width=48),
        Column(_("Последний аккаунт"), lambda c: c.account_manager.full_name if c.account_manager else ""),
        Column(_("Группа"), lambda c: c.group.name if c.group else "", width=18),
        Column(_("В работе с"), lambda c: getattr(c, "start_on", None), Kind.DATE),
        Column(_("Срок жизни, мес."), lambda c: lifetime_months(c), Kind.PERCENT),
        Column(_("Выручка за всё время"), lambda c: getattr(c, "lifetime_revenue", None), Kind.MONEY),
    ]


def money_columns() -> list[Column[MoneyMonth]]:
    return [
        Column(_("Месяц"), lambda m: _month(m.month), width=10),
        Column(_("Выставлено"), lambda m: m.revenue, Kind.MONEY),
        Column(_("Оплачено"), lambda m: m.payments, Kind.MONEY),
        Column(_("План"), lambda m: m.plan, Kind.MONEY),
        Column(_("Выполнение плана, %"), lambda m: m.plan_percent, Kind.PERCENT),
    ]


def receivable_columns() -> list[Column[AgingRow]]:
    return [
        Column(_("Группа"), lambda r: r.label, width=24),
        Column(_("Не просрочено"), lambda r: r.buckets["not_due"], Kind.MONEY),
        Column(_("Просрочено"), lambda r: r.overdue, Kind.MONEY),
        Column(_("Итого"), lambda r: r.total, Kind.MONEY),
        Column(_("Счетов"), lambda r: r.invoice_count, Kind.INT),
    ]


def at_risk_columns() -> list[Column[AtRiskClient]]:
    return [
        Column(_("Клиент"), lambda r: r.client.display_name, width=32),
        Column(_("Аккаунт-менеджер"), lambda r: r.client.account_manager.full_name if r.client.account_manager else ""),
        Column(_("Группа"), lambda r: r.client.group.name if r.client.group else "", width=18),
        Column(_("Под риском с"), lambda r: r.since, Kind.DATE),
        Column(_("Главная причина"), lambda r: r.top_reason, width=60),
        Column(_("Оценка здоровья"), lambda r: r.score, Kind.INT),
    ]


def new_client_columns() -> list[Column[Client]]:
    return [
        Column(_("Клиент"), lambda c: c.display_name, width=32),
        Column(_("В работе с"), lambda c: getattr(c, "start_on", None), Kind.DATE),
        Column(_("Аккаунт-менеджер"), lambda c: c.account_manager.full_name if c.account_manager else ""),
        Column(_("Группа"), lambda c: c.group.name if c.group else "", width=18),
        Column(_("Статус"), lambda c: c.get_status_display(), width=14),
    ]


def load_columns() -> list[Column[Workload]]:
    return [
        Column(_("Аккаунт-менеджер"), lambda w: w.employee.full_name),
        Column(_("Группа"), lambda w: w.employee.group.name if w.employee.group else "", width=18),
        Column(_("Клиентов"), lambda w: w.active_clients, Kind.INT),
        Column(_("Мягкий лимит"), lambda w: w.soft_limit, Kind.INT),
        Column(_("Жёсткий лимит"), lambda w: w.hard_limit, Kind.INT),
    ]


def profit_columns() -> list[Column[ProfitMonth]]:
    return [
        Column(_("Месяц"), lambda p: _month(p.month), width=10),
        Column(_("Выручка без НДС"), lambda p: p.revenue, Kind.MONEY),
        Column(_("Затраты"), lambda p: p.costs, Kind.MONEY),
        Column(_("Маржа"), lambda p: p.margin, Kind.MONEY),
        Column(_("Маржа, %"), lambda p: p.margin_percent, Kind.PERCENT),
    ]


def response_columns() -> list[Column[ResponseStats]]:
    return [
        Column(_("Группа"), lambda s: s.label, width=24),
        Column(_("Обращений"), lambda s: s.total, Kind.INT),
        Column(_("Медиана ответа, мин"), lambda s: s.median_minutes, Kind.HOURS),
        Column(_("90-й перцентиль, мин"), lambda s: s.p90_minutes, Kind.HOURS),
        Column(_("Нарушений SLA"), lambda s: s.breaches, Kind.INT),
    ]
