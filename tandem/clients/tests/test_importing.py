"""Import from spreadsheets: dry-run reports, idempotent re-runs, corrections, CRM exports, all-or-nothing."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from tandem.clients import importing
from tandem.clients.importing import CLIENTS_SHEET, CONTACTS_SHEET, ImportFailed
from tandem.clients.models import Client, Contact, ImportRecord, SourceKey
from tandem.clients.tests.factories import ClientFactory
from tandem.core.errors import PermissionDenied

DATA = Path(__file__).parent / "data"
CLIENT_HEAD = ["Код", "Юридическое название", "Бренд", "ИНН", "КПП", "Статус", "Аккаунт-менеджер", "В работе с"]
CONTACT_HEAD = ["Код", "Код клиента", "ФИО", "Должность", "Роль", "Телефон", "E-mail"]
GOOD_CLIENTS = [
    ["C1", "ООО «Ромашка»", "Ромашка", "5001000002", "500101001", "Активный", "am1", "01.03.2024"],
    ["C2", "ООО «Лютик»", "Лютик", "5001000010", "", "Лид", "", ""],
]
GOOD_CONTACTS = [
    ["P1", "C1", "Иванова Мария", "Маркетолог", "Маркетолог", "8 (916) 111-22-33", "maria@romashka.example"],
    ["P2", "C2", "Сидоров Олег", "Директор", "ЛПР", "", "oleg@lutik.example"],
]


def xlsx(clients: list[list[Any]], contacts: list[list[Any]]) -> bytes:
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = CLIENTS_SHEET
    ws.append(CLIENT_HEAD)
    for row in clients:
        ws.append(row)
    ws2 = book.create_sheet(CONTACTS_SHEET)
    ws2.append(CONTACT_HEAD)
    for row in contacts:
        ws2.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def by_line(report: importing.ImportReport, sheet: str, line: int) -> importing.RowResult:
    return next(r for r in report.rows if r.sheet == sheet and r.line == line)


def test_dry_run_reports_every_kind_of_bad_row_and_writes_nothing(org):
    # given: an existing client with INN 5001000034 and a file with one bad row of each kind
    ClientFactory.create(agency=org.agency, legal_name="ООО «Старый»", inn="5001000034")
    content = xlsx(
        [
            ["C1", "ООО «Ромашка»", "", "5001000002", "", "", "", ""],        # line 2: fine
            ["C2", "ООО «Кривой»", "", "7712345678", "", "", "", ""],         # line 3: bad checksum
            ["C3", "", "Безымянный", "5001000041", "", "", "", ""],           # line 4: no name
            ["C4", "ООО «Двойник»", "", "5001000002", "", "", "", ""],        # line 5: INN twice in file
            ["C5", "ООО «Старый-2»", "", "5001000034", "", "", "", ""],       # line 6: already in Tandem
        ],
        [
            ["P1", "C1", "Иванова Мария", "", "", "", "maria@example.org"],   # line 2: fine
            ["P2", "НЕТ ТАКОЙ", "Петров Пётр", "", "", "", "petr@example.org"],  # line 3: unknown company
            ["P3", "C1", "Двойник Марии", "", "", "", "maria@example.org"],   # line 4: e-mail twice
            ["P4", "C1", "Без почты", "", "", "12", "not-an-email"],          # line 5: bad phone and e-mail
        ],
    )
    # when
    report = importing.import_check(actor=org.head.user, content=content, file_name="agency.xlsx")
    # then
    assert report.source == "tandem"
    assert by_line(report, CLIENTS_SHEET, 2).action == "create"
    assert "контрольная сумма" in by_line(report, CLIENTS_SHEET, 3).reasons[0]
    assert by_line(report, CLIENTS_SHEET, 4).reasons == ["Не указано название клиента."]
    assert "уже встречается в строке 2" in by_line(report, CLIENTS_SHEET, 5).reasons[0]
    existing = by_line(report, CLIENTS_SHEET, 6)
    assert (existing.action, "уже есть в Тандеме" in existing.reasons[0]) == ("skip", True)
    assert by_line(report, CONTACTS_SHEET, 2).action == "create"
    assert "не найдена" in by_line(report, CONTACTS_SHEET, 3).reasons[0]
    assert "уже встречается в строке 2" in by_line(report, CONTACTS_SHEET, 4).reasons[0]
    assert len(by_line(report, CONTACTS_SHEET, 5).reasons) == 2
    assert (report.created, report.skipped, report.errors) == (2, 1, 6)
    assert ("ИНН", "inn") in {(m.column, m.field) for m in report.mapping}
    assert Client.objects.count() == 3 and not Contact.objects.exists() and not ImportRecord.objects.exists()
    # and the real run refuses the file as a whole
    with pytest.raises(ImportFailed):
        importing.import_apply(actor=org.head.user, content=content, file_name="agency.xlsx")
    assert Client.objects.count() == 3 and not ImportRecord.objects.exists()


def test_import_creates_clients_and_contacts_with_history_and_is_idempotent(org):
    # given
    content = xlsx(GOOD_CLIENTS, GOOD_CONTACTS)
    # when
    report = importing.import_apply(actor=org.head.user, content=content, file_name="agency.xlsx")
    # then
    assert (report.created, report.updated, report.errors) == (4, 0, 0)
    romashka = Client.objects.get(inn="5001000002")
    assert (romashka.status, romashka.account_manager, romashka.served_since) == ("active", org.am1, date(2024, 3, 1))
    assert timezone.localdate(romashka.am_changes.get().changed_at) == date(2024, 3, 1)
    assert romashka.history.count() >= 1 and romashka.lifecycle_transitions.exists()
    maria = Contact.objects.get(email="maria@romashka.example")
    assert (maria.client, maria.phone, maria.role) == (romashka, "+79161112233", "marketer")
    assert SourceKey.objects.count() == 4
    record = ImportRecord.objects.get()
    assert (record.created_count, record.created_by, record.applied_at is not None) == (4, org.head.user, True)
    # when: the same file again
    again = importing.import_apply(actor=org.head.user, content=content, file_name="agency.xlsx")
    # then: nothing changes
    assert (again.created, again.updated, again.skipped) == (0, 0, 4)
    assert Client.objects.count() == 4 and Contact.objects.count() == 2


def test_corrected_file_updates_only_the_changed_rows(org):
    # given: an imported file
    importing.import_apply(actor=org.head.user, content=xlsx(GOOD_CLIENTS, GOOD_CONTACTS), file_name="a.xlsx")
    lutik = Client.objects.get(inn="5001000010")
    history_before = lutik.history.count()
    clients = [list(r) for r in GOOD_CLIENTS]
    clients[0][2] = "Ромашка Плюс"
    contacts = [list(r) for r in GOOD_CONTACTS]
    contacts[1][3] = "Генеральный директор"
    # when
    report = importing.import_apply(actor=org.head.user, content=xlsx(clients, contacts), file_name="a.xlsx")
    # then
    assert (report.created, report.updated, report.skipped) == (0, 2, 2)
    assert by_line(report, CLIENTS_SHEET, 2).changed == ["brand_name"]
    assert Client.objects.get(inn="5001000002").brand_name == "Ромашка Плюс"
    assert Contact.objects.get(email="oleg@lutik.example").position == "Генеральный директор"
    assert lutik.history.count() == history_before


def test_a_row_failing_during_apply_leaves_nothing_written(org, monkeypatch):
    # given: the contacts service refuses the second contact
    from django.core.exceptions import ValidationError

    from tandem.clients import services

    real = services.contacts_create_bulk

    def refusing(*, actor, items):  # type: ignore[no-untyped-def]
        for index, (_client, data) in enumerate(items):
            if data["full_name"] == "Сидоров Олег":
                raise services.BulkRowInvalid(index, ValidationError({"full_name": "отказ"}))
        return real(actor=actor, items=items)

    monkeypatch.setattr(services, "contacts_create_bulk", refusing)
    # when
    with pytest.raises(ImportFailed) as failure:
        importing.import_apply(actor=org.head.user, content=xlsx(GOOD_CLIENTS, GOOD_CONTACTS), file_name="a.xlsx")
    # then
    assert "строка 3" in failure.value.messages[0]
    assert Client.objects.count() == 2  # only the org's clients
    assert not Contact.objects.exists() and not SourceKey.objects.exists() and not ImportRecord.objects.exists()


def test_bitrix24_export_is_mapped_and_imported(org):
    # given
    companies = (DATA / "bitrix24_companies.csv").read_bytes()
    contacts = (DATA / "bitrix24_contacts.csv").read_bytes()
    # when
    check = importing.import_check(actor=org.head.user, content=companies, file_name="company.csv")
    importing.import_apply(actor=org.head.user, content=companies, file_name="company.csv")
    report = importing.import_apply(actor=org.head.user, content=contacts, file_name="contact.csv")
    # then
    assert check.source == "bitrix24"
    assert {(m.column, m.field) for m in check.mapping} >= {
        ("Название компании", "legal_name"), ("ИНН", "inn"), ("Рабочий e-mail", "email"), ("Тип компании", "")}
    sever = Client.objects.get(inn="5001000002")
    assert (sever.legal_name, sever.kpp, sever.website) == (
        "ООО «Северный ветер»", "500101001", "https://sever.example")
    ivan = Contact.objects.get(email="ivan@sever.example")
    assert (ivan.full_name, ivan.client, ivan.phone, ivan.birthday) == (
        "Петров Иван Сергеевич", sever, "+74951234568", date(1985, 4, 12))
    assert report.created == 2


def test_amocrm_export_is_mapped_and_imported(org):
    # given
    companies = (DATA / "amocrm_companies.csv").read_bytes()
    contacts = (DATA / "amocrm_contacts.csv").read_bytes()
    # when
    importing.import_apply(actor=org.head.user, content=companies, file_name="companies.csv")
    report = importing.import_apply(actor=org.head.user, content=contacts, file_name="contacts.csv")
    again = importing.import_check(actor=org.head.user, content=companies, file_name="companies.csv")
    # then
    assert report.source == "amocrm"
    assert Client.objects.get(inn="5001000027").legal_name == 'ООО "Восток"'
    assert Contact.objects.get(email="petr@example.org").client.legal_name == "ИП Кузнецов"
    assert (again.created, again.updated, again.skipped) == (0, 0, 2)


@pytest.mark.parametrize("role", ["group_head", "am1", "finance", "spec1"])
def test_only_heads_and_admins_import(org, role):
    # when / then
    with pytest.raises(PermissionDenied):
        importing.import_apply(actor=org.by_role_name(role).user, content=xlsx(GOOD_CLIENTS, []), file_name="a.xlsx")
    assert Client.objects.count() == 2


def test_the_template_has_both_sheets_and_reads_back_empty(org):
    # when
    book = load_workbook(io.BytesIO(importing.template_xlsx()))
    report = importing.import_check(actor=org.admin.user, content=importing.template_xlsx(), file_name="t.xlsx")
    # then
    assert book.sheetnames == [CLIENTS_SHEET, CONTACTS_SHEET]
    assert [c.value for c in book[CLIENTS_SHEET][1]][:2] == ["Код", "Юридическое название"]
    assert report.file_errors == ["В файле нет строк с данными."]


def test_an_unknown_crm_responsible_is_a_note_not_an_error(org):
    # given: an amoCRM export naming a CRM user who is not an employee
    content = (DATA / "amocrm_companies.csv").read_bytes().replace(
        "Екатеринбург,,".encode(), "Екатеринбург,Менеджер Продаж,".encode())
    # when
    report = importing.import_check(actor=org.head.user, content=content, file_name="companies.csv")
    # then
    row = by_line(report, CLIENTS_SHEET, 2)
    assert row.action == "create" and "Менеджер Продаж" in row.reasons[0] and report.errors == 0
