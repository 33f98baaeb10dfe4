"""API: connecting a GA4 property (credentials write-only) and refreshing it."""

from __future__ import annotations

from unittest import mock

import pytest

from tandem.core.secrets import decrypt_secret
from tandem.integrations.tests.ga4_support import ga4_factory, recorded, service_account_json
from tandem.reports import services
from tandem.reports.models import AnalyticsSnapshot, AnalyticsSource

pytestmark = pytest.mark.django_db


def source_url(client_id: int, kind: str = "ga4") -> str:
    return f"/api/v1/clients/{client_id}/analytics/sources/{kind}/"


@pytest.mark.parametrize(("role", "status"), [
    ("am1", 200), ("group_head", 200), ("head", 200), ("admin", 200), ("finance", 403), ("spec1", 403), ("am2", 404),
])
def test_who_connects_a_ga4_property(org, api_client_for, role, status):
    key = service_account_json()
    response = api_client_for(org.by_role_name(role)).put(
        source_url(org.client_a.pk), {"counter_id": "314159265", "credentials": key}, format="json",
    )
    assert response.status_code == status
    if status == 200:
        body = response.json()
        assert body["kind"] == "ga4" and body["has_credentials"] is True and "PRIVATE" not in str(body)
        assert decrypt_secret(AnalyticsSource.objects.get().token_encrypted) == key
    else:
        assert not AnalyticsSource.objects.exists()


def test_a_broken_key_is_a_400_on_the_field(org, api_client_for):
    response = api_client_for(org.am1).put(source_url(org.client_a.pk), {"counter_id": "1", "credentials": "{"}, format="json")
    assert response.status_code == 400 and "token" in str(response.json())


def test_unknown_kind_is_404(org, api_client_for):
    assert api_client_for(org.am1).put(source_url(org.client_a.pk, "ua"), {"counter_id": "1"}, format="json").status_code == 404


def test_refresh_a_ga4_property(org, api_client_for):
    api = api_client_for(org.am1)
    api.put(source_url(org.client_a.pk), {"counter_id": "314159265", "credentials": service_account_json()}, format="json")
    with mock.patch.object(services, "_interactive_ga4_client", ga4_factory((200, recorded("daily_one_page.json")))):
        response = api.post(
            f"/api/v1/clients/{org.client_a.pk}/analytics/refresh/",
            {"start": "2026-11-01", "end": "2026-11-03", "kind": "ga4"}, format="json",
        )
    assert response.status_code == 200 and response.json()["days"] == 3
    assert AnalyticsSnapshot.objects.get(date="2026-11-01").revenue == 15400.5


# --- uploads -------------------------------------------------------------------------------------

def upload_url(client_id: int, kind: str) -> str:
    return f"/api/v1/clients/{client_id}/analytics/uploads/{kind}/"


def _file(name: str, content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="text/csv")


POSITIONS = "Запрос;01.11.2026;02.11.2026\nа;3;-\nб;15;9\n".encode()


@pytest.mark.parametrize(("role", "status"), [
    ("am1", 200), ("group_head", 200), ("head", 200), ("admin", 200), ("finance", 403), ("spec1", 403), ("am2", 404),
])
def test_who_uploads_positions(org, api_client_for, role, status):
    response = api_client_for(org.by_role_name(role)).post(
        upload_url(org.client_a.pk, "topvisor"), {"file": _file("p.csv", POSITIONS)}, format="multipart",
    )
    assert response.status_code == status
    if status == 200:
        assert response.json() == {
            "source_id": AnalyticsSource.objects.get().pk, "days": 2, "first_day": "2026-11-01",
            "last_day": "2026-11-02", "filled_fields": ["avg_position", "top10_share"],
        }


def test_bad_lines_are_a_400_and_nothing_is_stored(org, api_client_for):
    bad = "Запрос;01.11.2026\nа;x\nб;1\nв;?\n".encode()
    response = api_client_for(org.am1).post(upload_url(org.client_a.pk, "topvisor"), {"file": _file("p.csv", bad)}, format="multipart")
    assert response.status_code == 400
    assert "Строка 2" in str(response.json()) and "Строка 4" in str(response.json())
    assert not AnalyticsSnapshot.objects.exists()


def test_mapping_is_sent_as_json_and_saved(org, api_client_for):
    content = "Число;Траты\n01.11.2026;100\n".encode()
    response = api_client_for(org.am1).post(
        upload_url(org.client_a.pk, "vk_ads"),
        {"file": _file("vk.csv", content), "mapping": '{"date": "Число", "ad_spend": "Траты"}'}, format="multipart",
    )
    assert response.status_code == 200, response.json()
    assert AnalyticsSource.objects.get().column_mapping == {"date": "Число", "ad_spend": "Траты"}
    assert upload_url(org.client_a.pk, "metrica") and api_client_for(org.am1).post(
        upload_url(org.client_a.pk, "metrica"), {"file": _file("x.csv", content)}, format="multipart").status_code == 404
