"""Churn, cohort and revenue-retention arithmetic on the hand-computed history of
retention_data (the expected numbers are worked out in the comments)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tandem.reports import retention as r
from tandem.reports.tests.retention_data import build_history

D = dt.date
Q1 = r.period_of(last_month=D(2026, 3, 1), months=3)


@pytest.fixture
def history(org):
    return build_history(org)


def test_period_of_covers_whole_months_and_its_base():
    assert (Q1.start, Q1.end) == (D(2026, 1, 1), D(2026, 3, 31))
    assert Q1.months == [D(2026, 1, 1), D(2026, 2, 1), D(2026, 3, 1)]
    assert (Q1.previous().start, Q1.previous().end) == (D(2025, 10, 1), D(2025, 12, 31))


def test_churn_by_month_counts_served_new_and_churned(org, history, django_assert_max_num_queries):
    # given the history; when
    with django_assert_max_num_queries(1):
        report = r.churn_by_month(actor=org.head.user, period=Q1)
    # then Jan: C1, C2 at start (C5 left in December) + C3, C7 new, nobody left: 0 / 4;
    # Feb: C1 C2 C3 C7 + C4 new, C2 left: 1 / 5; Mar: C1 C3 C4 C7, C3 left: 1 / 4
    assert [(m.active_at_start, m.new, m.churned, m.rate) for m in report.months] == [
        (2, 2, 0, Decimal("0.00")), (4, 1, 1, Decimal("20.00")), (4, 0, 1, Decimal("25.00")),
    ]
    # the quarter: C1 C2 C3 C4 C7 served, C2 and C3 left: 2 / 5 (the lead C6 never counts)
    assert (report.total.served, report.total.churned, report.total.rate) == (5, 2, Decimal("40.00"))


def test_churn_by_group_tier_and_service(org, history):
    by_group = {row.label: (row.served, row.churned, row.rate) for row in r.churn_by(actor=org.head.user, period=Q1, by="group")}
    # seo1: C1 C2 C7, C2 left; seo2: C3 left; no group: C4
    assert by_group == {"SEO 1": (3, 1, Decimal("33.33")), "SEO 2": (1, 1, Decimal("100.00")),
                        "Без группы": (1, 0, Decimal("0.00"))}
    by_service = {row.key: (row.served, row.churned) for row in r.churn_by(actor=org.head.user, period=Q1, by="service")}
    # a client counts once per service kind: SEO C1 C2, context C2; the rest have no contract
    assert by_service == {"seo": (2, 1), "context": (1, 1), "": (3, 1)}
    by_tier = {row.key: (row.served, row.churned) for row in r.churn_by(actor=org.head.user, period=Q1, by="tier")}
    assert by_tier == {"key": (1, 0), "current": (4, 2)}
    by_am = {row.label: (row.served, row.churned) for row in r.churn_by(actor=org.head.user, period=Q1, by="am")}
    assert by_am == {"am1": (3, 1), "am2": (1, 1), "Без аккаунта": (1, 0)}


def test_churn_reasons_and_lifetime(org, history):
    reasons = r.churn_reasons(actor=org.head.user, period=Q1)
    # C3 (results) billed 80+80+40; C2 (budget) 200+200+50
    assert [(x.reason, x.count, x.share, x.lifetime_revenue) for x in reasons] == [
        ("results", 1, Decimal("50.00"), Decimal("200.00")), ("budget", 1, Decimal("50.00"), Decimal("450.00")),
    ]
    life = r.lifetime_summary(actor=org.head.user, period=Q1, today=D(2026, 12, 3))
    # C2 stayed 118 days, C3 44: (118 + 44) / 2 = 81 days = 2.7 months; (450 + 200) / 2 = 325
    assert (life.churned_count, life.churned_avg_months, life.churned_avg_revenue) == (2, Decimal("2.7"), Decimal("325.00"))
    # served at the end of March: C1 (since 2025-06-01), C4, C7 — to 31.03: 303 + 58 + 85 days
    assert life.served_count == 3
    assert life.served_avg_months == (Decimal(303 + 58 + 85) / 3 / Decimal("30.4375")).quantize(Decimal("0.1"))


def test_cohort_retention_of_clients_and_revenue(org, history, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        report = r.cohort_retention(actor=org.head.user, period=Q1)
    jan, feb = report.rows
    # January: C3 and C7; C3 left in March. Revenue 80 | 80+100 | 40
    assert (jan.cohort, jan.size, jan.retained) == (D(2026, 1, 1), 2, [2, 2, 1])
    assert jan.client_percents == [Decimal("100.00"), Decimal("100.00"), Decimal("50.00")]
    assert jan.revenue == [Decimal("80.00"), Decimal("180.00"), Decimal("40.00")]
    assert jan.revenue_percents == [Decimal("100.00"), Decimal("225.00"), Decimal("50.00")]
    # February: C4 alone, 60 and 60; nobody started in March
    assert (feb.cohort, feb.size, feb.retained, feb.revenue_percents) == (
        D(2026, 2, 1), 1, [1, 1], [Decimal("100.00"), Decimal("100.00")])
    assert report.width == 3


def test_revenue_retention_by_month_caps_gross_not_net(org, history, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        months = r.revenue_retention_by_month(actor=org.head.user, period=Q1)
    jan, feb, mar = months
    # Jan vs Dec: base C5 90 + C1 100 + C2 200 = 390; January C1 100 + C2 200 (C5 gone)
    assert (jan.clients, jan.base_revenue, jan.kept_revenue, jan.grr, jan.nrr) == (
        3, Decimal("390.00"), Decimal("300.00"), Decimal("76.92"), Decimal("76.92"))
    # Feb vs Jan: base C1 100 + C2 200 + C3 80 = 380 (C7 had nothing in Jan); Feb 100 + 50 + 80
    assert (feb.grr, feb.nrr) == (Decimal("60.53"), Decimal("60.53"))
    # Mar vs Feb: base 100 + 50 + 80 + 60 + 100 (C7) = 390; kept min(150,100) + 0 + 40 + 60 + 0 = 200;
    # net 150 + 40 + 60 = 250
    assert (mar.base_revenue, mar.kept_revenue, mar.current_revenue) == (
        Decimal("390.00"), Decimal("200.00"), Decimal("250.00"))
    assert (mar.grr, mar.nrr) == (Decimal("51.28"), Decimal("64.10"))


def test_revenue_retention_of_a_period_against_the_one_before(org, history):
    q = r.revenue_retention(actor=org.head.user, period=Q1)
    # base Oct–Dec: C5 90, C1 100, C2 200 = 390; Jan–Mar: C1 350 (capped 100), C2 250 (capped 200), C5 0
    assert (q.base.start, q.base.end) == (D(2025, 10, 1), D(2025, 12, 31))
    assert (q.base_revenue, q.kept_revenue, q.current_revenue) == (Decimal("390.00"), Decimal("300.00"), Decimal("600.00"))
    assert (q.grr, q.nrr) == (Decimal("76.92"), Decimal("153.85"))


def test_period_and_monthly_revenue_retention_in_one_query(org, history, django_assert_num_queries):
    with django_assert_num_queries(1):
        whole, months = r.revenue_retention_with_months(actor=org.head.user, period=Q1)
    assert whole == r.revenue_retention(actor=org.head.user, period=Q1)
    assert months == r.revenue_retention_by_month(actor=org.head.user, period=Q1)
    assert (whole.grr, [m.grr for m in months]) == (
        Decimal("76.92"), [Decimal("76.92"), Decimal("60.53"), Decimal("51.28")])


def test_winback_list_newest_churn_first_with_lifetime_revenue(org, history):
    rows = list(r.winback_list(actor=org.head.user))
    assert [(c.brand_name, c.churned_on, c.lifetime_revenue) for c in rows] == [
        ("C3", D(2026, 3, 5), Decimal("200.00")), ("C2", D(2026, 2, 10), Decimal("450.00")),
        ("C5", D(2025, 12, 20), Decimal("90.00")),
    ]
    assert r.lifetime_months(rows[1]) == Decimal("3.9")  # 118 days
    only_budget = r.winback_list(actor=org.head.user, filters=r.WinbackFilters(reason="budget"))
    assert [c.brand_name for c in only_budget] == ["C2"]
    in_march = r.winback_list(actor=org.head.user, filters=r.WinbackFilters(start=D(2026, 3, 1), end=D(2026, 3, 31)))
    assert [c.brand_name for c in in_march] == ["C3"]


def test_group_head_sees_only_the_groups_clients(org, history):
    # group_head heads seo1: C1, C2, C7 (and org.client_a, started after the period)
    report = r.churn_by_month(actor=org.group_head.user, period=Q1)
    assert (report.total.served, report.total.churned) == (3, 1)
    assert [c.brand_name for c in r.winback_list(actor=org.group_head.user)] == ["C2"]
