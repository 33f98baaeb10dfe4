"""A head moves clients in from a spreadsheet: upload, read the dry-run report, fix a row, import, see the clients."""

from __future__ import annotations

import pytest
from openpyxl import Workbook

from tandem.testing.browser import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _file(path, inn: str) -> str:  # type: ignore[no-untyped-def]
    book = Workbook()
    ws = book.active
    ws.title = "Клиенты"
    ws.append(["Код", "Юридическое название", "Бренд", "ИНН"])
    ws.append(["C1", "ООО «Ромашка»", "Ромашка", inn])
    contacts = book.create_sheet("Контакты")
    contacts.append(["Код клиента", "ФИО", "E-mail"])
    contacts.append(["C1", "Иванова Мария", "maria@romashka.example"])
    book.save(path)
    return str(path)


def test_head_fixes_a_row_imports_and_sees_the_clients(live_server, browser_page, org, tmp_path):
    page = browser_page
    login(page, live_server, "head")
    page.goto(f"{live_server.url}/settings/import/")

    # a file with a wrong INN: the dry run shows the row and offers no import
    page.set_input_files("input[name=file]", _file(tmp_path / "bad.xlsx", "7712345678"))
    page.click("main button[type=submit]")
    page.wait_for_selector("#import-rows")
    assert "контрольная сумма" in page.locator("#import-rows").inner_text()
    assert page.locator("form button:has-text('Импортировать')").count() == 0

    # the corrected file: checked, then imported
    page.click("text=Загрузить исправленный файл")
    page.set_input_files("input[name=file]", _file(tmp_path / "good.xlsx", "5001000002"))
    page.click("main button[type=submit]")
    page.wait_for_selector("#import-rows")
    assert "будет создан" in page.locator("#import-rows").inner_text()
    page.click("form button:has-text('Импортировать')")
    page.wait_for_selector("text=Импорт завершён: создано 2")

    page.click("text=К списку клиентов")
    page.wait_for_load_state("networkidle")
    assert "Ромашка" in page.locator("table.clients").inner_text()
