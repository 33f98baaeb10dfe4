"""Columns of the communications pages' XLSX exports (requests, interactions); rows come from
the pages' own selectors (see tandem.web.exports)."""

from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext as _

from tandem.comms.models import ClientRequest, Interaction
from tandem.reports.exports import Column, Kind


def _yes_no(value: bool) -> str:
    return _("да") if value else _("нет")


def request_breached(r: ClientRequest, now: datetime) -> bool:
    """The same rule as the «С нарушением SLA» filter of `comms.selectors.request_list`."""
    return bool(
        (r.first_response_at or now) > r.first_response_due_at or (r.resolved_at or now) > r.resolve_due_at
    )


def request_columns(now: datetime) -> list[Column[ClientRequest]]:
    return [
        Column(_("Получено"), lambda r: r.received_at, Kind.DATETIME),
        Column(_("Клиент"), lambda r: r.client.display_name),
        Column(_("Аккаунт-менеджер"), lambda r: r.client.account_manager.full_name if r.client.account_manager else ""),
        Column(_("Контакт"), lambda r: r.contact.full_name if r.contact else ""),
        Column(_("Тема"), lambda r: r.subject, width=40),
        Column(_("Канал"), lambda r: r.get_channel_display(), width=14),
        Column(_("Приоритет"), lambda r: r.get_priority_display(), width=12),
        Column(_("Ответственный"), lambda r: r.owner.full_name if r.owner else ""),
        Column(_("Срок первого ответа"), lambda r: r.first_response_due_at, Kind.DATETIME),
        Column(_("Первый ответ"), lambda r: r.first_response_at, Kind.DATETIME),
        Column(_("Срок решения"), lambda r: r.resolve_due_at, Kind.DATETIME),
        Column(_("Решено"), lambda r: r.resolved_at, Kind.DATETIME),
        Column(_("Нарушение SLA"), lambda r: _yes_no(request_breached(r, now)), width=12),
    ]


def interaction_columns() -> list[Column[Interaction]]:
    # Contacts and employees are prefetched per chunk by the selector (no query per row).
    return [
        Column(_("Когда"), lambda i: i.occurred_at, Kind.DATETIME),
        Column(_("Клиент"), lambda i: i.client.display_name),
        Column(_("Вид"), lambda i: i.get_kind_display(), width=16),
        Column(_("Направление"), lambda i: i.get_direction_display(), width=12),
        Column(_("Канал"), lambda i: i.get_channel_display(), width=14),
        Column(_("Контакты"), lambda i: ", ".join(c.full_name for c in i.contacts.all())),
        Column(_("Сотрудники"), lambda i: ", ".join(e.full_name for e in i.employees.all())),
        Column(_("О чём"), lambda i: i.summary, width=60),
        Column(_("Итог"), lambda i: i.outcome, width=40),
        Column(_("Следующий шаг"), lambda i: i.next_step, width=30),
        Column(_("Срок шага"), lambda i: i.next_step_due, Kind.DATE),
    ]
