"""Writes for clients, contacts, the client team and the AM assignment.

Every function checks the permission rule again, validates with full_clean() and runs in
a transaction when it writes more than one row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tandem.core.errors import PermissionDenied
from tandem.core.events import emit, emit_many
from tandem.org.models import Employee, User
from tandem.org.permissions import actor_employee
from tandem.org.roles import Role

from . import permissions
from .models import (
    SERVED_STATUSES,
    AccountManagerChange,
    Client,
    Contact,
    LifecycleStatus,
    LifecycleTransition,
    TeamMember,
)
from .selectors import account_manager_load

S = LifecycleStatus

# Allowed lifecycle moves. Churned clients can be won back through onboarding.
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    S.LEAD: frozenset({S.ONBOARDING, S.CHURNED}),
    S.ONBOARDING: frozenset({S.ACTIVE, S.AT_RISK, S.CHURNED}),
    S.ACTIVE: frozenset({S.AT_RISK, S.CHURNED}),
    S.AT_RISK: frozenset({S.ACTIVE, S.CHURNED}),
    S.CHURNED: frozenset({S.LEAD, S.ONBOARDING}),
}

CLIENT_EDITABLE_FIELDS = (
    "legal_name", "brand_name", "inn", "kpp", "ogrn", "legal_address", "bank_name", "bik", "bank_account",
    "correspondent_account", "kind", "tier", "group", "character_notes", "personal_notes", "website",
    "served_since",
)
CONTACT_EDITABLE_FIELDS = (
    "full_name", "position", "role", "phone", "email", "messenger", "preferred_channel", "cadence_days",
    "is_urgent_contact", "quiet_hours_start", "quiet_hours_end", "birthday", "notes", "is_active",
)


@dataclass
class AssignmentResult:
    client: Client
    warnings: list[str] = field(default_factory=list)
    limit_overridden: bool = False


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied()


def _require_employee(actor: User) -> Employee:
    employee = actor_employee(actor)
    if employee is None:
        raise PermissionDenied()
    return employee


def _apply(instance: Any, data: dict[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = set(data) - set(allowed)
    if unknown:
        raise ValidationError({name: _("Это поле нельзя изменить здесь.") for name in sorted(unknown)})
    for name, value in data.items():
        setattr(instance, name, value)


def client_create(
    *,
    actor: User,
    data: dict[str, Any],
    account_manager: Employee | None = None,
    reason: str = "",
    force: bool = False,
) -> AssignmentResult:
    """Create a client in the actor's agency, as a lead unless `data` says otherwise.

    An AM who creates a client becomes its responsible AM. The group defaults to the AM's group.
    Workload limits apply to the initial assignment exactly as to a later one.
    """
    employee = _require_employee(actor)
    _require(permissions.can_create_client(actor))
    data = dict(data)
    status = data.pop("status", S.LEAD)
    if status not in (S.LEAD, S.ONBOARDING, S.ACTIVE):
        raise ValidationError({"status": _("Новый клиент может быть лидом, на онбординге или активным.")})
    if account_manager is None and employee.role == Role.ACCOUNT_MANAGER:
        account_manager = employee
    if account_manager is not None and account_manager != employee and employee.role not in (
        Role.HEAD_OF_ACCOUNTS, Role.ADMIN, Role.GROUP_HEAD
    ):
        raise ValidationError({"account_manager": _("Назначить другого аккаунта может руководитель или группхэд.")})
    with transaction.atomic():
        now = timezone.now()
        client = Client(agency=employee.agency, status=status, status_changed_at=now)
        _apply(client, data, CLIENT_EDITABLE_FIELDS)
        if client.group_id is None and employee.role == Role.GROUP_HEAD and employee.group_id:
            # Otherwise the group head could not see the client they have just created.
            client.group_id = employee.group_id
        if client.group is not None and client.group.agency_id != employee.agency_id:
            raise ValidationError({"group": _("Группа из другого агентства.")})
        _check_served_since(actor, client, changed=client.served_since is not None)
        client.full_clean()
        client.save()
        LifecycleTransition.objects.create(
            client=client, from_status="", to_status=status, changed_by=actor,
            changed_at=now, reason=reason or _("Клиент создан"),
        )
        result = AssignmentResult(client=client)
        if account_manager is not None:
            result = _assign(actor=actor, client=client, manager=account_manager, reason=reason, force=force)
        emit("client.created", agency_id=client.agency_id, data=client_data(client))
    return result


class BulkRowInvalid(ValidationError):
    """One item of a bulk create is invalid; `index` says which (nothing has been written)."""

    def __init__(self, index: int, error: ValidationError) -> None:
        super().__init__(error.messages)
        self.index = index


@transaction.atomic
def clients_create_bulk(*, actor: User, items: list[tuple[dict[str, Any], str]], reason: str = "") -> list[Client]:
    """Create many clients without an AM at once (the go-live import): what `client_create` writes
    for each — the client, its history row, its first lifecycle transition, the «client.created»
    event (one emit_many) — in a few bulk queries. `items` are (data, status) pairs. Field
    validation runs here, uniqueness is left to the database (the importer has checked INNs and
    keys across the file and Tandem). Clients with an AM go through `client_create`: the
    assignment checks workload limits and dates the AM's record."""
    employee = _require_employee(actor)
    _require(permissions.can_create_client(actor))
    from simple_history.utils import bulk_create_with_history

    now = timezone.now()
    clients: list[Client] = []
    for index, (data, status) in enumerate(items):
        try:
            if status not in (S.LEAD, S.ONBOARDING, S.ACTIVE):
                raise ValidationError({"status": _("Новый клиент может быть лидом, на онбординге или активным.")})
            client = Client(agency=employee.agency, status=status, status_changed_at=now)
            _apply(client, data, CLIENT_EDITABLE_FIELDS)
            if client.group_id is not None:
                raise ValidationError({"group": _("Группа задаётся вместе с аккаунтом.")})
            _check_served_since(actor, client, changed=client.served_since is not None)
            # The agency is the actor's: no query per row to check the foreign key.
            client.full_clean(exclude=["agency"], validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            raise BulkRowInvalid(index, exc) from exc
        clients.append(client)
    created = bulk_create_with_history(clients, Client, batch_size=1000, default_user=actor,
                                       default_change_reason=reason)
    LifecycleTransition.objects.bulk_create([
        LifecycleTransition(client=client, from_status="", to_status=client.status, changed_by=actor,
                            changed_at=now, reason=reason or _("Клиент создан"))
        for client in created
    ], batch_size=1000)
    emit_many("client.created", agency_id=employee.agency_id, items=[client_data(c) for c in created])
    return created


@transaction.atomic
def contacts_create_bulk(*, actor: User, items: list[tuple[Client, dict[str, Any]]]) -> list[Contact]:
    """Add many contact persons at once (the go-live import), with their history rows; the same
    rule and validation as `contact_create`. An urgent flag is not set this way (it moves between
    contacts one at a time)."""
    from simple_history.utils import bulk_create_with_history

    allowed: dict[int, bool] = {}
    contacts: list[Contact] = []
    for index, (client, data) in enumerate(items):
        if client.pk not in allowed:
            allowed[client.pk] = permissions.can_edit_client(actor, client)
        _require(allowed[client.pk])
        contact = Contact(client=client)
        try:
            _apply(contact, {k: v for k, v in data.items() if k != "is_urgent_contact"}, CONTACT_EDITABLE_FIELDS)
            # The client was checked above: no query per row to check the foreign key.
            contact.full_clean(exclude=["client"], validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            raise BulkRowInvalid(index, exc) from exc
        contacts.append(contact)
    return bulk_create_with_history(contacts, Contact, batch_size=1000, default_user=actor)


@transaction.atomic
def client_data(client: Client) -> dict[str, Any]:
    """What a client's events (tandem.core.events) carry."""
    return {
        "id": client.pk, "legal_name": client.legal_name, "brand_name": client.brand_name, "inn": client.inn,
        "status": client.status, "tier": client.tier, "account_manager": client.account_manager_id,
        "group": client.group_id,
    }


def client_update(*, actor: User, client: Client, data: dict[str, Any]) -> Client:
    """Change the client's details. Status and AM change only through their own services.

    A changed «served since» date re-dates the first AM's record to it (see
    `_sync_first_am_record`), so their credit for payments follows the corrected date."""
    _require(permissions.can_edit_client(actor, client))
    served_before = client.served_since
    if "group" in data and data["group"] != client.group and not permissions.can_assign_account_manager(actor, client):
        # The group decides who sees the client, so only those who staff clients may move it.
        raise ValidationError({"group": _("Перевести клиента в другую группу может руководитель или группхэд.")})
    _apply(client, data, CLIENT_EDITABLE_FIELDS)
    if client.group is not None and client.group.agency_id != client.agency_id:
        raise ValidationError({"group": _("Группа из другого агентства.")})
    _check_served_since(actor, client, changed=client.served_since != served_before)
    client.full_clean()
    # Only the edited fields: status, AM and churn data change through their own services, maybe
    # at the same moment, and a stale copy here must not write them back.
    client.save(update_fields=[*CLIENT_EDITABLE_FIELDS, "updated_at"])
    if client.served_since != served_before:
        _sync_first_am_record(client)
    return client


@transaction.atomic
def client_service_start_extend(*, actor: User, client: Client, day: date) -> Client:
    """The client is served at least since `day` (a contract starting then): when `day` is before
    the recorded start of service — «served since», else the first AM's record, else the day the
    client was created — «served since» moves back to `day`, and the first AM's record with it.
    It never moves forward (a later contract changes nothing). For those who manage the client's
    contracts (the lifecycle rule); the contracts services call it when a contract is created or
    its start date edited."""
    _require(permissions.can_change_lifecycle(actor, client))
    locked = Client.objects.select_for_update().only("id", "served_since", "created_at").get(pk=client.pk)
    current = locked.served_since
    if current is None:
        first = (
            AccountManagerChange.objects.filter(client_id=client.pk, previous_manager__isnull=True)
            .order_by("changed_at", "id").values_list("changed_at", flat=True).first()
        )
        current = timezone.localdate(first or locked.created_at)
    if day >= current:
        return client
    client.served_since = day
    Client.objects.filter(pk=client.pk).update(served_since=day)
    _sync_first_am_record(client)
    return client


def _check_served_since(actor: User, client: Client, *, changed: bool) -> None:
    if not changed:
        return
    if not permissions.can_set_served_since(actor, client):
        raise ValidationError({"served_since": _("Дату начала работы вносят руководители, группхэд и финансы.")})
    if client.served_since is not None and client.served_since > timezone.localdate():
        raise ValidationError({"served_since": _("Дата начала работы не может быть в будущем.")})


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _sync_first_am_record(client: Client) -> None:
    """The first responsible AM is on record from the start of service: the client's first AM
    change, when it names no previous manager (the initial assignment), is dated at the start of
    `client.served_since` — but never after the next change, so the order of history is kept.
    `tandem.billing.selectors.am_resolver` reads only this history, so plan fulfilment, bonuses
    and profitability by AM all credit the first AM for the months before the row was created."""
    if client.served_since is None:
        return
    first_two = list(AccountManagerChange.objects.filter(client_id=client.pk).order_by("changed_at", "id")[:2])
    if not first_two or first_two[0].previous_manager_id is not None:
        return
    start = _start_of(client.served_since)
    if len(first_two) > 1 and start > first_two[1].changed_at:
        start = first_two[1].changed_at
    if first_two[0].changed_at != start:
        AccountManagerChange.objects.filter(pk=first_two[0].pk).update(changed_at=start)


@transaction.atomic
def client_change_status(
    *,
    actor: User,
    client: Client,
    to_status: str,
    reason: str = "",
    churn_reason: str = "",
    churn_comment: str = "",
    force: bool = False,
) -> Client:
    """Move the client along lead → onboarding → active ⇄ at risk → churned.

    Churn needs a reason from the list plus a text. Every move is stored with date, actor
    and reason. Winning a churned client back clears the churn reason (history keeps it).
    A lead or churned client that starts being served counts toward its AM's load, so the
    hard workload limit applies here as on assignment (the head of accounts may force it).
    """
    _require(permissions.can_change_lifecycle(actor, client))
    # Lock order as in _assign: the client row, then its AM's row.
    client = Client.objects.select_for_update().get(pk=client.pk)
    if to_status not in S.values:
        raise ValidationError({"to_status": _("Неизвестный статус.")})
    if to_status not in ALLOWED_TRANSITIONS[client.status]:
        raise ValidationError(
            {"to_status": _("Нельзя перевести клиента из «%(from)s» в «%(to)s».")
             % {"from": S(client.status).label, "to": S(to_status).label}}
        )
    if to_status == S.CHURNED:
        errors = {}
        if not churn_reason:
            errors["churn_reason"] = _("Укажите причину ухода.")
        if not (churn_comment or reason).strip():
            errors["churn_comment"] = _("Опишите, почему клиент ушёл.")
        if errors:
            raise ValidationError(errors)
        client.churn_reason = churn_reason
        client.churn_comment = churn_comment or reason
    else:
        client.churn_reason = ""
        client.churn_comment = ""
    from_status = client.status
    if to_status in SERVED_STATUSES and from_status not in SERVED_STATUSES and client.account_manager_id:
        manager = Employee.objects.select_for_update().select_related("agency").get(pk=client.account_manager_id)
        new_load = account_manager_load(manager) + 1
        if new_load > manager.effective_hard_limit and not (force and permissions.can_force_over_hard_limit(actor)):
            raise ValidationError({"to_status": _(
                "У %(name)s будет %(load)s клиентов — больше жёсткого лимита %(limit)s. "
                "Смените аккаунта или попросите руководителя аккаунтинга."
            ) % {"name": manager.full_name, "load": new_load, "limit": manager.effective_hard_limit}})
    client.status = to_status
    client.status_changed_at = timezone.now()
    client.full_clean()
    client.save()
    LifecycleTransition.objects.create(
        client=client, from_status=from_status, to_status=to_status, changed_by=actor,
        changed_at=client.status_changed_at, reason=reason or churn_comment, churn_reason=churn_reason,
    )
    emit("client.status_changed", agency_id=client.agency_id,
         data={**client_data(client), "from_status": from_status, "reason": reason or churn_comment,
               "churn_reason": churn_reason})
    return client


def client_assign_account_manager(
    *, actor: User, client: Client, manager: Employee, reason: str = "", force: bool = False
) -> AssignmentResult:
    """Make `manager` the client's responsible AM and keep the history (who, from, to, why).

    Workload rule: above the soft limit the assignment goes through with a warning; above
    the hard limit it is refused unless the head of accounts forces it, which is recorded.
    """
    _require(permissions.can_assign_account_manager(actor, client))
    with transaction.atomic():
        return _assign(actor=actor, client=client, manager=manager, reason=reason, force=force)


def _assign(*, actor: User, client: Client, manager: Employee, reason: str, force: bool) -> AssignmentResult:
    if manager.agency_id != client.agency_id or not manager.is_active:
        raise ValidationError({"account_manager": _("Сотрудник не найден или не работает.")})
    if manager.role not in (Role.ACCOUNT_MANAGER, Role.GROUP_HEAD, Role.HEAD_OF_ACCOUNTS):
        raise ValidationError({"account_manager": _("Ответственным может быть только аккаунт-менеджер.")})
    # Lock order in every path that changes who serves a client (here, client_change_status):
    # the client row first, then the receiving AM's row. The client's status and AM are re-read
    # under the lock (a concurrent status change may have made it served), and the AM's lock
    # makes two concurrent assignments to the same AM count their load one after the other.
    locked = Client.objects.select_for_update().only("id", "status", "account_manager_id").get(pk=client.pk)
    client.status = locked.status
    client.account_manager_id = locked.account_manager_id
    if client.account_manager_id == manager.pk:
        return AssignmentResult(client=client)
    manager = Employee.objects.select_for_update().select_related("agency").get(pk=manager.pk)
    result = AssignmentResult(client=client)
    if client.status in SERVED_STATUSES:
        new_load = account_manager_load(manager) + 1
        if new_load > manager.effective_hard_limit:
            if not (force and permissions.can_force_over_hard_limit(actor)):
                raise ValidationError({"account_manager": _(
                    "У %(name)s будет %(load)s клиентов — больше жёсткого лимита %(limit)s. "
                    "Назначить сверх лимита может только руководитель аккаунтинга."
                ) % {"name": manager.full_name, "load": new_load, "limit": manager.effective_hard_limit}})
            result.limit_overridden = True
            result.warnings.append(_("Жёсткий лимит превышен по решению руководителя аккаунтинга."))
        elif new_load > manager.effective_soft_limit:
            result.warnings.append(_(
                "У %(name)s будет %(load)s клиентов — больше рекомендуемых %(limit)s."
            ) % {"name": manager.full_name, "load": new_load, "limit": manager.effective_soft_limit})
    previous = client.account_manager
    client.account_manager = manager
    if client.group_id is None and manager.group_id is not None:
        client.group_id = manager.group_id
    client.save(update_fields=["account_manager", "group", "updated_at"])
    AccountManagerChange.objects.create(
        client=client, previous_manager=previous, new_manager=manager, changed_by=actor,
        changed_at=timezone.now(), reason=reason, limit_overridden=result.limit_overridden,
    )
    if previous is None:
        # The first AM of a client served before they were assigned is on record from that start.
        _sync_first_am_record(client)
    emit("client.manager_changed", agency_id=client.agency_id,
         data={**client_data(client), "previous_account_manager": previous.pk if previous else None,
               "reason": reason})
    return result


def served_clients_block(employee: Employee) -> str | None:
    """Deactivation check (registered with tandem.org.deactivation): an employee who is still the
    responsible AM of clients in served statuses cannot leave until those clients are reassigned."""
    load = account_manager_load(employee)
    if not load:
        return None
    return _(
        "Клиентов в работе у сотрудника: %(n)s. Сначала передайте их другому аккаунт-менеджеру."
    ) % {"n": load}


def team_member_add(*, actor: User, client: Client, employee: Employee, service: str) -> TeamMember:
    """Put a specialist on the client's team for one service (idempotent)."""
    _require(permissions.can_manage_team(actor, client))
    if employee.agency_id != client.agency_id or not employee.is_active:
        raise ValidationError({"employee": _("Сотрудник не найден или не работает.")})
    if employee.role != Role.SPECIALIST:
        raise ValidationError({"employee": _("В команду добавляются специалисты; аккаунт назначается отдельно.")})
    existing = TeamMember.objects.filter(client=client, employee=employee, service=service).first()
    if existing is not None:
        return existing
    member = TeamMember(client=client, employee=employee, service=service)
    member.full_clean(validate_constraints=False)
    member.save()
    return member


def team_member_remove(*, actor: User, member: TeamMember) -> None:
    """Take a specialist off the team; their past time entries stay."""
    _require(permissions.can_manage_team(actor, member.client))
    member.delete()


@transaction.atomic
def contact_create(*, actor: User, client: Client, data: dict[str, Any]) -> Contact:
    """Add a contact person. Marking them urgent takes the flag from the previous urgent contact."""
    _require(permissions.can_edit_client(actor, client))
    contact = Contact(client=client)
    _apply(contact, data, CONTACT_EDITABLE_FIELDS)
    contact.full_clean(validate_constraints=False)
    _release_urgent_flag(contact)
    contact.save()
    return contact


@transaction.atomic
def contact_update(*, actor: User, contact: Contact, data: dict[str, Any]) -> Contact:
    """Edit a contact person; history is kept by simple_history."""
    _require(permissions.can_edit_client(actor, contact.client))
    _apply(contact, data, CONTACT_EDITABLE_FIELDS)
    contact.full_clean(validate_constraints=False)
    _release_urgent_flag(contact)
    # Only the edited fields: `last_interaction_at` is kept by the comms services, maybe at the same
    # moment, and a stale copy here must not write it back.
    contact.save(update_fields=[*CONTACT_EDITABLE_FIELDS, "updated_at"])
    return contact


def contact_delete(*, actor: User, contact: Contact) -> None:
    _require(permissions.can_edit_client(actor, contact.client))
    contact.delete()


def _release_urgent_flag(contact: Contact) -> None:
    """At most one urgent contact per client: the newly marked one wins."""
    if (contact.quiet_hours_start is None) != (contact.quiet_hours_end is None):
        raise ValidationError({"quiet_hours_end": _("Укажите начало и конец тихих часов.")})
    if contact.is_urgent_contact:
        for other in Contact.objects.filter(client=contact.client, is_urgent_contact=True).exclude(pk=contact.pk):
            other.is_urgent_contact = False
            other.save(update_fields=["is_urgent_contact", "updated_at"])
