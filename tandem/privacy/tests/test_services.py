"""152-ФЗ: export of everything held about a contact person, and erasure that keeps the business records."""

from __future__ import annotations

import io
import json
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from openpyxl import load_workbook

from tandem.clients.models import Contact
from tandem.clients.tests.factories import ContactFactory
from tandem.comms.models import Interaction
from tandem.comms.services import interaction_create
from tandem.core.errors import PermissionDenied
from tandem.notifications.models import Notification
from tandem.notifications.services import notify
from tandem.privacy import services
from tandem.privacy.models import PersonalDataAction


@pytest.fixture
def person(org):
    contact = ContactFactory.create(
        client=org.client_a, full_name="Петров Пётр Петрович", phone="+7 900 111-22-33", email="petrov@alfa.ru",
        messenger="@petrov", birthday=date(1980, 5, 17), notes="Любит собак", position="Маркетолог",
    )
    contact.notes = "Любит собак, зовут Бим"
    contact.save()  # a second stored version
    interaction = interaction_create(
        actor=org.am1.user, client=org.client_a, contacts=[contact],
        data={"summary": "Созвон с Петров Пётр Петрович: отчёт принят, пишите на petrov@alfa.ru", "outcome": "Петров доволен"},
    )
    return contact, interaction


def test_export_holds_the_card_its_versions_and_the_records_naming_the_person(org, person):
    contact, interaction = person

    data = services.contact_data_export(actor=org.admin.user, contact=contact, reason="Запрос от 01.12.2026")

    assert data["contact"]["email"] == "petrov@alfa.ru"
    assert data["contact"]["birthday"] == "1980-05-17"
    assert [h["notes"] for h in data["history"]] == ["Любит собак", "Любит собак, зовут Бим"]
    assert data["interactions"][0]["id"] == interaction.pk
    json.loads(services.export_json(data))
    book = load_workbook(io.BytesIO(services.export_xlsx(data)))
    assert {"history", "interactions"} <= set(book.sheetnames)
    action = PersonalDataAction.objects.get()
    assert (action.kind, action.contact_id, action.actor, action.reason) == (
        "export", contact.pk, org.admin.user, "Запрос от 01.12.2026")


def test_pdf_export_is_a_readable_document_naming_the_person(org, person):
    from pypdf import PdfReader

    contact, _interaction = person
    data = services.contact_data_export(actor=org.admin.user, contact=contact, reason="Запрос от 01.12.2026")

    pdf = services.export_pdf(data)

    assert pdf.startswith(b"%PDF")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Петров Пётр Петрович" in text and "petrov@alfa.ru" in text and "Любит собак, зовут Бим" in text


def test_the_command_writes_the_pdf_export(org, person, tmp_path):
    contact, _interaction = person
    out = tmp_path / "export.pdf"

    call_command("personal_data", "export", contact=contact.pk, actor=org.admin.user.username, reason="Запрос",
                 format="pdf", out=str(out))

    assert out.read_bytes().startswith(b"%PDF")
    assert PersonalDataAction.objects.get().kind == "export"


def test_erasure_anonymises_the_card_and_every_stored_version(org, person):
    contact, _interaction = person

    services.contact_erase(actor=org.admin.user, contact=contact, reason="Заявление от 02.12.2026")

    contact.refresh_from_db()
    assert contact.full_name == f"Контакт удалён (#{contact.pk})"
    assert (contact.phone, contact.email, contact.messenger, contact.notes, contact.birthday) == ("", "", "", "", None)
    assert not contact.is_active
    stored = list(contact.history.values_list("full_name", "email", "phone", "notes", "birthday"))
    assert len(stored) == 3
    assert all(row == (f"Контакт удалён (#{contact.pk})", "", "", "", None) for row in stored)
    assert PersonalDataAction.objects.get().kind == "erasure"


def test_erasure_keeps_interactions_and_their_dates_but_removes_the_persons_identifiers(org, person):
    contact, interaction = person
    occurred = interaction.occurred_at

    services.contact_erase(actor=org.admin.user, contact=contact, reason="Заявление")

    interaction.refresh_from_db()
    assert interaction.occurred_at == occurred
    assert list(interaction.contacts.all()) == [Contact.objects.get(pk=contact.pk)]
    assert interaction.summary == "Созвон с [удалено]: отчёт принят, пишите на [удалено]"
    assert interaction.outcome == "[удалено] доволен"
    texts = " ".join(Interaction.history.filter(id=interaction.pk).values_list("summary", flat=True))
    assert "Петров" not in texts and "petrov@" not in texts


def test_notifications_naming_the_person_are_redacted(org, person):
    contact, _interaction = person
    notify(recipient=org.am1, kind="comms.contact_due", title="Пора связаться: Петров Пётр Петрович",
           body="Телефон +7 900 111-22-33", dedupe_key="due:1")
    notify(recipient=org.am1, kind="comms.contact_due", title="Пора связаться: Иванов", dedupe_key="due:2")

    services.contact_erase(actor=org.admin.user, contact=contact, reason="Заявление")

    titles = dict(Notification.objects.values_list("dedupe_key", "title"))
    assert titles == {"due:1": "Пора связаться: [удалено]", "due:2": "Пора связаться: Иванов"}
    assert Notification.objects.get(dedupe_key="due:1").body == "Телефон [удалено]"


def test_the_client_record_is_untouched(org, person):
    contact, _interaction = person
    before = org.client_a.legal_name

    services.contact_erase(actor=org.admin.user, contact=contact, reason="Заявление")

    org.client_a.refresh_from_db()
    assert org.client_a.legal_name == before


@pytest.mark.parametrize("role", ["head", "finance", "group_head", "am1", "spec1"])
def test_only_administrators_export_or_erase(org, person, role):
    contact, _interaction = person
    actor = org.by_role_name(role).user

    with pytest.raises(PermissionDenied):
        services.contact_erase(actor=actor, contact=contact, reason="x")
    with pytest.raises(PermissionDenied):
        services.contact_data_export(actor=actor, contact=contact, reason="x")

    contact.refresh_from_db()
    assert contact.email == "petrov@alfa.ru"
    assert not PersonalDataAction.objects.exists()


def test_a_reason_is_required(org, person):
    with pytest.raises(ValidationError) as exc:
        services.contact_erase(actor=org.admin.user, contact=person[0], reason="  ")

    assert "reason" in exc.value.message_dict
    assert not PersonalDataAction.objects.exists()


def test_management_command_exports_and_erases(org, person, tmp_path):
    contact, _interaction = person
    out = tmp_path / "export.xlsx"

    call_command("personal_data", "export", contact=contact.pk, actor="admin", reason="Запрос", format="xlsx", out=str(out))
    call_command("personal_data", "erase", contact=contact.pk, actor="admin", reason="Заявление")

    assert load_workbook(out).sheetnames[0] == "Контакт"
    contact.refresh_from_db()
    assert contact.email == ""
    assert list(PersonalDataAction.objects.order_by("at", "id").values_list("kind", flat=True)) == ["export", "erasure"]
