"""Escalations of late requests and the comms reminder sources (run by periodic jobs).

Escalation rules:
- level 1: an open request without a first response past its first-response deadline goes
  to the head of the client's group (or, if the group has no active head, to the heads of accounts);
- level 2: a request still unresolved at `head_escalation_at` (the first-response deadline plus
  the policy's further threshold) goes to every active head of accounts of the agency;
- each (request, level, person) is escalated once; the record keeps who, how and when.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from tandem.core.errors import PermissionDenied
from tandem.core.events import emit
from tandem.notifications.models import Channel
from tandem.notifications.registry import Reminder
from tandem.notifications.services import notify
from tandem.org.models import Employee, User
from tandem.org.permissions import actor_employee
from tandem.org.roles import Role

from ..models import ClientRequest, Escalation, Interaction
from ..permissions import can_escalate_request
from .requests import request_data

KIND_ESCALATION = "comms.escalation"
KIND_SLA = "comms.sla"
KIND_CONTACTS_DUE = "comms.contacts_due"
KIND_NEXT_STEP = "comms.next_step"


def web_url(name: str, *args: object) -> str:
    """A path in the web UI if that page is installed, else "" (domain code must not depend on it)."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def _heads_of_accounts() -> dict[int, list[Employee]]:
    heads: dict[int, list[Employee]] = defaultdict(list)
    for e in Employee.objects.filter(role=Role.HEAD_OF_ACCOUNTS, is_active=True).select_related("user"):
        heads[e.agency_id].append(e)
    return heads


def _escalate(
    request: ClientRequest, level: int, person: Employee, reason: str, now: datetime,
    escalated_by: Employee | None = None,
) -> Escalation | None:
    if Escalation.objects.filter(request=request, level=level, notified=person).exists():
        return None
    client = request.client
    title = _("Эскалация: %(client)s — %(subject)s") % {"client": client.display_name, "subject": request.subject}
    body = _("%(reason)s. Приоритет: %(priority)s. Ответственный: %(owner)s.") % {
        "reason": reason, "priority": request.get_priority_display(),
        "owner": request.owner.full_name if request.owner else "—",
    }
    try:
        with transaction.atomic():
            notification, _created = notify(
                recipient=person, kind=KIND_ESCALATION, title=title, body=body,
                url=web_url("web:request_detail", request.pk),
                dedupe_key=f"comms.escalation:{request.pk}:{level}:{person.pk}",
            )
            channels = [Channel.IN_APP.value] + sorted(
                notification.deliveries.values_list("channel", flat=True)
            )
            escalation = Escalation.objects.create(
                request=request, level=level, notified=person, channels=",".join(channels),
                notification=notification, reason=reason[:255], created_at=now, escalated_by=escalated_by,
            )
            emit("request.sla_breached", agency_id=client.agency_id, data={
                **request_data(request), "level": level, "reason": reason, "notified": person.pk,
            })
            return escalation
    except IntegrityError:  # a concurrent run recorded it first
        return None


def escalations_run(*, now: datetime | None = None) -> list[Escalation]:
    """Escalate every late request that has not been escalated at its level yet. Idempotent."""
    now = now or timezone.now()
    created: list[Escalation] = []
    heads = _heads_of_accounts()
    late = ClientRequest.objects.filter(
        resolved_at__isnull=True, first_response_at__isnull=True, first_response_due_at__lt=now
    ).select_related("client__group__head__user", "owner")
    for request in late:
        group = request.client.group
        group_head = group.head if group is not None else None
        targets = [group_head] if group_head is not None and group_head.is_active else heads[request.client.agency_id]
        reason = _("Нет первого ответа, срок истёк %(due)s") % {
            "due": timezone.localtime(request.first_response_due_at).strftime("%d.%m %H:%M")
        }
        for person in targets:
            if (e := _escalate(request, Escalation.Level.GROUP_HEAD, person, reason, now)) is not None:
                created.append(e)
    stale = ClientRequest.objects.filter(resolved_at__isnull=True, head_escalation_at__lt=now).select_related(
        "client", "owner"
    )
    for request in stale:
        reason = _("Не решено, порог эскалации %(at)s") % {
            "at": timezone.localtime(request.head_escalation_at).strftime("%d.%m %H:%M")
        }
        for person in heads[request.client.agency_id]:
            if (e := _escalate(request, Escalation.Level.HEAD_OF_ACCOUNTS, person, reason, now)) is not None:
                created.append(e)
    return created


@dataclass(frozen=True)
class EscalationResult:
    """The escalations of the request at the level asked; `created` is False when it had been
    escalated at that level before (nothing new was sent)."""

    escalations: list[Escalation]
    created: bool


def _level_targets(request: ClientRequest, level: int) -> list[Employee]:
    """The same addressees as the job: level 1 → the group's active head (else the heads of
    accounts), level 2 → every active head of accounts of the agency."""
    heads = list(Employee.objects.filter(
        agency_id=request.client.agency_id, role=Role.HEAD_OF_ACCOUNTS, is_active=True
    ).select_related("user"))
    if level == Escalation.Level.GROUP_HEAD:
        group = request.client.group
        if group is not None and group.head is not None and group.head.is_active:
            return [group.head]
    return heads


@transaction.atomic
def request_escalate(*, actor: User, request: ClientRequest, level: int, reason: str = "") -> EscalationResult:
    """Escalate an open request now, by hand, to the group head (level 1) or the heads of
    accounts (level 2). Recorded like the job's escalations (who was notified, through which
    channels, why) plus who escalated. The actor is not notified about their own escalation.

    Idempotent per level: if the request has any escalation at that level (by hand or by the
    job), nothing is sent and those records are returned with `created=False`.
    """
    employee = actor_employee(actor)
    if employee is None or not can_escalate_request(actor, request):
        raise PermissionDenied()
    if level not in Escalation.Level.values:
        raise ValidationError({"level": _("Неизвестный уровень эскалации.")})
    # Serialise concurrent clicks on the same request.
    # of=("self",): PostgreSQL cannot lock the nullable side of the outer joins (group, head, owner).
    request = (
        ClientRequest.objects.select_for_update(of=("self",))
        .select_related("client__group__head__user", "owner")
        .get(pk=request.pk)
    )
    existing = list(request.escalations.filter(level=level).select_related("notified", "escalated_by"))
    if existing:
        return EscalationResult(escalations=existing, created=False)
    if request.resolved_at is not None:
        raise ValidationError(_("Обращение уже решено — эскалировать нечего."))
    targets = [p for p in _level_targets(request, level) if p.pk != employee.pk]
    if not targets:
        raise ValidationError({"level": _("Некого уведомить на этом уровне.")})
    text = _("Эскалировано вручную: %(who)s") % {"who": employee.full_name}
    if reason.strip():
        text = f"{text}. {reason.strip()}"
    now = timezone.now()
    created = [
        e for person in targets
        if (e := _escalate(request, level, person, text, now, escalated_by=employee)) is not None
    ]
    return EscalationResult(escalations=created, created=True)


def sla_reminders(now: datetime) -> Iterable[Reminder]:
    """Reminder source: the owner (or the AM) hears once when a deadline passes or is 30 min away."""
    soon = now + timedelta(minutes=30)
    qs = ClientRequest.objects.filter(resolved_at__isnull=True).select_related("client")
    qs = qs.filter(first_response_due_at__lt=soon) | qs.filter(resolve_due_at__lt=soon)
    for r in qs:
        recipient_id = r.owner_id or r.client.account_manager_id
        if recipient_id is None:
            continue
        url = web_url("web:request_detail", r.pk)
        name = r.client.display_name
        if r.first_response_at is None:
            if r.first_response_due_at < now:
                yield Reminder(recipient_id, KIND_SLA, _("Просрочен первый ответ: %(c)s — %(s)s") % {"c": name, "s": r.subject},
                               f"comms.sla.first_breach:{r.pk}", url=url)
            else:
                yield Reminder(recipient_id, KIND_SLA, _("Через 30 минут срок ответа: %(c)s — %(s)s") % {"c": name, "s": r.subject},
                               f"comms.sla.first_soon:{r.pk}", url=url)
        if r.resolve_due_at < now:
            yield Reminder(recipient_id, KIND_SLA, _("Просрочено решение: %(c)s — %(s)s") % {"c": name, "s": r.subject},
                           f"comms.sla.resolve_breach:{r.pk}", url=url)


def next_step_reminders(now: datetime) -> Iterable[Reminder]:
    """Reminder source: agreed next steps due today or overdue, to the client's AM, once per due date."""
    today = timezone.localdate(now)
    qs = Interaction.objects.filter(
        next_step_due__lte=today, next_step_done_at__isnull=True, client__account_manager__isnull=False
    ).select_related("client")
    for i in qs:
        am_id, due = i.client.account_manager_id, i.next_step_due
        assert am_id is not None and due is not None  # the filter excludes both NULLs
        yield Reminder(
            am_id, KIND_NEXT_STEP,
            _("Следующий шаг по %(c)s: %(step)s") % {"c": i.client.display_name, "step": i.next_step},
            f"comms.next_step:{i.pk}:{due.isoformat()}",
            url=web_url("web:my_day"),
        )


def due_contact_reminders(now: datetime) -> Iterable[Reminder]:
    """Reminder source: a morning digest per AM with the number of contacts due today."""
    from tandem.clients.models import SERVED_STATUSES, Client

    from ..selectors import due_contacts_for_clients  # selectors import services' helpers; avoid a cycle

    today = timezone.localdate(now)
    clients = Client.objects.filter(status__in=SERVED_STATUSES, account_manager__isnull=False)
    per_am: dict[int, list[str]] = defaultdict(list)
    for item in due_contacts_for_clients(clients, today=today, now=now):
        client_am_id = item.client.account_manager_id
        assert client_am_id is not None  # only clients with an AM
        per_am[client_am_id].append(f"{item.contact.full_name} ({item.client.display_name})")
    for am_id, names in per_am.items():
        yield Reminder(
            am_id, KIND_CONTACTS_DUE, _("Сегодня на связь: %(n)s") % {"n": len(names)},
            f"comms.contacts_due:{am_id}:{today.isoformat()}", body="\n".join(names[:30]), url=web_url("web:my_day"),
        )
