"""Rule-based suggestions and «no results» on constructed data (today = 03.12.2026)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tandem.clients.models import ClientKind, ClientTier, ServiceKind
from tandem.clients.tests.factories import ClientFactory
from tandem.growth import services
from tandem.growth.models import (
    GrowthRule,
    Mark,
    NoResultsRecommendation,
    RuleKind,
    ServiceMark,
    Suggestion,
    SuggestionStatus,
)

from .factories import TODAY, client_service, hours, invoice, results, service

AUG, SEP, OCT, NOV = date(2026, 8, 1), date(2026, 9, 1), date(2026, 10, 1), date(2026, 11, 1)


def only(org, *kinds: str) -> None:
    """Enable only the named rules, so that each test sees one rule's findings."""
    services.rules_of(agency=org.agency)
    GrowthRule.objects.filter(agency=org.agency).exclude(kind__in=kinds).update(is_enabled=False)


def run(org):
    return services.growth_generate(agency=org.agency, today=TODAY)


def test_seo_without_context_is_suggested_with_its_evidence(org):
    # given client_a buys SEO only, client_b SEO and context; the catalogue has context ads
    only(org, RuleKind.SEO_NO_CONTEXT)
    seo_a = client_service(org.client_a, ServiceKind.SEO, amount="90000")
    client_service(org.client_b, ServiceKind.SEO)
    client_service(org.client_b, ServiceKind.CONTEXT, amount="60000")
    # when the rules run
    result = run(org)
    # then only client_a gets «context ads», its SEO line named in the evidence
    s = Suggestion.objects.get()
    assert (result.suggestions_created, s.client, s.kind) == (1, org.client_a, RuleKind.SEO_NO_CONTEXT)
    assert s.service.kind == ServiceKind.CONTEXT
    assert s.monthly_value == Decimal("60000.00")
    assert s.evidence_key == f"seo={seo_a.pk}"
    assert "90\xa0000,00" in s.evidence[0]["value"]


def test_retainer_over_plan_three_months_running_is_suggested(org):
    # given a 40-hour retainer (100 000 ₽) used 50, 60 and 46 hours in Sep–Nov; another under plan in Oct
    only(org, RuleKind.RETAINER_OVERUSE)
    line = client_service(org.client_a, planned="40", amount="100000")
    for month, h in ((SEP, "50"), (OCT, "60"), (NOV, "46")):
        hours(line, org.spec1, month, h)
    other = client_service(org.client_b, planned="40")
    for month, h in ((SEP, "50"), (OCT, "40"), (NOV, "46")):
        hours(other, org.spec2, month, h)
    # when
    run(org)
    # then only the first (40 h in October is 100 %, not over it): extra 12 h a month at 2 500 ₽
    s = Suggestion.objects.get()
    assert s.client == org.client_a and s.service == line.service
    assert s.monthly_value == Decimal("30000.00")
    assert s.evidence_key == f"line={line.pk}:2026-09..2026-11"
    assert [e["label"] for e in s.evidence[1:]] == ["09.2026", "10.2026", "11.2026"]
    assert "(150 %)" in s.evidence[2]["value"]


def test_results_growing_proposes_more_budget_for_the_ads(org):
    # given client_a's leads grew 100 → 120 → 140 → 170 (Aug–Nov); client_b's stalled in October
    only(org, RuleKind.RESULTS_GROWING)
    client_service(org.client_a, ServiceKind.SEO, amount="90000")
    ads = client_service(org.client_a, ServiceKind.CONTEXT, amount="50000")
    results(org.client_a, {AUG: 100, SEP: 120, OCT: 140, NOV: 170})
    client_service(org.client_b, ServiceKind.CONTEXT)
    results(org.client_b, {AUG: 100, SEP: 120, OCT: 121, NOV: 170})
    # when
    run(org)
    # then client_a: more budget for context ads, valued at the average growth (20 %, 16.67 %, 21.43 %)
    s = Suggestion.objects.get()
    assert s.client == org.client_a and s.service == ads.service
    assert s.monthly_value == Decimal("9682.54")
    assert s.evidence[-1]["value"] == ads.service.name


def test_service_bought_by_similar_clients_is_suggested(org):
    # given four key B2B clients, three of them buy SMM; client_a (key B2B) buys only SEO
    only(org, RuleKind.PEER_SERVICE)
    for c in (org.client_a,):
        c.tier, c.kind = ClientTier.KEY, ClientKind.B2B
        c.save()
    client_service(org.client_a, ServiceKind.SEO)
    peers = [ClientFactory.create(agency=org.agency, tier=ClientTier.KEY, kind=ClientKind.B2B) for _ in range(4)]
    for n, peer in enumerate(peers):
        client_service(peer, ServiceKind.SEO)
        if n < 3:
            client_service(peer, ServiceKind.SMM, amount=str(30000 + 10000 * n))
    # when
    run(org)
    # then client_a gets SMM (3 of its 4 peers, 75 %), valued at their average; the fourth peer too
    mine = Suggestion.objects.get(client=org.client_a)
    assert mine.service.kind == ServiceKind.SMM
    assert mine.monthly_value == Decimal("40000.00")
    assert "3 из 4" in mine.evidence[0]["value"]
    assert set(Suggestion.objects.values_list("client_id", flat=True)) == {org.client_a.pk, peers[3].pk}


def test_dismissed_evidence_is_never_suggested_again_new_evidence_is(org):
    # given a dismissed «SEO without context» suggestion
    only(org, RuleKind.SEO_NO_CONTEXT)
    client_service(org.client_a, ServiceKind.SEO)
    service(org.agency, ServiceKind.CONTEXT)
    run(org)
    first = Suggestion.objects.get()
    services.suggestion_dismiss(actor=org.am1.user, suggestion=first, reason="Клиент против рекламы")
    # when the rules run again on the same evidence
    again = run(org)
    # then nothing new
    assert again.suggestions_created == 0 and Suggestion.objects.count() == 1
    # when the evidence changes (a second SEO line)
    client_service(org.client_a, ServiceKind.SEO)
    run(org)
    # then a new suggestion appears beside the dismissed one
    assert Suggestion.objects.filter(status=SuggestionStatus.OPEN).count() == 1
    assert Suggestion.objects.get(pk=first.pk).status == SuggestionStatus.DISMISSED


def test_disabled_rule_suggests_nothing(org):
    # given SEO without context, but the rule switched off
    only(org)
    client_service(org.client_a, ServiceKind.SEO)
    service(org.agency, ServiceKind.CONTEXT)
    # when
    run(org)
    # then
    assert not Suggestion.objects.exists()


def test_flat_results_while_money_is_spent_is_a_no_results_recommendation(org):
    # given context ads invoiced monthly, leads 100, 102, 98, 101 (Aug–Nov); client_b's grow
    only(org, RuleKind.NO_RESULTS)
    line = client_service(org.client_a, ServiceKind.CONTEXT, amount="50000")
    results(org.client_a, {AUG: 100, SEP: 102, OCT: 98, NOV: 101})
    for month in (SEP, OCT, NOV):
        invoice(line, month.replace(day=5), "50000")
    growing = client_service(org.client_b, ServiceKind.CONTEXT)
    results(org.client_b, {AUG: 100, SEP: 110, OCT: 120, NOV: 132})
    invoice(growing, NOV.replace(day=6), "50000")
    # when
    result = run(org)
    # then only client_a's service, with the months and the money spent
    rec = NoResultsRecommendation.objects.get()
    assert result.recommendations_created == 1
    assert (rec.contract_line, rec.basis, rec.spent) == (line, "analytics", Decimal("150000.00"))
    assert rec.evidence_key == "analytics:2026-09..2026-11"
    assert [e["label"] for e in rec.evidence[:4]] == ["08.2026", "09.2026", "10.2026", "11.2026"]


def test_no_money_spent_is_no_recommendation(org):
    # given flat results but nothing invoiced and no hours
    only(org, RuleKind.NO_RESULTS)
    client_service(org.client_a, ServiceKind.CONTEXT)
    results(org.client_a, {AUG: 100, SEP: 100, OCT: 100, NOV: 100})
    # when
    run(org)
    # then
    assert not NoResultsRecommendation.objects.exists()


def test_marks_stand_in_for_missing_analytics(org):
    # given no analytics; the AM marked SMM «так же», «хуже», «так же» and logged hours
    only(org, RuleKind.NO_RESULTS)
    line = client_service(org.client_a, ServiceKind.SMM)
    for month, mark in ((SEP, Mark.SAME), (OCT, Mark.WORSE), (NOV, Mark.SAME)):
        services.service_mark_set(actor=org.am1.user, contract_line=line, month=month, mark=mark)
    hours(line, org.spec1, OCT, "10")
    better = client_service(org.client_b, ServiceKind.SMM)
    for month, mark in ((SEP, Mark.SAME), (OCT, Mark.BETTER), (NOV, Mark.SAME)):
        services.service_mark_set(actor=org.am2.user, contract_line=better, month=month, mark=mark)
    hours(better, org.spec2, OCT, "10")
    # when
    run(org)
    # then
    rec = NoResultsRecommendation.objects.get()
    assert (rec.contract_line, rec.basis, rec.hours) == (line, "marks", Decimal("10.00"))


def test_decided_recommendation_is_kept_and_not_raised_again(org):
    # given a recommendation decided «replace with targeted ads»
    only(org, RuleKind.NO_RESULTS)
    line = client_service(org.client_a, ServiceKind.CONTEXT, amount="50000")
    results(org.client_a, {AUG: 100, SEP: 100, OCT: 90, NOV: 80})
    invoice(line, OCT.replace(day=3), "50000")
    run(org)
    rec = NoResultsRecommendation.objects.get()
    targeted = service(org.agency, ServiceKind.TARGETED, "Таргет ВКонтакте")
    services.recommendation_decide(actor=org.am1.user, recommendation=rec, decision="replace",
                                   replacement_service=targeted, comment="Контекст не окупается")
    # when the rules run again
    run(org)
    # then the decision stands, nothing new, and the replacement is in the pipeline
    rec.refresh_from_db()
    assert (rec.decision, rec.replacement_service, NoResultsRecommendation.objects.count()) == ("replace", targeted, 1)
    assert org.client_a.opportunities.get().service == targeted


def test_mark_is_one_per_month(org):
    # given a mark for October
    line = client_service(org.client_a, ServiceKind.SMM)
    services.service_mark_set(actor=org.am1.user, contract_line=line, month=date(2026, 10, 17), mark=Mark.SAME)
    # when the AM marks October again
    services.service_mark_set(actor=org.am1.user, contract_line=line, month=OCT, mark=Mark.BETTER, comment="Охват вырос")
    # then one mark, the last one, on the first of the month
    mark = ServiceMark.objects.get()
    assert (mark.month, mark.mark, mark.comment) == (OCT, Mark.BETTER, "Охват вырос")


@pytest.mark.parametrize("name", ["am2", "spec1", "finance"])
def test_others_may_not_mark_the_service(org, name):
    from tandem.core.errors import PermissionDenied

    line = client_service(org.client_a, ServiceKind.SMM)
    with pytest.raises(PermissionDenied):
        services.service_mark_set(actor=getattr(org, name).user, contract_line=line, month=OCT, mark=Mark.SAME)
    assert not ServiceMark.objects.exists()


def test_nightly_task_runs_the_rules_for_every_agency(org):
    # given SEO without context ads
    from tandem.growth.tasks import growth_generate_all_task

    client_service(org.client_a, ServiceKind.SEO)
    service(org.agency, ServiceKind.CONTEXT)
    # when the nightly job runs (twice: it is safe to re-run)
    first = growth_generate_all_task.delay().get()
    second = growth_generate_all_task.delay().get()
    # then one suggestion, not two
    assert first["suggestions_created"] == 1 and second["suggestions_created"] == 0
    assert Suggestion.objects.get().client == org.client_a


def test_no_suggestion_for_a_service_already_in_the_open_pipeline(org):
    # given SEO without context ads, and context ads already offered to the client
    from .factories import OpportunityFactory

    only(org, RuleKind.SEO_NO_CONTEXT)
    client_service(org.client_a, ServiceKind.SEO)
    OpportunityFactory.create(client=org.client_a, service=service(org.agency, ServiceKind.CONTEXT), stage="offered")
    # when
    run(org)
    # then
    assert not Suggestion.objects.exists()
