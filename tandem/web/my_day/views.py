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
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tandem.clients.permissions import contact_get_for
from tandem.comms import selectors as comms_selectors
from tandem.comms import services as comms_services
from tandem.comms.permissions import interaction_get_for
from tandem.core.errors import ApplicationError
from tandem.notifications import selectors as notification_selectors
from tandem.notifications import services as notification_services
from tandem.notifications.calendar import calendar_build
from tandem.notifications.permissions import delivery_get_for, notification_get_for
from tandem.org.permissions import actor_employee
from tandem.web.comms.forms import KIND_BY_CHANNEL, LogContactForm, PreferencesForm
from tandem.web.decorators import AuthedRequest, employee_required
from tandem.web.forms_util import add_domain_error

from .sections import SECTION_LIMIT, MyDayContext, sections

logger = logging.getLogger(__name__)

@employee_required
def my_day(request: AuthedRequest) -> HttpResponse:
    """Sections for the actor's scope: an AM their own clients; a group head the group's AMs side
    by side; a head of accounts every group. `?am=<id>` narrows a team view to one person."""
    employee = actor_employee(request.user)
    assert employee is not None
    people = comms_selectors.employees_for_scope(actor=request.user)
    team_view = len(people) > 1
    chosen = request.GET.get("am", "")
    if chosen.isdigit() and any(p.pk == int(chosen) for p in people):
        people = [p for p in people if p.pk == int(chosen)]
    ctx = MyDayContext(request=request, actor=request.user, employee=employee, people=people,
                       today=timezone.localdate(), now=timezone.now(), team_view=team_view)
    rendered: list[dict[str, Any]] = []
    show_all = request.GET.get("all", "")
    for section in sections():
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
    if team_view:
        counted = [s for s in rendered if "count_by_am" in s["data"]]
        for person in people:
            team_rows.append({"person": person, "counts": [s["data"]["count_by_am"].get(person.pk, 0) for s in counted]})
        team_columns = [s["title"] for s in counted]
    else:
        team_columns = []
    return render(request, "web/my_day/my_day.html", {
        "sections": rendered, "team_rows": team_rows, "team_columns": team_columns, "team_view": team_view,
        "chosen": chosen,
        "today": ctx.today,
    })


def _done(request: AuthedRequest) -> HttpResponse:
    """After an in-place action: htmx gets an empty body (the item disappears); a form post goes back."""
    if request.htmx:
        return HttpResponse("")
    return redirect(request.POST.get("next") or reverse("web:my_day"))


@employee_required
def log_contact(request: AuthedRequest, contact_id: int) -> HttpResponse:
    """Log a contact with a due person in place: GET gives the small form, POST saves it."""
    contact = contact_get_for(request.user, contact_id)
    kind, channel = KIND_BY_CHANNEL.get(contact.preferred_channel, ("call", "phone"))
    form = LogContactForm(request.POST or None, initial={"kind": kind, "channel": channel})
    if request.method == "POST" and form.is_valid():
        try:
            comms_services.interaction_create(actor=request.user, client=contact.client, contacts=[contact],
                                              data=dict(form.cleaned_data))
        except (ValidationError, ApplicationError) as exc:
            add_domain_error(form, exc)
        else:
            if not request.htmx:
                messages.success(request, _("Записано: %(name)s.") % {"name": contact.full_name})
            return _done(request)
    template = "web/my_day/_log_contact_form.html" if request.htmx else "web/my_day/log_contact.html"
    return render(request, template, {"form": form, "contact": contact})


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
