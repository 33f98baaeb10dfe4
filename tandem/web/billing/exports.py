"""Columns of the money pages' XLSX exports (invoices, payments, receivables, plans,
profitability). Rows come from the same selectors the pages use; see tandem.web.exports."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tandem.billing.calc import BUCKET_LABELS, BUCKETS
from tandem.billing.models import Act, BonusStatement, Invoice, Payment
from tandem.billing.profitability import ProfitRow
from tandem.billing.selectors import AgingReport, AgingRow, PlanFulfilment
from tandem.reports.exports import Column, Kind

GROUP_HEADERS = {
    "client": gettext_noop("Клиент"), "am": gettext_noop("Аккаунт-менеджер"), "group": gettext_noop("Группа"),
    "agency": gettext_noop("Агентство"), "project": gettext_noop("Проект"),
}


def _group_header(by: str) -> str:
    return _(GROUP_HEADERS.get(by, gettext_noop("Название")))


def _yes_no(value: bool) -> str:
    return _("да") if value else _("нет")


def invoice_columns() -> list[Column[Invoice]]:
    return [
        Column(_("Номер"), lambda i: i.number or _("черновик"), width=14),
        Column(_("Дата"), lambda i: i.date, Kind.DATE),
        Column(_("Клиент"), lambda i: i.client.display_name, width=32),
        Column(_("Аккаунт-менеджер"), lambda i: i.client.account_manager.full_name if i.client.account_manager else ""),
        Column(_("Статус"), lambda i: i.get_status_display(), width=18),
        Column(_("Сумма без НДС"), lambda i: i.subtotal, Kind.MONEY),
        Column(_("НДС"), lambda i: i.vat_amount, Kind.MONEY),
        Column(_("Сумма"), lambda i: i.total, Kind.MONEY),
        Column(_("Оплачено"), lambda i: i.paid_amount, Kind.MONEY),
        Column(_("Остаток"), lambda i: getattr(i, "outstanding_amount", i.total - i.paid_amount), Kind.MONEY),
        Column(_("Срок"), lambda i: i.due_date, Kind.DATE),
    ]


def payment_columns() -> list[Column[Payment]]:
    return [
        Column(_("Дата"), lambda p: p.date, Kind.DATE),
        Column(_("Плательщик"), lambda p: p.payer_name, width=32),
        Column(_("ИНН плательщика"), lambda p: p.payer_inn, width=14),
        Column(_("Назначение"), lambda p: p.purpose, width=60),
        Column(_("Сумма"), lambda p: p.amount, Kind.MONEY),
        Column(_("Не разнесено"), lambda p: getattr(p, "unallocated_amount", p.amount - p.allocated_amount), Kind.MONEY),
        Column(_("Клиент"), lambda p: p.client.display_name if p.client else ""),
        # Allocations are prefetched per chunk by the selector (no query per payment).
        Column(_("Счета"), lambda p: ", ".join(a.invoice.number for a in p.allocations.all()), width=20),
        Column(_("На проверку"), lambda p: _yes_no(p.needs_review), width=12),
    ]


def aging_columns(by: str) -> list[Column[AgingRow]]:
    buckets: list[Column[AgingRow]] = [
        Column(_(BUCKET_LABELS[b]), lambda r, b=b: r.buckets[b], Kind.MONEY) for b in BUCKETS  # type: ignore[misc]
    ]
    return [
        Column(_group_header(by), lambda r: r.label, width=32),
        *buckets,
        Column(_("Итого"), lambda r: r.total, Kind.MONEY),
        Column(_("Счетов"), lambda r: r.invoice_count, Kind.INT),
    ]


def aging_rows(report: AgingReport) -> Iterator[AgingRow]:
    """The page's rows, then the totals line."""
    yield from report.rows
    yield report.totals


def plan_columns() -> list[Column[PlanFulfilment]]:
    return [
        Column(_("Сотрудник"), lambda f: f.employee.full_name),
        Column(_("Группа"), lambda f: f.employee.group.name if f.employee.group else "", width=20),
        Column(_("План"), lambda f: f.plan, Kind.MONEY),
        Column(_("Оплачено"), lambda f: f.paid, Kind.MONEY),
        Column(_("Выполнение, %"), lambda f: f.percent, Kind.PERCENT, width=14),
    ]


def profit_columns(by: str) -> list[Column[ProfitRow]]:
    return [
        Column(_group_header(by), lambda r: r.label, width=32),
        Column(_("Выручка"), lambda r: r.revenue, Kind.MONEY),
        Column(_("Время команды"), lambda r: r.staff_cost, Kind.MONEY),
        Column(_("Субподряд"), lambda r: r.subcontractor_cost, Kind.MONEY),
        Column(_("Маржа"), lambda r: r.margin, Kind.MONEY),
        Column(_("Маржа, %"), lambda r: r.margin_percent, Kind.PERCENT),
        Column(_("Часы"), lambda r: r.hours, Kind.HOURS),
        Column(_("₽/час"), lambda r: r.effective_hourly_rate, Kind.MONEY),
    ]


def profit_rows(rows: Sequence[ProfitRow], total: ProfitRow) -> Iterator[ProfitRow]:
    """The page's rows in the page's order, then the totals line."""
    yield from rows
    yield total


def act_columns() -> list[Column[Act]]:
    return [
        Column(_("Номер"), lambda a: a.number, width=14),
        Column(_("Дата"), lambda a: a.date, Kind.DATE),
        Column(_("Клиент"), lambda a: a.client.display_name, width=32),
        Column(_("Счёт"), lambda a: a.invoice.number if a.invoice else "", width=14),
        Column(_("Период с"), lambda a: a.period_start, Kind.DATE),
        Column(_("Период по"), lambda a: a.period_end, Kind.DATE),
        Column(_("Статус"), lambda a: a.get_status_display(), width=16),
        Column(_("НДС"), lambda a: a.vat_amount, Kind.MONEY),
        Column(_("Сумма"), lambda a: a.total, Kind.MONEY),
        Column(_("Подписан клиентом"), lambda a: a.signed_on, Kind.DATE, width=14),
    ]


def bonus_columns() -> list[Column[BonusStatement]]:
    return [
        Column(_("Сотрудник"), lambda b: b.employee.full_name),
        Column(_("Месяц"), lambda b: b.month, Kind.DATE),
        Column(_("План, ₽"), lambda b: b.plan, Kind.MONEY),
        Column(_("Оплачено, ₽"), lambda b: b.paid, Kind.MONEY),
        Column(_("Выполнение, %"), lambda b: b.percent, Kind.PERCENT, width=14),
        Column(_("Доля, %"), lambda b: b.share_percent, Kind.PERCENT),
        Column(_("Премия, ₽"), lambda b: b.bonus, Kind.MONEY),
        Column(_("Оклад, ₽"), lambda b: b.fixed_salary, Kind.MONEY),
        Column(_("Итого, ₽"), lambda b: b.total, Kind.MONEY),
    ]
