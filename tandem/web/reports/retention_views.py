"""Management reports (issue 12): churn and retention, the win-back list, the head's dashboard.

Who may open them is `tandem.reports.permissions.can_view_retention` / `can_view_dashboard`
(404 for anyone else); the figures are the selectors' of tandem.reports.retention and
tandem.reports.dashboard. Every table exports with `?format=xlsx&table=<name>` (without `table`,
all tables of the page as sheets of one file). Charts read their data from `json_script` tags
(static/web/report-charts.js; no inline scripts).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.paginator import Paginator
from django.http import FileResponse, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tandem.clients.models import ChurnReason
from tandem.core.errors import NotFound
from tandem.health import selectors as health_selectors
from tandem.reports import dashboard as dash
from tandem.reports import permissions
from tandem.reports import retention as ret
from tandem.reports.exports import Sheet
from tandem.web.decorators import AuthedRequest, employee_required
from tandem.web.exports import wants_xlsx, xlsx_response, xlsx_sheets_response
from tandem.web.forms_util import date_input, month_field

from . import retention_exports as cols

PAGE_SIZE = 50
PERIOD_CHOICES = [(3, "3"), (6, "6"), (12, "12"), (24, "24")]
DIMENSION_LABELS = {
    "group": gettext_lazy("Группы"), "am": gettext_lazy("Аккаунты"), "tier": gettext_lazy("Категории"),
    "service": gettext_lazy("Услуги"),
}
DIMENSION_HEADERS = {
    "group": gettext_lazy("Группа"), "am": gettext_lazy("Аккаунт-менеджер"), "tier": gettext_lazy("Категория"),
    "service": gettext_lazy("Услуга"),
}


class PeriodForm(forms.Form):
    """The period of a report: `months` whole months ending with the month `to` (this month by default)."""

    to = month_field(label=gettext_lazy("По месяц"), required=False)
    months = forms.TypedChoiceField(label=gettext_lazy("Месяцев"), choices=PERIOD_CHOICES, coerce=int,
                                    required=False, empty_value=None)

    def period(self, default_months: int) -> ret.Period:
        today = timezone.localdate()
        data = self.cleaned_data if self.is_valid() else {}
        return ret.period_of(last_month=data.get("to") or today, months=data.get("months") or default_months)


# The dashboard looks at the last half-year (its GRR/NRR against the half-year before); churn
# and retention at a year.
DASHBOARD_MONTHS = 6
RETENTION_MONTHS = 12


def _period_form(request: AuthedRequest, default_months: int) -> PeriodForm:
    return PeriodForm(request.GET or None, initial={"months": default_months})


def _require(allowed: bool) -> None:
    if not allowed:
        raise NotFound()


def _num(value: Decimal | int | None) -> float | None:
    """A figure for a chart (display only: the tables and exports keep Decimals)."""
    return None if value is None else float(value)


def _heat(value: Decimal | None) -> str:
    """The CSS class of a heat-map cell: heat-0 … heat-10 by tens of percent (over 100 % is 10)."""
    if value is None:
        return "heat-none"
    return f"heat-{max(0, min(10, int(value // 10)))}"


def _export(request: AuthedRequest, sheets: dict[str, Sheet[Any]], filename: str) -> FileResponse:
    table = request.GET.get("table", "")
    if table in sheets:
        sheet = sheets[table]
        return xlsx_response(sheet.columns, sheet.rows, f"{filename} — {sheet.title}")
    return xlsx_sheets_response(list(sheets.values()), filename)


# --- churn and retention ------------------------------------------------------------------------


@employee_required
def retention_report(request: AuthedRequest) -> HttpResponse | FileResponse:
    _require(permissions.can_view_retention(request.user))
    form = _period_form(request, RETENTION_MONTHS)
    period = form.period(RETENTION_MONTHS)
    by = request.GET.get("by", "group")
    by = by if by in ret.DIMENSIONS else "group"
    actor = request.user
    churn = ret.churn_by_month(actor=actor, period=period)
    slices = ret.churn_by(actor=actor, period=period, by=by)
    reasons = ret.churn_reasons(actor=actor, period=period)
    lifetime = ret.lifetime_summary(actor=actor, period=period)
    cohorts = ret.cohort_retention(actor=actor, period=period)
    revenue, monthly = ret.revenue_retention_with_months(actor=actor, period=period)
    if wants_xlsx(request):
        return _export(request, {
            "months": Sheet(_("Отток по месяцам"), cols.churn_month_columns(), churn.months),
            "slices": Sheet(_("Отток: %(by)s") % {"by": DIMENSION_LABELS[by]},
                            cols.churn_row_columns(str(DIMENSION_HEADERS[by])), slices),
            "reasons": Sheet(_("Причины ухода"), cols.reason_columns(), reasons),
            "cohorts": Sheet(_("Когорты — клиенты"), cols.cohort_columns(cohorts, revenue=False), cohorts.rows),
            "cohort_revenue": Sheet(_("Когорты — выручка"), cols.cohort_columns(cohorts, revenue=True), cohorts.rows),
            "revenue_retention": Sheet(_("GRR и NRR"), cols.retention_columns(), monthly),
        }, _("Отток и удержание"))
    charts = {
        "churn": {
            "type": "bar", "percentAxis": True,
            "labels": [f"{m.month:%m.%Y}" for m in churn.months],
            "datasets": [
                {"label": _("Новые"), "data": [m.new for m in churn.months]},
                {"label": _("Ушли"), "data": [m.churned for m in churn.months]},
                {"label": _("Отток, %"), "data": [_num(m.rate) for m in churn.months], "type": "line",
                 "yAxisID": "percent"},
            ],
        },
        "retention": {
            "type": "line",
            "labels": [f"{m.period.start:%m.%Y}" for m in monthly],
            "datasets": [
                {"label": "GRR, %", "data": [_num(m.grr) for m in monthly]},
                {"label": "NRR, %", "data": [_num(m.nrr) for m in monthly]},
            ],
        },
        "cohorts": {
            "type": "line",
            "labels": [_("Месяц %(k)s") % {"k": k} for k in range(cohorts.width)],
            "datasets": [
                {"label": f"{row.cohort:%m.%Y}", "data": [_num(v) for v in row.client_percents]}
                for row in cohorts.rows
            ],
        },
    }
    cohort_rows = [
        {"row": row,
         "clients": [(v, _heat(v)) for v in row.client_percents],
         "revenue": [(v, _heat(v)) for v in row.revenue_percents],
         "pad": range(cohorts.width - len(row.retained))}
        for row in cohorts.rows
    ]
    return render(request, "web/reports/retention.html", {
        "form": form, "period": period, "churn": churn, "slices": slices, "by": by,
        "dimensions": list(DIMENSION_LABELS.items()), "dimension_header": DIMENSION_HEADERS[by],
        "reasons": reasons, "lifetime": lifetime, "cohorts": cohorts, "cohort_rows": cohort_rows,
        "cohort_offsets": range(cohorts.width), "revenue": revenue, "monthly": monthly, "charts": charts,
    })


class WinbackForm(forms.Form):
    reason = forms.ChoiceField(label=gettext_lazy("Причина ухода"), required=False,
                               choices=[("", gettext_lazy("Все")), *ChurnReason.choices])
    since = forms.DateField(label=gettext_lazy("Ушли с"), required=False, widget=date_input())
    until = forms.DateField(label=gettext_lazy("по"), required=False, widget=date_input())

    def filters(self) -> ret.WinbackFilters:
        data = self.cleaned_data if self.is_valid() else {}
        return ret.WinbackFilters(reason=data.get("reason") or "", start=data.get("since"), end=data.get("until"))


@employee_required
def winback_list(request: AuthedRequest) -> HttpResponse | FileResponse:
    _require(permissions.can_view_retention(request.user))
    form = WinbackForm(request.GET or None)
    qs = ret.winback_list(actor=request.user, filters=form.filters())
    if wants_xlsx(request):
        return xlsx_response(cols.winback_columns(), qs, _("Вернуть ушедших клиентов"))
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "web/reports/winback.html", {"page": page, "form": form})


# --- the head's dashboard ------------------------------------------------------------------------


@employee_required
def dashboard(request: AuthedRequest) -> HttpResponse | FileResponse:
    _require(permissions.can_view_dashboard(request.user))
    form = _period_form(request, DASHBOARD_MONTHS)
    period = form.period(DASHBOARD_MONTHS)
    board = dash.dashboard(actor=request.user, period=period)
    if wants_xlsx(request):
        table = request.GET.get("table", "")
        # The full lists (not only the page's first rows) when one of them is asked for alone.
        at_risk: Any = health_selectors.at_risk_clients(actor=request.user) if table == "at_risk" else board.at_risk
        fresh: Any = dash.new_clients(actor=request.user, period=period) if table == "new_clients" else board.new_clients
        return _export(request, {
            "money": Sheet(_("Выручка и оплаты"), cols.money_columns(), board.money),
            "receivables": Sheet(_("Дебиторка"), cols.receivable_columns(), board.receivables.rows),
            "churn": Sheet(_("Отток по месяцам"), cols.churn_month_columns(), board.churn.months),
            "revenue_retention": Sheet(_("GRR и NRR"), cols.retention_columns(), board.retention_by_month),
            "at_risk": Sheet(_("Под риском"), cols.at_risk_columns(), at_risk),
            "new_clients": Sheet(_("Новые клиенты"), cols.new_client_columns(), fresh),
            "load": Sheet(_("Загрузка аккаунтов"), cols.load_columns(), board.load),
            "profit": Sheet(_("Рентабельность"), cols.profit_columns(), board.profit),
            "responses": Sheet(_("Время ответа"), cols.response_columns(),
                               [board.responses.overall, *board.responses.by_group]),
        }, _("Дашборд руководителя"))
    labels = [f"{m.month:%m.%Y}" for m in board.money]
    charts = {
        "money": {
            "type": "bar", "labels": labels,
            "datasets": [
                {"label": _("Выставлено"), "data": [_num(m.revenue) for m in board.money]},
                {"label": _("Оплачено"), "data": [_num(m.payments) for m in board.money]},
                {"label": _("План"), "data": [_num(m.plan) for m in board.money], "type": "line"},
            ],
        },
        "churn": {
            "type": "bar", "percentAxis": True, "labels": labels,
            "datasets": [
                {"label": _("Новые"), "data": [m.new for m in board.churn.months]},
                {"label": _("Ушли"), "data": [m.churned for m in board.churn.months]},
                {"label": _("Отток, %"), "data": [_num(m.rate) for m in board.churn.months], "type": "line",
                 "yAxisID": "percent"},
            ],
        },
        "profit": {
            "type": "line", "labels": labels,
            "datasets": [
                # A month without acts yet has no result: a gap in the lines, not a drop to 0.
                {"label": _("Выручка без НДС"),
                 "data": [None if r.awaiting_acts else _num(r.profit.revenue) for r in board.profit_rows]},
                {"label": _("Маржа"),
                 "data": [None if r.awaiting_acts else _num(r.profit.margin) for r in board.profit_rows]},
            ],
        },
    }
    return render(request, "web/reports/dashboard.html", {
        "form": form, "period": period, "board": board, "charts": charts, "total": board.money_total,
    })
