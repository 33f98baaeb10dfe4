"""The EnterpriseData writer against the subset schema: what we write validates, and the schema
refuses the mistakes it exists to catch (so the check can fail). No database."""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal

import pytest
from lxml import etree

from tandem.integrations import onec as xml
from tandem.testing.onec import schema_errors

NS = {"msg": xml.MESSAGE_NS, "d": xml.format_ns()}
D = Decimal
ORG = xml.Party(ref=xml.stable_ref("agency", 1), name='ООО "Тандем"', full_name='ООО "Тандем"',
                inn="7707083893", kpp="770701001")
COMPANY = xml.Party(ref=xml.stable_ref("client", 1, 1), name="ООО Ромашка", full_name="ООО Ромашка",
                    inn="7702070139", kpp="7702AB001")
PERSON = xml.Party(ref=xml.stable_ref("client", 1, 2), name="ИП Петров", full_name="ИП Петров Пётр Петрович",
                   inn="500100732259")
NO_INN = xml.Party(ref=xml.stable_ref("client", 1, 3), name="Foreign Ltd", full_name="Foreign Ltd")


def doc(kind: str, pk: int, counterparty: xml.Party, rate: Decimal | None, **extra: object) -> xml.Document:
    lines = [xml.Line("SEO-продвижение " * 10, D("1"), "усл.", D("100000.00"), D("100000.00"), D("0")),
             xml.Line("Доп. работы", D("6.5"), "ч", D("2500.00"), D("16250.00"), D("0"))]
    vat = D("0.00")
    if rate:
        vat = (D("116250.00") * rate / (100 + rate)).quantize(D("0.01"))
        lines[1] = xml.Line("Доп. работы", D("6.5"), "ч", D("2500.00"), D("16250.00"), vat)
    return xml.Document(kind=kind, ref=xml.stable_ref(kind, 1, pk), number=f"№{pk}", date=dt.date(2026, 2, pk),
                        counterparty=counterparty, total=D("116250.00"), vat_amount=vat, vat_rate=rate,
                        lines=lines, **extra)  # type: ignore[arg-type]


def message(*documents: xml.Document) -> bytes:
    return xml.enterprise_data_xml(organization=ORG, documents=documents,
                                   created_at=dt.datetime(2026, 3, 1, 9, 30, 15, 123456))


def every_kind() -> bytes:
    return message(
        doc(xml.INVOICE, 1, COMPANY, D("22.00"), contract="17"),
        doc(xml.INVOICE, 2, PERSON, D("20")),
        doc(xml.INVOICE, 3, NO_INN, D("10"), comment="Аннулирован: Дубль"),
        doc(xml.INVOICE, 4, COMPANY, D("0")),
        doc(xml.SALE, 5, COMPANY, None, contract="17"),
        doc(xml.SALE, 6, PERSON, D("22")),
    )


def test_the_schema_is_found_next_to_the_module_and_is_for_the_written_version():
    assert xml.SCHEMA_PATH.is_file()
    assert xml.SCHEMA_PATH.parent == xml.SCHEMA_DIR
    assert xml.FORMAT_VERSION.replace(".", "_") in xml.SCHEMA_PATH.name
    text = xml.SCHEMA_PATH.with_name("exchange_message_header.xsd").read_text(encoding="utf-8")
    assert f'fixed="{xml.format_ns()}"' in text
    # the top comment says the schema is our reading, not 1C's official XSD
    assert "not 1C's official" in xml.SCHEMA_PATH.read_text(encoding="utf-8")


def test_every_kind_of_document_and_party_validates():
    assert schema_errors(every_kind()) == []


def test_an_empty_export_validates():
    assert schema_errors(message()) == []


@pytest.mark.parametrize("rate", [D("22"), D("22.00"), D("20"), D("18"), D("10"), D("7"), D("5"), D("0"), None])
def test_vat_codes_tandem_writes_are_in_the_schema(rate):
    assert schema_errors(message(doc(xml.INVOICE, 1, COMPANY, rate))) == []


def broken(change) -> list[str]:  # type: ignore[no-untyped-def]
    root = etree.fromstring(every_kind())
    assert schema_errors(root) == []
    change(root)
    return schema_errors(root)


def first(root: etree._Element, path: str) -> etree._Element:
    found = root.find(path, NS)
    assert found is not None, path
    return found


def remove(root: etree._Element, path: str) -> None:
    el = first(root, path)
    el.getparent().remove(el)


def set_text(path: str, text: str):  # type: ignore[no-untyped-def]
    def change(root: etree._Element) -> None:
        first(root, path).text = text
    return change


INVOICE = "d:Body/d:Документ.СчетНаОплатуПокупателю"
SALE = "d:Body/d:Документ.РеализацияТоваровУслуг"
PARTY = "d:Body/d:Справочник.Контрагенты/d:КлючевыеСвойства"


@pytest.mark.parametrize(("change", "complaint"), [
    (lambda r: remove(r, f"{INVOICE}/d:КлючевыеСвойства"), "Валюта"),
    (lambda r: remove(r, f"{SALE}/d:КлючевыеСвойства/d:Ссылка"), "Дата"),
    (lambda r: remove(r, "d:Body/d:Справочник.Контрагенты/d:КлючевыеСвойства"), "Справочник.Контрагенты"),
    (set_text(f"{INVOICE}/d:Сумма", "116250.125"), "fractionDigits"),
    (set_text(f"{INVOICE}/d:Услуги/d:Строка/d:СуммаНДС", "1.5E3"), "СуммаНДС"),
    (set_text(f"{SALE}/d:Сумма", "1234567890123456.00"), "totalDigits"),
    (set_text(f"{PARTY}/d:ИНН", "77020701"), "ИНН"),
    (set_text(f"{PARTY}/d:ИНН", "77020701391"), "ИНН"),
    (set_text(f"{PARTY}/d:КПП", "77020100"), "КПП"),
    (set_text(f"{INVOICE}/d:СтавкаНДС", "НДС12_5"), "СтавкаНДС"),
    (set_text(f"{INVOICE}/d:КлючевыеСвойства/d:Ссылка", "not-a-uuid"), "Ссылка"),
    (set_text(f"{INVOICE}/d:КлючевыеСвойства/d:Дата", "2026-02-01"), "Дата"),
    (set_text(f"{INVOICE}/d:КлючевыеСвойства/d:Организация/d:Наименование", "x" * 101), "Наименование"),
    (set_text("msg:Header/msg:Format", xml.format_ns("1.16")), "Format"),
    # a document whose counterparty is not a catalogue item of the message
    (set_text(f"{SALE}/d:Контрагент/d:Ссылка", xml.stable_ref("nobody")), "КонтрагентДокумента"),
], ids=["no-keys", "no-ref", "party-no-keys", "three-decimals", "float", "too-long", "inn-8", "inn-11",
        "kpp-8", "vat-code", "ref", "date", "name-101", "format-version", "dangling-counterparty"])
def test_broken_messages_are_refused(change, complaint):
    errors = broken(change)
    assert errors, "the schema accepted a broken message"
    assert any(complaint in e for e in errors), errors


def test_wrong_order_and_unknown_elements_are_refused():
    def swap(root: etree._Element) -> None:
        invoice = first(root, INVOICE)
        total = first(invoice, "d:Сумма")
        invoice.remove(total)
        invoice.append(total)

    def extra(root: etree._Element) -> None:
        etree.SubElement(first(root, INVOICE), f"{{{xml.format_ns()}}}Склад").text = "Основной"

    def party_after_documents(root: etree._Element) -> None:
        body = first(root, "d:Body")
        party = first(body, "d:Справочник.Контрагенты")
        body.append(copy.deepcopy(party))

    for change in (swap, extra, party_after_documents):
        assert broken(change), change.__name__
