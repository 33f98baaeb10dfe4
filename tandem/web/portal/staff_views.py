"""The AM's side of the portal: invite a contact («пригласить в кабинет»), change what they
see, switch access off. Reached from the contacts table of the client card."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from tandem.clients.permissions import contact_get_for
from tandem.comms.permissions import request_get_for
from tandem.core.errors import ApplicationError, NotFound
from tandem.org import services as org_services
from tandem.portal import permissions, services
from tandem.portal.models import PortalAccount
from tandem.web.decorators import AuthedRequest, employee_required
from tandem.web.forms_util import add_domain_error

from .forms import InviteForm, StaffReplyForm


def _account_or_none(contact_id: int) -> PortalAccount | None:
    return PortalAccount.objects.filter(contact_id=contact_id).first()


@employee_required
@require_http_methods(["GET", "POST"])
def contact_portal(request: AuthedRequest, pk: int) -> HttpResponse:
    """Invite (or invite again) with the areas the contact will see."""
    contact = contact_get_for(request.user, pk)
    if not permissions.can_invite_contact(request.user, contact):
        raise NotFound()
    account = _account_or_none(contact.pk)
    initial = None
    if account is not None:
        initial = {"work": account.can_see_work, "money": account.can_see_money, "hours": account.can_see_hours,
                   "requests": account.can_see_requests, "reports": account.can_see_reports}
    form = InviteForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.portal_invite(
                actor=request.user, contact=contact, access=form.access(),
                accept_url=lambda token: request.build_absolute_uri(reverse("web:portal_accept", args=[token])),
                max_age_days=settings.PORTAL_INVITATION_DAYS,
            )
        except (ValidationError, ApplicationError) as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Приглашение в кабинет отправлено на %(email)s.") % {"email": contact.email})
            return redirect(reverse("web:client_detail", args=[contact.client_id]) + "#contacts")
    return render(request, "web/portal/staff_invite.html", {
        "contact": contact, "account": account, "form": form,
        "totp_on": account is not None and org_services.totp_enabled(account.user)})


@employee_required
@require_POST
def contact_portal_access(request: AuthedRequest, pk: int) -> HttpResponse:
    """Save what an invited contact sees, without a new letter."""
    contact = contact_get_for(request.user, pk)
    account = permissions.portal_account_get_for(request.user, contact)
    form = InviteForm(request.POST)
    if form.is_valid():
        services.portal_access_update(actor=request.user, account=account, access=form.access())
        messages.success(request, _("Доступ в кабинет изменён."))
    return redirect(reverse("web:client_detail", args=[contact.client_id]) + "#contacts")


@employee_required
@require_POST
def contact_portal_revoke(request: AuthedRequest, pk: int) -> HttpResponse:
    contact = contact_get_for(request.user, pk)
    account = permissions.portal_account_get_for(request.user, contact)
    services.portal_access_revoke(actor=request.user, account=account)
    messages.success(request, _("Доступ в кабинет закрыт."))
    return redirect(reverse("web:client_detail", args=[contact.client_id]) + "#contacts")


@employee_required
@require_POST
def contact_portal_totp_reset(request: AuthedRequest, pk: int) -> HttpResponse:
    """The contact lost their authenticator: switch their second factor off (recorded)."""
    contact = contact_get_for(request.user, pk)
    account = permissions.portal_account_get_for(request.user, contact)
    try:
        services.portal_totp_reset(actor=request.user, account=account)
    except (ValidationError, ApplicationError) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, _("Двухфакторная аутентификация контакта сброшена: он войдёт по паролю."))
    return redirect("web:contact_portal", pk=contact.pk)


@employee_required
@require_POST
def request_portal_reply(request: AuthedRequest, pk: int) -> HttpResponse:
    """Answer in the request's portal thread (or leave an internal note), from the staff request page."""
    obj = request_get_for(request.user, pk)
    if not services.can_reply_in_portal(request.user, obj):
        raise NotFound()
    form = StaffReplyForm(request.POST)
    if form.is_valid():
        try:
            services.portal_request_staff_reply(
                actor=request.user, request=obj, text=form.cleaned_data["text"], internal=form.cleaned_data["internal"],
                thread_url=lambda sid: request.build_absolute_uri(reverse("web:portal_request", args=[sid])))
        except (ValidationError, ApplicationError) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        else:
            messages.success(request, _("Заметка сохранена.") if form.cleaned_data["internal"]
                             else _("Ответ отправлен клиенту в кабинет."))
    else:
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
    return redirect(reverse("web:request_detail", args=[obj.pk]) + "#portal-replies")
