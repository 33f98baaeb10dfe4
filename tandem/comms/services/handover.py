"""Changing a client's AM with a handover checklist.

The change itself is tandem.clients.services.client_assign_account_manager (workload limits,
history). Here it gets its checklist, in the same transaction: read the notes, take over each
open request and each agreed next step, meet the decision makers, and — when there was an AM
before — talk to them. The new AM (or whoever may assign AMs) ticks the items; the handover is
done when every item is.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tandem.clients import services as client_services
from tandem.clients.models import AccountManagerChange, Client, Contact
from tandem.clients.permissions import can_assign_account_manager
from tandem.clients.services import AssignmentResult
from tandem.core.errors import PermissionDenied
from tandem.org.models import Employee, User
from tandem.org.permissions import actor_employee

from ..models import ClientRequest, Handover, HandoverItem, Interaction


def _items(client: Client, previous: Employee | None) -> list[HandoverItem]:
    items: list[HandoverItem] = []
    if client.character_notes.strip() or client.personal_notes.strip():
        items.append(HandoverItem(kind=HandoverItem.Kind.NOTES,
                                  label=_("Прочитать заметки о клиенте: характер и личное")))
    for request in ClientRequest.objects.filter(client=client, resolved_at__isnull=True).order_by("received_at"):
        items.append(HandoverItem(
            kind=HandoverItem.Kind.REQUEST, object_id=request.pk,
            label=_("Взять обращение «%(subject)s» (срок решения %(due)s)") % {
                "subject": request.subject[:200], "due": timezone.localtime(request.resolve_due_at).strftime("%d.%m.%Y")},
        ))
    for interaction in Interaction.objects.filter(
        client=client, next_step_done_at__isnull=True,
    ).exclude(next_step="").order_by("next_step_due", "id"):
        due = interaction.next_step_due.strftime("%d.%m.%Y") if interaction.next_step_due else _("без срока")
        items.append(HandoverItem(
            kind=HandoverItem.Kind.NEXT_STEP, object_id=interaction.pk,
            label=_("Договорённость: %(step)s (%(due)s)") % {"step": interaction.next_step[:200], "due": due},
        ))
    for contact in Contact.objects.filter(client=client, is_active=True, role=Contact.Role.DECISION_MAKER):
        items.append(HandoverItem(
            kind=HandoverItem.Kind.CONTACT, object_id=contact.pk,
            label=_("Познакомиться: %(name)s%(position)s") % {
                "name": contact.full_name, "position": f", {contact.position}" if contact.position else ""},
        ))
    if previous is not None:
        items.append(HandoverItem(
            kind=HandoverItem.Kind.MEETING,
            label=_("Созвониться с прежним аккаунтом (%(name)s): история, договорённости, характер клиента")
            % {"name": previous.full_name},
        ))
    return items


@transaction.atomic
def account_manager_change(
    *, actor: User, client: Client, manager: Employee, reason: str = "", force: bool = False,
) -> tuple[AssignmentResult, Handover | None]:
    """Assign `manager` (the clients service's rules and history) and open the handover
    checklist for them; nothing when `manager` already is the client's AM."""
    previous = client.account_manager
    result = client_services.client_assign_account_manager(
        actor=actor, client=client, manager=manager, reason=reason, force=force)
    if previous is not None and previous.pk == manager.pk:
        return result, None
    change = AccountManagerChange.objects.filter(client=client, new_manager=manager).order_by("-changed_at", "-id").first()
    if change is None:
        return result, None
    # An earlier unfinished handover of the client is superseded by this one.
    Handover.objects.filter(client=client, completed_at__isnull=True).update(completed_at=timezone.now())
    handover = Handover.objects.create(client=client, change=change, previous_manager=previous, new_manager=manager,
                                       created_at=timezone.now())
    items = _items(client, previous)
    for position, item in enumerate(items, start=1):
        item.handover, item.position = handover, position
    HandoverItem.objects.bulk_create(items)
    if not items:
        handover.completed_at = handover.created_at
        handover.save(update_fields=["completed_at"])
    return result, handover


def can_tick_handover(actor: User, handover: Handover) -> bool:
    """The new AM ticks their checklist; whoever may assign the client's AM may too."""
    employee = actor_employee(actor)
    return employee is not None and (
        employee.pk == handover.new_manager_id or can_assign_account_manager(actor, handover.client))


@transaction.atomic
def handover_item_set_done(*, actor: User, item: HandoverItem, done: bool = True) -> HandoverItem:
    """Tick (or untick) an item; the handover is complete when every item is ticked."""
    handover = Handover.objects.select_for_update().select_related("client").get(pk=item.handover_id)
    if not can_tick_handover(actor, handover):
        raise PermissionDenied()
    item.done_at = timezone.now() if done else None
    item.done_by = actor if done else None
    item.save(update_fields=["done_at", "done_by"])
    left = handover.items.filter(done_at__isnull=True).exists()
    handover.completed_at = None if left else (handover.completed_at or timezone.now())
    handover.save(update_fields=["completed_at"])
    return item
