"""Issue 15, «no 500 on any input»: hostile query strings and bodies answer 400 naming the field."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tandem.billing import services
from tandem.billing.models import BillingSettings, Invoice, Payment, StatementImport
from tandem.comms.models import Interaction
from tandem.contracts.models import Contract, VatRate
from tandem.work.models import TimeEntry
from tandem.work.tests.factories import signed_project

pytestmark = pytest.mark.django_db

SEARCHABLE_LISTS = ["/api/v1/tasks/", "/api/v1/interactions/", "/api/v1/invoices/", "/api/v1/contracts/",
                    "/api/v1/clients/", "/api/v1/contacts/"]


@pytest.mark.parametrize("url", SEARCHABLE_LISTS)
@pytest.mark.parametrize("search", ["Аль\x00фа", "а" * 201])
def test_search_with_nul_byte_or_too_long_is_400_on_search(org, api_client_for, url, search):
    response = api_client_for(org.head).get(url, {"search": search})

    assert response.status_code == 400
    assert "search" in response.json()


@pytest.mark.parametrize("url", SEARCHABLE_LISTS)
def test_ordinary_search_still_answers_the_list(org, api_client_for, url):
    response = api_client_for(org.head).get(url, {"search": "Альфа"})

    assert response.status_code == 200
    assert "results" in response.json()


# --- invoices: amounts beyond the column, dates beyond the calendar ------------------------------


@pytest.fixture
def money(org):
    VatRate.objects.create(agency=org.agency, valid_from=date(2019, 1, 1), rate_percent=Decimal("22"))
    BillingSettings.objects.create(agency=org.agency, bank_account="40702810200000000001", director_name="Иванов")
    return org


@pytest.mark.parametrize("line", [
    {"name": "SEO", "quantity": "999999999.000", "price": "999999999999.00"},
    {"name": "SEO", "quantity": "1000", "price": "9999999999.00"},
])
def test_invoice_line_beyond_the_money_column_is_400_on_lines(money, api_client_for, line):
    payload = {"client": money.client_a.pk, "date": "2026-02-10", "vat_mode": "vat", "lines": [line]}

    response = api_client_for(money.finance).post("/api/v1/invoices/", payload, format="json")

    assert response.status_code == 400
    assert "lines" in response.json()
    assert not Invoice.objects.exists()


def test_invoice_total_beyond_the_money_column_is_400_on_lines(money, api_client_for):
    line = {"name": "SEO", "price": "900000000000.00"}
    payload = {"client": money.client_a.pk, "date": "2026-02-10", "vat_mode": "vat", "lines": [line, line]}

    response = api_client_for(money.finance).post("/api/v1/invoices/", payload, format="json")

    assert response.status_code == 400 and "lines" in response.json()
    assert not Invoice.objects.exists()


@pytest.mark.parametrize("day", ["9999-12-31", "9999-12-28", "0001-01-01", "1900-03-01"])
def test_invoice_dated_beyond_sense_is_400_on_date(money, api_client_for, day):
    payload = {"client": money.client_a.pk, "date": day, "vat_mode": "vat", "lines": [{"name": "SEO", "price": "1"}]}

    response = api_client_for(money.finance).post("/api/v1/invoices/", payload, format="json")

    assert response.status_code == 400 and "date" in response.json()
    assert not Invoice.objects.exists()


def test_draft_moved_to_year_9999_is_400_and_unchanged(money, api_client_for):
    invoice = services.invoice_create(actor=money.finance.user, client=money.client_a, date=date(2026, 2, 10),
                                      lines=[services.LineInput(name="SEO", price=Decimal("100"))])

    response = api_client_for(money.finance).patch(f"/api/v1/invoices/{invoice.pk}/", {"date": "9999-12-30"},
                                                   format="json")

    assert response.status_code == 400 and "date" in response.json()
    invoice.refresh_from_db()
    assert invoice.date == date(2026, 2, 10)


def test_service_refuses_terms_past_the_calendar_with_a_field_message(money):
    with pytest.raises(ValidationError) as caught:
        services.invoice_create(actor=money.finance.user, client=money.client_a, date=date(2026, 2, 10),
                                payment_terms_days=10**9, lines=[services.LineInput(name="SEO", price=Decimal("1"))])

    assert "payment_terms_days" in caught.value.message_dict
    assert not Invoice.objects.exists()


# --- request bodies over the limit, uploads over their size -----------------------------------


@pytest.mark.parametrize("fmt", ["json", "multipart"])
def test_body_over_the_limit_answers_json_stating_it(money, api_client_for, settings, fmt):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
    body = {"client": money.client_a.pk, "summary": "x" * (3 * 1024 * 1024)}

    response = api_client_for(money.head).post("/api/v1/interactions/", body, format=fmt)

    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert "2.0 МБ" in response.json()["detail"]


def test_statement_over_ten_megabytes_is_400_on_file_naming_the_limit(money, api_client_for):
    big = SimpleUploadedFile("big.txt", b"1CClientBankExchange\r\n" + b"x" * (10 * 1024 * 1024))

    response = api_client_for(money.finance).post("/api/v1/statements/", {"file": big}, format="multipart")

    assert response.status_code == 400
    assert "10 МБ" in response.json()["file"][0]
    assert not StatementImport.objects.exists()


# --- dates checked for sense ------------------------------------------------------------------


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1999-12-31"])
def test_time_entry_on_a_nonsense_day_is_400_on_date(org, api_client_for, day):
    project = signed_project(org)

    response = api_client_for(org.spec1).post("/api/v1/time-entries/", {"project": project.pk, "date": day,
                                                                        "hours": "1"}, format="json")

    assert response.status_code == 400 and "date" in response.json()
    assert not TimeEntry.objects.exists()


def test_time_entry_two_months_ahead_is_400_but_tomorrow_is_fine(org, api_client_for):
    project = signed_project(org)
    api = api_client_for(org.spec1)
    today = timezone.localdate()

    far = api.post("/api/v1/time-entries/", {"project": project.pk, "date": str(today + timedelta(days=60)),
                                             "hours": "1"}, format="json")
    near = api.post("/api/v1/time-entries/", {"project": project.pk, "date": str(today + timedelta(days=1)),
                                              "hours": "1"}, format="json")

    assert far.status_code == 400 and "date" in far.json()
    assert near.status_code == 201
    assert TimeEntry.objects.count() == 1


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_payment_on_a_nonsense_day_is_400_on_date(money, api_client_for, day):
    response = api_client_for(money.finance).post("/api/v1/payments/", {"date": day, "amount": "100.00"},
                                                  format="json")

    assert response.status_code == 400 and "date" in response.json()
    assert not Payment.objects.exists()


@pytest.mark.parametrize(("field", "day"), [("start_date", "9999-12-31"), ("date", "0001-01-01"),
                                            ("end_date", "9999-12-31")])
def test_contract_with_a_nonsense_date_is_400_on_it(org, api_client_for, field, day):
    response = api_client_for(org.am1).post("/api/v1/contracts/", {"client": org.client_a.pk, field: day},
                                            format="json")

    assert response.status_code == 400 and field in response.json()
    assert not Contract.objects.exists()


def test_interaction_in_year_one_is_400_on_occurred_at(org, api_client_for):
    body = {"client": org.client_a.pk, "summary": "Созвон", "occurred_at": "0001-01-01T10:00:00Z"}

    response = api_client_for(org.am1).post("/api/v1/interactions/", body, format="json")

    assert response.status_code == 400 and "occurred_at" in response.json()
    assert not Interaction.objects.exists()


def test_over_long_free_text_is_400_on_the_field_and_nothing_stored(money, api_client_for):
    body = {"date": "2026-02-10", "amount": "100.00", "purpose": "я" * 2001}

    response = api_client_for(money.finance).post("/api/v1/payments/", body, format="json")

    assert response.status_code == 400 and "purpose" in response.json()
    assert not Payment.objects.exists()


def test_time_entry_before_the_agency_started_is_400_on_date(org, api_client_for):
    project = signed_project(org)
    today = timezone.localdate()
    org.agency.started_on = today - timedelta(days=10)
    org.agency.save()
    api = api_client_for(org.spec1)

    before = api.post("/api/v1/time-entries/", {"project": project.pk, "date": str(today - timedelta(days=11)),
                                                "hours": "1"}, format="json")
    on_start = api.post("/api/v1/time-entries/", {"project": project.pk, "date": str(today - timedelta(days=10)),
                                                  "hours": "1"}, format="json")

    assert before.status_code == 400 and "Агентство работает с" in before.json()["date"][0]
    assert on_start.status_code == 201
    assert TimeEntry.objects.count() == 1


def test_agency_start_in_the_future_is_400_on_started_on(org, api_client_for):
    day = timezone.localdate() + timedelta(days=3)

    response = api_client_for(org.head).patch("/api/v1/agency/", {"started_on": str(day)}, format="json")

    assert response.status_code == 400 and "started_on" in response.json()
