"""Everything Tandem holds about one contact person, for an export (152-ФЗ ст. 14)."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from tandem.billing.models import CollectionReminder
from tandem.clients.models import Contact
from tandem.comms.models import ClientRequest, ContactSnooze, Interaction

# The contact's own fields that describe the person (emptied by an erasure).
PERSONAL_FIELDS = (
    "full_name", "position", "phone", "email", "messenger", "birthday", "quiet_hours_start", "quiet_hours_end",
    "notes",
)
CONTACT_FIELDS = (
    "id", *PERSONAL_FIELDS, "role", "preferred_channel", "cadence_days", "is_urgent_contact", "is_active",
    "last_interaction_at", "created_at", "updated_at",
)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return value


def contact_personal_data(contact: Contact) -> dict[str, Any]:
    """The contact's card, every stored version of it (simple-history), and the records that
    name the person: interactions they took part in, their requests, payment reminders
    addressed to them, «not today» marks. Plain JSON types; dates ISO 8601."""
    history = contact.history.select_related("history_user").order_by("history_date", "history_id")
    interactions = Interaction.objects.filter(contacts=contact).order_by("occurred_at", "id")
    requests = ClientRequest.objects.filter(contact=contact).order_by("received_at", "id")
    reminders = CollectionReminder.objects.filter(contact=contact).select_related("invoice").order_by("due_on", "id")
    snoozes = ContactSnooze.objects.filter(contact=contact).order_by("created_at", "id")
    return {
        "contact": {name: _plain(getattr(contact, name)) for name in CONTACT_FIELDS},
        "client": {"id": contact.client_id, "name": str(contact.client)},
        "history": [
            {"at": _plain(h.history_date), "action": h.history_type,
             "by": h.history_user.get_username() if h.history_user else None,
             **{name: _plain(getattr(h, name)) for name in PERSONAL_FIELDS}}
            for h in history
        ],
        "interactions": [
            {"id": i.pk, "occurred_at": _plain(i.occurred_at), "kind": i.kind, "channel": i.channel,
             "summary": i.summary, "outcome": i.outcome, "next_step": i.next_step}
            for i in interactions
        ],
        "requests": [
            {"id": r.pk, "received_at": _plain(r.received_at), "subject": r.subject, "text": r.text}
            for r in requests
        ],
        "payment_reminders": [
            {"id": r.pk, "invoice": r.invoice.number, "due_on": _plain(r.due_on), "channel": r.channel, "note": r.note}
            for r in reminders
        ],
        "snoozes": [{"until": _plain(s.until), "created_at": _plain(s.created_at)} for s in snoozes],
    }
