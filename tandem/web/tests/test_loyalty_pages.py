"""Loyalty discount pages: the rules page (settings managers only), adding a rule with a comma
percentage, errors at their fields, the client preview; the invoice editor's discount field and
the invoice page and PDF showing the discount."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from tandem.billing import documents, services
from tandem.billing.models import Invoice, LoyaltyBasis, LoyaltyRule

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role,status", [("head", 200), ("finance", 200), ("admin", 200), ("am1", 404),
                                         ("group_head", 404), ("spec1", 404)])
def test_rules_page_only_for_settings_managers(money, web_client_for, role, status):
    response = web_client_for(money.by_role_name(role)).get(reverse("web:loyalty_rules"))

    assert response.status_code == status


def test_add_rule_with_comma_percent_and_see_it_listed(money, web_client_for):
    client = web_client_for(money.finance)

    response = client.post(reverse("web:loyalty_rules"), {
        "name": "Два года с нами", "basis": LoyaltyBasis.TENURE_MONTHS, "threshold": "24", "percent": "2,5",
        "is_active": "on",
    }, follow=True)

    rule = LoyaltyRule.objects.get()
    assert rule.percent == Decimal("2.50") and rule.threshold == Decimal("24")
    assert "Два года с нами" in response.content.decode()


def test_bad_rule_shows_errors_at_fields_and_saves_nothing(money, web_client_for):
    response = web_client_for(money.finance).post(reverse("web:loyalty_rules"), {
        "name": "", "basis": LoyaltyBasis.TENURE_MONTHS, "threshold": "6,5", "percent": "80",
    })

    assert response.status_code == 400
    form = response.context["form"]
    assert "name" in form.errors and "percent" in form.errors
    assert not LoyaltyRule.objects.exists()


def test_fractional_months_come_back_from_the_service_at_the_field(money, web_client_for):
    response = web_client_for(money.finance).post(reverse("web:loyalty_rules"), {
        "name": "Полгода", "basis": LoyaltyBasis.TENURE_MONTHS, "threshold": "6,5", "percent": "3",
    })

    assert response.status_code == 400 and "threshold" in response.context["form"].errors


def test_edit_and_delete_rule(money, web_client_for):
    rule = services.loyalty_rule_create(actor=money.finance.user, name="Год", basis=LoyaltyBasis.TENURE_MONTHS,
                                        threshold=Decimal("12"), percent=Decimal("3"))
    client = web_client_for(money.head)

    client.post(reverse("web:loyalty_rule_edit", args=[rule.pk]), {
        "name": "Год с нами", "basis": LoyaltyBasis.TENURE_MONTHS, "threshold": "12", "percent": "4"})
    rule.refresh_from_db()
    assert rule.name == "Год с нами" and rule.percent == Decimal("4.00") and not rule.is_active

    client.post(reverse("web:loyalty_rule_delete", args=[rule.pk]))
    assert not LoyaltyRule.objects.exists()


def test_preview_names_the_rule_the_client_meets(money, web_client_for):
    services.loyalty_rule_create(actor=money.finance.user, name="С первого дня", basis=LoyaltyBasis.TENURE_MONTHS,
                                 threshold=Decimal("0"), percent=Decimal("5"))

    response = web_client_for(money.finance).get(reverse("web:loyalty_rules"), {"client": money.client_a.pk})

    assert "«С первого дня»" in response.content.decode()


def test_rules_page_queries_do_not_grow_with_rules(money, web_client_for, django_assert_max_num_queries):
    for n in range(6):
        services.loyalty_rule_create(actor=money.finance.user, name=f"Правило {n}",
                                     basis=LoyaltyBasis.SERVICES_COUNT, threshold=Decimal(n), percent=Decimal("1"))
    client = web_client_for(money.finance)

    with django_assert_max_num_queries(14):
        client.get(reverse("web:loyalty_rules"))


def test_editor_creates_invoice_with_rule_discount_and_page_shows_it(money, web_client_for):
    services.loyalty_rule_create(actor=money.finance.user, name="С первого дня", basis=LoyaltyBasis.TENURE_MONTHS,
                                 threshold=Decimal("0"), percent=Decimal("5"))
    client = web_client_for(money.finance)

    response = client.post(reverse("web:invoice_create"), {
        "client": money.client_a.pk, "contract": money.contract_a.pk, "date": "02.02.2026",
        "lines-TOTAL_FORMS": "1", "lines-INITIAL_FORMS": "0", "lines-MIN_NUM_FORMS": "0", "lines-MAX_NUM_FORMS": "100",
        "lines-0-name": "SEO", "lines-0-quantity": "1", "lines-0-unit": "усл.", "lines-0-price": "10000",
    }, follow=True)

    invoice = Invoice.objects.get()
    assert invoice.total == Decimal("9500.00") and invoice.discount_percent == Decimal("5.00")
    html = response.content.decode()
    assert 'id="invoice-discount"' in html and "С первого дня" in html
    pdf_html = documents.invoice_html(invoice)
    assert "Скидка, %" in pdf_html and "В том числе скидка" in pdf_html and "500,00" in pdf_html


def test_editor_keeps_the_rule_discount_when_saved_untouched_and_takes_a_manual_one(money, web_client_for):
    services.loyalty_rule_create(actor=money.finance.user, name="С первого дня", basis=LoyaltyBasis.TENURE_MONTHS,
                                 threshold=Decimal("0"), percent=Decimal("5"))
    invoice = services.invoice_create(actor=money.finance.user, client=money.client_a, contract=money.contract_a,
                                      date=date(2026, 2, 2),
                                      lines=[services.LineInput(name="SEO", price=Decimal("10000"))])
    client = web_client_for(money.finance)
    form = {
        "date": "02.02.2026", "discount_percent": "5,00", "discount_reason": invoice.discount_reason,
        "lines-TOTAL_FORMS": "1", "lines-INITIAL_FORMS": "0", "lines-MIN_NUM_FORMS": "0", "lines-MAX_NUM_FORMS": "100",
        "lines-0-name": "SEO", "lines-0-quantity": "1", "lines-0-unit": "усл.", "lines-0-price": "10000",
    }

    client.post(reverse("web:invoice_edit", args=[invoice.pk]), form)
    invoice.refresh_from_db()
    assert invoice.discount_rule is not None and invoice.total == Decimal("9500.00")

    client.post(reverse("web:invoice_edit", args=[invoice.pk]), {**form, "discount_percent": "10",
                                                                  "discount_reason": "Акция"})
    invoice.refresh_from_db()
    assert invoice.discount_rule is None and invoice.discount_reason == "Акция" and invoice.total == Decimal("9000.00")


def test_invoice_without_discount_has_no_discount_column(money):
    invoice = services.invoice_create(actor=money.finance.user, client=money.client_a, date=date(2026, 2, 2),
                                      lines=[services.LineInput(name="SEO", price=Decimal("10000"))])

    assert "Скидка, %" not in documents.invoice_html(invoice)
