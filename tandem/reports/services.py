"""Flows that span billing and comms, which are siblings and never import each other.

Sending a payment reminder to the client's accountant writes in both: the letter (billing:
template, invoice PDF, the reminder marked done) and the interaction in the communications log
(comms). STYLE.md puts a flow that spans two sibling apps in a service of a higher app rather
than in a view (so the web page and the API call the same one function) or in a signal; reports
is the app above both that already owns documents sent to clients.
"""

from __future__ import annotations

import logging
from datetime import date

from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tandem.billing import documents
from tandem.billing import permissions as billing_permissions
from tandem.billing import services as billing_services
from tandem.billing.models import CollectionReminder, Invoice, InvoiceStatus
from tandem.comms import services as comms_services
from tandem.comms.models import CommChannel, Direction, Interaction, InteractionKind
from tandem.core.errors import PermissionDenied
from tandem.org.models import User
from tandem.org.permissions import actor_employee

logger = logging.getLogger(__name__)

REMINDABLE_STATUSES = (InvoiceStatus.ISSUED, InvoiceStatus.PARTLY_PAID)


def payment_reminder_draft(*, actor: User, invoice: Invoice, today: date | None = None) -> documents.ReminderLetter:
    """The letter as the AM first sees it: to the client's accountant contact, subject and body
    from the agency's template. Who may: `can_collect` (the client's AM, its group head,
    finance and heads)."""
    if not billing_permissions.can_collect(actor, invoice):
        raise PermissionDenied()
    return documents.reminder_letter(invoice, today=today or timezone.localdate(), sender=actor_employee(actor))


@transaction.atomic
def payment_reminder_send(
    *, actor: User, invoice: Invoice, subject: str, body: str, reminder: CollectionReminder | None = None,
) -> Interaction:
    """Send the reviewed reminder (subject and body as the AM left them) to the client's
    accountant contact with the invoice PDF attached, log it as an outgoing e-mail in the
    communications log and, when sent for a planned `reminder`, mark that reminder done.

    Only for an issued, not fully paid invoice whose client has a contact with an e-mail. The
    letter leaves after the commit: if anything here fails, nothing is sent and nothing logged.
    Replies go to the sender's own address."""
    if not billing_permissions.can_collect(actor, invoice):
        raise PermissionDenied()
    if invoice.status not in REMINDABLE_STATUSES:
        raise ValidationError({"invoice": _("Счёт не ожидает оплаты.")})
    if reminder is not None and reminder.invoice_id != invoice.pk:
        raise ValidationError({"reminder": _("Напоминание относится к другому счёту.")})
    errors = {}
    if not subject.strip():
        errors["subject"] = _("Укажите тему письма.")
    if not body.strip():
        errors["body"] = _("Напишите текст письма.")
    letter = payment_reminder_draft(actor=actor, invoice=invoice)
    if letter.contact is None or not letter.to:
        errors["to"] = _("У бухгалтера клиента не указан e-mail: добавьте его в контакты клиента.")
    if errors:
        raise ValidationError(errors)
    assert letter.contact is not None
    interaction = comms_services.interaction_create(
        actor=actor, client=invoice.client, contacts=[letter.contact],
        data={
            "kind": InteractionKind.EMAIL, "direction": Direction.OUTGOING, "channel": CommChannel.EMAIL,
            "summary": _("Напоминание об оплате счёта № %(n)s: %(subject)s") % {"n": invoice.number, "subject": subject},
            "outcome": body.strip(),
        },
    )
    if reminder is not None:
        billing_services.reminder_complete(
            actor=actor, reminder=reminder, note=_("Письмо отправлено: %(to)s") % {"to": letter.to}
        )
    message = EmailMessage(
        subject=subject.strip(), body=body.strip(), to=[letter.to], reply_to=[actor.email] if actor.email else None,
    )
    message.attach(f"invoice-{invoice.number}.pdf", documents.invoice_pdf(invoice), "application/pdf")
    transaction.on_commit(lambda: _deliver(message, interaction_id=interaction.pk))
    return interaction


def _deliver(message: EmailMessage, *, interaction_id: int) -> None:
    """Runs after the commit. A mail server that refuses is logged, not raised: the letter is
    already in the communications log and the AM sees the failure in the server log."""
    try:
        message.send(fail_silently=False)
    except Exception:  # noqa: BLE001 — any SMTP/OS error; the request has already succeeded
        logger.exception("payment reminder (interaction %s) was not sent", interaction_id)
