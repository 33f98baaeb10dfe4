"""Writes for client requests: receive (with computed SLA clock), answer, resolve, reassign."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tandem.clients.models import Client, Contact
from tandem.core.errors import PermissionDenied
from tandem.core.events import emit
from tandem.integrations.workcalendar import add_minutes
from tandem.org.models import Employee, User
from tandem.org.permissions import actor_employee
from tandem.org.roles import Role

from ..models import ClientRequest, CommChannel, Priority
from ..permissions import (
    can_create_request,
    can_manage_request,
    can_reopen_request,
    request_owner_candidates,
)
from .calendar import sla_terms, work_calendar

REQUEST_FIELDS = ("channel", "subject", "text", "priority", "received_at")
OWNER_ROLES = (Role.ACCOUNT_MANAGER, Role.GROUP_HEAD, Role.HEAD_OF_ACCOUNTS, Role.SPECIALIST)


def request_data(request: ClientRequest) -> dict[str, Any]:
    """What a request's events (tandem.core.events) carry."""
    return {
        "id": request.pk, "client": request.client_id, "contact": request.contact_id, "subject": request.subject,
        "priority": request.priority, "channel": request.channel, "owner": request.owner_id,
        "received_at": request.received_at.isoformat(), "resolve_due_at": request.resolve_due_at.isoformat(),
        "resolved_at": request.resolved_at.isoformat() if request.resolved_at else None,
    }


def _compute_clock(request: ClientRequest, client: Client) -> None:
    terms = sla_terms(agency=client.agency, priority=request.priority, tier=client.tier)
    calendar = None if terms.round_the_clock else work_calendar(agency=client.agency_id)
    request.round_the_clock = terms.round_the_clock
    request.first_response_due_at = add_minutes(request.received_at, terms.first_response_minutes, calendar)
    request.resolve_due_at = add_minutes(request.received_at, terms.resolve_minutes, calendar)
    request.head_escalation_at = add_minutes(
        request.first_response_due_at, terms.head_escalation_minutes, calendar
    )


def _check_owner(client: Client, owner: Employee | None) -> None:
    if owner is None:
        return
    if owner.agency_id != client.agency_id or not owner.is_active or owner.role not in OWNER_ROLES:
        raise ValidationError({"owner": _("Ответственным может быть работающий сотрудник агентства.")})


def request_create(
    *,
    actor: User,
    client: Client,
    data: dict[str, Any],
    contact: Contact | None = None,
    owner: Employee | None = None,
) -> ClientRequest:
    """Register a client's request. The owner defaults to the client's AM; one named must be
    among those who may handle the client's requests (`request_owner_candidates`). The SLA deadlines
    are computed from the agency's policy for (priority, client tier) on its working calendar."""
    if actor_employee(actor) is None or not can_create_request(actor, client):
        raise PermissionDenied()
    unknown = set(data) - set(REQUEST_FIELDS)
    if unknown:
        raise ValidationError({name: _("Это поле нельзя изменить здесь.") for name in sorted(unknown)})
    if contact is not None and contact.client_id != client.pk:
        raise ValidationError({"contact": _("Контакт относится к другому клиенту.")})
    if owner is not None and not request_owner_candidates(client).filter(pk=owner.pk).exists():
        raise ValidationError({"owner": _("Этот сотрудник не работает с клиентом.")})
    owner = owner or client.account_manager
    _check_owner(client, owner)
    request = ClientRequest(client=client, contact=contact, owner=owner, created_by=actor)
    for name, value in {"received_at": timezone.now(), **data}.items():
        setattr(request, name, value)
    if not request.received_at or request.received_at > timezone.now() + timedelta(minutes=5):
        raise ValidationError({"received_at": _("Обращение не может прийти в будущем.")})
    _compute_clock(request, client)
    request.full_clean()
    request.save()
    emit("request.created", agency_id=client.agency_id, data=request_data(request))
    return request


def request_create_by_contact(*, user: User, contact: Contact, subject: str, text: str = "") -> ClientRequest:
    """The client's contact files a request themselves (the client portal): received now through
    the portal channel, normal priority, owned by the client's AM, with the SLA clock computed
    as for any request. Precondition: the caller (tandem.portal) has checked that the contact may
    file requests there; here the contact must be an active contact of an active agency client."""
    client = contact.client
    if not contact.is_active:
        raise PermissionDenied()
    owner = client.account_manager
    if owner is not None and (owner.agency_id != client.agency_id or not owner.is_active):
        owner = None
    request = ClientRequest(
        client=client, contact=contact, owner=owner, created_by=user, channel=CommChannel.PORTAL,
        subject=subject.strip(), text=text.strip(), priority=Priority.NORMAL, received_at=timezone.now(),
    )
    _compute_clock(request, client)
    request.full_clean()
    request.save()
    return request


def request_respond(*, actor: User, request: ClientRequest, at: datetime | None = None) -> ClientRequest:
    """Record the first response (idempotent: a second call keeps the first time)."""
    if not can_manage_request(actor, request):
        raise PermissionDenied()
    if request.first_response_at is not None:
        return request
    at = at or timezone.now()
    if at < request.received_at:
        raise ValidationError({"first_response_at": _("Ответ не может быть раньше обращения.")})
    request.first_response_at = at
    request.save(update_fields=["first_response_at", "updated_at"])
    return request


@transaction.atomic
def request_resolve(*, actor: User, request: ClientRequest, at: datetime | None = None) -> ClientRequest:
    """Close the request. Without a recorded response the resolution counts as the first response."""
    if not can_manage_request(actor, request):
        raise PermissionDenied()
    if request.resolved_at is not None:
        return request
    at = at or timezone.now()
    if at < request.received_at:
        raise ValidationError({"resolved_at": _("Решение не может быть раньше обращения.")})
    if request.first_response_at is None:
        request.first_response_at = at
    request.resolved_at = at
    request.save(update_fields=["first_response_at", "resolved_at", "updated_at"])
    emit("request.resolved", agency_id=request.client.agency_id, data=request_data(request))
    return request


@transaction.atomic
def request_reopen(*, actor: User, request: ClientRequest, reason: str) -> ClientRequest:
    """Reopen a resolved request with a reason (kept in the request's history as the change
    reason). Its deadlines stay: a breach is not forgiven by reopening. Checked on the stored
    row, locked, so that two reopenings do not both pass."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Укажите причину.")})
    if len(reason) > 100:
        raise ValidationError({"reason": _("Не длиннее 100 символов.")})
    stored = ClientRequest.objects.select_for_update().get(pk=request.pk)
    if stored.resolved_at is None:
        raise ValidationError({"resolved_at": _("Обращение не решено — открывать нечего.")})
    if not can_reopen_request(actor, stored):
        raise PermissionDenied()
    request.resolved_at = None
    request._change_reason = reason  # type: ignore[attr-defined]  # simple-history's change reason
    request._history_user = actor  # type: ignore[attr-defined]  # also outside a web request
    request.save(update_fields=["resolved_at", "updated_at"])
    return request


@transaction.atomic
def request_reopen_by_contact(*, user: User, request: ClientRequest, reason: str) -> ClientRequest:
    """The client's contact answered on a resolved request (the client portal): it is open again,
    with the reason in its history, the contact's sign-in as who. As with `request_reopen` the
    deadlines stay. Precondition: the caller (tandem.portal) has checked the contact's access to
    the request. An open request is returned unchanged (its clock simply runs on)."""
    stored = ClientRequest.objects.select_for_update().get(pk=request.pk)
    if stored.resolved_at is None:
        return request
    request.resolved_at = None
    request._change_reason = reason[:100]  # type: ignore[attr-defined]
    request._history_user = user  # type: ignore[attr-defined]
    request.save(update_fields=["resolved_at", "updated_at"])
    return request


@transaction.atomic
def request_assign(*, actor: User, request: ClientRequest, owner: Employee) -> ClientRequest:
    """Hand an open request to another employee who may handle it (`request_owner_candidates`:
    heads of accounts, the client's group head, AM or team specialists)."""
    stored = ClientRequest.objects.select_for_update().get(pk=request.pk)
    if not can_manage_request(actor, request):
        raise PermissionDenied()
    if stored.resolved_at is not None:
        raise ValidationError({"owner": _("Решённое обращение не передают — сначала откройте его снова.")})
    _check_owner(request.client, owner)
    if not request_owner_candidates(request.client).filter(pk=owner.pk).exists():
        raise ValidationError({"owner": _("Этот сотрудник не работает с клиентом.")})
    request.owner = owner
    request._history_user = actor  # type: ignore[attr-defined]
    request.save(update_fields=["owner", "updated_at"])
    return request
