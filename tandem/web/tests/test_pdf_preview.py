"""The invoice and act pages embed their PDF: framing allowed from the same origin for the PDF
views only; download names in plain UTF-8 (RFC 6266 filename*)."""

from __future__ import annotations

from datetime import date
from urllib.parse import quote

import pytest

from tandem.billing import services
from tandem.billing.tests.helpers import issued_invoice

pytestmark = pytest.mark.django_db


@pytest.fixture
def docs(money):
    money.invoice = issued_invoice(money.finance, money.client_a, "1000.00")
    money.act = services.act_create(actor=money.finance.user, invoice=money.invoice, date=date(2026, 2, 28))
    return money


def test_invoice_pdf_may_be_framed_by_the_site_only(docs, web_client_for):
    client = web_client_for(docs.am1)

    page = client.get(f"/invoices/{docs.invoice.pk}/")
    pdf = client.get(f"/invoices/{docs.invoice.pk}/pdf/")

    assert f'<iframe title="Предпросмотр PDF" src="/invoices/{docs.invoice.pk}/pdf/"' in page.content.decode()
    assert page["X-Frame-Options"] == "DENY"
    assert pdf.status_code == 200 and pdf["X-Frame-Options"] == "SAMEORIGIN"
    assert pdf["Content-Disposition"] == f"inline; filename*=utf-8''{quote(f'Счёт {docs.invoice.number}.pdf')}"


def test_act_page_embeds_its_pdf(docs, web_client_for):
    client = web_client_for(docs.finance)

    page = client.get(f"/acts/{docs.act.pk}/")
    pdf = client.get(f"/acts/{docs.act.pk}/pdf/")

    assert f'src="/acts/{docs.act.pk}/pdf/" id="act-pdf-preview"' in page.content.decode()
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf["X-Frame-Options"] == "SAMEORIGIN"
    assert pdf["Content-Disposition"] == f"inline; filename*=utf-8''{quote(f'Акт {docs.act.number}.pdf')}"


def test_unsafe_characters_leave_the_file_name(docs, web_client_for):
    docs.invoice.number = 'СЧ/2026\\"7"'
    docs.invoice.save(update_fields=["number"])

    pdf = web_client_for(docs.finance).get(f"/invoices/{docs.invoice.pk}/pdf/")

    assert pdf["Content-Disposition"] == f"inline; filename*=utf-8''{quote('Счёт СЧ-2026--7-.pdf')}"


def test_pdf_of_an_invisible_invoice_is_404(docs, web_client_for):
    assert web_client_for(docs.spec1).get(f"/invoices/{docs.invoice.pk}/pdf/").status_code == 404
    assert web_client_for(docs.am2).get(f"/acts/{docs.act.pk}/pdf/").status_code == 404
