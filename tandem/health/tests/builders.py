"""Constructed histories for health tests: rows placed on given days, with created_at moved back
so that «known on that day» holds for them."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from tandem.billing.models import Invoice, InvoiceStatus, Payment, PaymentAllocation
from tandem.clients.models import Client, Contact, LifecycleStatus, LifecycleTransition
from tandem.comms.models import ClientRequest, Escalation, Interaction
from tandem.org.models import Employee

_seq = iter(range(1, 10**6))


def at(day: date, hour: int = 12) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def invoice(client: Client, *, day: date, due: date, total: str, status: str = InvoiceStatus.ISSUED) -> Invoice:
    return Invoice.objects.create(
        agency=client.agency, client=client, number=f"H-{next(_seq)}", date=day, due_date=due, status=status,
        subtotal=Decimal(total), total=Decimal(total), issued_at=at(day),
    )


def pay(inv: Invoice, *, day: date, amount: str) -> Payment:
    payment = Payment.objects.create(agency=inv.agency, client=inv.client, date=day, amount=Decimal(amount),
                                     allocated_amount=Decimal(amount))
    PaymentAllocation.objects.create(payment=payment, invoice=inv, amount=Decimal(amount))
    return payment


def contact(client: Client, *, added: date, cadence: int = 7, name: str = "Ирина") -> Contact:
    c = Contact.objects.create(client=client, full_name=name, cadence_days=cadence)
    Contact.objects.filter(pk=c.pk).update(created_at=at(added, 9))
    c.refresh_from_db()
    return c


def interaction(client: Client, *, day: date, summary: str = "Созвон по отчёту", contacts: list[Contact] | None = None,
                outcome: str = "") -> Interaction:
    am = client.account_manager
    assert am is not None
    i = Interaction.objects.create(client=client, occurred_at=at(day), summary=summary, outcome=outcome,
                                   created_by=am.user)
    if contacts:
        i.contacts.set(contacts)
    return i


def request(client: Client, *, received: date, respond_by: date, responded: date | None = None,
            resolve_by: date | None = None, resolved: date | None = None, subject: str = "Упали позиции") -> ClientRequest:
    am = client.account_manager
    assert am is not None
    return ClientRequest.objects.create(
        client=client, subject=subject, received_at=at(received, 10), first_response_due_at=at(respond_by, 18),
        first_response_at=at(responded, 11) if responded else None,
        resolve_due_at=at(resolve_by or respond_by + timedelta(days=5), 18),
        resolved_at=at(resolved, 12) if resolved else None,
        head_escalation_at=at(respond_by + timedelta(days=1), 18), created_by=am.user,
    )


def escalate(req: ClientRequest, *, day: date, to: Employee) -> Escalation:
    return Escalation.objects.create(request=req, level=Escalation.Level.GROUP_HEAD, notified=to, channels="inapp",
                                     reason="SLA", created_at=at(day, 19))


def lifecycle(client: Client, *, day: date, to: str, by: Employee, churn_reason: str = "") -> None:
    """Record a status change on `day` and set the client's current status to it."""
    LifecycleTransition.objects.create(client=client, from_status=client.status, to_status=to, changed_by=by.user,
                                       changed_at=at(day, 15), churn_reason=churn_reason)
    client.status = to
    if to == LifecycleStatus.CHURNED:
        client.churn_reason = churn_reason or "other"
    Client.objects.filter(pk=client.pk).update(status=to, churn_reason=client.churn_reason if to == LifecycleStatus.CHURNED else "")
