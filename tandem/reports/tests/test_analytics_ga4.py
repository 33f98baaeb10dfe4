"""GA4 sources: the key checked and stored encrypted, the refresh from recorded answers, the nightly job."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from tandem.core.errors import PermissionDenied
from tandem.core.secrets import decrypt_secret
from tandem.integrations.tests.ga4_support import ga4_factory, recorded, service_account_json
from tandem.reports import services
from tandem.reports.models import AnalyticsKind, AnalyticsSnapshot, AnalyticsSource, SyncStatus

pytestmark = pytest.mark.django_db
DAY = date(2026, 11, 1)


@pytest.fixture
def source(org) -> AnalyticsSource:
    return services.analytics_source_connect(
        actor=org.am1.user, client=org.client_a, kind=AnalyticsKind.GA4, counter_id="314159265",
        token=service_account_json(),
    )


def test_connect_stores_the_key_encrypted(org, source) -> None:
    stored = AnalyticsSource.objects.get(kind=AnalyticsKind.GA4)
    assert "PRIVATE KEY" not in stored.token_encrypted
    assert decrypt_secret(stored.token_encrypted) == service_account_json()
    assert stored.goal_ids == [] and stored.last_sync_status == SyncStatus.NEVER


def test_a_client_may_have_metrica_and_ga4(org, source) -> None:
    services.analytics_source_connect(actor=org.am1.user, client=org.client_a, counter_id="44147844", token="y0_T")
    assert sorted(AnalyticsSource.objects.values_list("kind", flat=True)) == ["ga4", "metrica"]


@pytest.mark.parametrize("key", ["not json", '{"client_email": "x@y"}'])
def test_a_broken_key_is_refused_and_not_stored(org, key) -> None:
    with pytest.raises(ValidationError) as caught:
        services.analytics_source_connect(
            actor=org.am1.user, client=org.client_a, kind=AnalyticsKind.GA4, counter_id="1", token=key,
        )
    assert "token" in caught.value.message_dict
    assert not AnalyticsSource.objects.exists()


def test_who_may_not_connect(org) -> None:
    with pytest.raises(PermissionDenied):
        services.analytics_source_connect(
            actor=org.finance.user, client=org.client_a, kind=AnalyticsKind.GA4, counter_id="1",
            token=service_account_json(),
        )


def test_refresh_upserts_sessions_key_events_and_revenue(org, source) -> None:
    factory = ga4_factory((200, recorded("two_pages_1.json")), (200, recorded("two_pages_2.json")))
    result = services.analytics_refresh(
        actor=org.am1.user, source=source, start=DAY, end=date(2026, 11, 4), ga4_client_factory=factory,
    )
    assert result.days == 4 and result.sampled
    rows = list(AnalyticsSnapshot.objects.order_by("date").values_list("date", "visits", "goal_conversions", "revenue", "leads"))
    assert rows == [
        (date(2026, 11, 1), 100, 2, Decimal("1000.00"), None),
        (date(2026, 11, 2), 120, 3, Decimal("0.00"), None),
        (date(2026, 11, 3), 90, 1, Decimal("250.75"), None),
        (date(2026, 11, 4), 0, 0, Decimal("0.00"), None),  # a day GA4 left out had nothing
    ]
    source.refresh_from_db()
    assert source.last_sync_status == SyncStatus.OK and "приблизительные" in source.last_sync_message
    # the same period again changes only the figures
    again = ga4_factory((200, recorded("daily_one_page.json")))
    services.analytics_refresh(actor=org.am1.user, source=source, start=DAY, end=date(2026, 11, 4), ga4_client_factory=again)
    assert AnalyticsSnapshot.objects.count() == 4
    assert AnalyticsSnapshot.objects.get(date=DAY).visits == 412


@pytest.mark.parametrize(("answers", "tokens", "words"), [
    ([(403, recorded("error_403_permission_denied.json"))], None, "сервисного аккаунта"),
    ([(429, recorded("error_429_quota.json"))] * 4, None, "квота"),
    ([], [(400, recorded("token_invalid_grant.json"))], "не принял ключ"),
])
def test_failures_are_recorded_in_plain_words(org, source, answers, tokens, words) -> None:
    with pytest.raises(services.AnalyticsRefreshFailed) as caught:
        services.analytics_refresh(
            actor=org.am1.user, source=source, start=DAY, end=DAY,
            ga4_client_factory=ga4_factory(*answers, tokens=tokens),
        )
    assert words in caught.value.message and "PRIVATE" not in caught.value.message
    source.refresh_from_db()
    assert source.last_sync_status == SyncStatus.ERROR and words in source.last_sync_message
    assert not AnalyticsSnapshot.objects.exists()


def test_nightly_job_refreshes_ga4_sources_too(org, source) -> None:
    counts = services.analytics_refresh_all(
        today=date(2026, 11, 4), days=3, ga4_client_factory=ga4_factory((200, recorded("daily_one_page.json"))),
    )
    assert counts == {"ok": 1, "failed": 0}
    assert AnalyticsSnapshot.objects.filter(source=source).count() == 3
