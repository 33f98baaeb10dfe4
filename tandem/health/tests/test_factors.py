"""Each factor on a constructed history: what it counts on the day, and that it ignores what
happened after the day (the back-test relies on it)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from tandem.clients.models import AccountManagerChange, Client
from tandem.health import factors
from tandem.health.lemmas import complaint_phrases_in
from tandem.health.models import DEFAULT_COMPLAINT_PHRASES, HealthSettings
from tandem.work.models import StageSubmission, Task, TimeEntry
from tandem.work.tests.factories import StageFactory, TaskFactory, signed_project

from .builders import at, contact, escalate, interaction, invoice, pay, request

D = date(2026, 6, 15)


@pytest.fixture
def cfg(org) -> HealthSettings:
    return HealthSettings(agency=org.agency)


def test_payment_counts_unpaid_overdue_invoices_as_of_the_day(org, cfg):
    # given: an invoice 15 days overdue on D, paid only after D; one paid in time; one not yet due
    a = org.client_a
    late = invoice(a, day=D - timedelta(days=30), due=D - timedelta(days=15), total="10000.00")
    pay(late, day=D + timedelta(days=3), amount="10000.00")
    paid = invoice(a, day=D - timedelta(days=40), due=D - timedelta(days=30), total="5000.00")
    pay(paid, day=D - timedelta(days=31), amount="5000.00")
    invoice(a, day=D - timedelta(days=2), due=D + timedelta(days=5), total="7000.00")
    # when
    found = factors.payment_factor([a.pk, org.client_b.pk], D, cfg)
    # then: only the late one, half of the 30-day scale → 10 of 20 points
    assert list(found) == [a.pk]
    assert found[a.pk].points == 10
    assert [e.id for e in found[a.pk].events] == [late.pk]
    assert "10\xa0000,00" in found[a.pk].detail
    # and after the payment date the debt is gone
    assert factors.payment_factor([a.pk], D + timedelta(days=3), cfg) == {}


def test_payment_partly_paid_counts_the_rest_and_caps_at_weight(org, cfg):
    a = org.client_a
    inv = invoice(a, day=D - timedelta(days=100), due=D - timedelta(days=90), total="9000.00")
    pay(inv, day=D - timedelta(days=50), amount="4000.00")
    found = factors.payment_factor([a.pk], D, cfg)
    assert found[a.pk].points == cfg.weight_payment
    assert "5\xa0000,00" in found[a.pk].detail


def test_contact_recency_against_each_cadence(org, cfg):
    # given: a weekly contact last reached 21 days before D (14 overdue of a 14-day full scale),
    # a monthly contact reached 10 days before D (fine)
    a = org.client_a
    weekly = contact(a, added=D - timedelta(days=200), cadence=7, name="Ирина")
    monthly = contact(a, added=D - timedelta(days=200), cadence=30, name="Олег")
    interaction(a, day=D - timedelta(days=21), contacts=[weekly])
    interaction(a, day=D - timedelta(days=10), contacts=[monthly])
    interaction(a, day=D + timedelta(days=1), contacts=[weekly])  # after D: not known on D
    # when
    found = factors.contact_factor([a.pk], D, cfg)
    # then
    assert found[a.pk].points == cfg.weight_contact
    assert [e.id for e in found[a.pk].events] == [weekly.pk]
    assert "21 дн." in found[a.pk].events[0].label


def test_contact_added_after_the_day_is_not_counted(org, cfg):
    a = org.client_a
    contact(a, added=D + timedelta(days=5), cadence=1)
    assert factors.contact_factor([a.pk], D, cfg) == {}


def test_sla_breaches_and_escalations(org, cfg):
    # given: one request answered late and escalated, one answered in time, one breached only after D
    a = org.client_a
    late = request(a, received=D - timedelta(days=10), respond_by=D - timedelta(days=9), responded=D - timedelta(days=7),
                   resolved=D - timedelta(days=6), resolve_by=D - timedelta(days=5))
    escalate(late, day=D - timedelta(days=8), to=org.group_head)
    request(a, received=D - timedelta(days=5), respond_by=D - timedelta(days=4), responded=D - timedelta(days=4),
            resolve_by=D - timedelta(days=1), resolved=D - timedelta(days=2))
    request(a, received=D - timedelta(days=1), respond_by=D + timedelta(days=1))
    # when
    found = factors.sla_factor([a.pk], D, cfg)
    # then: breach + escalation = 2/3 of 15
    assert [e.id for e in found[a.pk].events] == [late.pk]
    assert found[a.pk].points == 10
    # the open request breaches two days later
    assert len(factors.sla_factor([a.pk], D + timedelta(days=2), cfg)[a.pk].events) == 2


def test_work_overdue_tasks_and_stages_waiting_for_the_client(org, cfg):
    a = org.client_a
    project = signed_project(org)
    overdue = TaskFactory.create(project=project, deadline=D - timedelta(days=3))
    closed_later = TaskFactory.create(project=project, deadline=D - timedelta(days=3))
    closed_before = TaskFactory.create(project=project, deadline=D - timedelta(days=3))
    Task.objects.filter(pk=closed_later.pk).update(closed_at=at(D + timedelta(days=1)))
    Task.objects.filter(pk=closed_before.pk).update(closed_at=at(D - timedelta(days=1)))
    Task.objects.filter(project=project).update(created_at=at(D - timedelta(days=20)))
    stage = StageFactory.create(project=project)
    StageSubmission.objects.create(stage=stage, sent_at=at(D - timedelta(days=10)), sent_by=org.am1.user)
    StageSubmission.objects.create(stage=stage, sent_at=at(D - timedelta(days=20)), sent_by=org.am1.user,
                                   answered_at=at(D - timedelta(days=12)), decision="approved")
    found = factors.work_factor([a.pk], D, cfg)
    kinds = sorted((e.kind, e.id) for e in found[a.pk].events)
    assert kinds == sorted([("task", overdue.pk), ("task", closed_later.pk), ("stage", stage.pk)])
    assert found[a.pk].points == 6  # 3 of 5 → 6 of 10


def test_results_trend_from_snapshots(org, cfg):
    from tandem.reports.models import AnalyticsSnapshot, AnalyticsSource

    a = org.client_a
    source = AnalyticsSource.objects.create(client=a, counter_id="123", is_demo=True)
    for i in range(60):
        day = D - timedelta(days=i)
        AnalyticsSnapshot.objects.create(source=source, client=a, date=day, visits=100,
                                         goal_conversions=2 if i < 30 else 4, fetched_at=at(day))
    AnalyticsSnapshot.objects.create(source=source, client=a, date=D + timedelta(days=1), visits=100,
                                     goal_conversions=500, fetched_at=at(D))
    found = factors.results_factor([a.pk, org.client_b.pk], D, cfg)
    assert list(found) == [a.pk]
    assert found[a.pk].points == cfg.weight_results  # −50 % ≥ 30 %
    assert "60 против 120" in found[a.pk].detail


def test_first_two_months(org, cfg):
    a, b = org.client_a, org.client_b
    Client.objects.filter(pk=a.pk).update(served_since=D - timedelta(days=20))
    Client.objects.filter(pk=b.pk).update(served_since=D - timedelta(days=200))
    found = factors.new_client_factor([a.pk, b.pk], D, cfg)
    assert list(found) == [a.pk]
    assert found[a.pk].points == cfg.weight_new_client


def test_am_change_within_the_window(org, cfg):
    a = org.client_a
    AccountManagerChange.objects.create(client=a, previous_manager=None, new_manager=org.am1, changed_by=org.head.user,
                                        changed_at=at(D - timedelta(days=300)))
    change = AccountManagerChange.objects.create(client=a, previous_manager=org.am2, new_manager=org.am1,
                                                 changed_by=org.head.user, changed_at=at(D - timedelta(days=30)))
    AccountManagerChange.objects.create(client=a, previous_manager=org.am1, new_manager=org.am2,
                                        changed_by=org.head.user, changed_at=at(D + timedelta(days=2)))
    found = factors.am_change_factor([a.pk], D, cfg)
    assert [e.id for e in found[a.pk].events] == [change.pk]
    assert found[a.pk].points == cfg.weight_am_change
    assert factors.am_change_factor([a.pk], D + timedelta(days=100), cfg) == {}


def test_volume_falling_hours(org, cfg):
    a = org.client_a
    project = signed_project(org)
    for i in range(30, 90, 3):  # 20 entries × 2 h over the 60 days before → 20 h a month
        TimeEntry.objects.create(employee=org.spec1, project=project, date=D - timedelta(days=i), hours=Decimal("2"))
    TimeEntry.objects.create(employee=org.spec1, project=project, date=D - timedelta(days=3), hours=Decimal("5"))
    TimeEntry.objects.create(employee=org.spec1, project=project, date=D + timedelta(days=1), hours=Decimal("20"))
    found = factors.volume_factor([a.pk], D, cfg)
    assert found[a.pk].points == cfg.weight_volume  # −75 % ≥ 50 %
    assert "−75 %" in found[a.pk].detail


def test_complaints_matched_on_lemmas(org, cfg):
    a = org.client_a
    bad = interaction(a, day=D - timedelta(days=5), summary="Клиент сказал, что они недовольны и перейдут к другому подрядчику")
    interaction(a, day=D - timedelta(days=3), summary="Обсудили план, всё довольны")
    interaction(a, day=D + timedelta(days=1), summary="Хотят расторгнуть договор")
    found = factors.complaint_factor([a.pk], D, cfg)
    assert [e.id for e in found[a.pk].events] == [bad.pk]
    assert found[a.pk].points == round(cfg.weight_complaints / 2)


@pytest.mark.parametrize(("text", "expected"), [
    ("Нет, к сожалению, результата за три месяца", ["нет результата"]),
    ("Готовы расторгнуть договор", ["расторгнуть"]),
    ("Мы недовольны отчётом", ["недовольный"]),
    ("Перейдём к другому подрядчику", ["перейти к другому подрядчику"]),
    ("Результатом довольны, продлеваем", []),
])
def test_complaint_phrases(text, expected):
    assert complaint_phrases_in(text, DEFAULT_COMPLAINT_PHRASES) == expected


def test_score_is_100_minus_points_in_constant_queries(org, cfg, django_assert_max_num_queries):
    # given: a late invoice and a complaint for A; B is clean
    a, b = org.client_a, org.client_b
    Client.objects.filter(pk__in=[a.pk, b.pk]).update(served_since=D - timedelta(days=400))
    invoice(a, day=D - timedelta(days=60), due=D - timedelta(days=45), total="1000.00")
    interaction(a, day=D - timedelta(days=5), summary="Недовольны результатом")
    # when
    with django_assert_max_num_queries(12):
        scored = factors.score_clients([a.pk, b.pk], D, cfg)
    # then
    assert scored[b.pk].score == 100
    assert scored[a.pk].score == 100 - cfg.weight_payment - round(cfg.weight_complaints / 2)
    assert scored[a.pk].factors[0]["key"] == "payment"
    assert len(scored[a.pk].factors) == len(factors.FACTORS)
