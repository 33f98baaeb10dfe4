"""Business events for the agency's other systems (webhooks), raised by the domain services.

The services sit below the app that delivers events, so they cannot call it. They call
`emit(...)` here; the webhooks app registers itself as the sink from its AppConfig.ready(),
exactly like tandem.org.deactivation's checks. Without a sink (a domain test that does not
load the app, say) an event goes nowhere.

    from tandem.core.events import emit
    emit("invoice.issued", agency_id=invoice.agency_id, data={"id": invoice.pk, ...})

Call it inside the service's transaction: the sink records the deliveries in the same
transaction and sends them only after commit, so a rolled-back write announces nothing.
Payload values must be JSON-ready (str, int, bool, None, lists, dicts; money as a string).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext_lazy as _

# The catalogue: event name → what it means (shown on the settings page and in the API).
EVENTS: dict[str, Any] = {
    "client.created": _("Клиент создан"),
    "client.status_changed": _("Статус клиента изменён (в работе, под риском, ушёл…)"),
    "client.manager_changed": _("Клиенту назначен другой аккаунт-менеджер"),
    "invoice.issued": _("Счёт выставлен"),
    "invoice.paid": _("Счёт оплачен полностью"),
    "invoice.cancelled": _("Счёт аннулирован"),
    "payment.received": _("Поступила оплата"),
    "payment.unmatched": _("Оплата не разнесена или «на проверку»"),
    "act.signed": _("Акт подписан клиентом"),
    "request.created": _("Новое обращение клиента"),
    "request.resolved": _("Обращение решено"),
    "request.sla_breached": _("Обращение: срок первого ответа истёк (эскалация)"),
    "stage.approved": _("Клиент согласовал этап"),
    "client.health_below_threshold": _("Оценка здоровья клиента ниже порога (предложено «под риском»)"),
    "ping": _("Проверка связи (кнопка «Отправить тест»)"),
}

Sink = Callable[[str, int, list[dict[str, Any]]], None]
_sinks: dict[str, Sink] = {}


def register_sink(name: str, sink: Sink) -> None:
    """Add (or replace, by name) a receiver of every emitted event; call from AppConfig.ready()."""
    _sinks[name] = sink


def unregister_sink(name: str) -> None:
    _sinks.pop(name, None)


def emit(event: str, *, agency_id: int, data: dict[str, Any]) -> None:
    """Announce `event` of the agency with its `data` to every registered sink."""
    emit_many(event, agency_id=agency_id, items=[data])


def emit_many(event: str, *, agency_id: int, items: list[dict[str, Any]]) -> None:
    """The same event for many objects at once (a bank statement's payments): one call per sink."""
    if event not in EVENTS:
        raise ValueError(f"unknown event {event!r}")
    if not items:
        return
    for sink in list(_sinks.values()):
        sink(event, agency_id, items)
