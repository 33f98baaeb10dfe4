"""POST /api/v1/imports/: dry run report, real run, errors, permissions."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tandem.clients.models import Client, Contact, ImportRecord

pytestmark = pytest.mark.django_db
DATA = Path(__file__).resolve().parents[2] / "clients" / "tests" / "data"


def upload(name: str = "bitrix24_companies.csv", content: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content if content is not None else (DATA / name).read_bytes(), "text/csv")


def test_dry_run_returns_the_report_and_writes_nothing(org, api_client_for):
    # when
    response = api_client_for(org.head).post("/api/v1/imports/", {"file": upload()}, format="multipart")
    # then
    assert response.status_code == 200
    body = response.json()
    assert (body["source"], body["dry_run"], body["created"], body["errors"]) == ("bitrix24", True, 2, 0)
    assert body["rows"][0]["action"] == "create" and body["rows"][0]["sheet"] == "Клиенты"
    assert {"sheet": "Клиенты", "column": "ИНН", "field": "inn"} in body["mapping"]
    assert Client.objects.count() == 2


def test_real_run_imports_and_second_run_changes_nothing(org, api_client_for):
    # given
    api = api_client_for(org.admin)
    # when
    first = api.post("/api/v1/imports/", {"file": upload(), "dry_run": "false"}, format="multipart")
    second = api.post("/api/v1/imports/", {"file": upload(), "dry_run": "false"}, format="multipart")
    contacts = api.post("/api/v1/imports/", {"file": upload("bitrix24_contacts.csv"), "dry_run": "false"},
                        format="multipart")
    # then
    assert first.status_code == 201 and first.json()["created"] == 2 and first.json()["import_id"]
    assert (second.json()["created"], second.json()["updated"], second.json()["skipped"]) == (0, 0, 2)
    assert contacts.status_code == 201 and Contact.objects.count() == 2
    assert Client.objects.count() == 4 and ImportRecord.objects.count() == 3


def test_real_run_with_bad_rows_answers_400_with_the_report(org, api_client_for):
    # given: one bad INN
    content = (DATA / "bitrix24_companies.csv").read_bytes().replace(b"5001000010", b"7712345678")
    # when
    response = api_client_for(org.head).post(
        "/api/v1/imports/", {"file": upload("b.csv", content), "dry_run": "false"}, format="multipart")
    # then
    assert response.status_code == 400
    assert response.json()["errors"] == 1 and response.json()["rows"][1]["action"] == "error"
    assert Client.objects.count() == 2 and not ImportRecord.objects.exists()


def test_unreadable_file_is_a_field_error(org, api_client_for):
    # when
    response = api_client_for(org.head).post(
        "/api/v1/imports/", {"file": upload("x.xlsx", b"PKnot a zip")}, format="multipart")
    # then
    assert response.status_code == 400 and "file" in response.json()


@pytest.mark.parametrize("role,code", [("head", 201), ("admin", 201), ("group_head", 404), ("am1", 404),
                                       ("finance", 404), ("spec1", 404)])
def test_only_heads_and_admins_import(org, api_client_for, role, code):
    # when
    response = api_client_for(org.by_role_name(role)).post(
        "/api/v1/imports/", {"file": upload(), "dry_run": "false"}, format="multipart")
    # then
    assert response.status_code == code
    assert Client.objects.count() == (4 if code == 201 else 2)


def test_a_picture_is_a_400_on_file_not_a_500(org, api_client_for):
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01"

    response = api_client_for(org.head).post("/api/v1/imports/", {"file": upload("x.csv", png)}, format="multipart")

    assert response.status_code == 400 and "file" in response.json()


def test_a_carriage_return_inside_a_quoted_field_is_read_not_a_500(org, api_client_for):
    # csv.Error («new-line character seen in unquoted field») was a 500 before.
    content = 'Название компании;ИНН\r\n"ООО \rРомашка";7707083893\n'.encode()

    response = api_client_for(org.head).post("/api/v1/imports/", {"file": upload("x.csv", content)},
                                             format="multipart")

    assert response.status_code == 200


def test_the_whole_template_imports_through_the_api_and_others_get_404(org, api_client_for):
    # given: the wizard's sample file (every sheet), its service and VAT rate in the agency
    from datetime import date
    from decimal import Decimal

    from tandem.billing.models import Invoice, Payment
    from tandem.contracts.models import Contract
    from tandem.contracts.tests.factories import ServiceFactory, VatRateFactory
    from tandem.imports import services

    ServiceFactory.create(agency=org.agency, name="SEO-продвижение")
    VatRateFactory.create(agency=org.agency, valid_from=date(2019, 1, 1), rate_percent=Decimal("22.00"))
    content = services.template_xlsx(sample=True)

    def xlsx() -> SimpleUploadedFile:
        return SimpleUploadedFile("sample.xlsx", content,
                                  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

    # when: an AM tries
    denied = api_client_for(org.am1).post("/api/v1/imports/", {"file": xlsx(), "dry_run": "false"},
                                          format="multipart")
    # then
    assert denied.status_code == 404 and not Contract.objects.exists()
    # when: the head imports
    response = api_client_for(org.head).post("/api/v1/imports/", {"file": xlsx(), "dry_run": "false"},
                                             format="multipart")
    # then
    assert response.status_code == 201
    sheets = {row["sheet"] for row in response.json()["rows"]}
    assert {"Сотрудники", "Договоры", "Счета", "Платежи", "Взаимодействия"} <= sheets
    assert Contract.objects.get().number == "Д-2024/01" and Invoice.objects.filter(number="СЧ-0777").exists()
    assert Payment.objects.get().allocated_amount == Decimal("40000")


def test_an_import_job_returns_its_id_and_status(org, api_client_for, django_capture_on_commit_callbacks):
    # when
    api = api_client_for(org.head)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/api/v1/imports/jobs/", {"file": upload()}, format="multipart")
    # then
    assert response.status_code == 202
    job = response.json()
    status = api.get(f"/api/v1/imports/jobs/{job['id']}/").json()
    assert (status["status"], status["percent"], status["created"]) == ("done", 100, 2)
    assert Client.objects.filter(inn="5001000002").exists()
    # and others get 404
    assert api_client_for(org.am1).get(f"/api/v1/imports/jobs/{job['id']}/").status_code == 404
    assert api_client_for(org.am1).post("/api/v1/imports/jobs/", {"file": upload()},
                                        format="multipart").status_code == 404
