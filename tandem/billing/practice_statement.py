"""A bank statement to practise the upload on, built from the agency's own open invoices.

Offered on the statement upload page when `settings.TANDEM_PRACTICE_STATEMENT` is on (the demo
and development; off in production: importing it records payments nobody made). The file is
what a bank would send for one day: clients paying their oldest open invoices (in full, in part,
two invoices at once, the purpose written in the different ways people write it), an advance from
an unknown payer without INN (it waits in the queue) and the bank's fee. Importing it matches real
invoices by the clients' INNs and the numbers cited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from tandem.clients.models import Client
from tandem.core.errors import PermissionDenied
from tandem.core.money import to_money
from tandem.integrations.bank_statement import OutgoingDocument, write_statement
from tandem.org.models import User
from tandem.org.permissions import actor_employee

from . import permissions
from .models import OPEN_STATUSES, BillingSettings, Invoice

PAYERS = 5


@dataclass(frozen=True)
class PracticeStatement:
    file_name: str
    data: bytes
    invoices: list[str]  # the invoice numbers the statement pays


def practice_statement_offered(actor: User) -> bool:
    return bool(getattr(settings, "TANDEM_PRACTICE_STATEMENT", False)) and permissions.can_manage_money(actor)


def practice_statement(*, actor: User, today: date | None = None) -> PracticeStatement:
    """The statement for `today`; raises PermissionDenied unless offered, ValidationError when
    the agency's own account is not set (the statement must be addressed to it)."""
    if not practice_statement_offered(actor):
        raise PermissionDenied()
    employee = actor_employee(actor)
    assert employee is not None  # can_manage_money needs one
    today = today or timezone.localdate()
    cfg = BillingSettings.objects.filter(agency_id=employee.agency_id).first()
    account = cfg.bank_account.strip() if cfg else ""
    if cfg is None or not account:
        raise ValidationError(_("Укажите расчётный счёт агентства в настройках счетов."))
    our_inn, our_name = cfg.inn, cfg.supplier_name or employee.agency.name

    # Clients whose INN is theirs alone (a shared INN would not match), oldest debt first.
    unique_inns = (Client.objects.filter(agency_id=employee.agency_id).exclude(inn="")
                   .values("inn").annotate(n=Count("id")).filter(n=1).values("inn"))
    open_invoices = list(
        Invoice.objects.filter(agency_id=employee.agency_id, status__in=OPEN_STATUSES, client__inn__in=unique_inns)
        .select_related("client").order_by("due_date", "id")[:500]
    )
    by_client: dict[int, list[Invoice]] = {}
    for invoice in open_invoices:
        if invoice.outstanding > 0:
            by_client.setdefault(invoice.client_id, []).append(invoice)
    docs: list[OutgoingDocument] = []
    paid: list[str] = []

    own = cfg.own_accounts()

    def payer_account(client: Client) -> str:
        """The client's own account; an invented one when it is missing or (bad data) ours."""
        account = client.bank_account.strip()
        return account if account and account not in own else f"40702810{client.pk:012d}"

    def pay(client: Client, amount: Decimal, purpose: str) -> None:
        docs.append(OutgoingDocument(
            kind="Платежное поручение", number=str(100 + len(docs)), date=today, amount=to_money(amount),
            payer_account=payer_account(client), payer_inn=client.inn, payer_name=client.legal_name,
            recipient_account=account, recipient_inn=our_inn, recipient_name=our_name, purpose=purpose,
        ))

    two = next((invs for invs in by_client.values() if len(invs) >= 2), None)
    chosen = list(by_client.values())[:PAYERS]
    if two is not None and not any(c is two for c in chosen):
        chosen[-1] = two
    for n, invoices in enumerate(chosen):
        first = invoices[0]
        if invoices is two:
            a, b = invoices[0], invoices[1]
            pay(a.client, a.outstanding + b.outstanding,
                f"Оплата по счетам № {a.number}, {b.number} за услуги продвижения. В т.ч. НДС")
            paid += [a.number, b.number]
        elif n == 1:
            pay(first.client, (first.outstanding / 2), f"Частичная оплата сч.{first.number}, остаток до конца месяца")
            paid.append(first.number)
        elif n % 2:
            pay(first.client, first.outstanding, f"Оплата сч.{first.number} за услуги, НДС не облагается")
            paid.append(first.number)
        else:
            pay(first.client, first.outstanding,
                f"Оплата по счету № {first.number} от {first.date:%d.%m.%Y} за интернет-продвижение, в т.ч. НДС")
            paid.append(first.number)
    docs.append(OutgoingDocument(
        kind="Платежное поручение", number=str(100 + len(docs)), date=today, amount=Decimal("25000.00"),
        payer_account="40702810600000001045", payer_inn="", payer_name='ООО "Новый клиент"',
        recipient_account=account, recipient_inn=our_inn, recipient_name=our_name,
        purpose="Аванс за SEO-продвижение по договору, без НДС",
    ))
    docs.append(OutgoingDocument(
        kind="Банковский ордер", number=f"9{today:%m%d}", date=today, amount=Decimal("990.00"),
        payer_account=account, payer_inn=our_inn, payer_name=our_name,
        recipient_account="70601810000000000001", recipient_inn="7707083893", recipient_name="ПАО Сбербанк",
        purpose="Комиссия за ведение счёта", payment_kind="17",
    ))
    data = write_statement(account=account, start=today, end=today, documents=docs, sender="Тандем: пример выписки",
                           opening_balance=Decimal("1250000.00"))
    return PracticeStatement(file_name=f"kl_to_1c_{today:%Y%m%d}.txt", data=data, invoices=paid)
