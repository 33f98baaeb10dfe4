"""Money pages: visibility per role, actions denied change nothing, bounded query counts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tandem.billing import services
from tandem.billing.models import BillingSettings, Invoice, Payment, PaymentAllocation
from tandem.billing.tests.helpers import issued_invoice, statement
from tandem.clients.tests.factories import ClientFactory
from tandem.contracts.models import VatRate

pytestmark = pytest.mark.django_db
ROLES = ["head", "finance", "admin", "group_head", "am1", "am2", "spec1", "spec2", "outsider"]
WRITERS = {"head", "finance", "admin"}
PAGES = ["/invoices/", "/payments/", "/receivables/", "/plans/", "/profitability/"]


@pytest.fixture
def money(org):
    VatRate.objects.create(agency=org.agency, valid_from=date(2019, 1, 1), rate_percent=Decimal("22"))
    BillingSettings.objects.create(agency=org.agency, bank_account="40702810200000000001", director_name="Иванов")
    org.client_a.inn = "7702070139"
    org.client_a.save()
    org.invoice_a = issued_invoice(org.finance, org.client_a, "1000.00")
    return org


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("url", PAGES)
def test_money_pages_by_role(money, web_client_for, role, url):
    response = web_client_for(money.by_role_name(role)).get(url)

    assert response.status_code == (404 if role.startswith("spec") else 200)


@pytest.mark.parametrize("role", ROLES)
def test_invoice_page_and_pdf_visibility(money, web_client_for, role):
    client = web_client_for(money.by_role_name(role))
    sees = role in {"head", "finance", "admin", "group_head", "am1"}

    page = client.get(f"/invoices/{money.invoice_a.pk}/")
    pdf = client.get(f"/invoices/{money.invoice_a.pk}/pdf/")

    assert page.status_code == (200 if sees else 404)
    assert pdf.status_code == (200 if sees else 404)
    if sees:
        assert pdf["Content-Type"] == "application/pdf"


@pytest.mark.parametrize("role", ROLES)
def test_statement_upload_denied_changes_nothing(money, web_client_for, role):
    data = statement({"amount": "1000.00", "inn": "7702070139", "purpose": "Оплата"})

    response = web_client_for(money.by_role_name(role)).post(
        "/payments/upload/", {"file": SimpleUploadedFile("st.txt", data)}
    )

    if role in WRITERS:
        assert response.status_code == 302
        money.invoice_a.refresh_from_db()
        assert money.invoice_a.status == "paid"
    elif role == "outsider":
        assert response.status_code == 302 and not Payment.objects.filter(agency=money.agency).exists()
    else:
        assert response.status_code == 404 and not Payment.objects.exists()


@pytest.mark.parametrize("role", ROLES)
def test_manual_match_denied_changes_nothing(money, web_client_for, role):
    payment = services.payment_record(actor=money.finance.user, date=date(2026, 2, 5), amount=Decimal("300"))

    response = web_client_for(money.by_role_name(role)).post(
        f"/payments/{payment.pk}/match/", {"invoice": money.invoice_a.pk}
    )

    if role in WRITERS:
        assert response.status_code == 302 and PaymentAllocation.objects.count() == 1
    else:
        assert response.status_code == 404 and not PaymentAllocation.objects.exists()


@pytest.mark.parametrize("role", ROLES)
def test_issue_denied_changes_nothing(money, web_client_for, role):
    draft = services.invoice_create(actor=money.finance.user, client=money.client_a, date=date(2026, 3, 1),
                                    lines=[services.LineInput(name="x", price=Decimal("5"))])

    response = web_client_for(money.by_role_name(role)).post(f"/invoices/{draft.pk}/issue/")

    draft.refresh_from_db()
    if role in WRITERS:
        assert draft.status == "issued"
    else:
        assert response.status_code in (403, 404) and draft.status == "draft" and draft.number == ""


def test_upload_report_and_malformed_file(money, web_client_for):
    client = web_client_for(money.finance)
    bad = client.post("/payments/upload/", {"file": SimpleUploadedFile("bad.txt", b"1CClientBankExchange\r\nX\r\n")})
    data = statement({"amount": "400.00", "inn": "", "purpose": "что-то"})
    ok = client.post("/payments/upload/", {"file": SimpleUploadedFile("st.txt", data)}, follow=True)

    assert "Строка 2" in bad.content.decode()
    assert "Не сопоставлен" in ok.content.decode()
    assert Payment.objects.count() == 1


def _many_clients(money, n: int = 12) -> None:
    for i in range(n):
        c = ClientFactory.create(agency=money.agency, account_manager=money.am1 if i % 2 else money.am2,
                                 group=money.seo1 if i % 2 else money.seo2)
        # Numbers follow dates: after the fixture's invoice of 02.02.
        inv = issued_invoice(money.finance, c, f"{100 + i}.00", on=date(2026, 2, 2 + i))
        services.act_create(actor=money.finance.user, invoice=inv, date=date(2026, 2, 20))
        p = services.payment_record(actor=money.finance.user, client=c, date=date(2026, 2, 21), amount=Decimal("50"))
        assert p.allocated_amount == Decimal("50.00")


@pytest.mark.parametrize("by", ["client", "am", "group"])
def test_receivables_page_query_count_is_bounded(money, web_client_for, django_assert_max_num_queries, by):
    _many_clients(money)
    client = web_client_for(money.head)

    with django_assert_max_num_queries(14):
        response = client.get(f"/receivables/?by={by}")

    assert response.status_code == 200
    assert response.context["report"].reconciles


@pytest.mark.parametrize("by", ["client", "project", "am", "group"])
@pytest.mark.parametrize("basis", ["acts", "payments"])
def test_profitability_page_query_count_is_bounded(money, web_client_for, django_assert_max_num_queries, by, basis):
    _many_clients(money)
    client = web_client_for(money.head)

    with django_assert_max_num_queries(14):
        response = client.get(f"/profitability/?start=2026-01-01&end=2026-12-31&by={by}&basis={basis}")

    assert response.status_code == 200
    assert response.context["report"].total.revenue > 0


def test_retainers_from_the_list_page_twice(money, web_client_for):
    from tandem.billing.tests.factories import ContractFactory, ContractLineFactory

    ContractLineFactory(contract=ContractFactory(client=money.client_b, vat_mode="no_vat"))
    client = web_client_for(money.finance)

    client.post("/invoices/retainers/", {"month": "2026-05"})
    client.post("/invoices/retainers/", {"month": "2026-05"})

    assert Invoice.objects.filter(kind="retainer").count() == 1


def test_my_day_shows_invoices_to_chase_and_reminders_are_sourced(money, web_client_for):
    from datetime import datetime, timedelta

    from django.utils import timezone

    from tandem.web.billing.my_day import collection_reminders

    overdue = issued_invoice(money.finance, money.client_a, "777.00", on=timezone.localdate() - timedelta(days=40))

    page = web_client_for(money.am1).get("/my-day/")
    reminders = list(collection_reminders(datetime.now(tz=timezone.get_current_timezone())))

    assert page.status_code == 200
    assert f"№ {overdue.number}" in page.content.decode()
    assert {r.recipient_id for r in reminders} >= {money.am1.pk, money.group_head.pk}
