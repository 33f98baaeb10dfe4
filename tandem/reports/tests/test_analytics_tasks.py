"""The nightly analytics job never calls Metrica for demo sources (its schedule: config/tests)."""

from __future__ import annotations

from unittest import mock

import pytest

from tandem.reports import services
from tandem.reports.models import AnalyticsSnapshot, AnalyticsSource
from tandem.reports.tasks import analytics_refresh_all_task

pytestmark = pytest.mark.django_db


def test_task_skips_demo_sources_without_calling_metrica(org) -> None:
    AnalyticsSource.objects.create(client=org.client_a, counter_id="1", is_demo=True)
    with mock.patch.object(services, "_refresh_source") as refresh:
        counts = analytics_refresh_all_task.delay().get()
    assert counts == {"ok": 0, "failed": 0} and not refresh.called
    assert not AnalyticsSnapshot.objects.exists()


def test_task_refreshes_real_sources_for_the_configured_days(org, settings) -> None:
    settings.ANALYTICS_REFRESH_DAYS = 3
    source = services.analytics_source_connect(actor=org.head.user, client=org.client_a, counter_id="1", token="t")
    result = services.RefreshResult(source_id=source.pk, days=3, sampled=False)
    with mock.patch.object(services, "_refresh_source", return_value=result) as refresh:
        counts = analytics_refresh_all_task.delay().get()
    assert counts == {"ok": 1, "failed": 0}
    (_, start, end, _, _), _ = refresh.call_args
    assert (end - start).days == 2
