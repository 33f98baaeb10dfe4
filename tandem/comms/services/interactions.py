"""Writes for the communications log: record, edit, finish next steps, snooze a contact."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from tandem.clients.models import Client, Contact
from tandem.clients.permissions import clients_visible_to
from tandem.core.errors import PermissionDenied
from tandem.core.validators import EARLIEST_DATE, check_sensible_date
from tandem.org.models import Employee, User
from tandem.org.permissions import actor_employee

from ..models import ContactSnooze, Interaction
from ..permissions import can_delete_interaction, can_edit_interaction, can_log_interaction

INTERACTION_FIELDS = (
    "kind", "direction", "channel", "occurred_at", "summary", "outcome", "next_step", "next_step_due",
)


def _apply(instance: Any, data: dict[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = set(data) - set(allowed)
    if unknown:
        raise ValidationError({name: _("Это поле нельзя изменить здесь.") for name in sorted(unknown)})
    for name, value in data.items():
        setattr(instance, name, value)


def _check_people(client: Client, contacts: Iterable[Contact], employees: Iterable[Employee]) -> None:
    if any(c.client_id != client.pk for c in contacts):
        raise ValidationError({"contacts": _("Контакт относится к другому клиенту.")})
    if any(e.agency_id != client.agency_id for e in employees):
        raise ValidationError({"employees": _("Сотрудник из другого агентства.")})


def _validate(interaction: Interaction) -> None:
    if interaction.next_step_due and not (interaction.next_step or "").strip():
        raise ValidationError({"next_step": _("Опишите следующий шаг, раз у него есть срок.")})
    if interaction.occurred_at and interaction.occurred_at > timezone.now() + timedelta(days=366):
        raise ValidationError({"occurred_at": _("Дата слишком далеко в будущем.")})
    if interaction.occurred_at and interaction.occurred_at.year < EARLIEST_DATE.year:
        raise ValidationError({"occurred_at": _("Дата раньше %(year)s года.") % {"year": EARLIEST_DATE.year}})
    if interaction.next_step_due:
        check_sensible_date(interaction.next_step_due, field="next_step_due", today=timezone.localdate())
    interaction.full_clean(validate_constraints=False)


def contacts_refresh_last_interaction(contact_ids: Iterable[int]) -> None:
    """Recompute `Contact.last_interaction_at` (max occurred_at over the contact's interactions)."""
    ids = sorted(set(contact_ids))
    if not ids:
        return
    last = Interaction.objects.filter(contacts=OuterRef("pk")).order_by("-occurred_at").values("occurred_at")[:1]
    Contact.objects.filter(pk__in=ids).update(last_interaction_at=Subquery(last))


@transaction.atomic
def interaction_create(
    *,
    actor: User,
    client: Client,
    data: dict[str, Any],
    contacts: Iterable[Contact] = (),
    employees: Iterable[Employee] | None = None,
    message_id: str = "",
) -> Interaction:
    """Record a call, meeting, message, e-mail, trip or sent report with the client.

    The actor is among the employees unless others are named. `occurred_at` defaults to now.
    """
    employee = actor_employee(actor)
    if employee is None or not can_log_interaction(actor, client):
        raise PermissionDenied()
    contacts = list(contacts)
    employees = list(employees) if employees is not None else [employee]
    _check_people(client, contacts, employees)
    interaction = Interaction(client=client, created_by=actor, message_id=message_id)
    data = {"occurred_at": timezone.now(), **data}
    _apply(interaction, data, INTERACTION_FIELDS)
    _validate(interaction)
    interaction.save()
    if contacts:
        interaction.contacts.set(contacts)
        contacts_refresh_last_interaction(c.pk for c in contacts)
    if employees:
        interaction.employees.set(employees)
    return interaction


@transaction.atomic
def interaction_update(
    *,
    actor: User,
    interaction: Interaction,
    data: dict[str, Any],
    contacts: Iterable[Contact] | None = None,
    employees: Iterable[Employee] | None = None,
) -> Interaction:
    """Correct an entry; the previous version stays in its history."""
    if not can_edit_interaction(actor, interaction):
        raise PermissionDenied()
    _apply(interaction, data, INTERACTION_FIELDS)
    contacts = list(contacts) if contacts is not None else None
    employees = list(employees) if employees is not None else None
    _check_people(interaction.client, contacts or [], employees or [])
    _validate(interaction)
    affected = set(interaction.contacts.values_list("pk", flat=True))
    # Only the edited fields: a next step marked done meanwhile (next_step_done_at) stays done.
    interaction.save(update_fields=[*INTERACTION_FIELDS, "updated_at"])
    if contacts is not None:
        interaction.contacts.set(contacts)
        affected |= {c.pk for c in contacts}
    if employees is not None:
        interaction.employees.set(employees)
    contacts_refresh_last_interaction(affected)
    return interaction


@transaction.atomic
def interaction_delete(*, actor: User, interaction: Interaction) -> None:
    """Remove an entry recorded by mistake (its author or a head, see `can_delete_interaction`).
    Its contacts' last interaction dates are recomputed from the remaining entries, so the
    client's "last contact" and the contact schedule stay right."""
    if not can_delete_interaction(actor, interaction):
        raise PermissionDenied()
    affected = list(interaction.contacts.values_list("pk", flat=True))
    interaction.delete()
    contacts_refresh_last_interaction(affected)


def interaction_next_step_done(*, actor: User, interaction: Interaction) -> Interaction:
    """Mark the agreed next step as done (idempotent)."""
    if not can_log_interaction(actor, interaction.client):
        raise PermissionDenied()
    if not interaction.next_step:
        raise ValidationError({"next_step": _("У записи нет следующего шага.")})
    if interaction.next_step_done_at is None:
        interaction.next_step_done_at = timezone.now()
        interaction.save(update_fields=["next_step_done_at", "updated_at"])
    return interaction


def contact_snooze(*, actor: User, contact: Contact, until: date | None = None) -> ContactSnooze:
    """Put off a due contact until `until` (default: tomorrow). Not later than a month ahead."""
    employee = actor_employee(actor)
    if employee is None or not clients_visible_to(actor).filter(pk=contact.client_id).exists():
        raise PermissionDenied()
    today = timezone.localdate()
    until = until or today + timedelta(days=1)
    if until <= today:
        raise ValidationError({"until": _("Отложить можно только на будущую дату.")})
    if until > today + timedelta(days=31):
        raise ValidationError({"until": _("Отложить можно не больше чем на месяц.")})
    snooze = ContactSnooze(contact=contact, until=until, created_by=employee)
    snooze.full_clean()
    snooze.save()
    return snooze
