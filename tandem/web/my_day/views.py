""""My day": the AM's home page, its in-place actions, notifications and the calendar feed."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tandem.clients.permissions import contact_get_for
from tandem.comms import services as comms_services
from tandem.comms.models import InteractionKind
from tandem.comms.permissions import interaction_get_for
from tandem.core.errors import ApplicationError
from tandem.notifications import selectors as notification_selectors
from tandem.notifications import services as notification_services
from tandem.notifications.calendar import calendar_build
from tandem.notifications.permissions import delivery_get_for, notification_get_for
from tandem.web.comms.forms import KIND_BY_CHANNEL, LogContactForm, PreferencesForm
from tandem.web.comms.views import comms_panel_html
from tandem.web.decorators import AuthedRequest, employee_required
from tandem.web.forms_util import add_domain_error

from .feedback import action_done, day_context, visible_sections
from .sections import SECTION_LIMIT

logger = logging.getLogger(__name__)

@employee_required
def my_day(request: AuthedRequest) -> HttpResponse:
    """The sections of the actor's role (see `day_context`), each with at most SECTION_LIMIT
    rows and «все (N)»; `?all=<key>` shows one section in full."""
    ctx = day_context(request)
    chosen = request.GET.get("am", "")
    rendered: list[dict[str, Any]] = []
    show_all = request.GET.get("all", "")
    shown = visible_sections(ctx)
    if any(s.key == show_all for s in shown):
        # «все (N)»: that one section in full, as a list of its own.
        shown = [s for s in shown if s.key == show_all]
    for section in shown:
        try:
            data = section.provider(replace(ctx, limit=None if section.key == show_all else SECTION_LIMIT))
        except Exception:  # one broken section must not take the whole day down
            logger.exception("my-day section %s failed", section.key)
            continue
        if data is None:
            continue
        items = data.get("items")
        more = 0
        if isinstance(items, list):
            # Providers show at most SECTION_LIMIT items and give the whole count as `total`; a
            # provider that hands over a longer list is cut here.
            data = {**data, "total": data.get("total", len(items))}
            if section.key != show_all and len(items) > SECTION_LIMIT:
                data["items"] = items[:SECTION_LIMIT]
            more = data["total"] - len(data["items"])
        rendered.append({"key": section.key, "title": section.title, "template": section.template, "data": data,
                         "more": more})
    team_rows = []
    team_view = ctx.team_view
    if team_view:
        counted = [s for s in rendered if "count_by_am" in s["data"]]
        people = ctx.people
        for person in people:
            counts = [s["data"]["count_by_am"].get(person.pk, 0) for s in counted]
            team_rows.append({"person": person, "counts": counts, "cells": _count_cells(counts)})
        team_columns = [s["title"] for s in counted]
    else:
        team_columns = []
    return render(request, "web/my_day/my_day.html", {
        "sections": rendered, "team_rows": team_rows, "team_columns": team_columns, "team_view": team_view,
        "chosen": chosen, "show_all": show_all,
        "today": ctx.today,
    })


def _count_cells(counts: list[int]) -> SafeString:
    """One person's cells of the team table. Built here, not in the template: a head's table is
    ~50 people × ~20 sections, and the template loop over a thousand cells was a fifth of the
    page's rendering. The counts are ints, so there is nothing to escape."""
    return mark_safe("".join(  # noqa: S308 - ints only
        f'<td class="num"><b>{int(n)}</b></td>' if n else '<td class="num muted">0</td>' for n in counts))


def _done(request: AuthedRequest) -> HttpResponse:
    """After an in-place action: htmx gets an empty body (the item disappears); a form post goes back."""
    if request.htmx:
        return HttpResponse("")
    return redirect(request.POST.get("next") or reverse("web:my_day"))


LOG_PLACES = ("my_day", "client", "request")


@employee_required
def log_contact(request: AuthedRequest, contact_id: int) -> HttpResponse:
    """Log a call/message/meeting with a contact in place (My day, the client card, a request):
    GET gives the small form with the contact's preferred channel and «сейчас» preselected (the
    time may be changed: a call made yesterday), POST saves it. htmx gets the confirmation and,
    on My day, the new count of the due contacts; on the client card, its comms panel anew."""
    contact = contact_get_for(request.user, contact_id)
    place = request.POST.get("place") or request.GET.get("place") or "my_day"
    place = place if place in LOG_PLACES else "my_day"
    kind, channel = KIND_BY_CHANNEL.get(contact.preferred_channel, ("call", "phone"))
    form = LogContactForm(request.POST or None, initial={"kind": kind, "channel": channel},
                          auto_id=f"log{contact.pk}_%s")
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        # Two clicks: a contact logged without a word is recorded as what it was («Звонок»).
        data["summary"] = data["summary"] or InteractionKind(data["kind"]).label
        if data["occurred_at"] is None:
            data.pop("occurred_at")  # the service records it as now
        try:
            comms_services.interaction_create(actor=request.user, client=contact.client, contacts=[contact],
                                              data=data)
        except (ValidationError, ApplicationError) as exc:
            add_domain_error(form, exc)
        else:
            message = _("Записано: %(kind)s, %(name)s.") % {
                "kind": InteractionKind(data["kind"]).label.lower(), "name": contact.full_name}
            if not request.htmx:
                messages.success(request, message)
                return redirect(request.POST.get("next") or reverse("web:my_day"))
            if place == "client":
                return action_done(request, message, body=comms_panel_html(request, contact.client, oob=True))
            return action_done(request, message, sections=["due_contacts"] if place == "my_day" else [])
    template = "web/my_day/_log_contact_form.html" if request.htmx else "web/my_day/log_contact.html"
    # htmx swaps only 2xx answers: the form with its errors comes back as 200.
    return render(request, template, {"form": form, "contact": contact, "place": place},
                  status=400 if form.errors and not request.htmx else 200)


@employee_required
@require_POST
def snooze_contact(request: AuthedRequest, contact_id: int) -> HttpResponse:
    contact = contact_get_for(request.user, contact_id)
    try:
        comms_services.contact_snooze(actor=request.user, contact=contact)
    except (ValidationError, ApplicationError) as exc:
        return HttpResponse(str(getattr(exc, "message", exc)), status=400)
    return _done(request)


@employee_required
@require_POST
def next_step_done(request: AuthedRequest, pk: int) -> HttpResponse:
    interaction = interaction_get_for(request.user, pk)
    try:
        comms_services.interaction_next_step_done(actor=request.user, interaction=interaction)
    except (ValidationError, ApplicationError) as exc:
        return HttpResponse(str(getattr(exc, "message", exc)), status=400)
    return _done(request)


@employee_required
def notification_list(request: AuthedRequest) -> HttpResponse:
    items = notification_selectors.notification_list(actor=request.user, limit=200)
    failed = notification_selectors.failed_deliveries(actor=request.user)
    return render(request, "web/my_day/notifications.html", {"items": items, "failed": failed})


@employee_required
@require_POST
def notification_read(request: AuthedRequest, pk: int) -> HttpResponse:
    notification_services.notification_mark_read(actor=request.user, notification=notification_get_for(request.user, pk))
    return _done(request)


@employee_required
@require_POST
def notifications_read_all(request: AuthedRequest) -> HttpResponse:
    notification_services.notifications_mark_all_read(actor=request.user)
    return redirect("web:notification_list")


@employee_required
@require_POST
def delivery_retry(request: AuthedRequest, pk: int) -> HttpResponse:
    delivery = delivery_get_for(request.user, pk)
    try:
        notification_services.delivery_retry(actor=request.user, delivery=delivery)
    except (ValidationError, ApplicationError) as exc:
        messages.error(request, str(getattr(exc, "message", exc)))
    else:
        messages.success(request, _("Отправим ещё раз."))
    return redirect("web:notification_list")


@employee_required
def notification_settings(request: AuthedRequest) -> HttpResponse:
    """Channels, Telegram chat, quiet hours, and the secret calendar URL with a regenerate button."""
    prefs = notification_selectors.preferences_of(actor=request.user)
    assert prefs is not None
    initial = {name: getattr(prefs, name) for name in notification_services.PREFERENCE_FIELDS}
    form = PreferencesForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            notification_services.preferences_update(actor=request.user, data=dict(form.cleaned_data))
        except (ValidationError, ApplicationError) as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Настройки сохранены."))
            return redirect("web:notification_settings")
    feed_url = request.build_absolute_uri(reverse("web:calendar_feed", args=[prefs.calendar_token]))
    return render(request, "web/my_day/notification_settings.html", {"form": form, "feed_url": feed_url})


@employee_required
@require_POST
def calendar_regenerate(request: AuthedRequest) -> HttpResponse:
    notification_services.calendar_token_regenerate(actor=request.user)
    messages.success(request, _("Ссылка на календарь заменена; старая больше не работает."))
    return redirect("web:notification_settings")


def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The employee's iCal feed at a secret URL (no login: calendar apps cannot log in)."""
    employee = notification_selectors.employee_by_calendar_token(token)
    if employee is None:
        raise Http404()
    body = calendar_build(employee=employee, base_url=request.build_absolute_uri("/"))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="tandem.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response
