"""Growth pages: the board and its moves (htmx and plain posts), the list, the opportunity card,
suggestions, «no results» decisions, marks, rules, the client panel and My day; permissions and
bounded queries."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from tandem.clients.models import ServiceKind
from tandem.growth.models import (
    GrowthRule,
    NoResultsRecommendation,
    Opportunity,
    RuleKind,
    ServiceMark,
    Stage,
    StageChange,
    Suggestion,
    SuggestionStatus,
)
from tandem.growth.tests.factories import OpportunityFactory, client_service, service

pytestmark = pytest.mark.django_db


@pytest.fixture
def smm(org):
    return service(org.agency, ServiceKind.SMM, "SMM ВКонтакте")


def _suggestion(org, n: int = 0) -> Suggestion:
    return Suggestion.objects.create(
        agency=org.agency, client=org.client_a, kind=RuleKind.SEO_NO_CONTEXT,
        service=service(org.agency, ServiceKind.CONTEXT, "Контекстная реклама"), monthly_value=Decimal("40000"),
        evidence=[{"label": "SEO", "value": "SEO-продвижение, 90 000,00 ₽"}], evidence_key=f"seo={n}",
    )


def _recommendation(org) -> NoResultsRecommendation:
    line = client_service(org.client_a, ServiceKind.CONTEXT)
    return NoResultsRecommendation.objects.create(
        agency=org.agency, client=org.client_a, contract_line=line, basis="analytics",
        evidence=[{"label": "10.2026", "value": "98 заявок (−4 %)"}], evidence_key="analytics:2026-09..2026-11",
        spent=Decimal("150000"),
    )


def test_board_shows_columns_totals_and_cards(org, web_client_for, smm, django_assert_max_num_queries):
    # given opportunities in every stage
    for stage, p in ((Stage.IDEA, 10), (Stage.OFFERED, 30), (Stage.PROPOSAL_SENT, 50), (Stage.WON, 100)):
        for _ in range(3):
            OpportunityFactory.create(client=org.client_a, service=smm, stage=stage, probability=p)
    OpportunityFactory.create(client=org.client_a, service=smm, stage=Stage.LOST, probability=0, lost_reason="price")
    web = web_client_for(org.am1)
    # when
    with django_assert_max_num_queries(14):
        response = web.get(reverse("web:growth_board"))
    html = response.content.decode()
    # then five columns, the weighted open pipeline 3 × 50 000 × (10 + 30 + 50) % = 135 000
    assert response.status_code == 200
    assert all(f'id="column-{s}"' in html for s in Stage.values)
    assert "135\xa0000,00 ₽" in html
    assert "Дорого" in html


def test_board_move_with_htmx_returns_the_board(org, web_client_for, smm):
    # given
    opp = OpportunityFactory.create(client=org.client_a, service=smm, stage=Stage.OFFERED, probability=30)
    # when «КП отправлено →» is pressed on the board
    response = web_client_for(org.am1).post(reverse("web:growth_move", args=[opp.pk]),
                                            {"stage": "proposal_sent", "place": "board"}, HTTP_HX_REQUEST="true")
    # then the board comes back with the card in its new column, and the move is in the history
    html = response.content.decode()
    assert response.status_code == 200 and html.startswith('<div id="pipeline-board">')
    column = html.split('id="column-proposal_sent"')[1].split("</section>")[0]
    assert f'id="opportunity-{opp.pk}"' in column
    assert list(StageChange.objects.values_list("from_stage", "to_stage")) == [("offered", "proposal_sent")]


def test_board_move_without_js_redirects_back(org, web_client_for, smm):
    opp = OpportunityFactory.create(client=org.client_a, service=smm)
    response = web_client_for(org.am1).post(reverse("web:growth_move", args=[opp.pk]), {
        "stage": "offered", "place": "board", "next": reverse("web:growth_board")})
    assert response.status_code == 302 and response.url == reverse("web:growth_board")
    opp.refresh_from_db()
    assert (opp.stage, opp.probability) == (Stage.OFFERED, 30)


def test_lost_without_reason_shows_the_error_next_to_the_field(org, web_client_for, smm):
    opp = OpportunityFactory.create(client=org.client_a, service=smm)
    response = web_client_for(org.am1).post(reverse("web:growth_move", args=[opp.pk]), {"stage": "lost"})
    assert response.status_code == 400 and "Укажите причину проигрыша." in response.content.decode()
    opp.refresh_from_db()
    assert opp.stage == Stage.IDEA


def test_create_and_edit_an_opportunity(org, web_client_for, smm):
    web = web_client_for(org.am1)
    response = web.post(reverse("web:growth_opportunity_create"), {
        "client": org.client_a.pk, "service": smm.pk, "monthly_value": "45 000,00", "stage": "offered",
        "next_step": "Показать кейсы", "next_step_date": "10.12.2026"})
    opp = Opportunity.objects.get()
    assert response.status_code == 302 and (opp.stage, opp.probability, opp.monthly_value) == (
        Stage.OFFERED, 30, Decimal("45000.00"))
    response = web.post(reverse("web:growth_opportunity_edit", args=[opp.pk]), {
        "service": smm.pk, "monthly_value": "50000", "probability": "40", "next_step": "Созвон"})
    opp.refresh_from_db()
    assert response.status_code == 302 and (opp.probability, opp.next_step, opp.owner) == (40, "Созвон", org.am1)
    page = web.get(reverse("web:growth_opportunity", args=[opp.pk])).content.decode()
    assert "Созвон" in page and "Предложено" in page


def test_list_filters_and_export(org, web_client_for, smm, django_assert_max_num_queries):
    for _ in range(12):
        OpportunityFactory.create(client=org.client_a, service=smm)
    OpportunityFactory.create(client=org.client_a, service=smm, stage=Stage.WON, probability=100)
    web = web_client_for(org.head)
    with django_assert_max_num_queries(12):
        response = web.get(reverse("web:growth_opportunities"), {"stage": "won"})
    assert response.status_code == 200 and response.context["page"].paginator.count == 1
    export = web.get(reverse("web:growth_opportunities"), {"format": "xlsx"})
    assert export.status_code == 200 and "spreadsheetml" in export["Content-Type"]


@pytest.mark.parametrize("name", ["am2", "spec1", "finance"])
def test_others_get_404_on_the_card_and_the_move(org, web_client_for, smm, name):
    opp = OpportunityFactory.create(client=org.client_a, service=smm)
    web = web_client_for(org.by_role_name(name))
    assert web.get(reverse("web:growth_opportunity", args=[opp.pk])).status_code == 404
    assert web.post(reverse("web:growth_move", args=[opp.pk]), {"stage": "offered"}).status_code == 404
    opp.refresh_from_db()
    assert opp.stage == Stage.IDEA


@pytest.mark.parametrize("name", ["spec1", "finance"])
def test_roles_without_growth_get_404_on_the_pages(org, web_client_for, name):
    web = web_client_for(org.by_role_name(name))
    for url in ("web:growth_board", "web:growth_opportunities", "web:growth_suggestions",
                "web:growth_recommendations", "web:growth_marks"):
        assert web.get(reverse(url)).status_code == 404, url


def test_suggestions_accept_and_dismiss(org, web_client_for, django_assert_max_num_queries):
    # given two suggestions with evidence
    first, second = _suggestion(org, 1), _suggestion(org, 2)
    web = web_client_for(org.am1)
    with django_assert_max_num_queries(10):
        page = web.get(reverse("web:growth_suggestions")).content.decode()
    assert "SEO-продвижение, 90 000,00 ₽" in page
    # when one is accepted and the other dismissed
    accepted = web.post(reverse("web:growth_suggestion_accept", args=[first.pk]))
    no_reason = web.post(reverse("web:growth_suggestion_dismiss", args=[second.pk]), {"reason": ""})
    dismissed = web.post(reverse("web:growth_suggestion_dismiss", args=[second.pk]), {"reason": "Бюджет заморожен"})
    # then
    opp = Opportunity.objects.get()
    assert accepted.url == reverse("web:growth_opportunity", args=[opp.pk])
    assert no_reason.status_code == 400 and dismissed.status_code == 302
    assert dict(Suggestion.objects.values_list("pk", "status")) == {
        first.pk: SuggestionStatus.ACCEPTED, second.pk: SuggestionStatus.DISMISSED}
    assert "Бюджет заморожен" in web.get(reverse("web:growth_suggestions"), {"status": "dismissed"}).content.decode()


def test_am_decides_and_group_head_sees_the_decision(org, web_client_for, django_assert_max_num_queries):
    # given
    rec = _recommendation(org)
    targeted = service(org.agency, ServiceKind.TARGETED, "Таргет ВКонтакте")
    am = web_client_for(org.am1)
    assert "98 заявок (−4 %)" in am.get(reverse("web:growth_recommendations")).content.decode()
    # when «replace» without a service, then with one
    refused = am.post(reverse("web:growth_decide", args=[rec.pk]), {"decision": "replace"})
    done = am.post(reverse("web:growth_decide", args=[rec.pk]), {
        "decision": "replace", "replacement_service": targeted.pk, "comment": "Контекст не окупается"})
    # then
    assert refused.status_code == 400 and "Укажите, на какую услугу заменить." in refused.content.decode()
    assert done.status_code == 302
    gh = web_client_for(org.group_head)
    with django_assert_max_num_queries(10):
        page = gh.get(reverse("web:growth_recommendations"), {"decided": "yes"}).content.decode()
    assert "Заменить другой услугой" in page and "Таргет ВКонтакте" in page and "Контекст не окупается" in page


def test_marks_page(org, web_client_for):
    line = client_service(org.client_a, ServiceKind.SMM)
    month = (timezone.localdate().replace(day=1) - timedelta(days=1)).replace(day=1)
    web = web_client_for(org.am1)
    response = web.post(reverse("web:growth_marks"), {"contract_line": line.pk, "month": f"{month:%Y-%m}",
                                                      "mark": "worse", "comment": "Охваты упали"})
    assert response.status_code == 302
    assert ServiceMark.objects.get().month == month
    assert "Охваты упали" in web.get(reverse("web:growth_marks")).content.decode()


def test_rules_page_for_head_only(org, web_client_for):
    assert web_client_for(org.am1).get(reverse("web:growth_rules")).status_code == 404
    web = web_client_for(org.head)
    assert web.get(reverse("web:growth_rules")).status_code == 200
    data = {}
    for kind in RuleKind.values:
        data.update({f"{kind}-is_enabled": "on", f"{kind}-threshold": "10", f"{kind}-months": "3"})
    data.pop(f"{RuleKind.PEER_SERVICE}-is_enabled")
    data[f"{RuleKind.RETAINER_OVERUSE}-threshold"] = "120,5"
    assert web.post(reverse("web:growth_rules"), data).status_code == 302
    rules = {r.kind: r for r in GrowthRule.objects.filter(agency=org.agency)}
    assert rules[RuleKind.PEER_SERVICE].is_enabled is False
    assert rules[RuleKind.RETAINER_OVERUSE].threshold == Decimal("120.50")


def test_client_panel(org, web_client_for, smm, django_assert_max_num_queries):
    OpportunityFactory.create(client=org.client_a, service=smm, stage=Stage.OFFERED, probability=30)
    _suggestion(org)
    _recommendation(org)
    web = web_client_for(org.am1)
    with django_assert_max_num_queries(12):
        html = web.get(reverse("web:client_growth_panel", args=[org.client_a.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert "SMM ВКонтакте" in html and "15\xa0000,00 ₽" in html and "Контекстная реклама" in html and "решить" in html
    assert web_client_for(org.spec1).get(reverse("web:client_growth_panel", args=[org.client_a.pk])).content == b""


def test_my_day_shows_next_steps_due(org, web_client_for, smm):
    today = timezone.localdate()
    OpportunityFactory.create(client=org.client_a, service=smm, stage=Stage.PROPOSAL_SENT, probability=50,
                              next_step="Созвон по КП", next_step_date=today)
    OpportunityFactory.create(client=org.client_a, service=smm, next_step="Позже", next_step_date=today + timedelta(days=5))
    html = web_client_for(org.am1).get(reverse("web:my_day")).content.decode()
    assert 'id="section-growth_next_steps"' in html and "Созвон по КП" in html and "Позже" not in html
    assert 'id="section-growth_next_steps"' not in web_client_for(org.am2).get(reverse("web:my_day")).content.decode()


def test_board_and_suggestions_in_english(org, web_client_for, smm):
    import re

    OpportunityFactory.create(client=org.client_a, service=smm, stage=Stage.PROPOSAL_SENT, probability=50)
    _suggestion(org)
    web = web_client_for(org.am1)
    assert web.post(reverse("set_language"), {"language": "en", "next": "/"}).status_code == 302
    board = web.get(reverse("web:growth_board")).content.decode()
    suggestions = web.get(reverse("web:growth_suggestions")).content.decode()
    assert "Upsell pipeline" in board and "Proposal sent" in board and "Open pipeline" in board
    assert "Has SEO but no context ads" in suggestions and "To the pipeline" in suggestions
    # the only Russian left is data: names of the client, the service, the people and the evidence
    main = board.split("<main", 1)[-1]
    text = re.sub(r"<[^>]+>", " ", main)
    for data in ("Альфа", "SMM ВКонтакте", "am1"):
        text = text.replace(data, "")
    assert not re.search(r"[А-Яа-яЁё]", text), text


def test_client_panel_lists_the_clients_proposals_with_status(org, web_client_for, smm,
                                                              django_assert_max_num_queries):
    from datetime import date

    from tandem.growth import proposal_services as ps
    from tandem.growth.models import ProposalStatus
    from tandem.growth.selectors import CARD_PROPOSALS

    line = ps.LineData(service=smm, price=Decimal("15000"), quantity=Decimal("1"))
    made = [ps.proposal_create(actor=org.am1.user, client=org.client_a, lines=[line], today=date(2026, 11, 2))
            for _ in range(CARD_PROPOSALS + 1)]
    ps.proposal_change_status(actor=org.am1.user, proposal=made[-1], status=ProposalStatus.SENT)
    ps.proposal_create(actor=org.am2.user, client=org.client_b, lines=[line], today=date(2026, 11, 2))
    web = web_client_for(org.am1)
    with django_assert_max_num_queries(14):
        html = web.get(reverse("web:client_growth_panel", args=[org.client_a.pk]), HTTP_HX_REQUEST="true").content.decode()
    table = html[html.index('id="client-proposals"'):]
    assert table.count("<tr>") == CARD_PROPOSALS + 1  # the header and the latest five
    assert reverse("web:growth_proposal", args=[made[-1].pk]) in table and "Отправлено" in table
    assert f"?client={org.client_a.pk}" in html and f"Все КП клиента: {CARD_PROPOSALS + 1}" in html
    listed = web.get(reverse("web:growth_proposals") + f"?client={org.client_a.pk}").content.decode()
    assert listed.count(reverse("web:growth_proposal", args=[made[0].pk])) == 1 and "КП-2026-0007" not in listed
