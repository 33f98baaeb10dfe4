"""Navigation shown in the base layout. Sections whose URL is not installed are skipped,
so each domain's pages appear in the menu as soon as their urls exist."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from tandem.org.permissions import actor_employee

NAV_ITEMS = [
    ("web:my_day", _("Мой день")),
    ("web:client_list", _("Клиенты")),
    ("web:team_load", _("Команда")),
    ("web:contract_list", _("Договоры")),
    ("web:task_list", _("Задачи")),
    ("web:timesheet", _("Табель")),
    ("web:request_list", _("Обращения")),
    ("web:invoice_list", _("Счета")),
    ("web:act_list", _("Акты")),
    ("web:payment_queue", _("Платежи")),
    ("web:receivables", _("Дебиторка")),
    ("web:plan_list", _("План")),
    ("web:profitability", _("Рентабельность")),
]


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "current_employee": None}
    items = []
    for url_name, label in NAV_ITEMS:
        try:
            url = reverse(url_name)
        except NoReverseMatch:
            continue
        items.append({"url": url, "label": label, "active": request.path.startswith(url) and url != "/"})
    return {"nav_items": items, "current_employee": actor_employee(user)}
