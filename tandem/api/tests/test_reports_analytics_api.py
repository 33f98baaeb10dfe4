"""API: a client's analytics snapshots and «refresh now»."""

from __future__ import annotations

from datetime import date
from unittest import mock

import pytest
from django.utils import timezone

from tandem.reports import services
from tandem.reports.models import AnalyticsSnapshot, AnalyticsSource

pytestmark = pytest.mark.django_db


@pytest.fixture
def source(org) -> AnalyticsSource:
    source = services.analytics_source_connect(actor=org.head.user, client=org.client_a, counter_id="1", token="y0_SECRET")
    AnalyticsSnapshot.objects.bulk_create(
        AnalyticsSnapshot(source=source, client=org.client_a, date=date(2026, 10, d), visits=d, fetched_at=timezone.now())
        for d in range(1, 31)
    )
    return source


def snapshots_url(client_id: int) -> str:
    return f"/api/v1/clients/{client_id}/analytics/snapshots/"


def refresh_url(client_id: int) -> str:
    return f"/api/v1/clients/{client_id}/analytics/refresh/"


@pytest.mark.parametrize(("role", "status"), [
    ("am1", 200), ("spec1", 200), ("finance", 200), ("group_head", 200), ("head", 200), ("admin", 200),
    ("am2", 404), ("spec2", 404), ("outsider", 404),
])
def test_who_sees_snapshots(org, source, api_client_for, role, status):
    response = api_client_for(org.by_role_name(role)).get(snapshots_url(org.client_a.pk), {"page_size": 10})
    assert response.status_code == status
    if status == 200:
        body = response.json()
        assert body["count"] == 30 and len(body["results"]) == 10
        assert body["results"][0]["date"] == "2026-10-30" and "token" not in str(body)


def test_snapshots_filtered_by_period(org, source, api_client_for):
    response = api_client_for(org.am1).get(snapshots_url(org.client_a.pk), {"start": "2026-10-05", "end": "2026-10-07"})
    assert [r["visits"] for r in response.json()["results"]] == [7, 6, 5]


@pytest.mark.parametrize(("role", "status"), [
    ("am1", 200), ("group_head", 200), ("head", 200), ("admin", 200),
    ("finance", 403), ("spec1", 403), ("am2", 404), ("outsider", 404),
])
def test_who_may_refresh(org, source, api_client_for, role, status):
    result = services.RefreshResult(source_id=source.pk, days=3, sampled=False)
    with mock.patch.object(services, "_refresh_source", return_value=result) as refresh:
        response = api_client_for(org.by_role_name(role)).post(
            refresh_url(org.client_a.pk), {"start": "2026-10-01", "end": "2026-10-03"}, format="json",
        )
    assert response.status_code == status
    assert refresh.called is (status == 200)
    if status == 200:
        assert response.json() == {"source_id": source.pk, "days": 3, "sampled": False}
    assert AnalyticsSnapshot.objects.count() == 30


def test_refresh_failure_is_a_plain_message(org, source, api_client_for):
    with mock.patch.object(services, "_refresh_source", side_effect=services.AnalyticsRefreshFailed("Исчерпана квота")):
        response = api_client_for(org.am1).post(refresh_url(org.client_a.pk), {}, format="json")
    assert response.status_code == 502 and response.json()["detail"] == "Исчерпана квота"


def test_refresh_without_source_is_404(org, api_client_for):
    assert api_client_for(org.am2).post(refresh_url(org.client_b.pk), {}, format="json").status_code == 404
    assert not AnalyticsSource.objects.exists()
