"""Client pages: list, card, create/edit, lifecycle, AM assignment, contacts and team.

Permission rules are the predicates of tandem.clients.permissions; a page or action the actor
may not use answers 404 (as an invisible client does), and services check the rule again.
Forms with errors are re-rendered with status 200 so that htmx swaps them in place.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from tandem.billing import selectors as billing_selectors
from tandem.billing.calc import BUCKET_LABELS
from tandem.clients import permissions, selectors, services
from tandem.clients.models import Client, Contact, TeamMember
from tandem.comms import selectors as comms_selectors
from tandem.comms import services as comms_services
from tandem.core.errors import ApplicationError, NotFound
from tandem.core.errors import PermissionDenied as DomainPermissionDenied
from tandem.org.models import Employee, User
from tandem.org.permissions import employee_get_for, employees_visible_to, groups_visible_to, has_role
from tandem.org.roles import Role
from tandem.portal import permissions as portal_permissions
from tandem.portal import selectors as portal_selectors
from tandem.privacy.permissions import can_handle_personal_data_of
from tandem.reports.exports import Column, Kind, iterate
from tandem.web.decorators import AuthedRequest, employee_required
from tandem.web.exports import wants_xlsx, xlsx_response
from tandem.web.forms_util import add_domain_error

from .analytics import results_context
from .forms import (
    AssignManagerForm,
    ClientCreateForm,
    ClientFilterForm,
    ClientForm,
    ContactForm,
    LifecycleForm,
    TeamMemberForm,
)

PAGE_SIZE = 50
# The assign panel lists the best few AMs with their reasons (the choice list has everyone).
CANDIDATES_SHOWN = 5
CLIENT_COLUMNS: list[Column[Client]] = [
    Column(_l("Юридическое название"), lambda c: c.legal_name, width=36),
    Column(_l("Бренд"), lambda c: c.brand_name),
    Column(_l("ИНН"), lambda c: c.inn, width=14),
    Column(_l("Статус"), lambda c: c.get_status_display(), width=16),
    Column(_l("Категория"), lambda c: c.get_tier_display(), width=12),
    Column(_l("Тип"), lambda c: c.get_kind_display(), width=16),
    Column(_l("Аккаунт-менеджер"), lambda c: c.account_manager.full_name if c.account_manager else ""),
    Column(_l("Группа"), lambda c: c.group.name if c.group else "", width=20),
    Column(_l("В работе с"), lambda c: c.served_since, Kind.DATE),
]
# Who picks the responsible AM when creating a client (an AM who creates one becomes its AM).
AM_CHOOSING_ROLES = (Role.HEAD_OF_ACCOUNTS, Role.ADMIN, Role.GROUP_HEAD)


def _deny_unless(allowed: bool) -> None:
    if not allowed:
        raise Http404()


def _done(request: AuthedRequest, url: str) -> HttpResponse:
    """After a successful write: htmx reloads the target page, a plain form gets a redirect."""
    if request.htmx:
        return HttpResponseClientRedirect(url)
    return redirect(url)


def _card_url(client: Client) -> str:
    return reverse("web:client_detail", args=[client.pk])


def _panel(
    request: AuthedRequest, *, form: Any, client: Client, title: str, action: str, submit: str, **extra: Any
) -> HttpResponse:
    """A small form for an action on the card: a partial for htmx, a page otherwise."""
    context = {
        "form": form, "client": client, "title": title, "action": action, "submit": submit,
        "cancel_url": _card_url(client), **extra,
    }
    template = "web/clients/_form_panel.html" if request.htmx else "web/clients/form_page.html"
    return render(request, template, context)


# --- list and card ---------------------------------------------------------------------------


@employee_required
def client_list(request: AuthedRequest) -> HttpResponse | FileResponse:
    """Visible clients with search, filters and pagination; htmx gets only the results."""
    filter_form = ClientFilterForm(request.GET or None, visible_clients=permissions.clients_visible_to(request.user))
    filters = filter_form.to_filters() if request.GET else selectors.ClientFilters()
    qs = selectors.client_list(actor=request.user, filters=filters)
    if wants_xlsx(request):
        return xlsx_response(CLIENT_COLUMNS, iterate(qs), _("Клиенты"))
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filter_form": filter_form,
        "page": page,
        "clients": page.object_list,
        "query": query.urlencode(),
        "is_filtered": any(v for k, v in request.GET.items() if k != "page"),
        "can_create": permissions.can_create_client(request.user),
    }
    template = "web/clients/_list_partial.html" if request.htmx else "web/clients/list.html"
    return render(request, template, context)


def _people_by_user(actor: User, user_ids: set[int]) -> dict[int, str]:
    """Employee names for the users in the histories, in one query."""
    if not user_ids:
        return {}
    rows = employees_visible_to(actor).filter(user_id__in=user_ids).values_list("user_id", "full_name")
    return dict(rows)


@employee_required
def client_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    client = selectors.client_detail(client=permissions.client_get_for(request.user, pk))
    transitions = list(client.lifecycle_transitions.all())
    am_changes = list(client.am_changes.all())
    names = _people_by_user(request.user, {t.changed_by_id for t in transitions} | {c.changed_by_id for c in am_changes})
    for item in [*transitions, *am_changes]:
        by_name = names.get(item.changed_by_id) or item.changed_by.get_username()  # type: ignore[attr-defined]
        setattr(item, "by_name", by_name)  # noqa: B010
    user = request.user
    money = billing_selectors.client_money(actor=user, client=client)
    contacts = list(client.contacts.all())
    portal_accounts = portal_selectors.portal_accounts_of_contacts(contact_ids=[c.pk for c in contacts])
    for ct in contacts:
        ct.portal = portal_accounts.get(ct.pk)  # type: ignore[attr-defined]
    context = {
        "client": client,
        "contacts": contacts,
        "team": list(client.team_members.all()),
        "transitions": transitions,
        "am_changes": am_changes,
        # None for those who may not see this client's money: the card then has no money panel.
        "money": money,
        "money_buckets": [(_(BUCKET_LABELS[b]), amount) for b, amount in money.buckets()] if money else [],
        "results": results_context(actor=user, client=client),
        "can": {
            "edit": permissions.can_edit_client(user, client),
            "personal_data": can_handle_personal_data_of(user, client),
            "lifecycle": permissions.can_change_lifecycle(user, client),
            "team": permissions.can_manage_team(user, client),
            "assign": permissions.can_assign_account_manager(user, client),
            "portal": portal_permissions.can_invite_client_contacts(user, client),
        },
    }
    return render(request, "web/clients/detail.html", context)


# --- create and edit ---------------------------------------------------------------------------


@employee_required
@require_http_methods(["GET", "POST"])
def client_create(request: AuthedRequest) -> HttpResponse:
    user = request.user
    _deny_unless(permissions.can_create_client(user))
    managers = selectors.workload_list(actor=user) if has_role(user, *AM_CHOOSING_ROLES) else None
    form = ClientCreateForm(
        request.POST or None,
        groups=groups_visible_to(user),
        managers=managers,
        may_force=managers is not None and permissions.can_force_over_hard_limit(user),
        may_set_served_since=has_role(user, *AM_CHOOSING_ROLES),
    )
    if request.method == "POST" and form.is_valid():
        data = form.domain_data()
        data["status"] = form.cleaned_data["status"]
        manager_id = form.cleaned_data.get("account_manager")
        try:
            manager = employee_get_for(user, manager_id) if manager_id else None
            result = services.client_create(
                actor=user, data=data, account_manager=manager, force=bool(form.cleaned_data.get("force")),
            )
        except NotFound:
            form.add_error("account_manager", _("Сотрудник не найден."))
        except (ValidationError, ApplicationError) as exc:
            add_domain_error(form, exc)
        else:
            for warning in result.warnings:
                messages.warning(request, warning)
            messages.success(request, _("Клиент «%(name)s» создан.") % {"name": result.client.display_name})
            return redirect(_card_url(result.client))
    return render(request, "web/clients/client_form.html", {"form": form, "client": None})


@employee_required
@require_http_methods(["GET", "POST"])
def client_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    user = request.user
    client = permissions.client_get_for(user, pk)
    _deny_unless(permissions.can_edit_client(user, client))
    title = client.display_name
    initial = {name: getattr(client, name) for name in services.CLIENT_EDITABLE_FIELDS}
    form = ClientForm(
        request.POST or None, initial=initial, groups=groups_visible_to(user),
        may_move_group=permissions.can_assign_account_manager(user, client),
        may_set_served_since=permissions.can_set_served_since(user, client),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.client_update(actor=user, client=client, data=form.domain_data())
        except (ValidationError, ApplicationError) as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Изменения сохранены."))
            return redirect(_card_url(client))
    return render(request, "web/clients/client_form.html", {"form": form, "client": client, "title": title})


# --- lifecycle and AM ----------------------------------------------------------------------------


@employee_required
@require_http_methods(["GET", "POST"])
def client_status(request: AuthedRequest, pk: int) -> HttpResponse:
    user = request.user
    client = permissions.client_get_for(user, pk)
    _deny_unless(permissions.can_change_lifecycle(user, client))
    form = LifecycleForm(request.POST or None, client=client, may_force=permissions.can_force_over_hard_limit(user))
    if request.method == "POST" and form.is_valid():
        try:
            client = services.client_change_status(actor=user, client=client, **form.cleaned_data)
        except (ValidationError, ApplicationError) as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Статус изменён: %(status)s.") % {"status": client.get_status_display()})
            return _done(request, _card_url(client))
    return _panel(
        request, form=form, client=client, title=_("Сменить статус"),
        action=reverse("web:client_status", args=[client.pk]), submit=_("Сменить статус"),
        note=_("Сейчас: %(status)s.") % {"status": client.get_status_display()},
    )


@employee_required
@require_http_methods(["GET", "POST"])
def client_assign_manager(request: AuthedRequest, pk: int) -> HttpResponse:
    user = request.user
    client = permissions.client_get_for(user, pk)
    _deny_unless(permissions.can_assign_account_manager(user, client))
    form = AssignManagerForm(
        request.POST or None,
        initial={"account_manager": client.account_manager_id},
        managers=selectors.workload_list(actor=user),
        may_force=permissions.can_force_over_hard_limit(user),
    )
    if request.method == "POST" and form.is_valid():
        try:
            manager = employee_get_for(user, form.cleaned_data["account_manager"])
            result, handover = comms_services.account_manager_change(
                actor=user, client=client, manager=manager, reason=form.cleaned_data["reason"],
                force=bool(form.cleaned_data.get("force")),
            )
        except NotFound:
            form.add_error("account_manager", _("Сотрудник не найден."))
        except (ValidationError, ApplicationError) as exc:
            add_domain_error(form, exc)
        else:
            for warning in result.warnings:
                messages.warning(request, warning)
            messages.success(
                request, _("Ответственный аккаунт-менеджер: %(name)s.") % {"name": manager.full_name}
            )
            if handover is not None and handover.completed_at is None:
                messages.info(request, _("Создан чек-лист передачи клиента: он на карточке клиента и в «Моём дне» "
                                         "нового аккаунта."))
            return _done(request, _card_url(client))
    current = client.account_manager.full_name if client.account_manager else _("не назначен")
    return _panel(
        request, form=form, client=client, title=_("Назначить аккаунт-менеджера"),
        action=reverse("web:client_assign_manager", args=[client.pk]), submit=_("Назначить"),
        note=_("Сейчас: %(name)s. В списке — текущая нагрузка: активные клиенты из мягкого лимита.")
        % {"name": current},
        candidates=selectors.account_manager_candidates(actor=user, client=client)[:CANDIDATES_SHOWN],
    )


@employee_required
def client_handover(request: AuthedRequest, pk: int) -> HttpResponse:
    """The client's handover checklist (loaded into the card by htmx); empty when there is none."""
    client = permissions.client_get_for(request.user, pk)
    handover = comms_selectors.handover_current(actor=request.user, client=client)
    return render(request, "web/clients/_handover.html", {
        "client": client, "handover": handover,
        "can_tick": handover is not None and comms_services.can_tick_handover(request.user, handover),
    })


@require_POST
@employee_required
def handover_item_toggle(request: AuthedRequest, pk: int) -> HttpResponse:
    """Tick or untick a checklist item; htmx gets the checklist back."""
    item = comms_selectors.handover_item_get_for(request.user, pk)
    try:
        comms_services.handover_item_set_done(actor=request.user, item=item, done=request.POST.get("done") == "1")
    except ApplicationError as exc:
        raise Http404() from exc
    if request.htmx:
        return client_handover(request, item.handover.client_id)
    return redirect(_card_url(item.handover.client))


# --- contacts --------------------------------------------------------------------------------------


@employee_required
@require_http_methods(["GET", "POST"])
def contact_create(request: AuthedRequest, pk: int) -> HttpResponse:
    user = request.user
    client = permissions.client_get_for(user, pk)
    _deny_unless(permissions.can_edit_client(user, client))
    form = ContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            contact = services.contact_create(actor=user, client=client, data=form.domain_data())
        except (ValidationError, ApplicationError) as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Контакт «%(name)s» добавлен.") % {"name": contact.full_name})
            return _done(request, _card_url(client) + "#contacts")
    return _panel(
        request, form=form, client=client, title=_("Новый контакт"),
        action=reverse("web:contact_create", args=[client.pk]), submit=_("Добавить"),
    )


def _contact_for(request: AuthedRequest, pk: int) -> Contact:
    contact = permissions.contact_get_for(request.user, pk)
    _deny_unless(permissions.can_edit_client(request.user, contact.client))
    return contact


@employee_required
@require_http_methods(["GET", "POST"])
def contact_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    user = request.user
    contact = _contact_for(request, pk)
    client = contact.client
    initial = {name: getattr(contact, name) for name in services.CONTACT_EDITABLE_FIELDS}
    form = ContactForm(request.POST or None, initial=initial)
    title = _("Контакт: %(name)s") % {"name": contact.full_name}
    if request.method == "POST" and form.is_valid():
        try:
            services.contact_update(actor=user, contact=contact, data=form.domain_data())
        except (ValidationError, ApplicationError) as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Контакт сохранён."))
            return _done(request, _card_url(client) + "#contacts")
    return _panel(
        request, form=form, client=client, title=title,
        action=reverse("web:contact_edit", args=[contact.pk]), submit=_("Сохранить"),
    )


@employee_required
@require_POST
def contact_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    contact = _contact_for(request, pk)
    client = contact.client
    try:
        services.contact_delete(actor=request.user, contact=contact)
    except DomainPermissionDenied:
        raise Http404() from None
    messages.success(request, _("Контакт «%(name)s» удалён.") % {"name": contact.full_name})
    return _done(request, _card_url(client) + "#contacts")


# --- team ------------------------------------------------------------------------------------------


@employee_required
@require_http_methods(["GET", "POST"])
def team_add(request: AuthedRequest, pk: int) -> HttpResponse:
    user = request.user
    client = permissions.client_get_for(user, pk)
    _deny_unless(permissions.can_manage_team(user, client))
    specialists = employees_visible_to(user).filter(role=Role.SPECIALIST, is_active=True).order_by("full_name")
    form = TeamMemberForm(request.POST or None, specialists=specialists)
    if request.method == "POST" and form.is_valid():
        employee: Employee = form.cleaned_data["employee"]
        try:
            services.team_member_add(
                actor=user, client=client, employee=employee, service=form.cleaned_data["service"]
            )
        except (ValidationError, ApplicationError) as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("%(name)s в команде клиента.") % {"name": employee.full_name})
            return _done(request, _card_url(client) + "#team")
    return _panel(
        request, form=form, client=client, title=_("Добавить специалиста"),
        action=reverse("web:team_add", args=[client.pk]), submit=_("Добавить"),
    )


@employee_required
@require_POST
def team_remove(request: AuthedRequest, pk: int, member_pk: int) -> HttpResponse:
    user = request.user
    client = permissions.client_get_for(user, pk)
    _deny_unless(permissions.can_manage_team(user, client))
    try:
        member = client.team_members.select_related("employee").get(pk=member_pk)
    except TeamMember.DoesNotExist:
        raise Http404() from None
    services.team_member_remove(actor=user, member=member)
    messages.success(request, _("%(name)s больше не в команде клиента.") % {"name": member.employee.full_name})
    return _done(request, _card_url(client) + "#team")
