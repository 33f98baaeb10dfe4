"""The back-test on a generated history with known churns: the numbers are the hand-computed
ones, the replay equals the nightly score of that day, and it reads nothing after the day."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.db import transaction

from tandem.clients.models import Client, LifecycleStatus, LifecycleTransition
from tandem.comms.models import Interaction
from tandem.health import factors
from tandem.health.backtest import backtest_run, replay_flags
from tandem.health.models import BacktestRun, HealthScore, HealthSettings
from tandem.health.services import health_recompute, health_settings_for

from .builders import interaction, lifecycle

D0 = date(2026, 1, 5)
END = D0 + timedelta(days=200)
COMPLAINT = "Клиент недоволен, говорит: нет результата"


def _only_complaints(agency) -> HealthSettings:
    cfg = health_settings_for(agency)
    for name in ("weight_payment", "weight_contact", "weight_sla", "weight_work", "weight_results",
                 "weight_new_client", "weight_am_change", "weight_volume"):
        setattr(cfg, name, 0)
    cfg.weight_complaints = 40
    cfg.risk_threshold = 90
    cfg.save()
    return cfg


@pytest.fixture
def history(org):
    """X: complaint 40 days before churning on D0+100 (caught); Y: churns on D0+120 without a
    signal (missed); Z: complaint on D0+10, never churns (false alarm); W: clean."""
    cfg = _only_complaints(org.agency)
    a = org.client_a
    z, w = (Client.objects.create(agency=org.agency, legal_name=f'ООО "{n}"', brand_name=n, account_manager=org.am1,
                                  group=org.seo1, status=LifecycleStatus.ACTIVE) for n in ("Зета", "Вэ"))
    x, y = a, org.client_b
    for c in (x, y, z, w):
        Client.objects.filter(pk=c.pk).update(served_since=D0 - timedelta(days=365))
        lifecycle(c, day=D0 - timedelta(days=365), to=LifecycleStatus.ACTIVE, by=org.head)
    churn_x, churn_y = D0 + timedelta(days=100), D0 + timedelta(days=120)
    interaction(x, day=churn_x - timedelta(days=40), summary=COMPLAINT)
    interaction(z, day=D0 + timedelta(days=10), summary=COMPLAINT)
    lifecycle(x, day=churn_x, to=LifecycleStatus.CHURNED, by=org.head, churn_reason="results")
    lifecycle(y, day=churn_y, to=LifecycleStatus.CHURNED, by=org.head, churn_reason="budget")
    return {"cfg": cfg, "x": x, "y": y, "z": z, "w": w, "churn_x": churn_x, "churn_y": churn_y}


def test_backtest_numbers_on_known_churns(history, org, django_assert_max_num_queries):
    # given: replay days every 7 days from D0
    days = [D0 + timedelta(days=7 * k) for k in range(29)]
    first_flag_x = min(d for d in days if d >= history["churn_x"] - timedelta(days=40))
    # when: O(1) queries per replay day (12 factor queries) plus a few up front
    with django_assert_max_num_queries(5 + 12 * len(days)):
        result = backtest_run(agency=org.agency, start=D0, end=END, step_days=7, horizon_days=90, cfg=history["cfg"])
    # then
    assert result.replay_days == len(days)
    assert result.churned == 2
    assert result.churned_flagged == 1
    caught = {c.client_id: c for c in result.churns}
    assert caught[history["x"].pk].lead_days == (history["churn_x"] - first_flag_x).days
    assert caught[history["y"].pk].flagged_on is None
    assert result.flagged_clients == 2
    assert result.flagged_churned == 1
    assert result.flagged_not_churned == 1
    assert [f.client_id for f in result.false_alarms] == [history["z"].pk]
    assert result.precision == 0.5
    assert result.recall == 0.5
    assert result.lead_days_avg == (history["churn_x"] - first_flag_x).days


def test_replay_scores_only_clients_served_on_the_day(history, org):
    scores, _n = replay_flags(agency=org.agency, days=[history["churn_x"], history["churn_x"] - timedelta(days=1)],
                              cfg=history["cfg"])
    assert history["churn_x"] not in scores[history["x"].pk]
    assert history["churn_x"] - timedelta(days=1) in scores[history["x"].pk]


def test_replay_uses_no_future_data(history, org):
    # given: the replay scores of a day in the middle
    day = history["churn_x"] - timedelta(days=14)
    ids = [history[k].pk for k in ("x", "y", "z", "w")]
    before = {cid: (s.score, s.factors) for cid, s in factors.score_clients(ids, day, history["cfg"]).items()}
    replayed, _n = replay_flags(agency=org.agency, days=[day], cfg=history["cfg"])
    # when: everything after that day is removed (and more complaints are added after it)
    with transaction.atomic():
        interaction(history["w"], day=day + timedelta(days=1), summary="Хотят расторгнуть договор")
        Interaction.objects.filter(occurred_at__date__gt=day).exclude(client=history["w"]).delete()
        LifecycleTransition.objects.filter(changed_at__date__gt=day).delete()
        after = {cid: (s.score, s.factors) for cid, s in factors.score_clients(ids, day, history["cfg"]).items()}
        replayed_after, _n = replay_flags(agency=org.agency, days=[day], cfg=history["cfg"])
        transaction.set_rollback(True)
    # then: the same scores — the future changed nothing
    assert after == before
    assert replayed_after == replayed
    assert before[history["x"].pk][0] == 80


def test_replay_equals_the_nightly_score_of_that_day(history, org):
    day = D0 + timedelta(days=14)
    health_recompute(agency=org.agency, day=day, propose=False)
    stored = dict(HealthScore.objects.filter(day=day).values_list("client_id", "score"))
    replayed, _n = replay_flags(agency=org.agency, days=[day], cfg=history["cfg"])
    for cid, score in stored.items():
        assert replayed[cid][day] == score
    assert stored[history["z"].pk] == 80


def test_command_stores_a_run(history, org, capsys):
    call_command("health_backtest", "--agency", str(org.agency.pk), "--end", END.isoformat(), "--days", "200")
    run = BacktestRun.objects.get()
    assert run.result["churned"] == 2
    assert "precision: 0.5" in capsys.readouterr().out
