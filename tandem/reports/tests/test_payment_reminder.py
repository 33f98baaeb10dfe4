"""The payment reminder letter to the client's accountant: filled in from the agency's
template, reviewed by the AM, sent with the invoice PDF after the commit, logged as an
interaction; nothing leaves when the AM does not send it or when anything fails."""

from __future__ import annotations

from datetime import date

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from tandem.billing import services as billing_services
from tandem.billing.models import BillingSettings, CollectionReminder
from tandem.billing.tests.helpers import issued_invoice
from tandem.clients.models import Contact
from tandem.clients.tests.factories import ContactFactory
from tandem.comms.models import Interaction
from tandem.core.errors import PermissionDenied
from tandem.reports import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def dunning(money):
    money.accountant = ContactFactory(
        client=money.client_a, role=Contact.Role.ACCOUNTANT, full_name="Сидорова Мария", email="buh@alfa.example"
    )
    money.invoice = issued_invoice(money.finance, money.client_a, "122000.00", on=date(2026, 2, 2),
                                   contract=money.contract_a)
    return money


def test_draft_is_filled_in_from_the_agency_template(dunning):
    BillingSettings.objects.filter(agency=dunning.agency).update(
        reminder_email_subject="Счёт {invoice_number} от {invoice_date}",
        reminder_email_body="{client}: {amount} (остаток {outstanding}) до {due_date}, просрочка {days_overdue} дн. "
                            "— {am_name}",
    )

    letter = services.payment_reminder_draft(actor=dunning.am1.user, invoice=dunning.invoice, today=date(2026, 2, 22))

    n = dunning.invoice.number
    assert letter.to == "buh@alfa.example" and letter.contact == dunning.accountant
    assert letter.subject == f"Счёт {n} от 02.02.2026"
    assert letter.body == ('ООО "Альфа": 122\u00a0000,00 (остаток 122\u00a0000,00) до 12.02.2026, просрочка 10 дн. '
                           "— am1")


def test_a_sent_reminder_carries_the_pdf_is_logged_and_closes_the_reminder(
    dunning, django_capture_on_commit_callbacks
):
    reminder = dunning.invoice.reminders.filter(status=CollectionReminder.Status.PLANNED).first()

    with django_capture_on_commit_callbacks(execute=True):
        interaction = services.payment_reminder_send(
            actor=dunning.am1.user, invoice=dunning.invoice, subject="Оплата счёта",
            body="Просим оплатить.\nСпасибо!", reminder=reminder,
        )

    [message] = mail.outbox
    assert message.to == ["buh@alfa.example"] and message.subject == "Оплата счёта"
    assert message.body == "Просим оплатить.\nСпасибо!"
    [(name, content, mimetype)] = message.attachments
    assert name == f"invoice-{dunning.invoice.number}.pdf" and mimetype == "application/pdf"
    assert content.startswith(b"%PDF")
    assert interaction.kind == "email" and interaction.channel == "email" and interaction.direction == "outgoing"
    assert list(interaction.contacts.all()) == [dunning.accountant]
    assert f"№ {dunning.invoice.number}" in interaction.summary and interaction.outcome == "Просим оплатить.\nСпасибо!"
    reminder.refresh_from_db()
    assert reminder.status == CollectionReminder.Status.DONE


def test_the_template_text_is_sent_when_the_am_leaves_it_as_is(dunning, django_capture_on_commit_callbacks):
    letter = services.payment_reminder_draft(actor=dunning.am1.user, invoice=dunning.invoice)

    with django_capture_on_commit_callbacks(execute=True):
        services.payment_reminder_send(actor=dunning.am1.user, invoice=dunning.invoice, subject=letter.subject,
                                       body=letter.body)

    assert mail.outbox[0].body == letter.body
    assert f"счёта № {dunning.invoice.number} от 02.02.2026 на сумму 122\u00a0000,00 руб." in mail.outbox[0].body


def test_a_draft_that_is_not_sent_sends_and_logs_nothing(dunning, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.payment_reminder_draft(actor=dunning.am1.user, invoice=dunning.invoice)

    assert mail.outbox == [] and not Interaction.objects.exists()


def test_no_accountant_e_mail_refuses_and_sends_nothing(dunning, django_capture_on_commit_callbacks):
    Contact.objects.filter(pk=dunning.accountant.pk).update(email="")

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError) as info:
        services.payment_reminder_send(actor=dunning.am1.user, invoice=dunning.invoice, subject="s", body="b")

    assert "to" in info.value.message_dict
    assert mail.outbox == [] and not Interaction.objects.exists()


def test_a_closed_reminder_rolls_everything_back(dunning, django_capture_on_commit_callbacks):
    reminder = dunning.invoice.reminders.first()
    billing_services.reminder_cancel(actor=dunning.am1.user, reminder=reminder)

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError):
        services.payment_reminder_send(actor=dunning.am1.user, invoice=dunning.invoice, subject="s", body="b",
                                       reminder=reminder)

    assert mail.outbox == [] and not Interaction.objects.exists()


def test_a_paid_invoice_gets_no_reminder(dunning, django_capture_on_commit_callbacks):
    billing_services.payment_record(actor=dunning.finance.user, client=dunning.client_a, date=date(2026, 2, 5),
                                    amount=dunning.invoice.total)
    dunning.invoice.refresh_from_db()

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError):
        services.payment_reminder_send(actor=dunning.am1.user, invoice=dunning.invoice, subject="s", body="b")

    assert mail.outbox == []


@pytest.mark.parametrize("role", ["head", "finance", "admin", "group_head", "am1"])
def test_the_clients_am_group_head_finance_and_heads_may_send(dunning, django_capture_on_commit_callbacks, role):
    with django_capture_on_commit_callbacks(execute=True):
        services.payment_reminder_send(actor=dunning.by_role_name(role).user, invoice=dunning.invoice, subject="s",
                                       body="b")

    assert len(mail.outbox) == 1 and Interaction.objects.count() == 1


@pytest.mark.parametrize("role", ["am2", "spec1", "spec2", "outsider"])
def test_others_may_not_send_and_nothing_happens(dunning, django_capture_on_commit_callbacks, role):
    reminder = dunning.invoice.reminders.first()

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(PermissionDenied):
        services.payment_reminder_send(actor=dunning.by_role_name(role).user, invoice=dunning.invoice, subject="s",
                                       body="b", reminder=reminder)

    assert mail.outbox == [] and not Interaction.objects.exists()
    reminder.refresh_from_db()
    assert reminder.status == CollectionReminder.Status.PLANNED
