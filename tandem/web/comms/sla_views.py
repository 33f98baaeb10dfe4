"""SLA pages: the agency's working hours and SLA grid (priority × client tier), and the
"escalate now" button of a request.

Heads of accounts and admins change the settings, group heads and AMs read them, everyone
else gets a 404 (tandem.comms.permissions). Each grid cell is its own small form: with htmx it
saves in place and comes back with its errors; without JS the whole page is shown again.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import available_timezones

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied as HttpPermissionDenied
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_htmx.middleware import HtmxDetails

from tandem.comms import selectors, services
from tandem.comms.models import Escalation, Priority
from tandem.comms.permissions import can_configure_sla, request_get_for
from tandem.core.errors import ApplicationError, NotFound
from tandem.org.models import User
from tandem.web.decorators import employee_required
from tandem.web.forms_util import add_domain_error

TIER_LABELS: dict[str, Any] = {
    "key": gettext_lazy("Ключевой"), "current": gettext_lazy("Текущий"), "new": gettext_lazy("Новый"),
    "": gettext_lazy("Любая категория"),
}
TIER_ANY = "any"


class _Request(HttpRequest):
    user: User  # type: ignore[assignment]
    htmx: HtmxDetails


class WorkScheduleForm(forms.Form):
    day_start = forms.TimeField(label=gettext_lazy("Начало рабочего дня"), widget=forms.TimeInput(attrs={"type": "time"}))
    day_end = forms.TimeField(label=gettext_lazy("Конец рабочего дня"), widget=forms.TimeInput(attrs={"type": "time"}))
    time_zone = forms.ChoiceField(label=gettext_lazy("Часовой пояс"),
                                  choices=[(z, z) for z in sorted(available_timezones())])


class SlaCellForm(forms.Form):
    first_response_minutes = forms.IntegerField(label=gettext_lazy("Первый ответ, мин"), min_value=1)
    resolve_minutes = forms.IntegerField(label=gettext_lazy("Решение, мин"), min_value=1)
    head_escalation_minutes = forms.IntegerField(label=gettext_lazy("Эскалация руководителю, мин"), min_value=1)
    round_the_clock = forms.BooleanField(label=gettext_lazy("Круглосуточно"), required=False)


def _prefix(priority: str, tier: str) -> str:
    return f"{priority}-{tier or TIER_ANY}"


def _cell_form(cell: selectors.SlaCell, data: Any = None) -> SlaCellForm:
    t = cell.terms
    return SlaCellForm(data, prefix=_prefix(cell.priority, cell.tier), initial={
        "first_response_minutes": t.first_response_minutes, "resolve_minutes": t.resolve_minutes,
        "head_escalation_minutes": t.head_escalation_minutes, "round_the_clock": t.round_the_clock,
    })


def _cell_context(cell: selectors.SlaCell, form: SlaCellForm, can_edit: bool, saved: bool = False) -> dict[str, Any]:
    return {"cell": cell, "form": form, "can_edit": can_edit, "saved": saved,
            "tier_slug": cell.tier or TIER_ANY, "cell_id": f"sla-{_prefix(cell.priority, cell.tier)}"}


def _page(
    request: _Request, *, schedule_form: WorkScheduleForm | None = None,
    bound: tuple[str, str, SlaCellForm] | None = None,
) -> HttpResponse:
    settings = selectors.sla_settings(actor=request.user)
    can_edit = can_configure_sla(request.user)
    schedule_form = schedule_form or WorkScheduleForm(initial={
        "day_start": settings.day_start, "day_end": settings.day_end, "time_zone": settings.time_zone,
    })
    rows = []
    for priority in selectors.SLA_PRIORITIES:
        cells = []
        for tier in services.SLA_TIERS:
            cell = settings.cell(priority, tier)
            form = bound[2] if bound and bound[:2] == (priority, tier) else _cell_form(cell)
            cells.append(_cell_context(cell, form, can_edit))
        rows.append({"label": Priority(priority).label, "priority": priority, "cells": cells})
    return render(request, "web/comms/sla_settings.html", {
        "settings": settings, "can_edit": can_edit, "schedule_form": schedule_form, "rows": rows,
        "tiers": [TIER_LABELS[t] for t in services.SLA_TIERS],
    })


@employee_required
def sla_settings(request: _Request) -> HttpResponse:
    return _page(request)


def _require_editor(request: _Request) -> None:
    selectors.sla_settings(actor=request.user, holidays_days=0)  # NotFound (404) for those who may not see it
    if not can_configure_sla(request.user):
        raise HttpPermissionDenied()


@employee_required
@require_POST
def sla_schedule_save(request: _Request) -> HttpResponse:
    _require_editor(request)
    form = WorkScheduleForm(request.POST)
    if form.is_valid():
        try:
            services.work_schedule_update(actor=request.user, data=dict(form.cleaned_data))
        except (ValidationError, ApplicationError) as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Рабочий график сохранён."))
            return redirect("web:sla_settings")
    return _page(request, schedule_form=form)


@employee_required
@require_POST
def sla_cell_save(request: _Request, priority: str, tier: str) -> HttpResponse:
    """Save one cell of the grid; htmx gets the cell back (with errors in place)."""
    _require_editor(request)
    tier_value = "" if tier == TIER_ANY else tier
    if priority not in Priority.values or tier_value not in services.SLA_TIERS or tier == "":
        raise NotFound()
    settings = selectors.sla_settings(actor=request.user, holidays_days=0)
    form = _cell_form(settings.cell(priority, tier_value), request.POST)
    saved = False
    if form.is_valid():
        try:
            services.sla_policy_set(actor=request.user, priority=priority, tier=tier_value, data=dict(form.cleaned_data))
        except (ValidationError, ApplicationError) as exc:
            add_domain_error(form, exc)
        else:
            saved = True
    if request.htmx:
        cell = selectors.sla_settings(actor=request.user, holidays_days=0).cell(priority, tier_value)
        if saved:
            form = _cell_form(cell)
        return render(request, "web/comms/_sla_cell.html", _cell_context(cell, form, True, saved=saved))
    if saved:
        messages.success(request, _("SLA сохранён."))
        return redirect("web:sla_settings")
    return _page(request, bound=(priority, tier_value, form))


@employee_required
@require_POST
def request_escalate(request: _Request, pk: int) -> HttpResponse:
    """"Escalate now" on the request page: level 1 (group head) or 2 (heads of accounts)."""
    obj = request_get_for(request.user, pk)
    try:
        level = int(request.POST.get("level", ""))
    except ValueError:
        level = 0
    try:
        result = services.request_escalate(actor=request.user, request=obj, level=level,
                                           reason=request.POST.get("reason", "")[:200])
    except (ValidationError, ApplicationError) as exc:
        if isinstance(exc, ApplicationError) and exc.status_code == 403:
            raise HttpPermissionDenied() from exc
        text = " ".join(exc.messages) if isinstance(exc, ValidationError) else exc.message
        messages.error(request, text)
        return redirect("web:request_detail", pk=pk)
    if result.created:
        names = ", ".join(e.notified.full_name for e in result.escalations)
        messages.success(request, _("Эскалировано: %(names)s.") % {"names": names})
    else:
        messages.info(request, _("На этом уровне уже эскалировано (%(level)s).") % {
            "level": Escalation.Level(level).label})
    return redirect("web:request_detail", pk=pk)
