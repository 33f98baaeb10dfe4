"""КП pages: list, new КП from the catalogue, status buttons, «Создать черновик договора», documents."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from tandem.clients.models import ServiceKind
from tandem.contracts.models import Contract
from tandem.core.money import format_money
from tandem.growth.models import Proposal, ProposalStatus
from tandem.growth.tests.factories import service

pytestmark = pytest.mark.django_db


@pytest.fixture
def seo(org):
    return service(org.agency, ServiceKind.SEO, "SEO-продвижение")


def _new(web, org, seo):
    return web.post(reverse("web:growth_proposal_create"), {
        "client": org.client_a.pk, "discount_percent": "10", "with_vat": "on",
        "line_1_service": seo.pk, "line_1_price": "50000", "line_1_quantity": "1", "line_1_billing_model": "monthly_retainer",
        **{f"line_{n}_billing_model": "monthly_retainer" for n in range(2, 11)},
    })


def test_am_makes_a_proposal_moves_it_and_gets_a_draft_contract(org, seo, web_client_for):
    web = web_client_for(org.am1)
    assert web.get(reverse("web:growth_proposal_create")).status_code == 200
    response = _new(web, org, seo)
    assert response.status_code == 302
    proposal = Proposal.objects.get()
    page = web.get(reverse("web:growth_proposal", args=[proposal.pk])).content.decode()
    assert proposal.number in page and format_money(Decimal("45000")) in page and "Отправлено" in page
    for status in (ProposalStatus.SENT, ProposalStatus.ACCEPTED):
        web.post(reverse("web:growth_proposal_status", args=[proposal.pk]), {"status": status})
    response = web.post(reverse("web:growth_proposal_contract", args=[proposal.pk]))
    contract = Contract.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("web:contract_detail", args=[contract.pk])
    listing = web.get(reverse("web:growth_proposals")).content.decode()
    assert proposal.number in listing and "Принято" in listing
    document = web.get(reverse("web:growth_proposal_document", args=[proposal.pk, "docx"]))
    assert document.status_code == 200 and document["Content-Type"].startswith("application/vnd.openxml")


def test_a_line_without_price_is_an_error(org, seo, web_client_for):
    response = web_client_for(org.am1).post(reverse("web:growth_proposal_create"), {
        "client": org.client_a.pk, "discount_percent": "0", "line_1_service": seo.pk,
        **{f"line_{n}_billing_model": "monthly_retainer" for n in range(1, 11)},
    })
    assert response.status_code == 400 and "Укажите цену" in response.content.decode()
    assert not Proposal.objects.exists()


@pytest.mark.parametrize("role", ["am2", "finance", "spec1"])
def test_others_get_404(org, seo, web_client_for, role):
    _new(web_client_for(org.am1), org, seo)
    pk = Proposal.objects.get().pk
    web = web_client_for(org.by_role_name(role))
    assert web.get(reverse("web:growth_proposal", args=[pk])).status_code == 404
    assert web.post(reverse("web:growth_proposal_status", args=[pk]), {"status": "sent"}).status_code == 404


def test_the_opportunity_page_offers_a_proposal_and_lists_its_proposals(org, seo, web_client_for):
    from tandem.growth.tests.factories import OpportunityFactory

    opportunity = OpportunityFactory.create(client=org.client_a, service=seo)
    web = web_client_for(org.am1)
    page = web.get(reverse("web:growth_opportunity", args=[opportunity.pk])).content.decode()
    assert f"opportunity={opportunity.pk}" in page
    form = web.get(reverse("web:growth_proposal_create") + f"?client={org.client_a.pk}&opportunity={opportunity.pk}")
    assert form.status_code == 200
    response = web.post(reverse("web:growth_proposal_create"), {
        "client": org.client_a.pk, "opportunity": opportunity.pk, "discount_percent": "0",
        "line_1_service": seo.pk, "line_1_price": "1000", "line_1_quantity": "1",
        **{f"line_{n}_billing_model": "monthly_retainer" for n in range(1, 11)},
    })
    assert response.status_code == 302
    number = Proposal.objects.get(opportunity=opportunity).number
    assert number in web.get(reverse("web:growth_opportunity", args=[opportunity.pk])).content.decode()
