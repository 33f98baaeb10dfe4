"""One source per figure (tandem.clients.results): a client with Metrica and GA4 of the same site, or an
uploaded daily table on top of an API source, is not double-counted by the card, the report, the
health «results» factor or the growth «no results» rule; the report compares with the same period a
year before («—» when there is no data then)."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from docx import Document

from tandem.clients import results as counting
from tandem.clients.results import counted_kinds, results_by_period
from tandem.growth.rules import monthly_results
from tandem.health import factors
from tandem.health.models import HealthSettings
from tandem.reports import services
from tandem.reports.client_report import build_figures, year_ago_period
from tandem.reports.models import AnalyticsKind, AnalyticsSnapshot, AnalyticsSource
from tandem.reports.selectors import results_summary

pytestmark = pytest.mark.django_db
MSK = ZoneInfo("Europe/Moscow")
NOW = datetime(2026, 4, 1, tzinfo=MSK)
MARCH = (date(2026, 3, 1), date(2026, 3, 31))


def _daily(source: AnalyticsSource, start: date, days: int, **figures: object) -> None:
    AnalyticsSnapshot.objects.bulk_create([
        AnalyticsSnapshot(source=source, client=source.client, date=start + timedelta(days=i), fetched_at=NOW,
                          **figures)
        for i in range(days)
    ])


def _source(client, kind: str) -> AnalyticsSource:  # type: ignore[no-untyped-def]
    return AnalyticsSource.objects.create(client=client, kind=kind, counter_id="1" if kind in ("metrica", "ga4") else "")


@pytest.fixture
def both(org):  # type: ignore[no-untyped-def]
    """Client A measured by Metrica and GA4 (same site) and an uploaded daily table, Feb–March 2026."""
    client = org.client_a
    metrica, ga4, table = (_source(client, k) for k in (AnalyticsKind.METRICA, AnalyticsKind.GA4, AnalyticsKind.UPLOAD))
    for start, days, v in ((date(2026, 2, 1), 28, 10), (date(2026, 3, 1), 31, 20)):
        _daily(metrica, start, days, visits=v, goal_conversions=2, leads=1)
        _daily(ga4, start, days, visits=v + 1, goal_conversions=3, revenue=Decimal("500"))
        _daily(table, start, days, visits=v + 2, goal_conversions=4, leads=9, ad_spend=Decimal("100"))
    return org


def test_the_rule_takes_one_source_group_per_figure():
    assert counted_kinds(["ga4", "metrica", "upload"])["visits"] == ("metrica",)
    assert counted_kinds(["ga4", "upload"])["visits"] == ("ga4",)
    assert counted_kinds(["upload"])["visits"] == ("upload",)
    assert counted_kinds(["metrica", "ga4"])["revenue"] == ("ga4",)
    assert counted_kinds(["yandex_direct", "vk_ads", "upload"])["ad_spend"] == ("yandex_direct", "vk_ads")
    assert counted_kinds(["topvisor", "se_ranking"])["avg_position"] == ("topvisor",)
    assert counted_kinds([])["visits"] == ()


def test_the_rule_names_real_kinds():
    named = {k for groups in counting.METRIC_SOURCES.values() for group in groups for k in group}
    assert named == set(AnalyticsKind.values)


def test_card_does_not_add_metrica_ga4_and_the_table(both):
    summary = results_summary(client=both.client_a, today=date(2026, 4, 1), days=31)
    assert summary.current.visits == 31 * 20  # Metrica only (GA4 and the table would make it 31 * 63)
    assert summary.current.goal_conversions == 31 * 2
    assert summary.current.revenue == Decimal("15500.00")  # GA4: Metrica has no revenue
    assert summary.current.ad_spend == Decimal("3100.00")  # the table: the only spend source
    assert summary.sources["visits"] == "Яндекс Метрика" and summary.sources["revenue"] == "Google Analytics 4"
    assert sum(summary.visits) == 31 * 20


def test_report_does_not_add_metrica_and_ga4_and_says_where_from(both):
    rows = {r["key"]: r for r in build_figures(client=both.client_a, start=MARCH[0], end=MARCH[1]).results["rows"]}
    assert rows["visits"]["current"] == 620 and rows["visits"]["previous"] == 280
    assert rows["visits"]["source"] == "Яндекс Метрика"
    assert rows["leads"]["current"] == 31
    assert rows["revenue"]["current"] == "15500.00" and rows["revenue"]["source"] == "Google Analytics 4"
    assert rows["ad_spend"]["source"] == "Таблица CSV/XLSX"


def test_without_metrica_ga4_counts_and_the_table_is_ignored_for_visits(org):
    ga4, table = _source(org.client_a, AnalyticsKind.GA4), _source(org.client_a, AnalyticsKind.UPLOAD)
    _daily(ga4, MARCH[0], 31, visits=5)
    _daily(table, MARCH[0], 31, visits=7, leads=1)
    found = results_by_period([org.client_a.pk], [MARCH])[org.client_a.pk]
    assert found.periods[0].visits == 155 and found.periods[0].leads == 31  # leads: the table
    assert found.sources["visits"] == ("ga4",) and found.sources["leads"] == ("upload",)


def test_ad_platforms_add_up(org):
    direct, vk = _source(org.client_a, AnalyticsKind.YANDEX_DIRECT), _source(org.client_a, AnalyticsKind.VK_ADS)
    _daily(direct, MARCH[0], 31, ad_spend=Decimal("100"))
    _daily(vk, MARCH[0], 31, ad_spend=Decimal("50"))
    assert results_by_period([org.client_a.pk], [MARCH])[org.client_a.pk].periods[0].ad_spend == Decimal("4650.00")


def test_health_results_factor_does_not_add_sources(org):
    """Metrica steady; GA4 (the same site) stopped sending 30 days ago. Counted together the
    visits «fell» by half; counted from Metrica nothing fell."""
    day = date(2026, 6, 15)
    metrica, ga4 = _source(org.client_a, AnalyticsKind.METRICA), _source(org.client_a, AnalyticsKind.GA4)
    _daily(metrica, day - timedelta(days=59), 60, visits=100)
    _daily(ga4, day - timedelta(days=59), 30, visits=100)
    assert factors.results_factor([org.client_a.pk], day, HealthSettings(agency=org.agency)) == {}


def test_growth_monthly_results_do_not_add_sources(both):
    found = monthly_results([both.client_a.pk, both.client_b.pk], date(2026, 2, 1), date(2026, 4, 1))
    assert found == {both.client_a.pk: {date(2026, 2, 1): 28, date(2026, 3, 1): 31}}


def test_queries_do_not_grow_with_clients_or_history(org, django_assert_num_queries):
    for client in (org.client_a, org.client_b):
        _daily(_source(client, AnalyticsKind.METRICA), date(2025, 1, 1), 400, visits=1)
    with django_assert_num_queries(3):
        results_by_period([org.client_a.pk, org.client_b.pk], [MARCH, (date(2025, 3, 1), date(2025, 3, 31))],
                          daily=(date(2025, 3, 1), date(2026, 3, 31)))


# --- the same period a year before ---------------------------------------------------------------


def test_year_ago_period():
    assert year_ago_period(*MARCH) == (date(2025, 3, 1), date(2025, 3, 31))
    assert year_ago_period(date(2028, 2, 1), date(2028, 2, 29)) == (date(2027, 2, 1), date(2027, 2, 28))
    assert year_ago_period(date(2028, 2, 20), date(2028, 2, 29)) == (date(2027, 2, 20), date(2027, 2, 28))


def test_report_compares_with_the_same_month_a_year_before(org):
    metrica = _source(org.client_a, AnalyticsKind.METRICA)
    _daily(metrica, date(2025, 3, 1), 31, visits=10, goal_conversions=1)
    _daily(metrica, date(2026, 2, 1), 28, visits=15, goal_conversions=1)
    _daily(metrica, date(2026, 3, 1), 31, visits=20, goal_conversions=2)
    figures = build_figures(client=org.client_a, start=MARCH[0], end=MARCH[1])
    rows = {r["key"]: r for r in figures.results["rows"]}
    assert rows["visits"]["year_ago"] == 310 and rows["visits"]["year_change"] == 100
    assert rows["goal_conversions"]["year_ago"] == 31 and rows["goal_conversions"]["year_change"] == 100
    assert figures.series["current"][0] == 20 and figures.series["year_ago"][0] == 10
    assert len(figures.series["labels"]) == 31 and figures.as_json()["year_ago_start"] == "2025-03-01"


def test_no_data_a_year_ago_is_a_dash_not_zero_percent(org):
    metrica = _source(org.client_a, AnalyticsKind.METRICA)
    _daily(metrica, date(2026, 2, 1), 28, visits=15)
    _daily(metrica, date(2026, 3, 1), 31, visits=20)
    report = services.client_report_create(actor=org.am1.user, client=org.client_a, today=date(2026, 4, 3))
    rows = {r["key"]: r for r in report.data["results"]["rows"]}
    assert rows["visits"]["year_ago"] is None and rows["visits"]["year_change"] is None
    assert report.data["results"]["has_year_ago"] is False
    assert all(v is None for v in report.data["series"]["year_ago"])

    cells = [c.text for t in Document(io.BytesIO(services.client_report_docx(report))).tables for r in t.rows
             for c in r.cells]
    visits_row = cells[cells.index("Визиты"):cells.index("Визиты") + 7]
    assert visits_row == ["Визиты", "620", "420", "+48 %", "—", "—", "Яндекс Метрика"]
    html = services.client_report_html(report)
    assert "Год назад" in html and "0 %" not in html


def test_web_view_draws_the_year_ago_chart_from_json(org, web_client_for):  # type: ignore[no-untyped-def]
    metrica = _source(org.client_a, AnalyticsKind.METRICA)
    _daily(metrica, date(2025, 3, 1), 31, visits=10)
    _daily(metrica, date(2026, 3, 1), 31, visits=20)
    report = services.client_report_create(actor=org.am1.user, client=org.client_a, today=date(2026, 4, 3))
    page = web_client_for(org.am1).get(reverse("web:client_report_detail", args=[report.pk]))
    body = page.content.decode()
    assert page.status_code == 200
    assert 'data-chart-source="report-results-data"' in body and 'id="report-results-data"' in body
    assert "report-charts.js" in body and "+100 %" in body


# --- bounded queries: the report costs the same for a month of data or years of it ----------------


@pytest.mark.parametrize("days", [31, 800])
def test_report_queries_do_not_grow_with_entries_or_snapshots(hourly, days, web_client_for,
                                                              django_assert_max_num_queries):
    """`days` of snapshots from three sources and one time entry per day and specialist: building
    the figures, the web view and the PDF take the same number of queries (10, 6 and 5: the web
    view and the PDF read the stored figures)."""
    from tandem.work.models import TimeEntry

    org = hourly
    for kind in (AnalyticsKind.METRICA, AnalyticsKind.GA4, AnalyticsKind.YANDEX_DIRECT):
        _daily(_source(org.client_a, kind), date(2026, 4, 1) - timedelta(days=days), days, visits=3,
               ad_spend=Decimal("10"))
    TimeEntry.objects.bulk_create([
        TimeEntry(project=org.seo_project, employee=org.spec1, date=date(2026, 4, 1) - timedelta(days=i),
                  hours=Decimal("1"), cost_rate=org.spec1.hourly_cost_rate, cost=org.spec1.hourly_cost_rate)
        for i in range(1, days + 1)
    ])
    with django_assert_max_num_queries(10):
        figures = build_figures(client=org.client_a, start=MARCH[0], end=MARCH[1])
    assert figures.hours_total == Decimal("8.5") + 31  # the `hourly` entries and one per March day
    report = services.client_report_create(actor=org.am1.user, client=org.client_a, today=date(2026, 4, 3))
    http = web_client_for(org.am1)
    with django_assert_max_num_queries(6):
        assert http.get(reverse("web:client_report_detail", args=[report.pk])).status_code == 200
    with django_assert_max_num_queries(5):
        assert http.get(reverse("web:client_report_pdf", args=[report.pk])).status_code == 200


def test_card_panel_shows_the_counted_figure_and_its_source(both, web_client_for, monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda *a: date(2026, 4, 1))
    body = web_client_for(both.am1).get(reverse("web:client_detail", args=[both.client_a.pk])).content.decode()
    panel = body[body.index('id="results"'):]
    assert "Яндекс Метрика</td>" in panel and "Таблица CSV/XLSX</td>" in panel
    assert '<td class="num">600</td>' in panel  # 30 days × 20 from Metrica, not × 63 (1 890)


def test_pdf_chart_has_the_year_ago_bars_only_when_there_is_data(org):
    metrica = _source(org.client_a, AnalyticsKind.METRICA)
    _daily(metrica, date(2026, 3, 1), 31, visits=20)
    report = services.client_report_create(actor=org.am1.user, client=org.client_a, today=date(2026, 4, 3))
    assert 'fill="#b8b8b8"' not in services.client_report_html(report)
    _daily(metrica, date(2025, 3, 1), 31, visits=10)
    report = services.client_report_rebuild(actor=org.am1.user, report=report)
    html = services.client_report_html(report)
    assert html.count('fill="#b8b8b8"') == 31 and "серым — тот же день год назад" in html
    assert report.data["chart"][0]["ya_height"] == 50 and report.data["chart"][0]["height"] == 100


def test_a_running_period_is_compared_day_for_day(org, monkeypatch):
    """On 11 March the March report covers 1–10 March and compares them with 1–10 February and
    1–10 March a year before — not a whole month against ten days."""
    metrica = _source(org.client_a, AnalyticsKind.METRICA)
    _daily(metrica, date(2025, 3, 1), 31, visits=10, goal_conversions=1)
    _daily(metrica, date(2026, 2, 1), 28, visits=15, goal_conversions=1)
    _daily(metrica, date(2026, 3, 1), 10, visits=20, goal_conversions=2)
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: date(2026, 3, 11))
    figures = build_figures(client=org.client_a, start=MARCH[0], end=MARCH[1])
    rows = {r["key"]: r for r in figures.results["rows"]}
    assert rows["visits"]["current"] == 200 and rows["visits"]["previous"] == 150 and rows["visits"]["change"] == 33
    assert rows["visits"]["year_ago"] == 100 and rows["visits"]["year_change"] == 100
    data = figures.as_json()
    assert (data["results_end"], data["previous_end"], data["year_ago_end"]) == ("2026-03-10", "2026-02-10", "2025-03-10")
    assert len(figures.series["labels"]) == 10


def test_a_finished_period_has_no_results_end(org, monkeypatch):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: date(2026, 4, 1))
    figures = build_figures(client=org.client_a, start=MARCH[0], end=MARCH[1])
    assert figures.results_end is None and figures.previous_end == date(2026, 2, 28)
