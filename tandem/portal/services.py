"""Writes of the client portal: invitations and access (by staff), and what a contact does in
the portal (answer a stage, file a request, reply on it). The contact's writes go through the
work and comms services, so the AM sees them where staff-recorded answers and requests are;
each also leaves a `PortalEvent` for My day and a notification to the AM."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from tandem.clients.models import Contact
from tandem.comms.models import ClientRequest
from tandem.comms.permissions import can_manage_request
from tandem.comms.services import (
    request_create_by_contact,
    request_reopen_by_contact,
    request_respond,
    web_url,
)
from tandem.core.errors import ApplicationError, NotFound, PermissionDenied
from tandem.notifications.services import notify
from tandem.org import services as org_services
from tandem.org.models import Employee, User
from tandem.work.models import Stage, StageSubmission
from tandem.work.services import stage_answer_by_contact

from .models import Area, PortalAccount, PortalEvent, RequestReply
from .permissions import can_invite_contact, signed_id

INVITATION_SALT = "tandem.portal.invitation"
KIND_PORTAL = "portal.activity"
MAX_TEXT = 5000


class InvitationInvalid(ApplicationError):
    """The link is wrong, expired, already used or replaced by a newer invitation."""

    status_code = 400

    def __init__(self) -> None:
        super().__init__(_("Ссылка приглашения недействительна: она устарела, уже использована или заменена новой. "
                           "Попросите аккаунт-менеджера пригласить вас ещё раз."), code="invitation_invalid")


@dataclass(frozen=True)
class PortalAccess:
    """What the contact may see (the account's flags)."""

    work: bool = True
    money: bool = False
    hours: bool = True
    requests: bool = True
    reports: bool = False


def _apply_access(account: PortalAccount, access: PortalAccess) -> None:
    account.can_see_work = access.work
    account.can_see_money = access.money
    account.can_see_hours = access.hours
    account.can_see_requests = access.requests
    account.can_see_reports = access.reports


def invitation_token(account: PortalAccount) -> str:
    return signing.dumps({"a": account.pk, "n": account.invitation_nonce}, salt=INVITATION_SALT, compress=True)


@transaction.atomic
def portal_invite(
    *, actor: User, contact: Contact, access: PortalAccess, accept_url: Callable[[str], str], max_age_days: int,
    send_letter: bool = True,
) -> PortalAccount:
    """Invite the contact to the portal (or invite again, which voids the previous link), with
    what they may see. The contact signs in with their e-mail; a login of that e-mail must not
    already belong to someone else. The letter (Russian and English) goes after commit with a
    signed link valid for `max_age_days` and only once; `accept_url(token)` makes the link.
    `send_letter=False` (the demo data) creates the invitation without sending it."""
    if not can_invite_contact(actor, contact):
        raise PermissionDenied()
    if not contact.is_active:
        raise ValidationError({"contact": _("Контакт неактуален: пригласить его нельзя.")})
    email = (contact.email or "").strip().lower()
    if not email:
        raise ValidationError({"email": _("У контакта нет e-mail: укажите его в карточке контакта.")})
    now = timezone.now()
    account = PortalAccount.objects.select_for_update().select_related("user").filter(contact=contact).first()
    if account is None:
        if User.objects.filter(username__iexact=email).exists():
            raise ValidationError({"email": _("Этот e-mail уже занят другой учётной записью.")})
        user = User(username=email, email=email, first_name=contact.full_name[:150])
        user.set_unusable_password()
        user.full_clean(exclude=["password"])
        user.save()
        account = PortalAccount(contact=contact, user=user)
    account.invited_by = actor
    account.invited_at = now
    account.invitation_nonce = secrets.token_hex(16)
    account.is_active = True
    _apply_access(account, access)
    account.full_clean(exclude=["user", "contact"])
    account.save()
    link = accept_url(invitation_token(account))
    agency_name = contact.client.agency.legal_name or contact.client.agency.name
    body = render_to_string("portal/invitation_email.txt", {
        "contact": contact, "link": link, "days": max_age_days, "agency": agency_name,
        "client": contact.client,
    })
    subject = _("Приглашение в кабинет клиента · %(agency)s") % {"agency": agency_name}
    if send_letter:
        transaction.on_commit(lambda: send_mail(subject, body, None, [email]))
    return account


def portal_invitation_check(*, token: str, max_age_days: int) -> PortalAccount:
    """The account a valid invitation link belongs to, or InvitationInvalid."""
    try:
        data = signing.loads(token, salt=INVITATION_SALT, max_age=timedelta(days=max_age_days))
        account = PortalAccount.objects.select_related("contact__client", "user").get(pk=data["a"])
    except (signing.BadSignature, PortalAccount.DoesNotExist, KeyError, TypeError):
        raise InvitationInvalid() from None
    if not account.invitation_nonce or not secrets.compare_digest(account.invitation_nonce, str(data.get("n", ""))):
        raise InvitationInvalid()
    if not account.is_active or not account.contact.is_active:
        raise InvitationInvalid()
    return account


@transaction.atomic
def portal_invitation_accept(*, token: str, password: str, max_age_days: int) -> PortalAccount:
    """Accept the invitation by choosing a password (Django's password validators apply). The
    link then stops working: checked again on the locked row, so two submits cannot both pass."""
    account = portal_invitation_check(token=token, max_age_days=max_age_days)
    account = PortalAccount.objects.select_for_update().select_related("contact__client", "user").get(pk=account.pk)
    portal_invitation_check(token=token, max_age_days=max_age_days)
    user = account.user
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from None
    user.set_password(password)
    user.is_active = True
    user.save(update_fields=["password", "is_active"])
    account.accepted_at = account.accepted_at or timezone.now()
    account.invitation_nonce = ""
    account.save(update_fields=["accepted_at", "invitation_nonce", "updated_at"])
    return account


@transaction.atomic
def portal_access_update(*, actor: User, account: PortalAccount, access: PortalAccess) -> PortalAccount:
    """Change what the contact sees in the portal."""
    if not can_invite_contact(actor, account.contact):
        raise PermissionDenied()
    _apply_access(account, access)
    account.save()
    return account


@transaction.atomic
def portal_access_revoke(*, actor: User, account: PortalAccount) -> PortalAccount:
    """Switch the contact's portal access off: sign-in refused, pending link void. Inviting again
    switches it back on."""
    if not can_invite_contact(actor, account.contact):
        raise PermissionDenied()
    account.is_active = False
    account.invitation_nonce = ""
    account.save()
    return account


def portal_login_recorded(*, account: PortalAccount) -> None:
    """Remember when the contact last signed in (shown to the AM on the contact)."""
    account.last_login_at = timezone.now()
    account.save(update_fields=["last_login_at"])


# --- what the contact does ----------------------------------------------------------------------

def _require(account: PortalAccount, area: str) -> None:
    if not account.sees(area):
        raise NotFound()


def _notify_am(recipient: Employee | None, event: PortalEvent, title: str, url: str) -> None:
    if recipient is None or not recipient.is_active:
        return
    notify(recipient=recipient, kind=KIND_PORTAL, title=title, body=event.text[:1000], url=url,
           dedupe_key=f"portal:event:{event.pk}")


def _text(value: str, field: str, *, required: bool, limit: int = MAX_TEXT) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: _("Обязательное поле.")})
    if len(value) > limit:
        raise ValidationError({field: _("Не длиннее %(n)s символов.") % {"n": limit}})
    return value


@transaction.atomic
def portal_stage_answer(*, account: PortalAccount, stage: Stage, decision: str, comment: str = "") -> StageSubmission:
    """The contact approves the stage sent to them, or asks for changes with a comment. Recorded
    through the stage workflow with the contact as who answered and now as when; the AM of the
    project (else of the client) is notified and sees it in My day."""
    _require(account, Area.WORK)
    if stage.project.client_id != account.contact.client_id:
        raise NotFound()
    comment = _text(comment, "comment", required=False)  # the stage workflow requires it for changes
    submission = stage_answer_by_contact(user=account.user, contact=account.contact, stage=stage,
                                         decision=decision, comment=comment)
    approved = decision == StageSubmission.Decision.APPROVED
    event = PortalEvent.objects.create(
        account=account, client_id=account.contact.client_id, stage=stage, text=comment,
        kind=PortalEvent.Kind.STAGE_APPROVED if approved else PortalEvent.Kind.CHANGES_REQUESTED,
        created_at=submission.answered_at or timezone.now(),
    )
    title = (_("%(contact)s согласовал(а) этап «%(stage)s»") if approved
             else _("%(contact)s прислал(а) замечания к этапу «%(stage)s»")) % {
        "contact": account.contact.full_name, "stage": stage.title}
    project = stage.project
    recipient = project.account_manager or account.contact.client.account_manager
    _notify_am(recipient, event, title, web_url("web:project_detail", project.pk))
    return submission


@transaction.atomic
def portal_request_file(*, account: PortalAccount, subject: str, text: str = "") -> ClientRequest:
    """The contact files a request: it enters the SLA clock like any request (the contact as its
    author, the portal as its channel, the client's AM as its owner), and the owner is notified."""
    _require(account, Area.REQUESTS)
    subject = _text(subject, "subject", required=True, limit=255)
    text = _text(text, "text", required=False)
    request = request_create_by_contact(user=account.user, contact=account.contact, subject=subject, text=text)
    event = PortalEvent.objects.create(account=account, client_id=request.client_id, request=request,
                                       kind=PortalEvent.Kind.REQUEST_FILED, text=subject, created_at=request.received_at)
    _notify_am(request.owner, event, _("Новое обращение из кабинета клиента: %(subject)s") % {"subject": subject},
               web_url("web:request_detail", request.pk))
    return request


@transaction.atomic
def portal_request_reply(*, account: PortalAccount, request: ClientRequest, text: str) -> RequestReply:
    """The contact replies on their own request; the owner is notified. A reply on a resolved
    request opens it again (its deadlines stay, as with any reopening: a breach is not forgiven);
    on an open one the SLA clock simply runs on."""
    _require(account, Area.REQUESTS)
    if request.client_id != account.contact.client_id or request.contact_id != account.contact_id:
        raise NotFound()
    text = _text(text, "text", required=True)
    now = timezone.now()
    reopened = request.resolved_at is not None
    if reopened:
        request_reopen_by_contact(user=account.user, request=request, reason=_("Ответ клиента в кабинете"))
    reply = RequestReply.objects.create(request=request, account=account, text=text, created_at=now)
    event = PortalEvent.objects.create(account=account, client_id=request.client_id, request=request,
                                       kind=PortalEvent.Kind.REQUEST_REPLIED, text=text, created_at=now)
    title = (_("Клиент ответил по решённому обращению «%(subject)s» — оно снова открыто") if reopened
             else _("Ответ клиента по обращению «%(subject)s»")) % {"subject": request.subject}
    _notify_am(request.owner, event, title, web_url("web:request_detail", request.pk))
    return reply


def can_reply_in_portal(actor: User, request: ClientRequest) -> bool:
    """Staff answer in the request's portal thread when they may manage the request and its
    contact has a portal account (else nobody would read it there)."""
    return (request.contact_id is not None and PortalAccount.objects.filter(contact_id=request.contact_id).exists()
            and can_manage_request(actor, request))


@transaction.atomic
def portal_request_staff_reply(
    *, actor: User, request: ClientRequest, text: str, internal: bool = False,
    thread_url: Callable[[str], str] | None = None,
) -> RequestReply:
    """A staff member answers in the request's portal thread (the contact sees it there), or
    leaves an internal note (the contact never sees it). An answer is the request's first
    response if none is recorded yet; a note changes nothing on the SLA clock. After an answer
    the contact gets a letter (Russian and English) with the link to the thread when their
    portal access to requests is on; `thread_url(signed id)` makes the link (no link, no letter)."""
    if not can_reply_in_portal(actor, request):
        raise PermissionDenied()
    text = _text(text, "text", required=True)
    now = timezone.now()
    reply = RequestReply.objects.create(request=request, author=actor, internal=internal, text=text, created_at=now)
    if internal:
        return reply
    request_respond(actor=actor, request=request, at=now)
    account = (PortalAccount.objects.select_related("contact__client__agency")
               .filter(contact=request.contact).first())
    email = (account.contact.email or "").strip() if account is not None else ""
    if thread_url is not None and account is not None and email and account.sees(Area.REQUESTS):
        agency = account.contact.client.agency
        body = render_to_string("portal/reply_email.txt", {
            "contact": account.contact, "request": request, "agency": agency.legal_name or agency.name,
            "link": thread_url(signed_id(account, "request", request.pk)),
        })
        subject = _("Ответ по обращению «%(subject)s»") % {"subject": request.subject}
        transaction.on_commit(lambda: send_mail(subject, body, None, [email]))
    return reply


# --- the contact's second factor ----------------------------------------------------------------

@transaction.atomic
def portal_totp_reset(*, actor: User, account: PortalAccount) -> PortalAccount:
    """The contact lost their authenticator: the AM (whoever may manage the contact's portal
    access) switches the second factor off; the contact signs in with the password alone and may
    turn it on again. Recorded on the account (who and when, kept in its history)."""
    if not can_invite_contact(actor, account.contact):
        raise PermissionDenied()
    if not org_services.totp_enabled(account.user):
        raise ValidationError({"totp": _("Двухфакторная аутентификация у контакта не включена.")})
    org_services.totp_reset(user=account.user)
    account.totp_reset_at = timezone.now()
    account.totp_reset_by = actor
    account._history_user = actor  # type: ignore[attr-defined]  # also outside a web request
    account._change_reason = "totp reset"  # type: ignore[attr-defined]
    account.save(update_fields=["totp_reset_at", "totp_reset_by", "updated_at"])
    return account
