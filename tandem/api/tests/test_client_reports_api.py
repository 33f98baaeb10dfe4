"""API: client reports, document templates, documents and the month-end batch."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from docx import Document

from tandem.billing import services as billing_services
from tandem.billing.tests.helpers import issued_invoice
from tandem.clients.tests.factories import ContactFactory
from tandem.comms.models import Interaction
from tandem.contracts.tests.factories import ServiceFactory
from tandem.reports import documents, services
from tandem.reports.models import ClientReport, DocumentTemplate

pytestmark = pytest.mark.django_db

LIST = "/api/v1/client-reports/"


@pytest.fixture
def report(money):
    return services.client_report_create(actor=money.am1.user, client=money.client_a, today=date(2026, 4, 3))


@pytest.mark.parametrize(("role", "status"), [
    ("am1", 200), ("group_head", 200), ("head", 200), ("admin", 200), ("finance", 200),
    ("am2", 404), ("spec1", 404), ("outsider", 404),
])
def test_who_sees_a_report(money, report, api_client_for, role, status):
    response = api_client_for(money.by_role_name(role)).get(f"{LIST}{report.pk}/")

    assert response.status_code == status
    if status == 200:
        body = response.json()
        assert body["period_start"] == "2026-03-01" and body["status"] == "draft"
        assert set(body["data"]) >= {"tasks_done", "hours_by_project", "results", "money", "chart"}


def test_list_is_scoped_and_paginated(money, report, api_client_for, django_assert_max_num_queries):
    services.client_report_create(actor=money.am2.user, client=money.client_b, today=date(2026, 4, 3))

    with django_assert_max_num_queries(8):
        mine = api_client_for(money.am1).get(LIST, {"status": "draft", "month": "2026-03"}).json()
    everyone = api_client_for(money.head).get(LIST).json()

    assert mine["count"] == 1 and mine["results"][0]["id"] == report.pk
    assert everyone["count"] == 2 and set(everyone) == {"count", "next", "previous", "results"}
    assert api_client_for(money.am1).get(LIST, {"status": "bogus"}).status_code == 400


@pytest.mark.parametrize(("role", "status"), [
    ("am1", 201), ("head", 201), ("finance", 403), ("am2", 400), ("spec1", 400),
])
def test_who_may_create(money, api_client_for, role, status):
    response = api_client_for(money.by_role_name(role)).post(
        LIST, {"client": money.client_a.pk, "period_start": "2026-03-01", "period_end": "2026-03-31"}, format="json")

    assert response.status_code == status
    assert ClientReport.objects.count() == (1 if status == 201 else 0)


def test_patch_edits_a_draft_and_refuses_unknown_fields(money, report, api_client_for):
    client = api_client_for(money.am1)

    ok = client.patch(f"{LIST}{report.pk}/", {"summary": "Итоги", "next_plan": "План"}, format="json")
    bad = client.patch(f"{LIST}{report.pk}/", {"status": "sent"}, format="json")
    foreign = api_client_for(money.am2).patch(f"{LIST}{report.pk}/", {"summary": "x"}, format="json")

    assert ok.status_code == 200 and ok.json()["summary"] == "Итоги"
    assert bad.status_code == 400 and "status" in bad.json()
    assert foreign.status_code == 404
    report.refresh_from_db()
    assert report.summary == "Итоги" and report.is_draft


def test_send_mails_the_pdf_and_logs_the_interaction(money, report, api_client_for, django_capture_on_commit_callbacks):
    contact = ContactFactory(client=money.client_a, email="lpr@alpha.example")

    with django_capture_on_commit_callbacks(execute=True):
        response = api_client_for(money.am1).post(f"{LIST}{report.pk}/send/", {"contacts": [contact.pk]}, format="json")

    assert response.status_code == 200 and response.json()["status"] == "sent"
    assert response.json()["sent_to"] == [contact.pk]
    assert len(mail.outbox) == 1 and mail.outbox[0].attachments[0][2] == "application/pdf"
    assert Interaction.objects.filter(kind="report_sent", client=money.client_a).count() == 1


def test_send_to_another_clients_contact_is_400_and_nothing_happens(money, report, api_client_for):
    foreign = ContactFactory(client=money.client_b)

    response = api_client_for(money.am1).post(f"{LIST}{report.pk}/send/", {"contacts": [foreign.pk]}, format="json")

    assert response.status_code == 400 and "contacts" in response.json()
    report.refresh_from_db()
    assert report.is_draft and not mail.outbox and not Interaction.objects.exists()


def test_pdf_and_docx_downloads(money, report, api_client_for):
    client = api_client_for(money.am1)

    pdf = client.get(f"{LIST}{report.pk}/pdf/")
    docx = client.get(f"{LIST}{report.pk}/docx/")

    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF-")
    assert docx.status_code == 200
    text = [p.text for p in Document(io.BytesIO(docx.content)).paragraphs]
    assert "Отчёт для Альфа за 01.03.2026 – 31.03.2026" in text
    assert api_client_for(money.am2).get(f"{LIST}{report.pk}/pdf/").status_code == 404


def _upload(kind: str, content: bytes) -> dict:
    return {"kind": kind, "name": "Наш шаблон", "file": SimpleUploadedFile("t.docx", content)}


@pytest.mark.parametrize(("role", "status"), [("admin", 201), ("head", 201), ("finance", 403), ("am1", 403)])
def test_who_may_upload_templates(org, api_client_for, role, status):
    response = api_client_for(org.by_role_name(role)).post(
        "/api/v1/document-templates/", _upload("act", documents.default_template("act")), format="multipart")

    assert response.status_code == status
    assert DocumentTemplate.objects.count() == (1 if status == 201 else 0)


def test_broken_template_is_refused_with_the_reason(org, api_client_for):
    doc = Document()
    doc.add_paragraph("{{ client.unknown }}")
    out = io.BytesIO()
    doc.save(out)

    response = api_client_for(org.admin).post("/api/v1/document-templates/", _upload("act", out.getvalue()),
                                              format="multipart")

    assert response.status_code == 400 and "unknown" in response.json()["file"][0]
    assert not DocumentTemplate.objects.exists()


def test_template_list_and_fields(org, api_client_for):
    services.document_template_upload(actor=org.admin.user, kind="proposal", name="КП",
                                      content=documents.default_template("proposal"))

    listed = api_client_for(org.am1).get("/api/v1/document-templates/").json()
    fields = api_client_for(org.am1).get("/api/v1/document-templates/fields/").json()

    assert listed["count"] == 1 and listed["results"][0]["kind"] == "proposal"
    assert {f["kind"] for f in fields} == {"contract", "act", "proposal", "client_report"}
    assert any(f["name"] == "amount_words" for f in fields[0]["fields"])


def test_contract_and_act_documents(money, api_client_for):
    invoice = issued_invoice(money.finance, money.client_a, "1000.00", on=date(2026, 3, 5), contract=money.contract_a)
    act = billing_services.act_create(actor=money.finance.user, invoice=invoice, date=date(2026, 3, 31))
    client = api_client_for(money.am1)

    contract_docx = client.get(f"/api/v1/contracts/{money.contract_a.pk}/document/docx/")
    act_pdf = client.get(f"/api/v1/acts/{act.pk}/document/pdf/")

    assert contract_docx.status_code == 200 and contract_docx.content[:2] == b"PK"
    assert act_pdf.status_code == 200 and act_pdf.content.startswith(b"%PDF-")
    assert api_client_for(money.am2).get(f"/api/v1/acts/{act.pk}/document/docx/").status_code == 404


def test_proposal_downloads_and_validates(money, api_client_for):
    seo = ServiceFactory(agency=money.agency, name="SEO-продвижение")
    client = api_client_for(money.am1)

    ok = client.post(f"/api/v1/clients/{money.client_a.pk}/proposal/",
                     {"lines": [{"service": seo.pk, "price": "50000.00"}], "discount_percent": "5"}, format="json")
    bad = client.post(f"/api/v1/clients/{money.client_a.pk}/proposal/", {"lines": []}, format="json")
    other = api_client_for(money.am2).post(f"/api/v1/clients/{money.client_a.pk}/proposal/",
                                           {"lines": [{"service": seo.pk, "price": "1"}]}, format="json")

    assert ok.status_code == 200 and ok.content[:2] == b"PK"
    assert "SEO-продвижение" in "\n".join(documents.docx_paragraphs(ok.content))
    assert bad.status_code == 400 and "lines" in bad.json()
    assert other.status_code == 404


@pytest.mark.parametrize(("role", "status"), [("finance", 200), ("head", 200), ("am1", 403), ("spec1", 403)])
def test_month_close(money, api_client_for, role, status):
    issued_invoice(money.finance, money.client_a, "1000.00", on=date(2026, 3, 5))

    response = api_client_for(money.by_role_name(role)).post("/api/v1/month-close/", {"month": "2026-03-01"},
                                                             format="json")

    assert response.status_code == status
    if status == 200:
        assert response.json()["acts_created"] == 1 and response.json()["items"][0]["outcome"] == "created"
    else:
        assert not ClientReport.objects.exists()
