"""What billing's events (tandem.core.events) carry: small, stable, JSON-ready; money as strings."""

from __future__ import annotations

from typing import Any

from .models import Act, Invoice, Payment


def invoice_data(invoice: Invoice) -> dict[str, Any]:
    return {
        "id": invoice.pk, "number": invoice.number, "kind": invoice.kind, "status": invoice.status,
        "client": invoice.client_id, "contract": invoice.contract_id, "date": invoice.date.isoformat(),
        "due_date": invoice.due_date.isoformat(), "total": str(invoice.total), "vat_amount": str(invoice.vat_amount),
        "paid_amount": str(invoice.paid_amount), "discount_percent": str(invoice.discount_percent),
    }


def payment_data(payment: Payment) -> dict[str, Any]:
    return {
        "id": payment.pk, "date": payment.date.isoformat(), "amount": str(payment.amount),
        "client": payment.client_id, "payer_name": payment.payer_name, "payer_inn": payment.payer_inn,
        "purpose": payment.purpose, "needs_review": payment.needs_review,
    }


def act_data(act: Act) -> dict[str, Any]:
    return {
        "id": act.pk, "number": act.number, "date": act.date.isoformat(), "client": act.client_id,
        "invoice": act.invoice_id, "total": str(act.total),
        "signed_on": act.signed_on.isoformat() if act.signed_on else None,
    }
