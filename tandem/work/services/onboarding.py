"""Onboarding checklist of a new client and the agency's editable template."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tandem.clients.models import Client, LifecycleStatus, TeamMember
from tandem.clients.permissions import can_change_lifecycle
from tandem.clients.services import client_change_status
from tandem.contracts.models import Contract
from tandem.org.models import Agency, Employee, User

from .. import permissions
from ..models import (
    DEFAULT_ONBOARDING_ITEMS,
    OnboardingChecklist,
    OnboardingItem,
    OnboardingTemplateItem,
    WorkSettings,
)
from ._common import apply, require, require_employee

TEMPLATE_EDITABLE_FIELDS = ("title", "position", "due_in_days", "owner_role", "is_active")


def onboarding_template_ensure(*, agency: Agency) -> list[OnboardingTemplateItem]:
    """The agency's template items; the default seven are written on first use so that the
    agency can edit them."""
    items = list(OnboardingTemplateItem.objects.filter(agency=agency).order_by("position", "id"))
    if items:
        return items
    OnboardingTemplateItem.objects.bulk_create([
        OnboardingTemplateItem(agency=agency, title=title, position=i, due_in_days=days, owner_role=role)
        for i, (title, days, role) in enumerate(DEFAULT_ONBOARDING_ITEMS, start=1)
    ])
    return list(OnboardingTemplateItem.objects.filter(agency=agency).order_by("position", "id"))


def onboarding_template_item_create(*, actor: User, data: dict[str, Any]) -> OnboardingTemplateItem:
    """Add an item to the agency's onboarding template (heads of accounts and admins).
    Without a position it goes to the end of the list."""
    require(permissions.can_edit_work_settings(actor))
    agency = require_employee(actor).agency
    existing = onboarding_template_ensure(agency=agency)
    item = OnboardingTemplateItem(agency=agency, position=max((i.position for i in existing), default=0) + 1)
    apply(item, data, TEMPLATE_EDITABLE_FIELDS)
    item.full_clean()
    item.save()
    return item


def onboarding_template_item_update(
    *, actor: User, item: OnboardingTemplateItem, data: dict[str, Any]
) -> OnboardingTemplateItem:
    """Edit or retire (is_active=False) a template item. Existing checklists keep their items."""
    require(permissions.can_edit_work_settings(actor) and item.agency_id == require_employee(actor).agency_id)
    apply(item, data, TEMPLATE_EDITABLE_FIELDS)
    item.full_clean()
    item.save()
    return item


def onboarding_template_item_delete(*, actor: User, item: OnboardingTemplateItem) -> None:
    """Remove an item from the agency's template (heads of accounts and admins). Checklists
    already opened keep their copies of it."""
    require(permissions.can_edit_work_settings(actor) and item.agency_id == require_employee(actor).agency_id)
    item.delete()


@transaction.atomic
def onboarding_template_reorder(*, actor: User, item_ids: list[int]) -> list[OnboardingTemplateItem]:
    """Put the agency's template items in the given order (positions 1..n). `item_ids` must
    name every item of the template exactly once."""
    require(permissions.can_edit_work_settings(actor))
    agency = require_employee(actor).agency
    items = {i.pk: i for i in OnboardingTemplateItem.objects.select_for_update().filter(agency=agency)}
    if len(item_ids) != len(set(item_ids)) or set(item_ids) != set(items):
        raise ValidationError({"items": _("Перечислите каждый пункт шаблона ровно один раз.")})
    for position, pk in enumerate(item_ids, start=1):
        items[pk].position = position
    OnboardingTemplateItem.objects.bulk_update(list(items.values()), ["position"])
    return [items[pk] for pk in item_ids]


def onboarding_template_item_move(
    *, actor: User, item: OnboardingTemplateItem, up: bool
) -> list[OnboardingTemplateItem]:
    """Move a template item one place up or down (a no-op at either end)."""
    require(permissions.can_edit_work_settings(actor) and item.agency_id == require_employee(actor).agency_id)
    ids = list(OnboardingTemplateItem.objects.filter(agency_id=item.agency_id).order_by("position", "id")
               .values_list("pk", flat=True))
    i = ids.index(item.pk)
    j = i - 1 if up else i + 1
    if 0 <= j < len(ids):
        ids[i], ids[j] = ids[j], ids[i]
    return onboarding_template_reorder(actor=actor, item_ids=ids)


def work_settings_update(*, actor: User, data: dict[str, Any]) -> WorkSettings:
    """Change the stage-wait threshold or the onboarding-badge period (heads and admins)."""
    require(permissions.can_edit_work_settings(actor))
    row, _created = WorkSettings.objects.get_or_create(agency=require_employee(actor).agency)
    apply(row, data, ("stage_wait_flag_days", "onboarding_badge_days"))
    row.full_clean()
    row.save()
    return row


def onboarding_start(*, client: Client, contract: Contract, started_on: date) -> OnboardingChecklist:
    """Open the client's onboarding checklist from the agency template (idempotent).
    Owners: the client's AM, or for specialist items the first team specialist (else the AM).
    Called by contract_sign, which has checked the permission."""
    existing = OnboardingChecklist.objects.filter(client=client).first()
    if existing is not None:
        return existing
    checklist = OnboardingChecklist.objects.create(client=client, contract=contract, started_on=started_on)
    specialist_id = (
        TeamMember.objects.filter(client=client, employee__is_active=True).order_by("added_at", "id")
        .values_list("employee_id", flat=True).first()
    )
    items = [t for t in onboarding_template_ensure(agency=client.agency) if t.is_active]
    OnboardingItem.objects.bulk_create([
        OnboardingItem(
            checklist=checklist, title=t.title, position=t.position,
            owner_id=(specialist_id or client.account_manager_id)
            if t.owner_role == OnboardingTemplateItem.OwnerRole.SPECIALIST else client.account_manager_id,
            due_date=started_on + timedelta(days=t.due_in_days),
        )
        for t in items
    ])
    return checklist


def onboarding_item_update(
    *, actor: User, item: OnboardingItem, owner: Employee | None = None, due_date: date | None = None
) -> OnboardingItem:
    """Change an item's owner or due date (whoever steers the client)."""
    require(permissions.can_manage_client_work(actor, item.checklist.client))
    if owner is not None:
        if owner.agency_id != item.checklist.client.agency_id or not owner.is_active:
            raise ValidationError({"owner": _("Сотрудник не найден или не работает.")})
        item.owner = owner
    if due_date is not None:
        item.due_date = due_date
    item.full_clean()
    item.save()
    return item


@transaction.atomic
def onboarding_item_set_done(*, actor: User, item: OnboardingItem, done: bool = True) -> OnboardingItem:
    """Tick (or untick) an onboarding item: its owner or whoever steers the client.

    When the last item is ticked the checklist is complete; a client still "in onboarding"
    then becomes active if the actor may move its lifecycle (otherwise the AM does it).
    """
    require(permissions.can_complete_onboarding_item(actor, item))
    checklist = OnboardingChecklist.objects.select_for_update().select_related("client").get(pk=item.checklist_id)
    now = timezone.now()
    item.done_at = now if done else None
    item.done_by = actor if done else None
    item.save(update_fields=["done_at", "done_by"])
    all_done = not checklist.items.filter(done_at__isnull=True).exists()
    if all_done and checklist.completed_at is None:
        checklist.completed_at = now
        checklist.save(update_fields=["completed_at", "updated_at"])
        client = checklist.client
        if client.status == LifecycleStatus.ONBOARDING and can_change_lifecycle(actor, client):
            client_change_status(actor=actor, client=client, to_status=LifecycleStatus.ACTIVE,
                                 reason=_("Онбординг завершён"))
    elif not all_done and checklist.completed_at is not None:
        checklist.completed_at = None
        checklist.save(update_fields=["completed_at", "updated_at"])
    return item
