"""The Django admin for contracts leaves status moves (and signing, which opens projects) to the
services, does not renumber contracts, keeps signed contracts fixed and checks the number pattern."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.contrib import admin

from tandem.contracts.models import (
    Contract,
    ContractLine,
    ContractSettings,
    ContractStatus,
    Service,
    Subcontractor,
    VatRate,
)
from tandem.contracts.services import contract_create, contract_line_add, contract_settings_update
from tandem.contracts.tests.factories import ServiceFactory
from tandem.testing.admin_forms import admin_url, change_form_data, login_superuser
from tandem.work.models import Project
from tandem.work.tests.factories import signed_project

pytestmark = pytest.mark.django_db

MODELS = [Contract, Service, VatRate, Subcontractor, ContractSettings]


@pytest.fixture
def superuser_client(client, org):
    return login_superuser(client, org.head)


@pytest.fixture
def draft(org):
    contract = contract_create(actor=org.head.user, client=org.client_a, data={"notes": "Черновик"})
    contract_line_add(actor=org.head.user, contract=contract, data={
        "service": ServiceFactory.create(agency=org.agency), "billing_model": "monthly_retainer",
        "amount": Decimal("50000.00"),
    })
    return contract


def test_every_contracts_model_is_registered():
    assert all(admin.site.is_registered(m) for m in MODELS)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_changelist_add_and_change_pages_open(superuser_client, org, draft, model):
    VatRate.objects.create(agency=org.agency, valid_from=date(2026, 1, 1), rate_percent=Decimal("22"))
    Subcontractor.objects.create(agency=org.agency, name="Подрядчик")
    contract_settings_update(actor=org.head.user, number_pattern="Д-{seq}")
    obj = model._default_manager.first()

    assert superuser_client.get(admin_url(model, "changelist")).status_code == 200
    assert superuser_client.get(admin_url(model, "add")).status_code == 200
    assert superuser_client.get(admin_url(obj)).status_code == 200


def test_draft_status_and_number_are_not_written(superuser_client, org, draft):
    data = change_form_data(superuser_client, admin_url(draft))
    assert "status" not in data and "number" not in data
    data.update(notes="Исправлено", status=ContractStatus.SIGNED, number="999",
                signed_at_0="01.02.2026", signed_at_1="10:00:00")

    response = superuser_client.post(admin_url(draft), data)

    assert response.status_code == 302
    number = draft.number
    draft.refresh_from_db()
    assert draft.notes == "Исправлено"
    assert (draft.status, draft.number, draft.signed_at) == (ContractStatus.DRAFT, number, None)
    assert draft.status_changes.count() == 1
    assert not Project.objects.exists()


def test_contract_created_here_is_a_draft_with_its_first_status_change(superuser_client, org):
    data = change_form_data(superuser_client, admin_url(Contract, "add"))
    data.update(agency=str(org.agency.pk), client=str(org.client_a.pk), number="Р-1", date="01.02.2026",
                start_date="01.02.2026", status=ContractStatus.SIGNED, vat_mode="vat", payment_terms_days="5")

    response = superuser_client.post(admin_url(Contract, "add"), data)

    assert response.status_code == 302
    contract = Contract.objects.get(number="Р-1")
    assert contract.status == ContractStatus.DRAFT and contract.signed_at is None
    change = contract.status_changes.get()
    assert (change.from_status, change.to_status, change.changed_by) == ("", ContractStatus.DRAFT, org.head.user)
    assert change.effective_date == date(2026, 2, 1) and change.comment == "Договор создан"


def test_signed_contract_is_shown_but_not_changed(superuser_client, org):
    contract = signed_project(org).contract_line.contract
    line = contract.lines.get()
    before = Contract.objects.values().get(pk=contract.pk)

    page = superuser_client.get(admin_url(contract))
    response = superuser_client.post(admin_url(contract), {
        "notes": "Подделка", "status": ContractStatus.DRAFT, "lines-TOTAL_FORMS": "1", "lines-INITIAL_FORMS": "1",
        "lines-0-id": str(line.pk), "lines-0-contract": str(contract.pk), "lines-0-amount": "1",
    })

    assert page.status_code == 200
    assert 'name="notes"' not in page.content.decode() and 'name="lines-0-amount"' not in page.content.decode()
    assert response.status_code == 403
    assert Contract.objects.values().get(pk=contract.pk) == before
    assert ContractLine.objects.get(pk=line.pk).amount == line.amount


def test_contract_in_approval_lines_can_still_be_edited(superuser_client, org, draft):
    Contract.objects.filter(pk=draft.pk).update(status=ContractStatus.IN_APPROVAL)
    data = change_form_data(superuser_client, admin_url(draft))
    data["lines-0-amount"] = "60000.00"

    response = superuser_client.post(admin_url(draft), data)

    assert response.status_code == 302
    assert draft.lines.get().amount == Decimal("60000.00")


def test_bad_number_pattern_is_refused_as_in_the_service(superuser_client, org):
    contract_settings_update(actor=org.head.user, number_pattern="Д-{seq}")
    row = ContractSettings.objects.get()
    data = change_form_data(superuser_client, admin_url(row))
    data["number_pattern"] = "{year}-{client}"

    response = superuser_client.post(admin_url(row), data)

    assert response.context["adminform"].form.errors["number_pattern"] == [
        "Шаблон должен содержать {seq} и может использовать только {year}, {yy}, {month}, {seq}."
    ]
    row.refresh_from_db()
    assert row.number_pattern == "Д-{seq}"

