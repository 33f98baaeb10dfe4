"""«Персональные данные» of a contact: admin-only page with export and erasure."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from tandem.clients.tests.factories import ContactFactory
from tandem.privacy.models import PersonalDataAction


@pytest.fixture
def contact(org):
    return ContactFactory.create(client=org.client_a, full_name="Сидорова Анна", email="anna@alfa.ru")


def test_admin_sees_the_page_and_the_link_on_the_client_card(org, web_client_for, contact, django_assert_max_num_queries):
    web = web_client_for(org.admin)

    with django_assert_max_num_queries(16):
        page = web.get(f"/clients/contacts/{contact.pk}/personal-data/")

    assert page.status_code == 200 and "Сидорова Анна" in page.content.decode()
    assert f"/clients/contacts/{contact.pk}/personal-data/" in web.get(f"/clients/{org.client_a.pk}/").content.decode()


@pytest.mark.parametrize("role", ["head", "am1", "finance"])
def test_others_get_404_and_no_link(org, web_client_for, contact, role):
    web = web_client_for(org.by_role_name(role))

    assert web.get(f"/clients/contacts/{contact.pk}/personal-data/").status_code == 404
    assert web.post(f"/clients/contacts/{contact.pk}/personal-data/erase/", {"reason": "x", "confirm": "on"}).status_code == 404
    assert "personal-data" not in web.get(f"/clients/{org.client_a.pk}/").content.decode()
    contact.refresh_from_db()
    assert contact.email == "anna@alfa.ru"


def test_export_downloads_a_readable_workbook(org, web_client_for, contact):
    response = web_client_for(org.admin).post(
        f"/clients/contacts/{contact.pk}/personal-data/export/", {"reason": "Запрос", "format": "xlsx"})

    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    assert load_workbook(io.BytesIO(response.content))["Контакт"]["B1"].value == str(contact.pk)
    assert PersonalDataAction.objects.get().kind == "export"


def test_export_downloads_a_readable_pdf(org, web_client_for, contact):
    from pypdf import PdfReader

    response = web_client_for(org.admin).post(
        f"/clients/contacts/{contact.pk}/personal-data/export/", {"reason": "Запрос", "format": "pdf"})

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Сидорова Анна" in text and "anna@alfa.ru" in text
    assert PersonalDataAction.objects.get().kind == "export"


def test_erasure_needs_reason_and_confirmation(org, web_client_for, contact):
    web = web_client_for(org.admin)

    refused = web.post(f"/clients/contacts/{contact.pk}/personal-data/erase/", {"reason": "Заявление"})
    assert refused.status_code == 400 and refused.context["erase_form"].errors["confirm"]

    done = web.post(f"/clients/contacts/{contact.pk}/personal-data/erase/", {"reason": "Заявление", "confirm": "on"})

    contact.refresh_from_db()
    assert done.status_code == 302
    assert contact.email == "" and contact.full_name.startswith("Контакт удалён")
    assert PersonalDataAction.objects.get().kind == "erasure"
