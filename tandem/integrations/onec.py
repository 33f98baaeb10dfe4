"""EnterpriseData XML («Универсальный формат обмена данными») for 1C:Бухгалтерия 8.3 (3.0).

Plain Python, no models: the caller passes dataclasses and gets the bytes of one exchange
message, which 1C reads through «Загрузка данных из файла» / «Синхронизация данных через
универсальный формат» (see docs/1C.md).

Rules of the format this writer keeps:
- root `Message` with the `msg:Header` (format namespace, creation date, available version)
  and a `Body` in the EnterpriseData namespace of that version;
- every object starts with `КлючевыеСвойства`; `Ссылка` is a UUID that stays the same for the
  same object across exports, so 1C updates the object it loaded before instead of adding one;
- counterparties (`Справочник.Контрагенты`) are written once per INN/KPP pair;
- invoices are `Документ.СчетНаОплатуПокупателю`, acts of services `Документ.РеализацияТоваровУслуг`
  (operation «РеализацияУслуг», table `Услуги`);
- amounts are Decimal strings with two decimals, dates ISO (`YYYY-MM-DDT00:00:00`),
  VAT rate per document: «НДС22», «НДС20», «НДС10», … or «БезНДС».

`SCHEMA_PATH` is an XML Schema of exactly this subset (schemas/enterprise_data_1_17_subset.xsd,
packaged with the module); the tests validate every kind of file we write against it. It is
our reading of the format, not 1C's official XSD (see its top comment and docs/1C.md).
"""

from __future__ import annotations

import datetime as dt
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

FORMAT_VERSION = "1.17"
MESSAGE_NS = "http://www.1c.ru/SSL/Exchange/Message"
XS_NS = "http://www.w3.org/2001/XMLSchema"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
UUID_NAMESPACE = uuid.UUID("6f1c2a3e-9d4b-4c55-8a61-1c0e5d7a2b90")

INVOICE = "Документ.СчетНаОплатуПокупателю"
SALE = "Документ.РеализацияТоваровУслуг"
COUNTERPARTY = "Справочник.Контрагенты"

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"
SCHEMA_PATH = SCHEMA_DIR / f"enterprise_data_{FORMAT_VERSION.replace('.', '_')}_subset.xsd"
"""The entry point of the subset schema: validates a whole message (envelope, header, body)."""


def format_ns(version: str = FORMAT_VERSION) -> str:
    return f"http://v8.1c.ru/edi/edi_stnd/EnterpriseData/{version}"


def stable_ref(*parts: object) -> str:
    """A UUID derived from the parts (e.g. agency id, kind, object id): the same for every export."""
    return str(uuid.uuid5(UUID_NAMESPACE, "/".join(str(p) for p in parts)))


def vat_rate_code(rate: Decimal | None) -> str:
    """«БезНДС» without VAT, else «НДС<percent>» (22 % from 2026 → «НДС22», 20 % → «НДС20»)."""
    if rate is None:
        return "БезНДС"
    return f"НДС{rate.normalize():f}".replace(".", "_")


def money(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01')):f}"


def qty(value: Decimal) -> str:
    text = f"{value.quantize(Decimal('0.001')):f}".rstrip("0").rstrip(".")
    return text or "0"


@dataclass(frozen=True)
class Party:
    """A legal entity (the agency as Организация or a client as Контрагент)."""

    ref: str
    name: str
    full_name: str
    inn: str = ""
    kpp: str = ""

    @property
    def dedup_key(self) -> tuple[str, str]:
        return (self.inn, self.kpp) if self.inn else (self.ref, "")

    @property
    def is_person(self) -> bool:
        # INN-12 belongs to an individual (ИП), INN-10 to a company.
        return len(self.inn) == 12


@dataclass(frozen=True)
class Line:
    name: str
    quantity: Decimal
    unit: str
    price: Decimal
    amount: Decimal
    vat_amount: Decimal


@dataclass(frozen=True)
class Document:
    """An invoice (kind INVOICE) or an act of services (kind SALE); amounts include VAT."""

    kind: str
    ref: str
    number: str
    date: dt.date
    counterparty: Party
    total: Decimal
    vat_amount: Decimal
    vat_rate: Decimal | None
    lines: Sequence[Line] = field(default_factory=tuple)
    comment: str = ""
    contract: str = ""


def _sub(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
    el = ET.SubElement(parent, tag)
    if text is not None:
        el.text = text
    return el


def _party_keys(parent: ET.Element, party: Party) -> None:
    _sub(parent, "Ссылка", party.ref)
    _sub(parent, "Наименование", party.name)
    _sub(parent, "НаименованиеПолное", party.full_name)
    if party.inn:
        _sub(parent, "ИНН", party.inn)
    if party.kpp:
        _sub(parent, "КПП", party.kpp)
    _sub(parent, "ЮридическоеФизическоеЛицо", "ФизическоеЛицо" if party.is_person else "ЮридическоеЛицо")


def _iso(day: dt.date) -> str:
    return f"{day.isoformat()}T00:00:00"


def _document(body: ET.Element, doc: Document, organization: Party) -> None:
    el = _sub(body, doc.kind)
    keys = _sub(el, "КлючевыеСвойства")
    _sub(keys, "Ссылка", doc.ref)
    _sub(keys, "Дата", _iso(doc.date))
    _sub(keys, "Номер", doc.number)
    _party_keys(_sub(keys, "Организация"), organization)
    if doc.kind == SALE:
        _sub(el, "ВидОперации", "РеализацияУслуг")
    currency = _sub(el, "Валюта")
    _sub(currency, "Код", "643")
    _sub(currency, "Наименование", "руб.")
    _sub(el, "Сумма", money(doc.total))
    _party_keys(_sub(el, "Контрагент"), doc.counterparty)
    _sub(el, "СуммаВключаетНДС", "true")
    _sub(el, "СтавкаНДС", vat_rate_code(doc.vat_rate))
    _sub(el, "СуммаНДС", money(doc.vat_amount))
    services = _sub(el, "Услуги")
    for line in doc.lines:
        row = _sub(services, "Строка")
        item = _sub(row, "Номенклатура")
        _sub(item, "Ссылка", stable_ref("service", line.name))
        _sub(item, "Наименование", line.name[:100])
        _sub(item, "НаименованиеПолное", line.name)
        _sub(item, "ЭтоУслуга", "true")
        _sub(row, "Содержание", line.name)
        _sub(row, "Количество", qty(line.quantity))
        _sub(row, "ЕдиницаИзмерения", line.unit)
        _sub(row, "Цена", money(line.price))
        _sub(row, "Сумма", money(line.amount))
        _sub(row, "СтавкаНДС", vat_rate_code(doc.vat_rate))
        _sub(row, "СуммаНДС", money(line.vat_amount))
    if doc.contract:
        _sub(el, "Договор", doc.contract)
    if doc.comment:
        _sub(el, "Комментарий", doc.comment)


def counterparties_of(documents: Iterable[Document]) -> list[Party]:
    """The documents' counterparties, each INN/KPP pair once, in order of first appearance."""
    seen: dict[tuple[str, str], Party] = {}
    for doc in documents:
        seen.setdefault(doc.counterparty.dedup_key, doc.counterparty)
    return list(seen.values())


def enterprise_data_xml(
    *, organization: Party, documents: Sequence[Document], created_at: dt.datetime, version: str = FORMAT_VERSION
) -> bytes:
    """One EnterpriseData message: the counterparties first (deduplicated by INN/KPP), then the
    documents. A document's counterparty is written with the reference of the first party that
    has the same INN/KPP, so that 1C links every document to one catalogue item."""
    ET.register_namespace("msg", MESSAGE_NS)
    ET.register_namespace("xs", XS_NS)
    ET.register_namespace("xsi", XSI_NS)
    ns = format_ns(version)
    root = ET.Element("Message")
    header = ET.SubElement(root, f"{{{MESSAGE_NS}}}Header")
    _sub(header, f"{{{MESSAGE_NS}}}Format", ns)
    _sub(header, f"{{{MESSAGE_NS}}}CreationDate", created_at.replace(microsecond=0, tzinfo=None).isoformat())
    _sub(header, f"{{{MESSAGE_NS}}}AvailableVersion", version)
    body = ET.SubElement(root, "Body", {"xmlns": ns})
    parties = counterparties_of(documents)
    canonical = {p.dedup_key: p for p in parties}
    for party in parties:
        item = _sub(body, COUNTERPARTY)
        _party_keys(_sub(item, "КлючевыеСвойства"), party)
    for doc in documents:
        party = canonical[doc.counterparty.dedup_key]
        _document(body, Document(**{**doc.__dict__, "counterparty": party}), organization)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
