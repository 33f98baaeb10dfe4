"""Health pages: the card panel with linked events, decisions, the list, back-test and settings."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tandem.clients.models import Client, LifecycleStatus
from tandem.health import services
from tandem.health.models import BacktestRun, HealthScore, HealthSettings, ProposalStatus, RiskProposal
from tandem.health.tests.builders import interaction, invoice

pytestmark = pytest.mark.django_db


@pytest.fixture
def scored(org):
    today = timezone.localdate()
    a = org.client_a
    Client.objects.filter(pk__in=[a.pk, org.client_b.pk]).update(served_since=today - timedelta(days=400))
    inv = invoice(a, day=today - timedelta(days=80), due=today - timedelta(days=70), total="30000.00")
    complaint = interaction(a, day=today - timedelta(days=3), summary="Недовольны: нет результата")
    interaction(a, day=today - timedelta(days=9), summary="Хотят расторгнуть договор")
    for back in (20, 10, 5):
        services.health_recompute(agency=org.agency, day=today - timedelta(days=back), propose=False)
    services.health_recompute(agency=org.agency)
    return {"invoice": inv, "interaction": complaint, "proposal": RiskProposal.objects.get()}


def test_card_panel_shows_score_factors_links_and_the_proposal(org, scored, web_client_for, django_assert_max_num_queries):
    web = web_client_for(org.am1)
    with django_assert_max_num_queries(15):
        response = web.get(f"/clients/{org.client_a.pk}/health/panel/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Здоровье" in html and ">55<" in html
    assert f"/invoices/{scored['invoice'].pk}/" in html
    assert f"/interactions/{scored['interaction'].pk}/" in html
    assert "<polyline" in html
    assert "Поставить «под риском»" in html


def test_card_includes_the_panel(org, scored, web_client_for):
    html = web_client_for(org.am1).get(f"/clients/{org.client_a.pk}/").content.decode()
    assert f"/clients/{org.client_a.pk}/health/panel/" in html


def test_panel_is_empty_for_those_who_may_not_see_it(org, scored, web_client_for):
    response = web_client_for(org.spec1).get(f"/clients/{org.client_a.pk}/health/panel/")
    assert response.status_code == 200 and response.content == b""


def test_accept_from_the_card(org, scored, web_client_for):
    pk = scored["proposal"].pk
    response = web_client_for(org.am1).post(f"/health/proposals/{pk}/accept/", {"comment": "Звоню ЛПР"})
    assert response.status_code == 302
    assert Client.objects.get(pk=org.client_a.pk).status == LifecycleStatus.AT_RISK


def test_dismiss_without_comment_shows_the_error_next_to_the_field(org, scored, web_client_for):
    pk = scored["proposal"].pk
    response = web_client_for(org.am1).post(f"/health/proposals/{pk}/dismiss/", {"comment": ""}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "Напишите, почему клиент не под риском." in response.content.decode()
    assert RiskProposal.objects.get().status == ProposalStatus.OPEN


def test_another_am_cannot_decide(org, scored, web_client_for):
    pk = scored["proposal"].pk
    assert web_client_for(org.am2).post(f"/health/proposals/{pk}/accept/", {}).status_code == 404
    assert Client.objects.get(pk=org.client_a.pk).status == LifecycleStatus.ACTIVE


def test_recompute_button(org, scored, web_client_for):
    HealthScore.objects.filter(day=timezone.localdate()).delete()
    response = web_client_for(org.am1).post(f"/clients/{org.client_a.pk}/health/recompute/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert HealthScore.objects.filter(client=org.client_a, day=timezone.localdate()).exists()


def test_health_list_by_score_with_filters(org, scored, web_client_for, django_assert_max_num_queries):
    web = web_client_for(org.head)
    with django_assert_max_num_queries(20):
        response = web.get("/health/")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.index("Альфа") < html.index("Бета")
    filtered = web.get("/health/", {"group": org.seo2.pk}).content.decode()
    assert "Бета" in filtered and f"/clients/{org.client_a.pk}/#health" not in filtered


@pytest.mark.parametrize(("role", "status"), [("am1", 200), ("group_head", 200), ("head", 200), ("spec1", 404), ("finance", 404)])
def test_who_opens_the_list(org, web_client_for, role, status):
    assert web_client_for(org.by_role_name(role)).get("/health/").status_code == status


def test_my_day_section_lists_open_proposals(org, scored, web_client_for):
    html = web_client_for(org.am1).get(reverse("web:my_day")).content.decode()
    assert "Под риском?" in html and "Альфа" in html


@pytest.mark.parametrize(("role", "status"), [("head", 200), ("admin", 200), ("group_head", 404), ("am1", 404)])
def test_backtest_page_access(org, web_client_for, role, status):
    assert web_client_for(org.by_role_name(role)).get("/health/backtest/").status_code == status


def test_backtest_page_runs_and_shows_numbers(org, scored, web_client_for, django_assert_max_num_queries):
    web = web_client_for(org.head)
    today = timezone.localdate()
    response = web.post("/health/backtest/", {"start": (today - timedelta(days=30)).strftime("%d.%m.%Y"),
                                             "end": today.strftime("%d.%m.%Y"), "step_days": "7", "horizon_days": "90"})
    assert response.status_code == 302
    assert BacktestRun.objects.count() == 1
    with django_assert_max_num_queries(12):
        html = web.get("/health/backtest/").content.decode()
    assert 'id="bt-churned"' in html and "Ложные тревоги" in html


def test_settings_page(org, web_client_for):
    web = web_client_for(org.head)
    page = web.get("/health/settings/")
    assert page.status_code == 200
    form = {f: getattr(HealthSettings(), f) for f in services.SETTINGS_FIELDS}
    form["risk_threshold"] = 70
    assert web.post("/health/settings/", form).status_code == 302
    assert HealthSettings.objects.get(agency=org.agency).risk_threshold == 70
    form["risk_threshold"] = 0
    bad = web.post("/health/settings/", form)
    assert bad.status_code == 200 and "has-error" in bad.content.decode()
    assert web_client_for(org.group_head).get("/health/settings/").status_code == 404
