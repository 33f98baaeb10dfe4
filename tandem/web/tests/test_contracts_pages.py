"""Web pages for contracts, the catalogue, VAT rates and subcontractors (issue #3)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tandem.contracts.models import Contract, ContractStatus, Service
from tandem.contracts.tests.factories import ContractFactory, ContractLineFactory, ServiceFactory
from tandem.core.money import format_money
from tandem.work.models import Project

pytestmark = pytest.mark.django_db

ROLES = ["head", "finance", "admin", "group_head", "am1", "am2", "spec1", "spec2", "outsider"]
SEES_A = {"head", "finance", "admin", "group_head", "am1", "spec1"}
MANAGES_A = {"head", "admin", "group_head", "am1"}


@pytest.mark.parametrize("role", ROLES)
def test_contract_pages_visibility(org, web_client_for, role):
    c = ContractFactory(client=org.client_a)
    web = web_client_for(org.by_role_name(role))
    listing = web.get(reverse("web:contract_list")).content.decode()
    assert (c.number in listing) == (role in SEES_A)
    assert web.get(reverse("web:contract_detail", args=[c.pk])).status_code == (200 if role in SEES_A else 404)
    assert web.get(reverse("web:contract_settings")).status_code == 200


def test_create_and_sign_through_pages(org, web_client_for):
    web = web_client_for(org.am1)
    day = timezone.localdate() - timedelta(days=2)
    r = web.post(reverse("web:contract_create"), {
        "client": org.client_a.pk, "date": str(day), "start_date": str(day), "vat_mode": "vat",
        "payment_terms_days": 5})
    contract = Contract.objects.get()
    assert r.status_code == 302 and contract.number == f"{day.year}-0001"
    service = ServiceFactory(agency=org.agency)
    web.post(reverse("web:contract_line_add", args=[contract.pk]), {
        "service": service.pk, "billing_model": "monthly_retainer", "amount": "50000", "planned_hours_per_month": "20"})
    assert contract.lines.count() == 1
    r = web.post(reverse("web:contract_status", args=[contract.pk]), {"to_status": "signed"}, follow=True)
    assert "Нельзя перевести договор" in r.content.decode()
    web.post(reverse("web:contract_status", args=[contract.pk]), {"to_status": "in_approval"})
    web.post(reverse("web:contract_status", args=[contract.pk]), {"to_status": "signed", "on_date": str(day)})
    contract.refresh_from_db()
    assert contract.status == ContractStatus.SIGNED
    assert Project.objects.filter(contract_line__contract=contract).exists()


@pytest.mark.parametrize("role", ROLES)
def test_status_change_denied_changes_nothing(org, web_client_for, role):
    c = ContractFactory(client=org.client_a, status=ContractStatus.IN_APPROVAL)
    ContractLineFactory(contract=c)
    r = web_client_for(org.by_role_name(role)).post(reverse("web:contract_status", args=[c.pk]),
                                                    {"to_status": "signed"})
    c.refresh_from_db()
    if role in MANAGES_A:
        assert c.status == ContractStatus.SIGNED
    else:
        assert r.status_code in (302, 404)
        assert c.status == ContractStatus.IN_APPROVAL and not Project.objects.exists()


def test_catalogue_form_only_for_admins(org, web_client_for):
    data = {"kind": "service", "service-name": "SEO", "service-kind": "seo"}
    web_client_for(org.am1).post(reverse("web:contract_settings"), data)
    assert not Service.objects.exists()
    assert web_client_for(org.admin).post(reverse("web:contract_settings"), data).status_code == 302
    assert Service.objects.count() == 1


def test_contract_list_query_count(org, web_client_for, django_assert_max_num_queries):
    for _ in range(20):
        ContractLineFactory(contract=ContractFactory(client=org.client_a))
    web = web_client_for(org.head)
    with django_assert_max_num_queries(12):
        assert web.get(reverse("web:contract_list")).status_code == 200


def test_contract_lines_show_amounts_as_money(org, web_client_for):
    # given a contract line of 150 000 ₽
    contract = ContractFactory(client=org.client_a)
    ContractLineFactory(contract=contract, amount="150000.00")
    # when the AM opens the contract
    body = web_client_for(org.am1).get(reverse("web:contract_detail", args=[contract.pk])).content.decode()
    # then the amount is written as everywhere else: grouped thousands, comma before kopecks
    assert f"<td class=\"num\">{format_money('150000')}</td>" in body and format_money("150000") == "150\u00a0000,00"
    assert "150000.00" not in body
