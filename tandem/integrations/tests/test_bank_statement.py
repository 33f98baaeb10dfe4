"""The 1CClientBankExchange parser against the real public sample files (see data/BANK_FILES_PROVENANCE.md)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from tandem.integrations.bank_statement import (
    INCOMING,
    OUTGOING,
    StatementFormatError,
    decode_statement,
    extract_invoice_refs,
    inn_problem,
    parse_amount,
    parse_statement,
)

DATA = Path(__file__).parent / "data"


def _read(name: str) -> bytes:
    return (DATA / name).read_bytes()


@pytest.mark.parametrize("name", ["kilylabs_one_day_cp1251.txt", "kilylabs_one_day_utf8.txt"])
def test_kilylabs_has_three_incoming_totalling_40000(name):
    statement = parse_statement(_read(name))

    own = statement.own_accounts()
    incoming = [d for d in statement.documents if d.direction(own) == INCOMING and not d.is_bank_fee]

    assert len(statement.documents) == 13
    assert own == {"40702810200000000001"}
    assert len(incoming) == 3
    assert sum(d.amount for d in incoming) == Decimal("40000.00")
    assert statement.sections[0].total_in == Decimal("40000.00")
    assert all(d.date_received for d in incoming)


def test_utf8_file_with_lying_label_is_decoded_by_content():
    raw = _read("kilylabs_one_day_utf8.txt")

    text, encoding = decode_statement(raw)
    statement = parse_statement(raw)

    assert "Кодировка=Windows" in text
    assert encoding == "utf-8"
    assert statement.encoding == "utf-8"
    assert statement.documents[0].kind == "Банковский ордер"


def test_cp1251_and_utf8_copies_parse_to_the_same_documents():
    a = parse_statement(_read("kilylabs_one_day_cp1251.txt"))
    b = parse_statement(_read("kilylabs_one_day_utf8.txt"))

    assert a.encoding == "cp1251"
    assert [d.key for d in a.documents] == [d.key for d in b.documents]


def test_dronm_bank_fee_and_inn_warnings_do_not_reject_the_file():
    statement = parse_statement(_read("dronm_clbnk_kl_to_1c.txt"))
    own = {"40702810267020000630"}

    fee, first, second = statement.documents

    assert statement.version == "1.03"
    assert fee.is_bank_fee and fee.kind == "Банковский ордер" and fee.payment_kind == "17"
    assert not first.is_bank_fee
    assert first.direction(own) == INCOMING and second.direction(own) == INCOMING
    assert first.amount == Decimal("13056.00") and second.amount == Decimal("150000.00")
    assert first.payer_inn == "7123456789" and first.payer_name == 'ООО "Рога и копыта"'
    assert any("13 симв" in w for w in first.warnings)
    assert any("контрольного" in w for w in first.warnings)
    assert statement.warnings  # reported, not raised


def test_direction_by_own_account():
    statement = parse_statement(_read("dronm_clbnk_kl_to_1c.txt"))
    second = statement.documents[2]

    assert second.direction({"40702810000000074935"}) == OUTGOING


def test_glued_inn_in_payer_name_is_used_when_inn_field_is_missing():
    raw = _read("dronm_clbnk_kl_to_1c.txt").decode("cp1251").replace("ПлательщикИНН=7123456789\r\n", "")

    doc = parse_statement(raw.encode("cp1251")).documents[1]

    assert doc.payer_inn == "7123456789"


@pytest.mark.parametrize(
    ("broken", "line", "fragment"),
    [
        (lambda t: t.replace("Сумма=13056.00", "Сумма=13 056,00 руб"), 89, "Сумма"),
        (lambda t: t.replace("Дата=09.01.2024", "Дата=2024-01-09"), 88, "Дата"),
        (lambda t: t.replace("КонецФайла", ""), None, "КонецФайла"),
        (lambda t: t.replace("ВидОплаты=01\r\n", "ВидОплаты 01\r\n", 1), None, "Ключ=Значение"),
        (lambda t: t.replace("1CClientBankExchange", "Hello"), 1, "1CClientBankExchange"),
    ],
)
def test_malformed_file_error_names_the_line(broken, line, fragment):
    text = broken(_read("dronm_clbnk_kl_to_1c.txt").decode("cp1251"))

    with pytest.raises(StatementFormatError) as info:
        parse_statement(text.encode("cp1251"))

    assert fragment in str(info.value)
    assert str(info.value).startswith("Строка ")
    if line is not None:
        assert info.value.line == line


def test_unclosed_document_names_its_start_line():
    text = _read("dronm_clbnk_kl_to_1c.txt").decode("cp1251")
    text = text.replace("КонецДокумента", "", 1)

    with pytest.raises(StatementFormatError) as info:
        parse_statement(text.encode("cp1251"))

    assert info.value.line == 86  # the next section starts while the first is still open


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("3 416.95", "3416.95"), ("25000-00", "25000.00"), ("40000", "40000.00"), ("1234,5", "1234.50"),
     ("3\u00a0416.95", "3416.95")],
)
def test_parse_amount(raw, expected):
    assert parse_amount(raw) == Decimal(expected)


@pytest.mark.parametrize("raw", ["", "abc", "1.234", "12-3", "-5"])
def test_parse_amount_refuses_garbage(raw):
    with pytest.raises(ValueError):
        parse_amount(raw)


@pytest.mark.parametrize(
    ("purpose", "refs"),
    [
        ("Оплата по счету № 198 от 01.02.2026, в т.ч. НДС 22% - 3 416.95", ["198"]),
        ("Оплата сч.198, 199 за услуги", ["198", "199"]),
        ("Оплата N198 от 03.03.2026", ["198"]),
        ("Оплата по INV-2026-0012 за март. Сумма 25000-00", ["INV-2026-0012"]),
        ("Оплата по счетам 12 и 13", ["12", "13"]),
        ("Оплата по сч. 45/2026 за март", ["45/2026"]),
        ("Оплата стоимости пакета услуг за 2024 год", []),
        ("ИНН 7707083893 оплата", []),
    ],
)
def test_extract_invoice_refs(purpose, refs):
    assert extract_invoice_refs(purpose) == refs


@pytest.mark.parametrize(
    ("inn", "ok"),
    [("7707083893", True), ("7702070139", True), ("7712345678", False), ("7123456789012", False),
     ("500100732259", True), ("", True)],
)
def test_inn_problem(inn, ok):
    assert (inn_problem(inn) is None) is ok


# --- hostile files (issue 15): a StatementFormatError naming the line, never a crash ------------


def test_binary_garbage_is_refused_with_a_line():
    garbage = bytes(range(0x80, 0x100)) * 4  # 0x98 is no character in cp1251, and this is no UTF-8

    with pytest.raises(StatementFormatError) as info:
        parse_statement(garbage)

    assert info.value.line == 1 and "Строка 1" in str(info.value)


def test_utf8_file_cut_in_the_middle_of_a_character_names_the_last_line():
    data = _read("kilylabs_one_day_utf8.txt")
    cut = data[: data.index("ИНН".encode()) + 1]  # half of the two bytes of «И»

    with pytest.raises(StatementFormatError) as info:
        parse_statement(cut)

    assert info.value.line == cut.count(b"\n") + 1
    assert "посреди символа" in str(info.value)


def test_nul_byte_is_refused_on_its_line():
    text = _read("dronm_clbnk_kl_to_1c.txt").decode("cp1251").replace("Номер=", "Номер=\x00", 1)
    data = text.encode("cp1251")

    with pytest.raises(StatementFormatError) as info:
        parse_statement(data)

    assert info.value.line == data[: data.index(b"\x00")].count(b"\n") + 1
    assert "нулевой байт" in str(info.value)


@pytest.mark.parametrize("amount", ["1000000000000.00", "999999999999999"])
def test_amount_beyond_the_money_column_is_refused_on_its_line(amount):
    text = _read("dronm_clbnk_kl_to_1c.txt").decode("cp1251").replace("Сумма=13056.00", f"Сумма={amount}")

    with pytest.raises(StatementFormatError) as info:
        parse_statement(text.encode("cp1251"))

    assert info.value.line == 89 and "больше допустимой" in str(info.value)


@pytest.mark.parametrize("day", ["01.01.0001", "31.12.9999"])
def test_date_outside_the_century_is_refused_on_its_line(day):
    text = _read("dronm_clbnk_kl_to_1c.txt").decode("cp1251").replace("Дата=09.01.2024", f"Дата={day}")

    with pytest.raises(StatementFormatError) as info:
        parse_statement(text.encode("cp1251"))

    assert info.value.line == 88
