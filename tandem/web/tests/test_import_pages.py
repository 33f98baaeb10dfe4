"""The import wizard: upload → dry-run report → «Импортировать»; heads and admins only."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError

from tandem.clients.models import Client, ImportRecord

pytestmark = pytest.mark.django_db
DATA = Path(__file__).resolve().parents[2] / "clients" / "tests" / "data"


def test_head_checks_then_imports_a_file(org, web_client_for, django_assert_max_num_queries):
    # given
    web = web_client_for(org.head)
    page = web.get("/settings/import/")
    assert page.status_code == 200 and "Юридическое название" in page.content.decode()
    # when: upload (the dry run)
    response = web.post("/settings/import/", {"file": SimpleUploadedFile(
        "company.csv", (DATA / "bitrix24_companies.csv").read_bytes())})
    # then
    record = ImportRecord.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/settings/import/{record.pk}/"
    with django_assert_max_num_queries(12):
        report = web.get(f"/settings/import/{record.pk}/")
    html = report.content.decode()
    assert "ООО «Северный ветер»" in html and "Импортировать" in html and "Название компании" in html
    assert Client.objects.count() == 2
    # when: «Импортировать»
    done = web.post(f"/settings/import/{record.pk}/run/", follow=True)
    # then
    record.refresh_from_db()
    assert record.applied_at is not None and record.created_count == 2 and record.content in (b"", memoryview(b""))
    assert "Импорт завершён: создано 2" in done.content.decode()
    assert Client.objects.filter(inn="5001000002").exists()


def test_template_download(org, web_client_for):
    # when
    response = web_client_for(org.admin).get("/settings/import/template.xlsx")
    # then
    assert response.status_code == 200 and response.content[:2] == b"PK"


@pytest.mark.parametrize("role", ["group_head", "am1", "finance", "spec1"])
def test_others_get_404_and_nothing_is_written(org, web_client_for, role):
    # given: a file the head has checked
    head = web_client_for(org.head)
    head.post("/settings/import/", {"file": SimpleUploadedFile(
        "company.csv", (DATA / "bitrix24_companies.csv").read_bytes())})
    record = ImportRecord.objects.get()
    # when
    web = web_client_for(org.by_role_name(role))
    responses = [web.get("/settings/import/"), web.get(f"/settings/import/{record.pk}/"),
                 web.post(f"/settings/import/{record.pk}/run/"), web.get("/settings/import/template.xlsx")]
    # then
    assert [r.status_code for r in responses] == [404, 404, 404, 404]
    assert Client.objects.count() == 2 and "/settings/import/" not in web.get("/clients/").content.decode()


def test_import_data_command_dry_run_then_import(org):
    # given
    path = str(DATA / "amocrm_companies.csv")
    out = StringIO()
    # when
    call_command("import_data", path, "--agency", str(org.agency.pk), "--dry-run", stdout=out)
    assert Client.objects.count() == 2
    call_command("import_data", path, "--agency", org.agency.name, "--source", "amocrm", stdout=out)
    # then
    assert "created=2" in out.getvalue() and Client.objects.filter(inn="5001000027").exists()


def test_import_data_command_refuses_a_file_with_errors(org, tmp_path):
    # given
    bad = tmp_path / "bad.csv"
    bad.write_bytes((DATA / "amocrm_companies.csv").read_bytes().replace(b"5001000027", b"7712345678"))
    # when / then
    with pytest.raises(CommandError):
        call_command("import_data", str(bad), "--agency", str(org.agency.pk), stdout=StringIO())
    assert Client.objects.count() == 2


def test_the_sample_file_is_offered_to_heads_only(org, web_client_for):
    from io import BytesIO

    from django.urls import reverse
    from openpyxl import load_workbook

    url = reverse("web:import_template") + "?sample=1"
    assert web_client_for(org.am1).get(url).status_code == 404
    response = web_client_for(org.head).get(url)
    assert response.status_code == 200 and "sample" in response["Content-Disposition"]
    book = load_workbook(BytesIO(response.content))
    assert book["Счета"].max_row == 2 and "Сотрудники" in book.sheetnames


def test_the_mapping_edited_in_the_wizard_is_saved_and_applied_to_the_next_file(org, web_client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from tandem.clients.models import ImportMapping, ImportRecord

    # given: a CSV whose client name is in a column the aliases do not know
    content = "Код;Контрагент;ИНН\nK1;ООО «Ромашка»;5001000002\n".encode()
    web = web_client_for(org.head)
    web.post(reverse("web:import_upload"), {"file": SimpleUploadedFile("a.csv", content, "text/csv")})
    record = ImportRecord.objects.get()
    assert record.error_count == 1  # no client-name column
    page = web.get(reverse("web:import_report", args=[record.pk])).content.decode()
    assert 'id="import-mapping-form"' in page and "<label for=\"id_m-1\">Контрагент</label>" in page
    # when: «Контрагент» is mapped to the legal name
    web.post(reverse("web:import_mapping", args=[record.pk]), {"m-0": "key", "m-1": "legal_name", "m-2": "inn"})
    # then: saved for the source, and the file checks clean
    assert ImportMapping.objects.get().columns == {"Клиенты": {"Код": "key", "Контрагент": "legal_name", "ИНН": "inn"}}
    record.refresh_from_db()
    assert (record.error_count, record.created_count) == (0, 1)
    # and the next upload from that source uses it
    web.post(reverse("web:import_upload"), {"file": SimpleUploadedFile("b.csv", content, "text/csv")})
    assert ImportRecord.objects.order_by("-pk").first().error_count == 0


def test_others_cannot_change_the_mapping(org, web_client_for):
    from django.urls import reverse

    from tandem.clients.models import ImportMapping, ImportRecord

    record = ImportRecord.objects.create(agency=org.agency, source="tandem", file_name="a.csv", file_hash="x",
                                         created_by=org.head.user, report={"source": "tandem", "file_name": "a.csv",
                                                                           "file_hash": "x", "dry_run": True})
    response = web_client_for(org.am1).post(reverse("web:import_mapping", args=[record.pk]), {"m-0": "inn"})
    assert response.status_code == 404 and not ImportMapping.objects.exists()


def test_a_big_file_is_imported_by_a_job_with_a_progress_bar(org, web_client_for, monkeypatch,
                                                             django_capture_on_commit_callbacks):
    from django.core.cache import cache
    from django.urls import reverse

    from tandem.clients.models import Client, ImportRecord, JobStatus
    from tandem.imports import jobs
    from tandem.web.clients import importing as views

    content = "Код;Юридическое название;ИНН\nK1;ООО «Ромашка»;5001000002\n".encode()
    web = web_client_for(org.head)
    from django.core.files.uploadedfile import SimpleUploadedFile

    web.post(reverse("web:import_upload"), {"file": SimpleUploadedFile("a.csv", content, "text/csv")})
    record = ImportRecord.objects.get()
    # given: every file counts as big; the job is queued but not yet run
    monkeypatch.setattr(views, "BACKGROUND_FROM_ROWS", 0)
    monkeypatch.setattr("tandem.imports.tasks.import_run_task.delay", lambda *args: None)
    web.post(reverse("web:import_run", args=[record.pk]))
    record.refresh_from_db()
    assert record.job_status == JobStatus.QUEUED
    jobs.progress_set(record.pk, 40, "Клиенты")
    page = web.get(reverse("web:import_report", args=[record.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in page and 'value="40"' in page
    # when: the job runs
    jobs.import_job_run(record_id=record.pk, user_id=org.head.user.pk)
    # then: the poll asks for a reload, and the client is there
    poll = web.get(reverse("web:import_progress", args=[record.pk]), HTTP_HX_REQUEST="true")
    assert poll["HX-Refresh"] == "true" and Client.objects.filter(inn="5001000002").exists()
    cache.clear()


def test_a_long_report_shows_the_rows_to_read_first(org, web_client_for, monkeypatch):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from tandem.clients.models import ImportRecord
    from tandem.web.clients import importing as views

    monkeypatch.setattr(views, "ROW_LIMIT", 1)
    content = "Код;Юридическое название;ИНН\nK1;ООО «Ромашка»;5001000002\nK2;ООО «Кривой»;7712345678\n".encode()
    web = web_client_for(org.head)
    web.post(reverse("web:import_upload"), {"file": SimpleUploadedFile("a.csv", content, "text/csv")})
    page = web.get(reverse("web:import_report", args=[ImportRecord.objects.get().pk])).content.decode()
    assert "ООО «Кривой»" in page and "ООО «Ромашка»" not in page and "ещё 1 строк" in page
