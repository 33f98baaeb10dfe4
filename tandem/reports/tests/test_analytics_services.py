"""Analytics sources: encrypted tokens, the refresh from recorded Metrica answers, the nightly job."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import httpx
import pytest
from django.core.exceptions import ValidationError

from tandem.core.errors import PermissionDenied
from tandem.core.secrets import decrypt_secret
from tandem.integrations import metrica
from tandem.reports import services
from tandem.reports.models import AnalyticsSnapshot, AnalyticsSource, SyncStatus
from tandem.reports.selectors import results_summary

DATA = Path(__file__).parents[2] / "integrations" / "tests" / "data" / "metrica"
DAY = date(2026, 11, 1)


def answer(name: str) -> dict:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def factory_replaying(*bodies: tuple[int, dict], seen: list[httpx.Request] | None = None) -> services.MetricaClientFactory:
    queue = list(bodies)
    seen_requests = seen if seen is not None else []

    def handler(request: httpx.Request) -> httpx.Response:
        seen_requests.append(request)
        status, body = queue.pop(0)
        return httpx.Response(status, json=body)

    def make(token: str) -> metrica.MetricaClient:
        return metrica.MetricaClient(token=token, transport=httpx.MockTransport(handler), sleep=lambda s: None)

    return make


@pytest.fixture
def source(org) -> AnalyticsSource:
    return services.analytics_source_connect(
        actor=org.am1.user, client=org.client_a, counter_id="44147844", token="y0_SECRET", goal_ids=[3045424],
    )


def test_connect_stores_the_token_encrypted(org, source) -> None:
    stored = AnalyticsSource.objects.get()
    assert "y0_SECRET" not in stored.token_encrypted
    assert decrypt_secret(stored.token_encrypted) == "y0_SECRET"
    assert stored.goal_ids == [3045424] and stored.last_sync_status == SyncStatus.NEVER


def test_blank_token_keeps_the_stored_one(org, source) -> None:
    before = AnalyticsSource.objects.get().token_encrypted
    services.analytics_source_connect(actor=org.am1.user, client=org.client_a, counter_id="44147844", token="", goal_ids=[])
    after = AnalyticsSource.objects.get()
    assert after.token_encrypted == before and after.goal_ids == []


def test_new_source_needs_a_token(org) -> None:
    with pytest.raises(ValidationError):
        services.analytics_source_connect(actor=org.am1.user, client=org.client_a, counter_id="1", token=" ")
    assert not AnalyticsSource.objects.exists()


@pytest.mark.parametrize("role", ["finance", "spec1", "am2"])
def test_who_may_not_connect_changes_nothing(org, role) -> None:
    with pytest.raises(PermissionDenied):
        services.analytics_source_connect(
            actor=org.by_role_name(role).user, client=org.client_a, counter_id="1", token="t",
        )
    assert not AnalyticsSource.objects.exists()


def test_refresh_upserts_daily_snapshots_and_fills_missing_days(org, source) -> None:
    # given Metrica answers in two pages for three days, then the same again
    seen: list[httpx.Request] = []
    pages = ((200, answer("two_pages_1.json")), (200, answer("two_pages_2.json")))
    # when refreshed twice for 1–4 November (the 4th had no visits)
    for _ in range(2):
        result = services.analytics_refresh(
            actor=org.am1.user, source=source, start=DAY, end=date(2026, 11, 4),
            client_factory=factory_replaying(*pages, seen=seen),
        )
    # then one snapshot a day, the same figures, no duplicates
    rows = list(AnalyticsSnapshot.objects.values_list("date", "visits", "goal_conversions", "leads"))
    assert rows == [
        (date(2026, 11, 1), 120, 3, 0), (date(2026, 11, 2), 134, 5, 0),
        (date(2026, 11, 3), 124, 2, 0), (date(2026, 11, 4), 0, 0, 0),
    ]
    assert result.days == 4 and AnalyticsSnapshot.objects.count() == 4
    assert seen[0].headers["Authorization"] == "OAuth y0_SECRET"
    assert seen[0].url.params["metrics"] == "ym:s:visits,ym:s:sumGoalReachesAny,ym:s:goal3045424reaches"
    assert AnalyticsSource.objects.get().last_sync_status == SyncStatus.OK


def test_refresh_counts_lead_goals_and_flags_sampling(org, source) -> None:
    body = answer("sampled.json")
    for row in body["data"]:
        row["metrics"].append(row["metrics"][1] - 1)  # the lead goal's reaches
    services.analytics_refresh(
        actor=org.am1.user, source=source, start=DAY, end=date(2026, 11, 2), client_factory=factory_replaying((200, body)),
    )
    first = AnalyticsSnapshot.objects.get(date=DAY)
    assert (first.visits, first.goal_conversions, first.leads, first.sampled) == (41230, 311, 310, True)
    assert "выборке" in AnalyticsSource.objects.get().last_sync_message


def test_refresh_failure_is_recorded_and_raised_in_plain_words(org, source) -> None:
    with pytest.raises(services.AnalyticsRefreshFailed) as info:
        services.analytics_refresh(
            actor=org.am1.user, source=source, start=DAY, end=DAY,
            client_factory=factory_replaying((403, answer("error_403_access_denied.json"))),
        )
    stored = AnalyticsSource.objects.get()
    assert stored.last_sync_status == SyncStatus.ERROR and "Нет доступа" in stored.last_sync_message
    assert "y0_SECRET" not in info.value.message
    assert not AnalyticsSnapshot.objects.exists()


@pytest.mark.parametrize("role", ["finance", "spec1", "am2"])
def test_refresh_denied_changes_nothing(org, source, role) -> None:
    with pytest.raises(PermissionDenied):
        services.analytics_refresh(
            actor=org.by_role_name(role).user, source=source, start=DAY, end=DAY,
            client_factory=factory_replaying((200, answer("sampled.json"))),
        )
    assert not AnalyticsSnapshot.objects.exists()
    assert AnalyticsSource.objects.get().last_sync_status == SyncStatus.NEVER


def test_nightly_job_refreshes_real_sources_and_skips_demo(org, source) -> None:
    AnalyticsSource.objects.create(client=org.client_b, counter_id="2", is_demo=True)
    counts = services.analytics_refresh_all(
        today=date(2026, 11, 3), days=2, client_factory=factory_replaying((200, answer("sampled.json"))),
    )
    assert counts == {"ok": 1, "failed": 0}
    assert set(AnalyticsSnapshot.objects.values_list("client_id", flat=True)) == {org.client_a.pk}


def test_results_summary_compares_with_the_previous_window(org, source) -> None:
    today = date(2026, 12, 1)
    for day, visits in [(date(2026, 11, 30), 10), (date(2026, 11, 1), 5), (date(2026, 10, 31), 20)]:
        AnalyticsSnapshot.objects.create(
            source=source, client=org.client_a, date=day, visits=visits, goal_conversions=1, fetched_at=source.created_at,
        )
    summary = results_summary(client=org.client_a, today=today)
    assert summary.current.visits == 15 and summary.previous.visits == 20
    assert summary.visits_change == -25 and len(summary.visits) == 30 and summary.visits[-1] == 10
