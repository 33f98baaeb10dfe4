"""A statement import interrupted in the middle (worker killed, database error) leaves nothing
half-written: the whole file is one transaction, and the same file can be imported again."""

from __future__ import annotations

from decimal import Decimal

import pytest
from simple_history.manager import HistoryManager

from tandem.billing import services
from tandem.billing.models import InvoiceStatus, Payment, PaymentAllocation, StatementImport

from .helpers import issued_invoice, statement

pytestmark = pytest.mark.django_db


class WorkerKilled(Exception):
    pass


def test_failure_after_payments_are_written_rolls_back_the_whole_file(money, monkeypatch):
    invoice = issued_invoice(money.finance, money.client_a, "25000.00")
    data = statement(
        {"amount": "25000.00", "inn": "7702070139", "purpose": f"Оплата по счёту № {invoice.number}"},
        {"amount": "1000.00", "inn": "7702070139", "purpose": "Аванс"},
    )
    original = HistoryManager.bulk_history_create

    def die_on_allocations(self, objs, *args, **kwargs):
        # Payments and their history are already inserted at this point; allocations are next.
        if objs and isinstance(objs[0], PaymentAllocation):
            assert Payment.objects.count() == 2  # really in the middle
            raise WorkerKilled()
        return original(self, objs, *args, **kwargs)

    monkeypatch.setattr(HistoryManager, "bulk_history_create", die_on_allocations)

    with pytest.raises(WorkerKilled):
        services.statement_import(actor=money.finance.user, data=data, file_name="feb.txt")

    invoice.refresh_from_db()
    assert not Payment.objects.exists()
    assert not Payment.history.exists()
    assert not PaymentAllocation.objects.exists()
    assert not StatementImport.objects.exists()
    assert (invoice.status, invoice.paid_amount) == (InvoiceStatus.ISSUED, Decimal("0.00"))

    monkeypatch.setattr(HistoryManager, "bulk_history_create", original)
    report = services.statement_import(actor=money.finance.user, data=data, file_name="feb.txt")

    invoice.refresh_from_db()
    assert not report.duplicate_file
    assert Payment.objects.count() == 2
    assert invoice.status == InvoiceStatus.PAID
