"""Issue 15 on the web: values that used to end in a 500 are form errors, and nothing changes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tandem.billing.models import Invoice, StatementImport
from tandem.work.models import TimeEntry
from tandem.work.tests.factories import signed_project

pytestmark = pytest.mark.django_db


def _invoice(money, **extra) -> dict:
    data = {
        "client": money.client_a.pk, "contract": money.contract_a.pk, "date": "2026-03-02", "notes": "",
        "lines-TOTAL_FORMS": "1", "lines-INITIAL_FORMS": "0", "lines-MIN_NUM_FORMS": "0", "lines-MAX_NUM_FORMS": "1000",
        "lines-0-name": "SEO", "lines-0-quantity": "1000", "lines-0-unit": "усл.", "lines-0-price": "9999999999.00",
    }
    data.update(extra)
    return data


def test_invoice_line_beyond_the_money_column_is_a_form_error(money, web_client_for):
    response = web_client_for(money.finance).post("/invoices/new/", _invoice(money))

    assert response.status_code in (200, 400)
    assert "больше допустимой" in response.content.decode()
    assert not Invoice.objects.exists()


def test_invoice_dated_year_9999_is_a_form_error(money, web_client_for):
    response = web_client_for(money.finance).post("/invoices/new/", _invoice(
        money, date="31.12.9999", **{"lines-0-quantity": "1", "lines-0-price": "100"}))

    assert response.status_code in (200, 400)
    assert "Дата вне допустимого диапазона" in response.content.decode()
    assert not Invoice.objects.exists()


def test_binary_statement_is_a_form_error_naming_the_line(money, web_client_for):
    upload = SimpleUploadedFile("x.txt", bytes(range(0x80, 0x100)))

    response = web_client_for(money.finance).post("/payments/upload/", {"file": upload})

    assert response.status_code == 200
    assert "Строка 1" in response.content.decode()
    assert not StatementImport.objects.exists()


@pytest.mark.parametrize(("url", "param"), [("/invoices/", "q"), ("/interactions/", "search")])
def test_list_search_with_a_nul_byte_searches_without_it(money, web_client_for, url, param):
    response = web_client_for(money.head).get(url, {param: "Аль\x00фа"})

    assert response.status_code == 200
    assert response.context["filters"].search == "Альфа"


def test_timesheet_cell_before_the_agency_started_is_an_error_in_place(org, web_client_for):
    project = signed_project(org)
    today = timezone.localdate()
    org.agency.started_on = today
    org.agency.save()

    response = web_client_for(org.spec1).post(
        "/timesheet/cell/", {"project": project.pk, "date": str(today - timedelta(days=1)), "hours": "1"},
        HTTP_HX_REQUEST="true",
    )

    assert "has-error" in response.content.decode() and "Агентство работает с" in response.content.decode()
    assert not TimeEntry.objects.exists()
