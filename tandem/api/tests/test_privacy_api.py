"""152-ФЗ over the API: export and erasure of a contact person, administrators only."""

from __future__ import annotations

import pytest

from tandem.clients.tests.factories import ContactFactory
from tandem.privacy.models import PersonalDataAction


@pytest.fixture
def contact(org):
    return ContactFactory.create(client=org.client_a, full_name="Сидорова Анна", email="anna@alfa.ru")


def test_admin_exports_a_contact(org, api_client_for, contact):
    response = api_client_for(org.admin).post(
        f"/api/v1/contacts/{contact.pk}/personal-data/export/", {"reason": "Запрос от 01.12"}, format="json")

    assert response.status_code == 200
    assert response.json()["contact"]["email"] == "anna@alfa.ru"
    assert PersonalDataAction.objects.get().kind == "export"


def test_admin_erases_a_contact(org, api_client_for, contact):
    response = api_client_for(org.admin).post(
        f"/api/v1/contacts/{contact.pk}/personal-data/erase/", {"reason": "Заявление"}, format="json")

    contact.refresh_from_db()
    assert response.status_code == 200
    assert response.json() == {"id": contact.pk, "full_name": f"Контакт удалён (#{contact.pk})", "is_active": False}
    assert contact.email == ""


def test_missing_reason_is_400_on_reason(org, api_client_for, contact):
    response = api_client_for(org.admin).post(f"/api/v1/contacts/{contact.pk}/personal-data/erase/", {}, format="json")

    assert response.status_code == 400 and "reason" in response.json()
    assert not PersonalDataAction.objects.exists()


@pytest.mark.parametrize("role", ["head", "finance", "group_head", "am1"])
def test_others_are_refused_and_nothing_changes(org, api_client_for, contact, role):
    response = api_client_for(org.by_role_name(role)).post(
        f"/api/v1/contacts/{contact.pk}/personal-data/erase/", {"reason": "x"}, format="json")

    contact.refresh_from_db()
    assert response.status_code == 403
    assert contact.email == "anna@alfa.ru"
    assert not PersonalDataAction.objects.exists()


def test_a_contact_of_another_agency_is_404(org, api_client_for, contact):
    response = api_client_for(org.outsider).post(
        f"/api/v1/contacts/{contact.pk}/personal-data/export/", {"reason": "x"}, format="json")

    assert response.status_code in (403, 404)
    assert not PersonalDataAction.objects.exists()


def _pdf_text(content: bytes) -> str:
    import io

    from pypdf import PdfReader

    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_admin_exports_a_contact_as_a_readable_pdf(org, api_client_for, contact):
    response = api_client_for(org.admin).post(
        f"/api/v1/contacts/{contact.pk}/personal-data/export-file/", {"reason": "Запрос от 01.12", "file_format": "pdf"},
        format="json")

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert "Сидорова Анна" in _pdf_text(response.content)
    assert PersonalDataAction.objects.get().kind == "export"


def test_an_unknown_file_format_is_400_on_file_format_and_not_recorded(org, api_client_for, contact):
    response = api_client_for(org.admin).post(
        f"/api/v1/contacts/{contact.pk}/personal-data/export-file/", {"reason": "x", "file_format": "doc"}, format="json")

    assert response.status_code == 400 and "file_format" in response.json()
    assert not PersonalDataAction.objects.exists()


@pytest.mark.parametrize("role", ["head", "finance", "am1"])
def test_others_get_no_pdf_and_nothing_is_recorded(org, api_client_for, contact, role):
    response = api_client_for(org.by_role_name(role)).post(
        f"/api/v1/contacts/{contact.pk}/personal-data/export-file/", {"reason": "x"}, format="json")

    assert response.status_code == 403
    assert not PersonalDataAction.objects.exists()
