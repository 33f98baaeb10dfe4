"""Navigation shown in the base layout: «Мой день» and five groups (Клиенты · Работа · Деньги ·
Команда · Настройки), each a dropdown of pages.

A page is listed only for those who may open it: each entry names the same permission
predicate its view checks (the view answers 404 to anyone else), so the menu never leads to a
page that is not there. Entries whose URL is not installed are skipped, and a group with no
entry left is not shown. The current page is the entry whose URL is the longest prefix of the
request path; its group is marked too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from tandem.billing.permissions import can_export_onec, can_manage_settings, can_view_money
from tandem.clients.permissions import can_import_data
from tandem.comms.permissions import can_view_sla_settings
from tandem.growth.permissions import can_edit_rules, can_use_growth
from tandem.health.permissions import can_manage_health_settings, can_view_health_list
from tandem.org.models import User
from tandem.org.permissions import actor_employee, can_manage_org, can_view_org
from tandem.reports.permissions import (
    can_close_month_with_documents,
    can_manage_document_templates,
    can_view_client_reports,
    can_view_dashboard,
    can_view_retention,
)
from tandem.webhooks.permissions import can_manage_webhooks
from tandem.work.permissions import can_edit_work_settings, can_set_cost_rates


def _any_employee(actor: User) -> bool:
    return actor_employee(actor) is not None


@dataclass(frozen=True)
class NavEntry:
    url_name: str
    label: Promise
    allowed: Callable[[User], bool] = _any_employee


# The top-level link shown before the groups.
NAV_HOME = NavEntry("web:my_day", _("Мой день"))

NAV_GROUPS: list[tuple[Promise, list[NavEntry]]] = [
    (_("Клиенты"), [
        NavEntry("web:dashboard", _("Дашборд руководителя"), can_view_dashboard),
        NavEntry("web:client_list", _("Клиенты")),
        NavEntry("web:contract_list", _("Договоры")),
        NavEntry("web:request_list", _("Обращения")),
        NavEntry("web:interaction_list", _("Взаимодействия")),
        NavEntry("web:growth_board", _("Допродажи"), can_use_growth),
        NavEntry("web:growth_recommendations", _("Нет результата"), can_use_growth),
        NavEntry("web:growth_proposals", _("Коммерческие предложения"), can_use_growth),
        NavEntry("web:health_list", _("Здоровье клиентов"), can_view_health_list),
        NavEntry("web:client_report_list", _("Отчёты клиентам"), can_view_client_reports),
        NavEntry("web:retention", _("Отток и удержание"), can_view_retention),
        NavEntry("web:winback", _("Вернуть ушедших"), can_view_retention),
    ]),
    (_("Работа"), [
        NavEntry("web:task_list", _("Задачи")),
        NavEntry("web:timesheet", _("Табель")),
        NavEntry("web:hours_report", _("Часы по проектам")),
        NavEntry("web:closed_months", _("Закрытые месяцы")),
    ]),
    (_("Деньги"), [
        NavEntry("web:invoice_list", _("Счета"), can_view_money),
        NavEntry("web:act_list", _("Акты"), can_view_money),
        NavEntry("web:payment_queue", _("Платежи"), can_view_money),
        NavEntry("web:receivables", _("Дебиторка"), can_view_money),
        NavEntry("web:plan_list", _("План"), can_view_money),
        NavEntry("web:profitability", _("Рентабельность"), can_view_money),
        NavEntry("web:subcontractor_costs", _("Субподряд"), can_manage_settings),
        NavEntry("web:month_close", _("Закрыть месяц документами"), can_close_month_with_documents),
        NavEntry("web:onec_exports", _("Выгрузка в 1С"), can_export_onec),
    ]),
    (_("Команда"), [
        NavEntry("web:team_load", _("Загрузка"), can_view_org),
        NavEntry("web:employee_list", _("Сотрудники"), can_view_org),
        NavEntry("web:group_list", _("Группы"), can_view_org),
    ]),
    (_("Настройки"), [
        NavEntry("web:agency_edit", _("Агентство"), can_manage_org),
        NavEntry("web:contract_settings", _("Каталог услуг и НДС")),
        NavEntry("web:work_settings", _("Работа и этапы"), can_edit_work_settings),
        NavEntry("web:onboarding_template", _("Шаблон онбординга"), can_edit_work_settings),
        NavEntry("web:cost_rates", _("Себестоимость часа"), can_set_cost_rates),
        NavEntry("web:sla_settings", _("SLA и рабочие часы"), can_view_sla_settings),
        NavEntry("web:billing_settings", _("Реквизиты и нумерация"), can_manage_settings),
        NavEntry("web:bonus_rules", _("Бонусы"), can_manage_settings),
        NavEntry("web:growth_rules", _("Правила роста"), can_edit_rules),
        NavEntry("web:notification_settings", _("Уведомления")),
        NavEntry("web:webhook_list", _("Вебхуки"), can_manage_webhooks),
        NavEntry("web:health_settings", _("Здоровье клиентов"), can_manage_health_settings),
        NavEntry("web:document_templates", _("Шаблоны документов"), can_manage_document_templates),
        NavEntry("web:import_upload", _("Импорт данных"), can_import_data),
    ]),
]


@dataclass
class NavLink:
    url: str
    label: Promise
    active: bool = False


@dataclass
class NavGroup:
    label: Promise
    items: list[NavLink]
    active: bool = False


# (url name, script prefix, urlconf) → path or None: the menu's ~45 addresses are reversed once per
# process instead of on every page (~3 ms a request).
_URLS: dict[tuple[str, str, str], str | None] = {}


def _url(entry: NavEntry) -> str | None:
    key = (entry.url_name, get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)
    if key not in _URLS:
        try:
            _URLS[key] = reverse(entry.url_name)
        except NoReverseMatch:
            _URLS[key] = None
    return _URLS[key]


def nav_for(actor: User, path: str) -> tuple[NavLink | None, list[NavGroup]]:
    """The home link and the groups of pages `actor` may open, with the current page marked."""
    home_url = _url(NAV_HOME)
    home = NavLink(home_url, NAV_HOME.label) if home_url else None
    groups: list[NavGroup] = []
    for label, entries in NAV_GROUPS:
        items = []
        for entry in entries:
            url = _url(entry)
            if url is not None and entry.allowed(actor):
                items.append(NavLink(url, entry.label))
        if items:
            groups.append(NavGroup(label, items))
    candidates = ([home] if home else []) + [item for group in groups for item in group.items]
    matching = [link for link in candidates if link.url != "/" and path.startswith(link.url)]
    if matching:
        max(matching, key=lambda link: len(link.url)).active = True
        for group in groups:
            group.active = any(item.active for item in group.items)
    return home, groups


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_home": None, "nav_groups": [], "current_employee": None}
    employee = actor_employee(user)
    if employee is None:
        return {"nav_home": None, "nav_groups": [], "current_employee": None}
    home, groups = nav_for(user, request.path)
    return {"nav_home": home, "nav_groups": groups, "current_employee": employee}
