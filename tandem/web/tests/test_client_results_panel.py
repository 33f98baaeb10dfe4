"""The client card's «Результаты» panel, the Metrica settings form and «Обновить сейчас»."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone

from tandem.core.secrets import decrypt_secret
from tandem.reports import services
from tandem.reports.models import AnalyticsSnapshot, AnalyticsSource, SyncStatus

pytestmark = pytest.mark.django_db

MANAGERS = ["am1", "group_head", "head", "admin"]
READERS = ["finance", "spec1"]


@pytest.fixture
def source(org) -> AnalyticsSource:
    return services.analytics_source_connect(actor=org.head.user, client=org.client_a, counter_id="44147844", token="y0_SECRET")


def _snapshots(source: AnalyticsSource, days: int) -> None:
    today = timezone.localdate()
    AnalyticsSnapshot.objects.bulk_create(
        AnalyticsSnapshot(
            source=source, client=source.client, date=today - timedelta(days=n), visits=100 + n, goal_conversions=n % 3,
            fetched_at=timezone.now(),
        )
        for n in range(1, days + 1)
    )


def test_card_shows_results_with_chart_data_and_never_the_token(org, source, web_client_for):
    _snapshots(source, 60)
    response = web_client_for(org.am1).get(reverse("web:client_detail", args=[org.client_a.pk]))
    html = response.content.decode()
    assert "Результаты" in html and 'id="results-data"' in html and "web/results-chart.js" in html
    summary = response.context["results"]["summary"]
    assert summary.current.visits == sum(100 + n for n in range(1, 31))
    assert summary.previous.visits == sum(100 + n for n in range(31, 61))
    assert "y0_SECRET" not in html and source.token_encrypted not in html
    assert "задан" in html and "<script>" not in html


def test_card_without_source_offers_to_connect_only_to_managers(org, web_client_for):
    am = web_client_for(org.am1).get(reverse("web:client_detail", args=[org.client_a.pk])).content.decode()
    fin = web_client_for(org.finance).get(reverse("web:client_detail", args=[org.client_a.pk])).content.decode()
    assert "Подключить Метрику" in am and "Подключить Метрику" not in fin
    assert "Аналитика не подключена" in fin


CARD_QUERIES = 17  # the card with money and results panels; the same for 5 days or a year


@pytest.mark.parametrize("days", [5, 365])
def test_card_queries_do_not_grow_with_history(org, source, web_client_for, django_assert_max_num_queries, days):
    _snapshots(source, days)
    web = web_client_for(org.am1)
    with django_assert_max_num_queries(CARD_QUERIES):
        response = web.get(reverse("web:client_detail", args=[org.client_a.pk]))
    assert len(response.context["results"]["summary"].visits) == 30


@pytest.mark.parametrize("role", MANAGERS)
def test_managers_connect_a_counter_and_the_token_is_never_shown_back(org, web_client_for, role):
    web = web_client_for(org.by_role_name(role))
    url = reverse("web:client_analytics_settings", args=[org.client_a.pk])
    response = web.post(url, {"counter_id": "123456", "token": "y0_NEW", "goal_ids": "11, 12"})
    assert response.status_code == 302
    stored = AnalyticsSource.objects.get(client=org.client_a)
    assert (stored.counter_id, stored.goal_ids, decrypt_secret(stored.token_encrypted)) == ("123456", [11, 12], "y0_NEW")
    form_html = web.get(url).content.decode()
    assert "y0_NEW" not in form_html and stored.token_encrypted not in form_html and "Токен задан" in form_html


@pytest.mark.parametrize("role", [*READERS, "am2", "outsider"])
def test_others_may_not_open_or_post_the_settings(org, web_client_for, role):
    web = web_client_for(org.by_role_name(role))
    url = reverse("web:client_analytics_settings", args=[org.client_a.pk])
    assert web.get(url).status_code == 404
    assert web.post(url, {"counter_id": "1", "token": "t"}).status_code == 404
    assert not AnalyticsSource.objects.exists()


def test_bad_goal_ids_are_an_error_next_to_the_field(org, web_client_for):
    url = reverse("web:client_analytics_settings", args=[org.client_a.pk])
    response = web_client_for(org.am1).post(url, {"counter_id": "123", "token": "t", "goal_ids": "abc"})
    assert response.status_code == 200 and "Номера целей" in response.content.decode()
    assert not AnalyticsSource.objects.exists()


def test_refresh_now_shows_the_error_in_plain_words(org, source, web_client_for):
    web = web_client_for(org.am1)
    failure = services.AnalyticsRefreshFailed("Нет доступа к счётчику Метрики.")
    with mock.patch.object(services, "_refresh_source", side_effect=failure):
        response = web.post(reverse("web:client_analytics_refresh", args=[org.client_a.pk]), follow=True)
    assert "Нет доступа к счётчику Метрики." in response.content.decode()


@pytest.mark.parametrize("role", [*READERS, "am2"])
def test_refresh_now_denied_changes_nothing(org, source, web_client_for, role):
    web = web_client_for(org.by_role_name(role))
    with mock.patch.object(services, "_refresh_source") as refresh:
        response = web.post(reverse("web:client_analytics_refresh", args=[org.client_a.pk]))
    assert response.status_code == 404 and not refresh.called
    assert AnalyticsSource.objects.get().last_sync_status == SyncStatus.NEVER


def test_refresh_now_loads_a_recorded_metrica_answer_into_the_panel(org, source, web_client_for):
    # given Metrica answers with the recorded real report, its five days moved into the last week
    import json
    from pathlib import Path

    import httpx

    from tandem.integrations import metrica

    body = json.loads((Path(__file__).parents[2] / "integrations/tests/data/metrica/daily_visits_real.json").read_text())
    for n, row in enumerate(body["data"], start=1):
        row["dimensions"][0]["name"] = (timezone.localdate() - timedelta(days=6 - n)).isoformat()
        row["metrics"].append(7.0)  # all goals reached

    def factory(token: str) -> metrica.MetricaClient:
        return metrica.MetricaClient(token=token, transport=httpx.MockTransport(lambda r: httpx.Response(200, json=body)))

    # when the AM presses «Обновить сейчас»
    with mock.patch.object(services, "_interactive_metrica_client", factory):
        response = web_client_for(org.am1).post(reverse("web:client_analytics_refresh", args=[org.client_a.pk]), follow=True)
    # then the report's days are stored (the other days of the window as zero) and the page says so
    assert AnalyticsSnapshot.objects.filter(visits=14234, goal_conversions=7).count() == 1
    assert AnalyticsSnapshot.objects.count() == 61
    assert "Данные Метрики обновлены: 61 дн." in response.content.decode()
    assert AnalyticsSource.objects.get().last_sync_status == SyncStatus.OK


def test_am_connects_ga4_and_refresh_now_loads_it(org, web_client_for):
    # given the AM pastes a service-account key on the card
    from tandem.integrations.tests.ga4_support import ga4_factory, recorded, service_account_json

    web = web_client_for(org.am1)
    url = reverse("web:client_analytics_ga4", args=[org.client_a.pk])
    key = service_account_json()
    assert web.post(url, {"counter_id": "314159265", "token": key}).status_code == 302
    stored = AnalyticsSource.objects.get(client=org.client_a, kind="ga4")
    assert decrypt_secret(stored.token_encrypted) == key
    form_html = web.get(url).content.decode()
    assert "PRIVATE KEY" not in form_html and "Ключ задан" in form_html
    # when «Обновить сейчас» gets a GA4 answer
    body = recorded("daily_one_page.json")
    body["rows"][0]["dimensionValues"][0]["value"] = (timezone.localdate() - timedelta(days=2)).strftime("%Y%m%d")
    with mock.patch.object(services, "_interactive_ga4_client", ga4_factory((200, body))):
        response = web.post(reverse("web:client_analytics_refresh", args=[org.client_a.pk]), follow=True)
    # then the card shows the property and the figures
    page = response.content.decode()
    assert "Данные Google Analytics обновлены: 61 дн." in page and "314159265" in page
    assert AnalyticsSnapshot.objects.filter(visits=412).count() == 1


def test_a_broken_ga4_key_is_an_error_next_to_the_field(org, web_client_for):
    url = reverse("web:client_analytics_ga4", args=[org.client_a.pk])
    response = web_client_for(org.am1).post(url, {"counter_id": "1", "token": "{not json"})
    assert response.status_code == 200 and "не JSON" in response.content.decode()
    assert not AnalyticsSource.objects.exists()


def test_am_uploads_a_positions_file_and_the_card_shows_positions(org, web_client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    web = web_client_for(org.am1)
    url = reverse("web:client_analytics_upload", args=[org.client_a.pk, "topvisor"])
    page = web.get(url).content.decode()
    assert 'enctype="multipart/form-data"' in page and "Столбец с запросами" in page
    day = timezone.localdate() - timedelta(days=2)
    content = f"Запрос;{day:%d.%m.%Y}\nа;3\nб;15\n".encode()
    response = web.post(url, {"file": SimpleUploadedFile("p.csv", content), "map_keyword": ""}, follow=True)
    text = response.content.decode()
    assert "Файл загружен: 1 дн." in text and "Средняя позиция" in text and "Доля запросов в топ-10" in text


def test_an_upload_with_bad_lines_lists_them_and_loads_nothing(org, web_client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    url = reverse("web:client_analytics_upload", args=[org.client_a.pk, "upload"])
    content = "Дата;Визиты\n01.11.2026;10\nвчера;5\n".encode()
    response = web_client_for(org.am1).post(url, {"file": SimpleUploadedFile("u.csv", content)})
    assert response.status_code == 200 and "Строка 3: «вчера» — не дата." in response.content.decode()
    assert not AnalyticsSnapshot.objects.exists()


@pytest.mark.parametrize("role", [*READERS, "am2"])
def test_others_may_not_open_the_upload_page(org, web_client_for, role):
    url = reverse("web:client_analytics_upload", args=[org.client_a.pk, "topvisor"])
    assert web_client_for(org.by_role_name(role)).get(url).status_code == 404
