"""Billing settings pages: requisites, bonus rule, subcontractor costs. Heads, admins and finance
only (404 for everyone else, nothing changed); errors shown at their fields."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tandem.billing import services
from tandem.billing.models import BillingSettings, BonusRule, SubcontractorCost
from tandem.clients.tests.factories import ClientFactory
from tandem.contracts.models import Subcontractor
from tandem.testing.billing import OWN_ACCOUNT

pytestmark = pytest.mark.django_db
ROLES = ["head", "finance", "admin", "group_head", "am1", "am2", "spec1", "spec2", "outsider"]
WRITERS = {"head", "finance", "admin"}
BIK = "044525225"


def _settings_data(**extra) -> dict:
    data = {
        "supplier_name": 'ООО "Тандем"', "inn": "7707083893", "kpp": "770701001", "ogrn": "1027700132195",
        "address": "Москва", "director_name": "Иванов И. И.", "director_position": "Генеральный директор",
        "accountant_name": "Смирнова А. А.", "bank_name": "ПАО Сбербанк", "bik": BIK,
        "correspondent_account": "30101810400000000225", "bank_account": OWN_ACCOUNT, "other_accounts": "",
        "invoice_number_pattern": "{yy}-{seq:04d}", "act_number_pattern": "А-{seq}",
        "default_payment_terms_days": "7", "remind_days_before": "3", "remind_days_after": "1,7",
        "escalation_days": "30",
    }
    data.update(extra)
    return data


@pytest.mark.parametrize("role", ROLES)
def test_settings_page_by_role_and_denied_changes_nothing(money, web_client_for, role):
    client = web_client_for(money.by_role_name(role))

    page = client.get("/billing/settings/")
    response = client.post("/billing/settings/", _settings_data())

    cfg = BillingSettings.objects.get(agency=money.agency)
    if role in WRITERS:
        assert page.status_code == 200 and response.status_code == 302
        assert cfg.ogrn == "1027700132195" and cfg.default_payment_terms_days == 7 and cfg.bik == BIK
    elif role == "outsider":  # a head of another agency edits only their own agency's settings
        assert response.status_code == 302 and cfg.bik == "" and cfg.ogrn == ""
    else:
        assert page.status_code == 404 and response.status_code == 404
        assert cfg.bik == "" and cfg.invoice_number_pattern == "{seq}"


@pytest.mark.parametrize(("field", "value"), [
    ("bank_account", "40702810300000000001"),  # key does not match the BIK
    ("inn", "7712345678"),
    ("ogrn", "1027700132196"),
    ("bik", "04452522"),
    ("correspondent_account", "123"),
    ("invoice_number_pattern", "{year}"),
])
def test_settings_errors_are_shown_at_the_field(money, web_client_for, field, value):
    response = web_client_for(money.finance).post("/billing/settings/", _settings_data(**{field: value}))

    cfg = BillingSettings.objects.get(agency=money.agency)
    assert response.status_code == 200 and response.context["form"].errors.get(field)
    assert cfg.bik == ""  # nothing saved


def test_default_payment_terms_apply_to_invoices_without_a_contract(money, web_client_for):
    web_client_for(money.finance).post("/billing/settings/", _settings_data(default_payment_terms_days="14"))

    invoice = services.invoice_create(actor=money.finance.user, client=money.client_a, date=date(2026, 3, 2),
                                      lines=[services.LineInput(name="x", price=Decimal("1"))])

    assert invoice.due_date == date(2026, 3, 16)


def _tiers(*pairs: tuple[str, str]) -> dict:
    data = {"tiers-TOTAL_FORMS": "4", "tiers-INITIAL_FORMS": "0", "tiers-MIN_NUM_FORMS": "0",
            "tiers-MAX_NUM_FORMS": "10"}
    for i, (frm, share) in enumerate(pairs):
        data[f"tiers-{i}-from_percent"], data[f"tiers-{i}-share_percent"] = frm, share
    return data


@pytest.mark.parametrize("role", ROLES)
def test_bonus_rule_page_by_role(money, web_client_for, role):
    client = web_client_for(money.by_role_name(role))

    page = client.get("/billing/bonus/")
    response = client.post("/billing/bonus/", {"valid_from": "2026-03", "fixed_salary": "60000", "note": "",
                                               **_tiers(("80", "5"), ("100", "8"))})

    rules = BonusRule.objects.filter(agency=money.agency)
    if role in WRITERS:
        assert page.status_code == 200 and response.status_code == 302
        rule = rules.get()
        assert rule.valid_from == date(2026, 3, 1) and rule.fixed_salary == Decimal("60000.00")
        assert [(t.from_percent, t.share_percent) for t in rule.tiers.all()] == [
            (Decimal("80.00"), Decimal("5.00")), (Decimal("100.00"), Decimal("8.00"))]
    else:
        assert (page.status_code, response.status_code) == ((200, 302) if role == "outsider" else (404, 404))
        assert not rules.exists()


def test_bonus_rule_errors_in_place(money, web_client_for):
    client = web_client_for(money.finance)

    no_tiers = client.post("/billing/bonus/", {"valid_from": "2026-03", "fixed_salary": "1", **_tiers()})
    repeated = client.post("/billing/bonus/", {"valid_from": "2026-03", "fixed_salary": "1",
                                               **_tiers(("80", "5"), ("80", "8"))})
    bad_share = client.post("/billing/bonus/", {"valid_from": "2026-03", "fixed_salary": "1",
                                                **_tiers(("80", "150"))})

    assert 'id="tier-errors"' in no_tiers.content.decode()
    assert "повторяться" in repeated.content.decode()
    assert bad_share.context["tiers"].forms[0].errors["share_percent"]
    assert not BonusRule.objects.exists()


def test_bonus_rule_changes_the_statement(money, web_client_for):
    services.payment_plan_set(actor=money.head.user, employee=money.am1, month=date(2026, 3, 1),
                              amount=Decimal("1000"))
    services.payment_record(actor=money.finance.user, client=money.client_a, date=date(2026, 3, 5),
                            amount=Decimal("900"))
    web_client_for(money.finance).post("/billing/bonus/", {"valid_from": "2026-01", "fixed_salary": "50000",
                                                           **_tiers(("80", "10"))})

    statement = services.bonus_statement_build(actor=money.head.user, employee=money.am1, month=date(2026, 3, 1))

    assert statement.bonus == Decimal("90.00") and statement.total == Decimal("50090.00")


def _cost_data(money, **extra) -> dict:
    data = {"client": money.client_a.pk, "contract": money.contract_a.pk, "subcontractor": "", "month": "2026-03",
            "amount": "12000.50", "description": "Верстальщик"}
    data.update(extra)
    return data


@pytest.mark.parametrize("role", ROLES)
def test_subcontractor_costs_by_role(money, web_client_for, role):
    sub = Subcontractor.objects.create(agency=money.agency, name="ИП Верстов")
    money.contract_a.subcontractor = sub
    money.contract_a.save()
    client = web_client_for(money.by_role_name(role))

    page = client.get("/billing/subcontractors/")
    response = client.post("/billing/subcontractors/", _cost_data(money))

    if role in WRITERS:
        cost = SubcontractorCost.objects.get()
        assert page.status_code == 200 and response.status_code == 302
        assert cost.date == date(2026, 3, 1) and cost.amount == Decimal("12000.50") and cost.subcontractor == sub
    else:
        assert page.status_code == (200 if role == "outsider" else 404)
        assert response.status_code in (400, 404) and not SubcontractorCost.objects.exists()


def test_subcontractor_cost_errors_in_place(money, web_client_for):
    response = web_client_for(money.finance).post(
        "/billing/subcontractors/", _cost_data(money, contract=money.contract_b.pk, amount="-1"))

    form = response.context["form"]
    assert response.status_code == 400 and form.errors["amount"]
    assert not SubcontractorCost.objects.exists()


def test_contract_of_another_client_is_a_field_error(money, web_client_for):
    response = web_client_for(money.finance).post(
        "/billing/subcontractors/", _cost_data(money, contract=money.contract_b.pk))

    assert response.status_code == 400 and response.context["form"].errors["contract"]


@pytest.mark.parametrize("role", ROLES)
def test_subcontractor_cost_edit_and_delete_by_role(money, web_client_for, role):
    cost = services.subcontractor_cost_create(actor=money.finance.user, client=money.client_a,
                                              month=date(2026, 3, 1), amount=Decimal("100"))
    client = web_client_for(money.by_role_name(role))

    edited = client.post(f"/billing/subcontractors/{cost.pk}/edit/", _cost_data(money, amount="200"))
    cost.refresh_from_db()
    amount_after_edit = cost.amount
    deleted = client.post(f"/billing/subcontractors/{cost.pk}/delete/")

    if role in WRITERS:
        assert edited.status_code == 302 and amount_after_edit == Decimal("200.00")
        assert deleted.status_code == 302 and not SubcontractorCost.objects.exists()
    else:
        assert edited.status_code == 404 and deleted.status_code == 404
        assert amount_after_edit == Decimal("100.00") and SubcontractorCost.objects.count() == 1


def test_subcontractor_cost_list_query_count_is_bounded(money, web_client_for, django_assert_max_num_queries):
    sub = Subcontractor.objects.create(agency=money.agency, name="ИП Верстов")
    for i in range(20):
        c = ClientFactory(agency=money.agency, account_manager=money.am1)
        services.subcontractor_cost_create(actor=money.finance.user, client=c, subcontractor=sub,
                                           month=date(2026, 1 + i % 12, 1), amount=Decimal(100 + i))
    client = web_client_for(money.finance)

    with django_assert_max_num_queries(12):
        response = client.get("/billing/subcontractors/")

    assert response.status_code == 200 and len(response.context["costs"]) == 20


def test_cost_form_offers_only_the_chosen_clients_contracts(money, web_client_for):
    web = web_client_for(money.finance)
    page = web.get("/billing/subcontractors/").content.decode()
    assert 'hx-get="/billing/subcontractors/contracts/"' in page
    contract_field = page.split('id="id_contract"')[1].split("</select>")[0]
    assert "<option" in contract_field and str(money.contract_a) not in contract_field  # no client chosen yet
    options = web.get("/billing/subcontractors/contracts/", {"client": money.client_a.pk}).content.decode()
    assert str(money.contract_a) in options and str(money.contract_b) not in options
    assert web_client_for(money.am1).get("/billing/subcontractors/contracts/",
                                         {"client": money.client_a.pk}).status_code == 404
