"""Build invoices and 1CClientBankExchange files for tests."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from tandem.billing import services
from tandem.billing.models import Invoice
from tandem.testing.billing import OWN_ACCOUNT


def issued_invoice(actor, client, amount: str, on: date = date(2026, 2, 2), contract=None) -> Invoice:
    invoice = services.invoice_create(
        actor=actor.user, client=client, contract=contract, date=on,
        lines=[services.LineInput(name="Услуги", price=Decimal(amount))],
    )
    return services.invoice_issue(actor=actor.user, invoice=invoice)


def statement(*docs: dict, account: str = OWN_ACCOUNT) -> bytes:
    """A cp1251 statement with incoming documents: dicts with amount, inn, purpose[, number, date, payer_account]."""
    lines = [
        "1CClientBankExchange", "ВерсияФормата=1.03", "Кодировка=Windows", "ДатаНачала=01.02.2026",
        "ДатаКонца=28.02.2026", f"РасчСчет={account}", "СекцияРасчСчет", f"РасчСчет={account}", "КонецРасчСчет",
    ]
    for i, doc in enumerate(docs, start=1):
        lines += [
            "СекцияДокумент=Платежное поручение", f"Номер={doc.get('number', i)}", f"Дата={doc.get('date', '10.02.2026')}",
            f"Сумма={doc['amount']}", f"ПлательщикСчет={doc.get('payer_account', '40702810900000000777')}",
            f"ПлательщикИНН={doc.get('inn', '')}", f"Плательщик1={doc.get('payer', 'ООО Плательщик')}",
            f"ПолучательСчет={doc.get('to', account)}", f"ДатаПоступило={doc.get('date', '10.02.2026')}",
            "ПолучательИНН=7707083893", f"НазначениеПлатежа={doc.get('purpose', '')}", "ВидОплаты=01",
            "КонецДокумента",
        ]
    lines.append("КонецФайла")
    return "\r\n".join(lines).encode("cp1251")
