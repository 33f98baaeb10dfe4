"""Export of invoices and acts to 1C (EnterpriseData): the file read back, only new/changed, rights."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date
from decimal import Decimal

import pytest

from tandem.billing import services
from tandem.billing.models import OneCExport, OneCExportItem
from tandem.billing.onec import onec_export_create, onec_export_list
from tandem.billing.tests.helpers import issued_invoice
from tandem.clients.models import Client
from tandem.core.errors import PermissionDenied
from tandem.integrations import onec as xml

NS = {"msg": xml.MESSAGE_NS, "d": xml.format_ns()}
FEB = {"period_start": date(2026, 2, 1), "period_end": date(2026, 2, 28)}


def body_of(export: OneCExport) -> ET.Element:
    root = ET.fromstring(bytes(export.content))
    body = root.find("d:Body", NS)
    assert body is not None
    return body


@pytest.fixture
def feb(money):
    """Two issued invoices of client_a (22 % VAT, same INN) and one of client_b («Без НДС»), and an act."""
    org = money
    org.client_b.inn, org.client_b.kpp = "7707083893", "770701001"
    org.client_b.save()
    org.inv1 = issued_invoice(org.finance, org.client_a, "12200.00", on=date(2026, 2, 2), contract=org.contract_a)
    org.inv2 = issued_invoice(org.finance, org.client_a, "1000.00", on=date(2026, 2, 3))
    org.inv3 = issued_invoice(org.finance, org.client_b, "5000.00", on=date(2026, 2, 4), contract=org.contract_b)
    org.act1 = services.act_create(actor=org.finance.user, invoice=org.inv1, date=date(2026, 2, 27))
    return org


def test_file_has_the_enterprise_data_structure_and_sums(feb):
    # given issued invoices and an act in February
    # when finance exports February
    export = onec_export_create(actor=feb.finance.user, **FEB)
    # then the message has the header and the body in the EnterpriseData namespace
    root = ET.fromstring(bytes(export.content))
    assert root.tag == "Message"
    assert root.findtext("msg:Header/msg:Format", namespaces=NS) == xml.format_ns()
    body = body_of(export)
    parties = body.findall("d:Справочник.Контрагенты", NS)
    invoices = body.findall("d:Документ.СчетНаОплатуПокупателю", NS)
    sales = body.findall("d:Документ.РеализацияТоваровУслуг", NS)
    # counterparties are deduplicated by INN/KPP: two clients, two catalogue items
    assert sorted(p.findtext("d:КлючевыеСвойства/d:ИНН", namespaces=NS) or "" for p in parties) == [
        "7702070139", "7707083893"]
    assert [p.findtext("d:КлючевыеСвойства/d:КПП", namespaces=NS) for p in parties].count("770701001") == 1
    assert len(invoices) == 3 and len(sales) == 1
    by_number = {d.findtext("d:КлючевыеСвойства/d:Номер", namespaces=NS): d for d in invoices}
    for inv in (feb.inv1, feb.inv2, feb.inv3):
        doc = by_number[inv.number]
        for required in ("d:КлючевыеСвойства/d:Ссылка", "d:КлючевыеСвойства/d:Дата",
                         "d:КлючевыеСвойства/d:Организация/d:ИНН", "d:Контрагент/d:Ссылка", "d:Валюта/d:Код",
                         "d:Услуги/d:Строка/d:Номенклатура/d:Наименование"):
            assert doc.find(required, NS) is not None, required
        assert doc.findtext("d:КлючевыеСвойства/d:Дата", namespaces=NS) == f"{inv.date.isoformat()}T00:00:00"
        assert Decimal(doc.findtext("d:Сумма", namespaces=NS) or "") == inv.total
        assert Decimal(doc.findtext("d:СуммаНДС", namespaces=NS) or "") == inv.vat_amount
        rows = doc.findall("d:Услуги/d:Строка", NS)
        assert sum(Decimal(r.findtext("d:Сумма", namespaces=NS) or "") for r in rows) == inv.total
        assert sum(Decimal(r.findtext("d:СуммаНДС", namespaces=NS) or "") for r in rows) == inv.vat_amount
    assert by_number[feb.inv1.number].findtext("d:СтавкаНДС", namespaces=NS) == "НДС22"
    assert by_number[feb.inv3.number].findtext("d:СтавкаНДС", namespaces=NS) == "БезНДС"
    # every document points at the catalogue item of its INN/KPP
    refs = {p.findtext("d:КлючевыеСвойства/d:Ссылка", namespaces=NS) for p in parties}
    assert {d.findtext("d:Контрагент/d:Ссылка", namespaces=NS) for d in [*invoices, *sales]} <= refs
    assert Decimal(sales[0].findtext("d:Сумма", namespaces=NS) or "") == feb.act1.total
    assert (export.invoice_count, export.act_count, export.counterparty_count) == (3, 1, 2)


def test_vat_rate_codes():
    assert xml.vat_rate_code(Decimal("22.00")) == "НДС22"
    assert xml.vat_rate_code(Decimal("20")) == "НДС20"
    assert xml.vat_rate_code(None) == "БезНДС"


def test_second_export_is_empty_and_a_cancelled_invoice_comes_again(feb):
    # given February exported once
    first = onec_export_create(actor=feb.finance.user, **FEB)
    # when exported again right after
    second = onec_export_create(actor=feb.finance.user, **FEB)
    # then nothing is in it
    assert second.document_count == 0
    assert not body_of(second).findall("d:Документ.СчетНаОплатуПокупателю", NS)
    # when an exported invoice is cancelled and February exported again
    services.invoice_cancel(actor=feb.finance.user, invoice=feb.inv2, reason="Ошибка в сумме")
    third = onec_export_create(actor=feb.finance.user, **FEB)
    # then only that invoice is in the file, under the same 1C reference, marked as a change
    docs = body_of(third).findall("d:Документ.СчетНаОплатуПокупателю", NS)
    assert [d.findtext("d:КлючевыеСвойства/d:Номер", namespaces=NS) for d in docs] == [feb.inv2.number]
    old_ref = next(d.findtext("d:КлючевыеСвойства/d:Ссылка", namespaces=NS)
                   for d in body_of(first).findall("d:Документ.СчетНаОплатуПокупателю", NS)
                   if d.findtext("d:КлючевыеСвойства/d:Номер", namespaces=NS) == feb.inv2.number)
    assert docs[0].findtext("d:КлючевыеСвойства/d:Ссылка", namespaces=NS) == old_ref
    assert "Аннулирован" in (docs[0].findtext("d:Комментарий", namespaces=NS) or "")
    assert list(third.items.values_list("is_change", flat=True)) == [True]


def test_cancelled_never_exported_stays_out_and_mode_all_writes_everything(feb):
    # given an invoice cancelled before any export
    services.invoice_cancel(actor=feb.finance.user, invoice=feb.inv2, reason="Дубль")
    # when February is exported, then «all» right after
    first = onec_export_create(actor=feb.finance.user, **FEB)
    again = onec_export_create(actor=feb.finance.user, mode=OneCExport.Mode.ALL, **FEB)
    # then the cancelled invoice is in neither and «all» repeats the rest
    assert first.invoice_count == 2 and again.invoice_count == 2 and again.act_count == 1
    assert not OneCExportItem.objects.filter(object_id=feb.inv2.pk, kind="invoice").exists()


def test_a_payment_alone_does_not_make_an_invoice_changed(feb):
    # given February exported
    onec_export_create(actor=feb.finance.user, **FEB)
    # when the invoice's paid amount changes (updated_at moves, nothing 1C sees)
    feb.inv1.paid_amount = Decimal("100.00")
    feb.inv1.save(update_fields=["paid_amount", "updated_at"])
    # then the next export is empty
    assert onec_export_create(actor=feb.finance.user, **FEB).document_count == 0


def test_bad_period_is_refused(feb):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        onec_export_create(actor=feb.finance.user, period_start=date(2026, 3, 1), period_end=date(2026, 2, 1))
    assert "period_end" in exc.value.message_dict
    assert not OneCExport.objects.exists()


@pytest.mark.parametrize("role", ["finance", "head", "admin"])
def test_finance_heads_and_admins_export(feb, role):
    actor = getattr(feb, role).user
    onec_export_create(actor=actor, **FEB)
    assert onec_export_list(actor=actor).count() == 1


@pytest.mark.parametrize("role", ["group_head", "am1", "spec1"])
def test_others_may_not_export_and_nothing_is_written(feb, role):
    actor = getattr(feb, role).user
    with pytest.raises(PermissionDenied):
        onec_export_create(actor=actor, **FEB)
    assert not OneCExport.objects.exists()
    assert onec_export_list(actor=actor).count() == 0


# --- the file against the subset schema, and read back against the database ----------------------


@pytest.fixture
def feb_all(feb):
    """`feb` plus an individual entrepreneur (INN of 12 digits, no KPP) billed at 22 %, and the
    agency's KPP with letters (positions 5-6, allowed since 2019)."""
    from tandem.billing.models import BillingSettings
    from tandem.clients.tests.factories import ClientFactory

    BillingSettings.objects.filter(agency=feb.agency).update(kpp="7707AB001")
    feb.client_c = ClientFactory(agency=feb.agency, legal_name="ИП Петров Пётр Петрович", inn="500100732259",
                                 account_manager=feb.am1)
    feb.inv4 = issued_invoice(feb.finance, feb.client_c, "2440.00", on=date(2026, 2, 10))
    return feb


def read_back(content: bytes) -> dict:
    """What 1C would read from the file: the catalogue and each document by (kind, reference)."""
    from lxml import etree

    root = etree.fromstring(content)
    body = root.find("d:Body", NS)
    assert body is not None

    def text(el, path: str) -> str:
        value = el.findtext(path, namespaces=NS)
        assert value is not None, path
        return value

    parties = {
        text(p, "d:Ссылка"): (p.findtext("d:ИНН", namespaces=NS) or "", p.findtext("d:КПП", namespaces=NS) or "",
                              text(p, "d:НаименованиеПолное"), text(p, "d:ЮридическоеФизическоеЛицо"))
        for p in body.findall("d:Справочник.Контрагенты/d:КлючевыеСвойства", NS)
    }
    documents = {}
    for kind, tag in (("invoice", xml.INVOICE), ("act", xml.SALE)):
        for d in body.findall(f"d:{tag}", NS):
            rows = d.findall("d:Услуги/d:Строка", NS)
            documents[(kind, text(d, "d:КлючевыеСвойства/d:Ссылка"))] = {
                "number": text(d, "d:КлючевыеСвойства/d:Номер"),
                "date": text(d, "d:КлючевыеСвойства/d:Дата"),
                "organization_inn": text(d, "d:КлючевыеСвойства/d:Организация/d:ИНН"),
                "counterparty": text(d, "d:Контрагент/d:Ссылка"),
                "counterparty_inn": d.findtext("d:Контрагент/d:ИНН", namespaces=NS) or "",
                "total": Decimal(text(d, "d:Сумма")),
                "vat_rate": text(d, "d:СтавкаНДС"),
                "vat": Decimal(text(d, "d:СуммаНДС")),
                "line_totals": sorted(Decimal(text(r, "d:Сумма")) for r in rows),
                "line_vat": sum((Decimal(text(r, "d:СуммаНДС")) for r in rows), Decimal(0)),
                "line_rates": {text(r, "d:СтавкаНДС") for r in rows},
                "comment": d.findtext("d:Комментарий", namespaces=NS) or "",
            }
    return {"created": text(root, "msg:Header/msg:CreationDate"), "parties": parties, "documents": documents}


def expected_from_database(export: OneCExport) -> dict:
    """The same picture built from the rows the export recorded, not from the file."""
    from tandem.billing.models import Act, Invoice, InvoiceStatus

    documents = {}
    clients: dict[tuple[str, str], Client] = {}
    for item in export.items.order_by("id"):
        model = Invoice if item.kind == OneCExportItem.Kind.INVOICE else Act
        obj = model.objects.select_related("client").prefetch_related("lines").get(pk=item.object_id)
        client = obj.client
        clients.setdefault((client.inn, client.kpp), client)
        first = clients[(client.inn, client.kpp)]
        documents[(item.kind, xml.stable_ref(item.kind, export.agency_id, obj.pk))] = {
            "number": obj.number,
            "date": f"{obj.date.isoformat()}T00:00:00",
            "organization_inn": "7707083893",
            "counterparty": xml.stable_ref("client", export.agency_id, first.pk),
            "counterparty_inn": client.inn,
            "total": obj.total,
            "vat_rate": xml.vat_rate_code(obj.vat_rate),
            "vat": obj.vat_amount,
            "line_totals": sorted(line.amount for line in obj.lines.all()),
            "line_vat": obj.vat_amount,
            "line_rates": {xml.vat_rate_code(obj.vat_rate)},
            "cancelled": isinstance(obj, Invoice) and obj.status == InvoiceStatus.CANCELLED,
        }
    parties = {
        xml.stable_ref("client", export.agency_id, c.pk): (
            c.inn, c.kpp, c.legal_name, "ФизическоеЛицо" if len(c.inn) == 12 else "ЮридическоеЛицо")
        for c in clients.values()
    }
    return {"parties": parties, "documents": documents}


def assert_read_back_matches(export: OneCExport) -> dict:
    got = read_back(bytes(export.content))
    want = expected_from_database(export)
    assert got["parties"] == want["parties"]
    assert got["documents"].keys() == want["documents"].keys()
    for key, doc in want["documents"].items():
        cancelled = doc.pop("cancelled")
        read = dict(got["documents"][key])
        comment = read.pop("comment")
        assert read == doc, key
        assert ("Аннулирован" in comment) == cancelled, key
    return got


def test_every_file_validates_against_the_subset_schema_and_reads_back_as_the_database(feb_all):
    from django.utils import timezone

    from tandem.testing.onec import schema_errors

    # given invoices at 22 % and «Без НДС», an act, a company, an ИП and a KPP with letters
    # when February is exported, again (nothing new), after a cancellation, and all of it again;
    # each file is read back right after it is made (the database then is what it describes)
    def export(mode: str = OneCExport.Mode.CHANGED) -> dict:
        made = onec_export_create(actor=feb_all.finance.user, mode=mode, **FEB)
        # then the file is valid against the schema
        assert schema_errors(bytes(made.content)) == [], made.pk
        # and reads back as the documents and clients in the database
        got = assert_read_back_matches(made)
        # its creation date is the agency's local time (1C reads it without an offset)
        assert got["created"] == timezone.localtime(made.created_at).replace(microsecond=0, tzinfo=None).isoformat()
        return got

    got = export()
    assert len(got["documents"]) == 5 and len(got["parties"]) == 3
    rates = {doc["number"]: doc["vat_rate"] for doc in got["documents"].values()}
    assert rates[feb_all.inv1.number] == "НДС22" and rates[feb_all.inv3.number] == "БезНДС"
    assert got["documents"][("invoice", xml.stable_ref("invoice", feb_all.agency.pk, feb_all.inv3.pk))]["vat"] == 0
    assert export()["documents"] == {}
    services.invoice_cancel(actor=feb_all.finance.user, invoice=feb_all.inv2, reason="Ошибка в сумме")
    got = export()
    assert [d["number"] for d in got["documents"].values()] == [feb_all.inv2.number]
    assert "Аннулирован" in next(iter(got["documents"].values()))["comment"]
    # «all» writes the cancelled invoice again too (it went to 1C before)
    assert len(export(mode=OneCExport.Mode.ALL)["documents"]) == 5
