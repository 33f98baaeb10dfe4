"""Money forms read and show numbers and dates the Russian way (issue 14): amounts with a decimal
comma («12 500,75»; a point is accepted too), dates dd.mm.yyyy as text (never a type=date or
type=month input, which follow the browser's locale), months picked from a list of names; a
date that cannot be read is refused next to its field."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from tandem.billing.models import Invoice, Payment, PaymentPlan, SubcontractorCost
from tandem.web.billing.document_forms import InvoiceFromTimeForm, InvoiceLineForm
from tandem.web.billing.forms import (
    AllocateForm,
    BonusBuildForm,
    MonthForm,
    PaymentForm,
    PeriodForm,
    PlanForm,
    ReallocateForm,
)
from tandem.web.billing.settings_forms import BonusRuleForm, BonusTierForm, SubcontractorCostForm
from tandem.web.comms.forms import StatsMonthForm
from tandem.web.my_day.actions import PromiseForm

THIS_MONTH = timezone.localdate().replace(day=1)


def _field(html: str, name: str) -> str:
    """The <div class="field"> around the control named `name` (label, control, errors)."""
    control = html.index(f'name="{name}"')
    start = html.rfind('<div class="field', 0, control)
    return html[start:html.index("</div>", control)]


def _no_native_pickers(html: str) -> None:
    assert not re.search(r'type="(date|month|number)"', html)


# --- form classes: comma amounts, readable dates, months by name --------------------------------


@pytest.mark.parametrize("amount, expected", [
    ("12 500,75", Decimal("12500.75")), ("12\xa0500,75", Decimal("12500.75")), ("12500.75", Decimal("12500.75")),
])
def test_payment_form_reads_a_comma_or_a_point(amount, expected):
    form = PaymentForm({"date": "03.12.2026", "amount": amount}, clients=None)

    assert form.is_valid(), form.errors
    assert form.cleaned_data["amount"] == expected and form.cleaned_data["date"] == date(2026, 12, 3)


def test_payment_form_shows_amount_and_date_the_russian_way():
    with translation.override("ru"):
        form = PaymentForm(initial={"amount": Decimal("12500.75"), "date": date(2026, 12, 3)}, clients=None)
        html = str(form["amount"]) + str(form["date"])

    assert 'value="12500,75"' in html and 'value="03.12.2026"' in html
    _no_native_pickers(html)


def test_payment_form_refuses_an_impossible_date():
    form = PaymentForm({"date": "31.02.2026", "amount": "1,00"}, clients=None)

    assert not form.is_valid() and list(form.errors) == ["date"]


def test_allocate_form_reads_a_comma_amount():
    form = AllocateForm({"invoice": "", "amount": "0,75"}, invoices=Invoice.objects.none())

    form.is_valid()
    assert "amount" not in form.errors and form.cleaned_data["amount"] == Decimal("0.75")


def test_reallocate_amounts_read_a_comma(money):
    from tandem.billing.tests.helpers import issued_invoice

    invoice = issued_invoice(money.finance, money.client_a, "1000.00")
    with translation.override("ru"):
        form = ReallocateForm({"reason": "ошибка", f"amount_{invoice.pk}": "250,50"}, invoices=[invoice],
                              current={invoice.pk: Decimal("100.25")})
        html = str(ReallocateForm(invoices=[invoice], current={invoice.pk: Decimal("100.25")}))

    assert form.is_valid(), form.errors
    assert form.targets()[0].amount == Decimal("250.50") and 'value="100,25"' in html


@pytest.mark.parametrize("form_class", [MonthForm, PlanForm, BonusBuildForm, StatsMonthForm])
def test_month_fields_are_lists_of_named_months(form_class):
    kwargs = {"employees": []} if form_class is BonusBuildForm else {"employees": None} if form_class is PlanForm else {}
    with translation.override("ru"):
        html = str(form_class(initial={"month": THIS_MONTH}, **kwargs)["month"])

    assert html.startswith("<select") and f'<option value="{THIS_MONTH:%Y-%m}" selected>' in html
    _no_native_pickers(html)


def test_month_form_cleans_to_the_first_day_and_refuses_garbage():
    good, bad = MonthForm({"month": f"{THIS_MONTH:%Y-%m}"}), MonthForm({"month": "2026-13"})

    assert good.is_valid() and good.cleaned_data["month"] == THIS_MONTH
    assert not bad.is_valid() and list(bad.errors) == ["month"]


def test_plan_form_reads_a_comma_amount(money):
    form = PlanForm({"employee": money.am1.pk, "month": f"{THIS_MONTH:%Y-%m}", "amount": "150 000,50"},
                    employees=type(money.am1).objects.filter(pk=money.am1.pk))

    assert form.is_valid(), form.errors
    assert form.cleaned_data["amount"] == Decimal("150000.50") and form.cleaned_data["month"] == THIS_MONTH


def test_bonus_rule_and_tier_forms_read_commas():
    rule = BonusRuleForm({"valid_from": f"{THIS_MONTH:%Y-%m}", "fixed_salary": "60 000,50"})
    tier = BonusTierForm({"from_percent": "99,5", "share_percent": "7,25"})

    assert rule.is_valid(), rule.errors
    assert tier.is_valid(), tier.errors
    assert rule.cleaned_data["fixed_salary"] == Decimal("60000.50")
    assert (tier.cleaned_data["from_percent"], tier.cleaned_data["share_percent"]) == (Decimal("99.5"), Decimal("7.25"))


def test_invoice_line_reads_comma_quantity_and_price():
    with translation.override("ru"):
        form = InvoiceLineForm({"name": "Работы", "quantity": "1,5", "unit": "ч", "price": "2 500,75",
                                "period_start": "01.03.2026", "period_end": "31.03.2026"})
        html = str(InvoiceLineForm(initial={"quantity": Decimal("1.5"), "price": Decimal("2500.75")}))

    assert form.is_valid(), form.errors
    assert (form.cleaned_data["quantity"], form.cleaned_data["price"]) == (Decimal("1.5"), Decimal("2500.75"))
    assert 'value="1,5"' in html and 'value="2500,75"' in html
    _no_native_pickers(html)


def test_invoice_from_time_month_is_a_list(money):
    from tandem.clients.models import Client
    from tandem.contracts.models import Contract, ContractLine

    with translation.override("ru"):
        html = str(InvoiceFromTimeForm(clients=Client.objects.none(), contracts=Contract.objects.none(),
                                       hourly_lines=ContractLine.objects.none())["month"])

    assert html.startswith("<select") and f'value="{THIS_MONTH:%Y-%m}"' in html


def test_promise_form_reads_dd_mm_yyyy_and_refuses_garbage():
    good, bad = PromiseForm({"promised_on": "05.12.2026"}), PromiseForm({"promised_on": "5 декабря"})

    assert good.is_valid() and good.cleaned_data["promised_on"] == date(2026, 12, 5)
    assert not bad.is_valid() and list(bad.errors) == ["promised_on"]
    _no_native_pickers(str(good))


def test_period_form_keeps_its_defaults_when_a_date_is_unreadable():
    default = (date(2026, 1, 1), date(2026, 12, 3))

    read = PeriodForm({"start": "01.03.2026", "end": "2026-03-31"}).period(default_start=default[0], default_end=default[1])
    bad = PeriodForm({"start": "32.03.2026"})

    assert read == (date(2026, 3, 1), date(2026, 3, 31))
    assert bad.period(default_start=default[0], default_end=default[1]) == default and list(bad.errors) == ["start"]


# --- pages: the comma amount is saved, the bad date is shown next to its field ----------------


def test_payment_page_saves_a_comma_amount(money, web_client_for):
    response = web_client_for(money.finance).post("/payments/new/", {
        "date": "12.02.2026", "amount": "12 500,75", "payer_name": "ООО Альфа", "purpose": "Оплата"})

    payment = Payment.objects.get()
    assert response.status_code == 302
    assert payment.amount == Decimal("12500.75") and payment.date == date(2026, 2, 12)


def test_payment_page_shows_a_bad_date_next_to_the_field(money, web_client_for):
    response = web_client_for(money.finance).post("/payments/new/", {"date": "30.02.2026", "amount": "100,00"})

    field = _field(response.content.decode(), "date")
    assert response.status_code == 200 and not Payment.objects.exists()
    assert field.startswith('<div class="field has-error">') and 'class="error"' in field
    assert 'value="100,00"' in _field(response.content.decode(), "amount")


def test_plan_page_saves_a_comma_amount(money, web_client_for):
    response = web_client_for(money.head).post("/plans/", {
        "employee": money.am1.pk, "month": f"{THIS_MONTH:%Y-%m}", "amount": "300 000,50"})

    assert response.status_code == 302
    assert PaymentPlan.objects.get(employee=money.am1, month=THIS_MONTH).amount == Decimal("300000.50")


def test_subcontractor_cost_page_saves_a_comma_amount(money, web_client_for):
    response = web_client_for(money.finance).post("/billing/subcontractors/", {
        "client": money.client_a.pk, "contract": money.contract_a.pk, "subcontractor": "",
        "month": f"{THIS_MONTH:%Y-%m}", "amount": "12 000,50", "description": "Верстальщик"})

    assert response.status_code == 302, response.content.decode()[:500]
    assert SubcontractorCost.objects.get().amount == Decimal("12000.50")


def test_subcontractor_cost_form_refuses_an_unknown_month(money):
    from tandem.clients.models import Client
    from tandem.contracts.models import Contract, Subcontractor

    form = SubcontractorCostForm({"client": money.client_a.pk, "month": "03.2026", "amount": "1"},
                                 clients=Client.objects.all(), contracts=Contract.objects.all(),
                                 subcontractors=Subcontractor.objects.none())

    assert not form.is_valid() and "month" in form.errors


def test_profitability_shows_a_bad_date_next_to_the_field_and_keeps_the_report(money, web_client_for):
    web = web_client_for(money.head)

    page = web.get("/profitability/?start=31.02.2026&end=31.03.2026").content.decode()
    swapped = web.get("/profitability/?start=31.02.2026", HTTP_HX_REQUEST="true")

    assert _field(page, "start").startswith('<div class="field has-error">')
    assert 'value="31.03.2026"' in _field(page, "end") and 'id="profit-results"' in page
    assert swapped["HX-Retarget"] == "#profit-page" and 'class="field has-error"' in swapped.content.decode()
    _no_native_pickers(page)


def test_profitability_reads_russian_dates(money, web_client_for):
    page = web_client_for(money.head).get("/profitability/?start=01.03.2026&end=31.03.2026").content.decode()

    assert 'value="01.03.2026"' in _field(page, "start") and "has-error" not in page


def test_invoice_list_offers_the_retainer_month_from_a_list(money, web_client_for):
    html = web_client_for(money.finance).get("/invoices/").content.decode()

    assert f'<option value="{THIS_MONTH:%Y-%m}"' in html
    _no_native_pickers(html)


def test_request_stats_month_is_a_list_and_garbage_is_shown_next_to_it(org, web_client_for):
    web = web_client_for(org.head)

    good = web.get("/requests/stats/").content.decode()
    bad = web.get("/requests/stats/?month=garbage").content.decode()

    assert f'<option value="{THIS_MONTH:%Y-%m}" selected>' in good
    assert _field(bad, "month").startswith('<div class="field has-error">')
    _no_native_pickers(good)


def test_employee_cost_rate_reads_and_shows_a_comma(org):
    from tandem.org.models import Group
    from tandem.web.org.forms import EmployeeForm

    with translation.override("ru"):
        shown = str(EmployeeForm(initial={"hourly_cost_rate": Decimal("1250.50")}, groups=Group.objects.none())
                    ["hourly_cost_rate"])
        form = EmployeeForm({"hourly_cost_rate": "1 250,50"}, groups=Group.objects.none())
        form.is_valid()

    assert 'value="1250,50"' in shown and 'inputmode="decimal"' in shown
    _no_native_pickers(shown)
    assert "hourly_cost_rate" not in form.errors and form.cleaned_data["hourly_cost_rate"] == Decimal("1250.50")
