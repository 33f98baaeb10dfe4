"""Pages: client reports (list, new, detail, edit, send, downloads), templates, documents, КП, month close, My day."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from docx import Document

from tandem.billing import services as billing_services
from tandem.billing.tests.helpers import issued_invoice
from tandem.clients.tests.factories import ContactFactory
from tandem.comms.models import Interaction
from tandem.contracts.tests.factories import ServiceFactory
from tandem.reports import documents, services
from tandem.reports.models import ClientReport, DocumentTemplate

pytestmark = pytest.mark.django_db


@pytest.fixture
def report(money):
    return services.client_report_create(actor=money.am1.user, client=money.client_a, today=date(2026, 4, 3))


def test_list_shows_own_reports_with_count(money, report, web_client_for, django_assert_max_num_queries):
    services.client_report_create(actor=money.am2.user, client=money.client_b, today=date(2026, 4, 3))
    page = web_client_for(money.am1)

    with django_assert_max_num_queries(14):
        html = page.get(reverse("web:client_report_list")).content.decode()

    assert "Отчёты клиентам" in html and "(1)" in html and "Альфа" in html and "Бета" not in html
    assert 'class="data"' in html
    export = page.get(reverse("web:client_report_list"), {"format": "xlsx"})
    assert export.status_code == 200 and b"".join(export.streaming_content)[:2] == b"PK"
    assert web_client_for(money.spec1).get(reverse("web:client_report_list")).status_code == 404


def test_card_offers_to_build_a_report_and_the_draft_opens(money, web_client_for):
    page = web_client_for(money.am1)

    card = page.get(reverse("web:client_detail", args=[money.client_a.pk])).content.decode()
    response = page.post(reverse("web:client_report_new", args=[money.client_a.pk]), {"month": "2026-03"})

    assert "Собрать отчёт" in card
    report = ClientReport.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("web:client_report_detail", args=[report.pk])
    assert (report.period_start, report.period_end) == (date(2026, 3, 1), date(2026, 3, 31))


def test_detail_edits_text_and_sends_to_chosen_contacts(money, report, web_client_for, django_capture_on_commit_callbacks):
    lpr = ContactFactory(client=money.client_a, full_name="Иван ЛПР", email="ivan@alpha.example")
    ContactFactory(client=money.client_a, full_name="Без почты", email="")
    page = web_client_for(money.am1)
    url = reverse("web:client_report_detail", args=[report.pk])

    html = page.get(url).content.decode()
    saved = page.post(url, {"summary": "Визиты выросли", "next_plan": "Запустить VK"})
    with django_capture_on_commit_callbacks(execute=True):
        sent = page.post(reverse("web:client_report_send", args=[report.pk]), {"contacts": [lpr.pk], "message": ""})

    assert "Иван ЛПР" in html and "Без почты" not in html and "Отправить клиенту" in html
    assert saved.status_code == 302 and sent.status_code == 302
    report.refresh_from_db()
    assert report.summary == "Визиты выросли" and report.status == "sent"
    assert mail.outbox[0].to == ["ivan@alpha.example"] and Interaction.objects.filter(kind="report_sent").exists()
    after = page.get(url).content.decode()
    assert "Визиты выросли" in after and 'id="report-send-form"' not in after


def test_send_without_contacts_shows_the_error_next_to_the_field(money, report, web_client_for):
    ContactFactory(client=money.client_a, email="a@alpha.example")

    response = web_client_for(money.am1).post(reverse("web:client_report_send", args=[report.pk]), {"contacts": []})

    assert response.status_code == 400 and "Выберите, кому отправить отчёт." in response.content.decode()
    report.refresh_from_db()
    assert report.is_draft and not mail.outbox


@pytest.mark.parametrize(("role", "status"), [("am1", 200), ("finance", 200), ("am2", 404), ("spec1", 404)])
def test_who_opens_a_report(money, report, web_client_for, role, status):
    assert web_client_for(money.by_role_name(role)).get(
        reverse("web:client_report_detail", args=[report.pk])).status_code == status


def test_finance_reads_but_does_not_edit(money, report, web_client_for):
    page = web_client_for(money.finance)

    html = page.get(reverse("web:client_report_detail", args=[report.pk])).content.decode()
    response = page.post(reverse("web:client_report_detail", args=[report.pk]), {"summary": "x", "next_plan": ""})

    assert 'id="report-text-form"' not in html and response.status_code == 404
    report.refresh_from_db()
    assert report.summary == ""


def test_pdf_and_docx_download(money, report, web_client_for):
    page = web_client_for(money.am1)

    pdf = page.get(reverse("web:client_report_pdf", args=[report.pk]))
    docx = page.get(reverse("web:client_report_docx", args=[report.pk]))

    assert pdf.content.startswith(b"%PDF-") and pdf["Content-Type"] == "application/pdf"
    assert "Отчёт для Альфа за 01.03.2026 – 31.03.2026" in [p.text for p in Document(io.BytesIO(docx.content)).paragraphs]


def test_templates_page_lists_fields_and_refuses_a_broken_upload(org, web_client_for):
    page = web_client_for(org.admin)
    broken = Document()
    broken.add_paragraph("{% if %}")
    out = io.BytesIO()
    broken.save(out)

    html = page.get(reverse("web:document_templates")).content.decode()
    refused = page.post(reverse("web:document_templates"), {
        "kind": "act", "name": "Сломанный", "file": SimpleUploadedFile("a.docx", out.getvalue())})
    accepted = page.post(reverse("web:document_templates"), {
        "kind": "act", "name": "Наш акт", "file": SimpleUploadedFile("a.docx", documents.default_template("act"))})

    assert "amount_words" in html and "Скачать встроенный шаблон" in html
    assert refused.status_code == 400 and "Шаблон не принят" in refused.content.decode()
    assert accepted.status_code == 302 and DocumentTemplate.objects.get().name == "Наш акт"
    assert web_client_for(org.am1).get(reverse("web:document_templates")).status_code == 404


def test_contract_and_act_documents_from_templates(money, web_client_for):
    invoice = issued_invoice(money.finance, money.client_a, "1000.00", on=date(2026, 3, 5), contract=money.contract_a)
    act = billing_services.act_create(actor=money.finance.user, invoice=invoice, date=date(2026, 3, 31))
    page = web_client_for(money.am1)

    act_page = page.get(reverse("web:act_detail", args=[act.pk])).content.decode()
    docx = page.get(reverse("web:act_document", args=[act.pk, "docx"]))
    contract = page.get(reverse("web:contract_document", args=[money.contract_a.pk, "pdf"]))

    assert reverse("web:act_document", args=[act.pk, "docx"]) in act_page
    assert "Одна тысяча рублей 00 копеек" in "\n".join(documents.docx_paragraphs(docx.content))
    assert contract.content.startswith(b"%PDF-")


def test_proposal_form_downloads_docx_and_shows_errors(money, web_client_for):
    seo = ServiceFactory(agency=money.agency, name="SEO-продвижение")
    page = web_client_for(money.am1)
    url = reverse("web:client_proposal", args=[money.client_a.pk])

    ok = page.post(url, {"service_1": seo.pk, "price_1": "45 000,00", "file_format": "docx", "vat": "on"})
    bad = page.post(url, {"service_1": seo.pk, "file_format": "docx"})

    assert ok.status_code == 200 and "SEO-продвижение" in "\n".join(documents.docx_paragraphs(ok.content))
    assert bad.status_code == 400 and "Укажите цену." in bad.content.decode()
    assert web_client_for(money.am2).get(url).status_code == 404


def test_month_close_page_reports_what_was_done(money, web_client_for):
    issued_invoice(money.finance, money.client_a, "1000.00", on=date(2026, 3, 5))
    page = web_client_for(money.finance)

    html = page.post(reverse("web:month_close"), {"month": "2026-03"}).content.decode()

    assert 'id="month-close-result"' in html and "Актов создано: 1" in html
    assert web_client_for(money.am1).get(reverse("web:month_close")).status_code == 404


def test_my_day_shows_reports_to_prepare(money, report, web_client_for):
    html = web_client_for(money.am1).get(reverse("web:my_day")).content.decode()

    assert "Подготовить отчёт" in html and reverse("web:client_report_detail", args=[report.pk]) in html


def test_detail_page_query_count_is_bounded(money, report, web_client_for, django_assert_max_num_queries):
    for n in range(5):
        ContactFactory(client=money.client_a, email=f"c{n}@alpha.example")
    page = web_client_for(money.am1)

    with django_assert_max_num_queries(16):
        response = page.get(reverse("web:client_report_detail", args=[report.pk]))

    assert response.status_code == 200
