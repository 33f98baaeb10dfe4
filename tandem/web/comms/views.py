"""Comms pages: the client card panel and quick entry, the log, e-mail import, requests, stats."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tandem.clients.models import Client
from tandem.clients.permissions import client_get_for, clients_visible_to
from tandem.comms import selectors, services
from tandem.comms.models import CommChannel, Direction, Interaction, InteractionKind, Priority
from tandem.comms.permissions import (
    can_delete_interaction,
    can_edit_interaction,
    can_manage_request,
    can_reassign_request,
    can_reopen_request,
    can_view_sla_settings,
    interaction_delete_rule,
    interaction_get_for,
    request_get_for,
    request_manage_rule,
    request_owner_candidates,
)
from tandem.core.errors import ApplicationError
from tandem.portal import selectors as portal_selectors
from tandem.portal import services as portal_services
from tandem.reports.exports import iterate
from tandem.web.decorators import AuthedRequest, employee_required
from tandem.web.exports import wants_xlsx, xlsx_response
from tandem.web.forms_util import add_domain_error, clean_search, model_choice
from tandem.web.my_day.feedback import action_done
from tandem.web.portal.forms import StaffReplyForm

from .exports import interaction_columns, request_columns
from .forms import (
    EmailImportForm,
    InteractionForm,
    RequestAssignForm,
    RequestForm,
    RequestReopenForm,
    StatsMonthForm,
    request_contacts,
)


def _panel_context(request: AuthedRequest, client: Client) -> dict[str, object]:
    panel = selectors.client_comms_panel(client=client)
    may_delete = interaction_delete_rule(request.user)
    recent: list[Interaction] = panel["recent"]  # type: ignore[assignment]
    return {"client": client, **panel, "deletable": {i.pk for i in recent if may_delete(i)}}


def _panel(request: AuthedRequest, client_id: int, status: int = 200) -> HttpResponse:
    client = client_get_for(request.user, client_id)
    return render(request, "web/comms/_client_comms_panel.html", _panel_context(request, client), status=status)


def comms_panel_html(request: AuthedRequest, client: Client, *, oob: bool = False) -> str:
    """The client card's comms panel (out of band: it replaces the one on the page, e.g. after a
    contact was logged from the contacts table)."""
    return render_to_string("web/comms/_client_comms_panel.html", {**_panel_context(request, client), "oob": oob},
                            request=request)


@employee_required
def client_comms_panel(request: AuthedRequest, client_id: int) -> HttpResponse:
    """The block the client card loads with hx-get: recent contacts, open requests, next dates."""
    return _panel(request, client_id)


@employee_required
def interaction_quick_add(request: AuthedRequest, client_id: int) -> HttpResponse:
    """Quick entry from the client card: GET the form (prefilled), POST saves and returns the panel."""
    client = client_get_for(request.user, client_id)
    initial = {"kind": request.GET.get("kind", InteractionKind.CALL), "direction": Direction.OUTGOING,
               "channel": request.GET.get("channel", CommChannel.PHONE)}
    form = InteractionForm(request.POST or None, client=client, initial=initial)
    contacts = model_choice(form, "contacts").queryset
    if contacts is not None and len(contacts) == 1 and not request.POST:
        form.initial["contacts"] = list(contacts)
    if request.method == "POST" and form.is_valid():
        try:
            services.interaction_create(actor=request.user, client=client, data=form.service_data(),
                                        contacts=form.cleaned_data["contacts"])
        except (ValidationError, ApplicationError) as exc:
            add_domain_error(form, exc)
        else:
            if request.htmx:
                return _panel(request, client.pk)
            messages.success(request, _("Записано."))
            return redirect(f"{reverse('web:interaction_list')}?client={client.pk}")
    template = "web/comms/_interaction_form.html" if request.htmx else "web/comms/interaction_form.html"
    return render(request, template, {"form": form, "client": client,
                                      "action": reverse("web:interaction_quick_add", args=[client.pk])})


@employee_required
def interaction_list(request: AuthedRequest) -> HttpResponse | FileResponse:
    q = request.GET
    filters = selectors.InteractionFilters(
        client_id=int(q["client"]) if q.get("client", "").isdigit() else None,
        kind=q.get("kind", ""), search=clean_search(q.get("search")),
    )
    client = client_get_for(request.user, filters.client_id) if filters.client_id else None
    interactions = selectors.interaction_list(actor=request.user, filters=filters)
    if wants_xlsx(request):
        return xlsx_response(interaction_columns(), iterate(interactions), _("Журнал коммуникаций"))
    page = Paginator(interactions, 50).get_page(q.get("page"))
    may_delete = interaction_delete_rule(request.user)
    return render(request, "web/comms/interaction_list.html", {
        "page": page, "filters": filters, "client": client, "kinds": InteractionKind.choices,
        "deletable": {i.pk for i in page if may_delete(i)},
    })


@employee_required
def interaction_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    """Edit an entry; the page shows its history (who changed what, when)."""
    interaction = interaction_get_for(request.user, pk)
    initial = {name: getattr(interaction, name) for name in services.interactions.INTERACTION_FIELDS}
    initial["occurred_at"] = timezone.localtime(interaction.occurred_at)
    initial["contacts"] = list(interaction.contacts.all())
    form = InteractionForm(request.POST or None, client=interaction.client, initial=initial)
    can_edit = can_edit_interaction(request.user, interaction)
    can_delete = can_delete_interaction(request.user, interaction)
    if request.method == "POST" and form.is_valid():
        try:
            services.interaction_update(actor=request.user, interaction=interaction, data=form.service_data(),
                                        contacts=form.cleaned_data["contacts"])
        except (ValidationError, ApplicationError) as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Сохранено."))
            return redirect(f"{reverse('web:interaction_list')}?client={interaction.client_id}")
    history = interaction.history.select_related("history_user__employee").order_by("-history_date")[:20]
    return render(request, "web/comms/interaction_form.html", {
        "form": form, "client": interaction.client, "interaction": interaction, "history": history,
        "can_edit": can_edit, "can_delete": can_delete,
        "action": reverse("web:interaction_edit", args=[interaction.pk]),
    })


@employee_required
@require_POST
def interaction_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    """Delete an entry recorded by mistake (its author or a head). htmx gets an empty answer
    (the row goes away); otherwise back to the client's log."""
    interaction = interaction_get_for(request.user, pk)
    try:
        services.interaction_delete(actor=request.user, interaction=interaction)
    except ApplicationError as exc:
        message = _("Удалить запись может её автор или руководитель.") if exc.status_code == 403 else exc.message
        if request.htmx:
            return HttpResponse(message, status=exc.status_code)
        messages.error(request, message)
        return redirect("web:interaction_edit", pk=pk)
    back = f"{reverse('web:interaction_list')}?client={interaction.client_id}"
    if request.htmx and request.POST.get("then") != "list":
        return HttpResponse("")
    messages.success(request, _("Запись удалена."))
    if request.htmx:
        return HttpResponse("", headers={"HX-Redirect": back})
    return redirect(back)


@employee_required
def email_import(request: AuthedRequest) -> HttpResponse:
    form = EmailImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        report = services.email_import(actor=request.user, data=upload.read(), filename=upload.name or "")
        for error in report.errors:
            form.add_error("file", error)
    return render(request, "web/comms/email_import.html", {"form": form, "report": report})


@employee_required
def request_list(request: AuthedRequest) -> HttpResponse | FileResponse:
    q = request.GET
    status = q.get("status", "open")
    filters = selectors.RequestFilters(
        status=status if status in {"open", "resolved", "breached", "all"} else "open",
        client_id=int(q["client"]) if q.get("client", "").isdigit() else None,
        priority=q.get("priority", ""),
    )
    requests = selectors.request_list(actor=request.user, filters=filters)
    if wants_xlsx(request):
        return xlsx_response(request_columns(timezone.now()), iterate(requests), _("Обращения клиентов"))
    page = Paginator(requests, 50).get_page(q.get("page"))
    # The rows (scoped to the actor already) whose first answer the actor may mark in the list.
    may_manage = request_manage_rule(request.user)
    answerable = {r.pk for r in page if r.first_response_at is None and r.resolved_at is None and may_manage(r)}
    return render(request, "web/comms/request_list.html", {
        "page": page, "filters": filters, "now": timezone.now(), "priorities": Priority.choices,
        "answerable": answerable,
        "can_view_sla": can_view_sla_settings(request.user),
        "tabs": [("open", _("Открытые")), ("breached", _("С нарушением SLA")), ("resolved", _("Решённые")),
                 ("all", _("Все"))],
    })


@employee_required
def request_create(request: AuthedRequest) -> HttpResponse:
    clients = clients_visible_to(request.user)
    initial = {"client": request.GET.get("client")} if request.GET.get("client") else None
    form = RequestForm(request.POST or None, clients=clients, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = {k: form.cleaned_data[k] for k in ("priority", "channel", "subject", "text", "received_at")}
        try:
            obj = services.request_create(actor=request.user, client=form.cleaned_data["client"],
                                          contact=form.cleaned_data["contact"], data=data)
        except (ValidationError, ApplicationError) as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Обращение зарегистрировано, срок ответа — %(due)s.") % {
                "due": timezone.localtime(obj.first_response_due_at).strftime("%d.%m.%Y %H:%M")})
            return redirect("web:request_detail", pk=obj.pk)
    return render(request, "web/comms/request_form.html", {"form": form})


@employee_required
def request_contact_options(request: AuthedRequest) -> HttpResponse:
    """htmx: the contact <option>s of the chosen client (of the clients the actor sees)."""
    contacts = request_contacts(clients_visible_to(request.user), request.GET.get("client"))
    return render(request, "web/comms/_contact_options.html", {"contacts": contacts})


def _request_page(request: AuthedRequest, pk: int, *, assign_form: RequestAssignForm | None = None,
                  reopen_form: RequestReopenForm | None = None, status: int = 200) -> HttpResponse:
    obj = selectors.request_detail(request=request_get_for(request.user, pk))
    can_reassign = can_reassign_request(request.user, obj)
    if can_reassign and assign_form is None:
        assign_form = RequestAssignForm(owners=request_owner_candidates(obj.client), initial={"owner": obj.owner_id})
    can_reopen = can_reopen_request(request.user, obj)
    return render(request, "web/comms/request_detail.html", {
        "r": obj, "now": timezone.now(), "can_manage": can_manage_request(request.user, obj),
        "can_reassign": can_reassign, "assign_form": assign_form,
        "can_reopen": can_reopen, "reopen_form": reopen_form or (RequestReopenForm() if can_reopen else None),
        "history": obj.history.select_related("history_user__employee").order_by("-history_date")[:20],
        # The request's thread in the client portal (tandem.portal): the contact's replies, staff
        # answers and internal notes, and the form to answer there.
        "portal_replies": list(portal_selectors.request_replies(request=obj)),
        "portal_reply_form": StaffReplyForm() if portal_services.can_reply_in_portal(request.user, obj) else None,
    }, status=status)


@employee_required
def request_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    return _request_page(request, pk)


@employee_required
@require_POST
def request_reassign(request: AuthedRequest, pk: int) -> HttpResponse:
    """Hand the request to an employee from the list of those who may handle it."""
    obj = request_get_for(request.user, pk)
    if not can_manage_request(request.user, obj):
        return HttpResponse(_("Передать обращение может его ответственный или руководитель."), status=403)
    form = RequestAssignForm(request.POST, owners=request_owner_candidates(obj.client))
    if form.is_valid():
        try:
            services.request_assign(actor=request.user, request=obj, owner=form.cleaned_data["owner"])
        except (ValidationError, ApplicationError) as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Обращение передано: %(name)s.") % {"name": obj.owner.full_name if obj.owner else ""})
            return redirect("web:request_detail", pk=pk)
    return _request_page(request, pk, assign_form=form, status=400)


@employee_required
@require_POST
def request_reopen(request: AuthedRequest, pk: int) -> HttpResponse:
    """Reopen a resolved request; the reason goes into its history."""
    obj = request_get_for(request.user, pk)
    if not can_manage_request(request.user, obj):
        return HttpResponse(_("Открыть обращение снова может его ответственный или руководитель."), status=403)
    form = RequestReopenForm(request.POST)
    if form.is_valid():
        try:
            services.request_reopen(actor=request.user, request=obj, reason=form.cleaned_data["reason"])
        except (ValidationError, ApplicationError) as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Обращение снова открыто."))
            return redirect("web:request_detail", pk=pk)
    return _request_page(request, pk, reopen_form=form, status=400)


def _request_action(request: AuthedRequest, pk: int, verb: str) -> HttpResponse:
    obj = request_get_for(request.user, pk)
    try:
        if verb == "respond":
            services.request_respond(actor=request.user, request=obj)
        else:
            services.request_resolve(actor=request.user, request=obj)
    except (ValidationError, ApplicationError) as exc:
        if request.htmx:
            return HttpResponse(getattr(exc, "message", str(exc)), status=getattr(exc, "status_code", 400))
        messages.error(request, getattr(exc, "message", str(exc)))
        return redirect("web:request_detail", pk=pk)
    message = _("Отмечено: ответили клиенту.") if verb == "respond" else _("Обращение решено.")
    if request.htmx:
        # The item answers in place with a confirmation and the section's new count.
        if verb == "resolve":
            return action_done(request, message, sections=["open_requests"])
        if request.POST.get("place") == "list":
            item = render_to_string("web/comms/_answered.html", {}, request=request)
        else:
            obj = selectors.requests_open(actor=request.user).get(pk=pk)
            item = render_to_string("web/my_day/_request_item.html", {"r": obj, "now": timezone.now()},
                                    request=request)
        return action_done(request, message, sections=["open_requests"], body=item)
    messages.success(request, message)
    return redirect(request.POST.get("next") or reverse("web:request_detail", args=[pk]))


@employee_required
@require_POST
def request_respond(request: AuthedRequest, pk: int) -> HttpResponse:
    return _request_action(request, pk, "respond")


@employee_required
@require_POST
def request_resolve(request: AuthedRequest, pk: int) -> HttpResponse:
    return _request_action(request, pk, "resolve")


@employee_required
def request_stats(request: AuthedRequest) -> HttpResponse:
    form = StatsMonthForm(request.GET if request.GET.get("month") else None,
                          initial={"month": timezone.localdate().replace(day=1)})
    month = form.cleaned_data["month"] if form.is_valid() else timezone.localdate().replace(day=1)
    report = selectors.response_stats(actor=request.user, month=month)
    return render(request, "web/comms/request_stats.html", {"report": report, "month": month, "form": form})
