"""The whole-agency import: every sheet of the template, dated history, idempotency, bad rows."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from tandem.billing.models import Invoice, Payment
from tandem.clients.importing import ImportFailed
from tandem.clients.models import Client, ImportRecord, SourceKey
from tandem.comms.models import Interaction
from tandem.contracts.models import Contract, ContractStatusChange
from tandem.contracts.tests.factories import ServiceFactory, VatRateFactory
from tandem.core.errors import PermissionDenied
from tandem.growth.models import Opportunity
from tandem.imports import services
from tandem.org.models import Employee

SHEETS: dict[str, list[list[Any]]] = {
    "Сотрудники": [
        ["Логин", "ФИО", "Роль", "Группа", "Грейд", "Ёмкость, ч/мес", "E-mail"],
        ["anna", "Новикова Анна", "Аккаунт-менеджер", "SEO 1", "Middle", "140", "anna@agency.example"],
    ],
    "Клиенты": [
        ["Код", "Юридическое название", "ИНН", "Статус", "Аккаунт-менеджер", "В работе с"],
        ["C1", "ООО «Ромашка»", "5001000002", "Активный", "Новикова Анна", "01.02.2024"],
    ],
    "Контакты": [
        ["Код", "Код клиента", "ФИО", "E-mail"],
        ["P1", "C1", "Иванова Мария", "maria@romashka.example"],
    ],
    "Договоры": [
        ["Номер", "Клиент", "Дата", "Начало", "Статус", "НДС", "Срок оплаты, дней"],
        ["Д-7", "C1", "01.02.2024", "01.02.2024", "Подписан", "С НДС", "10"],
    ],
    "Строки договоров": [
        ["Номер договора", "Услуга", "Модель оплаты", "Сумма", "Часов в месяц"],
        ["Д-7", "SEO-продвижение", "Ежемесячный абонемент", "50000", "20"],
    ],
    "Счета": [
        ["Номер", "Дата", "Оплатить до", "Клиент", "Договор", "Наименование", "Сумма", "В т. ч. НДС"],
        ["СЧ-101", "01.10.2026", "11.10.2026", "C1", "Д-7", "SEO за сентябрь", "61000", "11000"],
    ],
    "Платежи": [
        ["Код", "Дата", "Сумма", "ИНН плательщика", "Плательщик", "Номер п/п", "Счета"],
        ["PAY1", "05.10.2026", "30000", "5001000002", "ООО «Ромашка»", "77", "СЧ-101"],
    ],
    "Взаимодействия": [
        ["Код", "Клиент", "Контакт", "Вид", "Канал", "Когда", "О чём", "Автор"],
        ["I1", "C1", "Иванова Мария", "Звонок", "Телефон", "02.10.2026 11:30", "Обсудили план на квартал",
         "Новикова Анна"],
    ],
}


def xlsx(sheets: dict[str, list[list[Any]]]) -> bytes:
    book = Workbook()
    first = True
    for name, rows in sheets.items():
        ws = book.active if first else book.create_sheet()
        assert ws is not None
        ws.title = name
        for row in rows:
            ws.append(row)
        first = False
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def changed(**edits: tuple[int, int, Any]) -> dict[str, list[list[Any]]]:
    """SHEETS with cell edits: sheet name (underscores for spaces) → (row, column, value)."""
    sheets = {name: [list(r) for r in rows] for name, rows in SHEETS.items()}
    for name, (row, col, value) in edits.items():
        sheets[name.replace("_", " ")][row][col] = value
    return sheets


@pytest.fixture
def agency(org):
    ServiceFactory.create(agency=org.agency, name="SEO-продвижение")
    VatRateFactory.create(agency=org.agency, valid_from=date(2019, 1, 1), rate_percent=Decimal("22.00"))
    return org


def row_of(report: services.ImportReport, sheet: str, line: int = 2) -> Any:
    return next(r for r in report.rows if r.sheet == sheet and r.line == line)


def test_every_sheet_is_imported_with_its_dates_and_a_second_run_changes_nothing(agency):
    org = agency
    content = xlsx(SHEETS)
    # when: the dry run
    check = services.import_check(actor=org.head.user, content=content, file_name="agency.xlsx")
    # then: every sheet planned, nothing written
    assert {(r.sheet, r.action) for r in check.rows} == {
        (name, "create") for name in SHEETS if name != "Строки договоров"}
    assert not Employee.objects.filter(user__username="anna").exists()
    # when: the real run
    report = services.import_apply(actor=org.head.user, content=content, file_name="agency.xlsx")
    # then: the employee has no usable password (sets it through the password reset)
    anna = Employee.objects.select_related("user", "group").get(user__username="anna")
    assert (anna.full_name, anna.role, anna.group, anna.monthly_capacity_hours) == (
        "Новикова Анна", "account_manager", org.seo1, 140)
    assert not anna.user.has_usable_password()
    # the client is served by the new AM since the file's date
    client = Client.objects.get(inn="5001000002")
    assert (client.account_manager, client.served_since) == (anna, date(2024, 2, 1))
    # the contract is signed on its own date, without projects
    contract = Contract.objects.get(number="Д-7")
    assert (contract.status, contract.client, contract.payment_terms_days) == ("signed", client, 10)
    assert ContractStatusChange.objects.get(contract=contract, to_status="signed").effective_date == date(2024, 2, 1)
    assert contract.lines.get().amount == Decimal("50000")
    # the invoice keeps its number and dates; the payment is allocated by the matching rules
    invoice = Invoice.objects.get(number="СЧ-101")
    assert (invoice.status, invoice.date, invoice.due_date, invoice.total) == (
        "partly_paid", date(2026, 10, 1), date(2026, 10, 11), Decimal("61000.00"))
    payment = Payment.objects.get(number="77")
    assert (payment.date, payment.client, payment.allocated_amount) == (date(2026, 10, 5), client, Decimal("30000"))
    assert invoice.paid_amount == Decimal("30000")
    interaction = Interaction.objects.get()
    assert timezone.localtime(interaction.occurred_at).strftime("%d.%m.%Y %H:%M") == "02.10.2026 11:30"
    assert list(interaction.employees.all()) == [anna]
    assert [c.full_name for c in interaction.contacts.all()] == ["Иванова Мария"]
    assert report.created == 7 and SourceKey.objects.count() == 7
    # when: the same file again
    again = services.import_apply(actor=org.head.user, content=content, file_name="agency.xlsx")
    # then: nothing changes
    assert (again.created, again.updated, again.skipped, again.errors) == (0, 0, 7, 0)
    assert (Employee.objects.filter(user__username="anna").count(), Contract.objects.count(), Invoice.objects.filter(
        number="СЧ-101").count(), Payment.objects.count(), Interaction.objects.count()) == (1, 1, 1, 1, 1)


def test_a_corrected_file_updates_only_what_changed_and_says_why_history_is_kept(agency):
    org = agency
    services.import_apply(actor=org.head.user, content=xlsx(SHEETS), file_name="agency.xlsx")
    # when: the interaction's summary, the employee's grade and the invoice's amount are corrected
    content = xlsx(changed(Взаимодействия=(1, 6, "Обсудили план на год"), Сотрудники=(1, 4, "Senior"),
                           Счета=(1, 6, "40000")))
    report = services.import_apply(actor=org.head.user, content=content, file_name="agency.xlsx")
    # then
    assert (report.created, report.updated) == (0, 2)
    assert row_of(report, "Взаимодействия").action == "update"
    assert Interaction.objects.get().summary == "Обсудили план на год"
    assert Employee.objects.get(user__username="anna").grade == "senior"
    invoice_row = row_of(report, "Счета")
    assert invoice_row.action == "skip" and "уже выставлен" in invoice_row.reasons[0]
    assert Invoice.objects.get(number="СЧ-101").total == Decimal("61000.00")


def test_bad_rows_are_reported_by_sheet_and_line_and_nothing_is_written(agency):
    org = agency
    sheets = changed(
        Сотрудники=(1, 2, "Космонавт"),                 # no such role
        Договоры=(1, 1, "НЕТ"),                         # unknown client
        Строки_договоров=(1, 1, "Неизвестная услуга"),  # not in the catalogue
        Счета=(1, 1, "31.02.2026"),                     # no such date
        Платежи=(1, 6, "СЧ-999"),                       # unknown invoice
        Взаимодействия=(1, 7, "Кто-то Другой"),          # unknown author
    )
    sheets["Платежи"].append(["PAY2", "06.10.2026", "10", "7712345678", "", "", ""])  # bad INN
    employees_before = Employee.objects.count()
    # when
    report = services.import_check(actor=org.head.user, content=xlsx(sheets), file_name="bad.xlsx")
    # then
    assert "Роль «Космонавт»" in row_of(report, "Сотрудники").reasons[0]
    contract_reasons = " ".join(row_of(report, "Договоры").reasons)
    assert "«НЕТ» не найден" in contract_reasons and "Неизвестная услуга" in contract_reasons
    assert row_of(report, "Строки договоров").action == "error"
    # (the client's AM is on the bad employee row, so the client row and the rows naming it fail too)
    assert "Новикова Анна" in row_of(report, "Клиенты").reasons[0]
    assert "31.02.2026" in " ".join(row_of(report, "Счета").reasons)
    assert "СЧ-999" in row_of(report, "Платежи").reasons[0]
    assert "контрольная сумма" in row_of(report, "Платежи", 3).reasons[0]
    assert "Кто-то Другой" in " ".join(row_of(report, "Взаимодействия").reasons)
    # and the real run refuses the whole file
    with pytest.raises(ImportFailed):
        services.import_apply(actor=org.head.user, content=xlsx(sheets), file_name="bad.xlsx")
    assert Employee.objects.count() == employees_before
    assert not Client.objects.filter(inn="5001000002").exists()
    assert not Contract.objects.exists() and not Payment.objects.exists() and not ImportRecord.objects.exists()


def test_a_service_refusal_during_the_real_run_rolls_everything_back(agency):
    # given: no VAT rate for 2026 invoices under a VAT contract is only found by billing's service
    org = agency
    org.agency.vat_rates.all().delete()
    # when / then
    with pytest.raises(ImportFailed, match="Счета"):
        services.import_apply(actor=org.head.user, content=xlsx(SHEETS), file_name="agency.xlsx")
    assert not Employee.objects.filter(user__username="anna").exists() and not Contract.objects.exists()


@pytest.mark.parametrize("role", ["am1", "group_head", "finance", "spec1"])
def test_only_heads_and_admins_import(agency, role):
    with pytest.raises(PermissionDenied):
        services.import_check(actor=agency.by_role_name(role).user, content=xlsx(SHEETS), file_name="a.xlsx")


def test_the_template_has_every_sheet():
    book = load_workbook(io.BytesIO(services.template_xlsx()))
    assert book.sheetnames == ["Сотрудники", "Клиенты", "Контакты", "Договоры", "Строки договоров", "Счета",
                               "Платежи", "Взаимодействия"]
    assert [c.value for c in book["Счета"][1]][:3] == ["Номер", "Дата", "Оплатить до"]


CLIENT_DATA = Path(__file__).resolve().parents[2] / "clients" / "tests" / "data"
DATA = Path(__file__).parent / "data"


def test_bitrix24_deals_become_growth_opportunities_with_their_stages(agency):
    org = agency
    services.import_apply(actor=org.head.user, content=(CLIENT_DATA / "bitrix24_companies.csv").read_bytes(),
                          file_name="companies.csv")
    content = (DATA / "bitrix24_deals.csv").read_bytes()
    # when
    check = services.import_check(actor=org.head.user, content=content, file_name="deals.csv")
    report = services.import_apply(actor=org.head.user, content=content, file_name="deals.csv")
    # then
    assert check.source == "bitrix24" and report.created == 4
    assert "Моя стадия" in row_of(check, "Сделки", 5).reasons[0]
    by_title = {o.notes.split("\n")[0]: o for o in Opportunity.objects.select_related("client", "owner")}
    first = by_title["Контекст для «Северного ветра»"]
    assert (first.stage, first.monthly_value, first.owner, first.client.inn) == (
        "offered", Decimal("80000"), org.am1, "5001000002")
    assert (by_title["SEO-продвижение, расширение"].stage, by_title["Аудит сайта"].stage,
            by_title["Что-то своё"].stage) == ("won", "lost", "idea")
    assert by_title["SEO-продвижение, расширение"].service.name == "SEO-продвижение"
    # when: again
    again = services.import_apply(actor=org.head.user, content=content, file_name="deals.csv")
    # then
    assert (again.created, again.updated, again.skipped) == (0, 0, 4) and Opportunity.objects.count() == 4


def test_amocrm_leads_become_growth_opportunities(agency):
    org = agency
    services.import_apply(actor=org.head.user, content=(CLIENT_DATA / "amocrm_companies.csv").read_bytes(),
                          file_name="companies.csv")
    # when
    report = services.import_apply(actor=org.head.user, content=(DATA / "amocrm_leads.csv").read_bytes(),
                                   file_name="leads.csv")
    # then
    assert report.source == "amocrm" and report.created == 2
    assert sorted(Opportunity.objects.values_list("stage", "monthly_value")) == [
        ("offered", Decimal("60000.00")), ("won", Decimal("30000.00"))]


def test_deals_of_unknown_companies_are_errors(agency):
    content = "ID;Название сделки;Стадия сделки;Сумма;Компания\n1;Сделка;Новая;10;ООО «Нет такой»\n".encode()
    report = services.import_check(actor=agency.head.user, content=content, file_name="deals.csv")
    assert "не найдена в Тандеме" in row_of(report, "Сделки").reasons[0]


def test_the_sample_file_offered_by_the_wizard_imports_cleanly(agency):
    content = services.template_xlsx(sample=True)
    report = services.import_apply(actor=agency.head.user, content=content, file_name="sample.xlsx")
    assert (report.errors, report.created) == (0, 7)
    assert Invoice.objects.get(number="СЧ-0777").paid_amount == Decimal("40000")


def test_a_queued_import_runs_as_a_job_and_reports_its_progress(agency, django_capture_on_commit_callbacks):
    from tandem.clients.models import JobStatus
    from tandem.imports import jobs

    record = services.import_stage(actor=agency.head.user, content=xlsx(SHEETS), file_name="agency.xlsx")
    assert jobs.progress_of(record)["status"] == ""
    # when: queued (without a broker the job runs in-process once the transaction commits)
    with django_capture_on_commit_callbacks(execute=True):
        jobs.import_enqueue(actor=agency.head.user, record=record)
    # then
    record.refresh_from_db()
    assert (record.job_status, record.applied_at is not None) == (JobStatus.DONE, True)
    assert jobs.progress_of(record)["percent"] == 100 and Contract.objects.filter(number="Д-7").exists()
    # and a second attempt is refused
    with pytest.raises(ImportFailed):
        jobs.import_enqueue(actor=agency.head.user, record=record)


def test_a_failing_job_records_why_and_writes_nothing(agency, django_capture_on_commit_callbacks):
    from tandem.clients.models import JobStatus
    from tandem.imports import jobs

    record = services.import_stage(actor=agency.head.user, content=xlsx(SHEETS), file_name="agency.xlsx")
    agency.agency.vat_rates.all().delete()  # billing refuses the invoice during the real run
    with django_capture_on_commit_callbacks(execute=True):
        jobs.import_enqueue(actor=agency.head.user, record=record)
    record.refresh_from_db()
    assert record.job_status == JobStatus.FAILED and "Счета" in record.job_error
    assert record.applied_at is None and not Contract.objects.exists()


def test_imported_history_shows_in_receivables_aging_for_the_past(agency):
    # given: the invoice of 01.10.2026, due 11.10.2026, 30,000 of 61,000 paid on 05.10.2026
    from tandem.billing import selectors as billing_selectors

    services.import_apply(actor=agency.head.user, content=xlsx(SHEETS), file_name="agency.xlsx")
    # when: aging on 20.11.2026 — 40 days past due
    aging = billing_selectors.receivables_aging(actor=agency.head.user, by="agency", today=date(2026, 11, 20))
    # then: the rest sits in 31–60 days, and the report reconciles with the payment
    assert aging.totals.buckets["d31_60"] == Decimal("31000.00")
    assert aging.reconciles
    # and on 15.10.2026 it was 1–30 days overdue
    earlier = billing_selectors.receivables_aging(actor=agency.head.user, by="agency", today=date(2026, 10, 15))
    assert earlier.totals.buckets["d1_30"] == Decimal("31000.00")


def test_imported_history_counts_for_the_ams_plan_of_that_month(agency):
    # given: the imported client served by the imported AM since 2024, and its payment of 05.10.2026
    from tandem.billing import selectors as billing_selectors

    services.import_apply(actor=agency.head.user, content=xlsx(SHEETS), file_name="agency.xlsx")
    anna = Employee.objects.get(user__username="anna")
    # when: October 2026's plan fulfilment is read
    october = billing_selectors.plan_fulfilment(actor=agency.head.user, employee=anna, month=date(2026, 10, 1))
    september = billing_selectors.plan_fulfilment(actor=agency.head.user, employee=anna, month=date(2026, 9, 1))
    # then: the payment is credited to her in October, not in the month of the import
    assert october.paid == Decimal("30000.00")
    assert september.paid == Decimal("0")
    assert Client.objects.get(inn="5001000002").served_since == date(2024, 2, 1)
