"""Contact.last_interaction_at stays max(occurred_at) of the contact's interactions."""

from datetime import timedelta

import pytest
from django.db.models import Max
from django.utils import timezone

from tandem.clients.models import Client, Contact
from tandem.clients.tests.factories import ContactFactory
from tandem.comms.selectors import contact_schedule, contacts_due
from tandem.comms.services import interaction_create, interaction_delete, interaction_update
from tandem.core.errors import PermissionDenied

pytestmark = pytest.mark.django_db


def _expected(contact: Contact):  # type: ignore[no-untyped-def]
    return contact.interactions.aggregate(m=Max("occurred_at"))["m"]


def _check(*contacts: Contact) -> None:
    for c in contacts:
        c.refresh_from_db()
        assert c.last_interaction_at == _expected(c), c.full_name


def test_create_edit_move_and_delete_keep_the_maximum(org):
    now = timezone.now()
    a = ContactFactory(client=org.client_a, full_name="А")
    b = ContactFactory(client=org.client_a, full_name="Б")
    old = interaction_create(actor=org.am1.user, client=org.client_a, contacts=[a, b],
                             data={"summary": "x", "occurred_at": now - timedelta(days=10)})
    new = interaction_create(actor=org.am1.user, client=org.client_a, contacts=[a],
                             data={"summary": "y", "occurred_at": now - timedelta(days=2)})
    _check(a, b)
    assert a.last_interaction_at == now - timedelta(days=2) and b.last_interaction_at == now - timedelta(days=10)

    # Moving the latest entry back in time: the other one becomes the last.
    interaction_update(actor=org.am1.user, interaction=new, data={"occurred_at": now - timedelta(days=20)})
    _check(a, b)
    assert a.last_interaction_at == now - timedelta(days=10)

    # Changing the contacts: the removed contact falls back, the added one moves forward.
    interaction_update(actor=org.am1.user, interaction=old, data={"occurred_at": now - timedelta(days=1)},
                       contacts=[b])
    _check(a, b)
    assert a.last_interaction_at == now - timedelta(days=20) and b.last_interaction_at == now - timedelta(days=1)

    interaction_delete(actor=org.am1.user, interaction=old)
    _check(a, b)
    assert b.last_interaction_at is None
    interaction_delete(actor=org.am1.user, interaction=new)
    _check(a)
    assert a.last_interaction_at is None


def test_delete_needs_edit_rights(org):
    a = ContactFactory(client=org.client_a)
    i = interaction_create(actor=org.am1.user, client=org.client_a, contacts=[a], data={"summary": "x"})
    with pytest.raises(PermissionDenied):
        interaction_delete(actor=org.am2.user, interaction=i)
    a.refresh_from_db()
    assert i.pk and a.last_interaction_at == i.occurred_at


def test_contacts_due_unchanged(org):
    """The schedule read from the column equals the one computed from the interactions."""
    today = timezone.localdate()
    now = timezone.now()
    never = ContactFactory(client=org.client_a, cadence_days=7, full_name="Никогда")
    recent = ContactFactory(client=org.client_a, cadence_days=7, full_name="Недавно")
    old = ContactFactory(client=org.client_a, cadence_days=3, full_name="Давно")
    interaction_create(actor=org.am1.user, client=org.client_a, contacts=[recent], data={
        "summary": "x", "occurred_at": now - timedelta(days=2)})
    interaction_create(actor=org.am1.user, client=org.client_a, contacts=[old, recent], data={
        "summary": "y", "occurred_at": now - timedelta(days=5)})
    schedule = {i.contact.pk: i for i in contact_schedule(Client.objects.filter(pk=org.client_a.pk), today=today)}
    for contact in (never, recent, old):
        last = _expected(contact)
        assert schedule[contact.pk].last_at == last
        expected_due = (timezone.localdate(last) + timedelta(days=contact.cadence_days) if last
                        else timezone.localdate(org.client_a.created_at))
        assert schedule[contact.pk].next_due == expected_due
    due = {i.contact.pk for i in contacts_due(actor=org.am1.user, am_ids=[org.am1.pk], today=today).items}
    assert old.pk in due and never.pk in due and recent.pk not in due
