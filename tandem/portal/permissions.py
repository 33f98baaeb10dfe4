"""Who may what in the client portal, and the portal's scoped lookups.

A portal actor is a `PortalAccount` (never a bare User): active, invitation accepted, its User
active, its contact active. Everything a contact opens belongs to the contact's own client and
to an area (`Area`) the account's flag allows; anything else is the same `NotFound` as a missing
object. Object ids in portal URLs are signed per kind and per client (`signed_id`), so an id
is neither guessable nor valid in another client's portal.
"""

from __future__ import annotations

from typing import Any

from django.core import signing
from django.db.models import QuerySet

from tandem.billing.models import BILLED_STATUSES, Act, ActStatus, Invoice
from tandem.clients.models import Client, Contact
from tandem.clients.permissions import can_change_lifecycle
from tandem.comms.models import ClientRequest
from tandem.core.errors import NotFound
from tandem.org.models import User
from tandem.org.permissions import actor_employee
from tandem.reports.models import ClientReport, ClientReportStatus
from tandem.work.models import Project, Stage, StageStatus

from .models import Area, PortalAccount

# Stages the client sees: those sent to them at least once (planned and in-work stages are the
# agency's kitchen).
CLIENT_STAGE_STATUSES = (StageStatus.SENT, StageStatus.CHANGES_REQUESTED, StageStatus.APPROVED)
ACT_CLIENT_STATUSES = (ActStatus.SENT, ActStatus.SIGNED)


def portal_account_of(user: Any) -> PortalAccount | None:
    """The user's usable portal account, or None (staff, anonymous, not yet accepted, switched off)."""
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return None
    try:
        account = PortalAccount.objects.select_related("contact__client").get(user_id=user.pk)
    except PortalAccount.DoesNotExist:
        return None
    if not account.is_active or account.accepted_at is None or not account.contact.is_active:
        return None
    return account


def is_portal_user(user: Any) -> bool:
    """Any user that has a portal account (usable or not): staff sign-in and the staff API refuse it."""
    pk = getattr(user, "pk", None)
    if pk is None:
        return False
    return PortalAccount.objects.filter(user_id=pk).exists()


def can_invite_client_contacts(actor: User, client: Client) -> bool:
    """Those who steer the client (its AM, the group head, heads, admins) invite its contacts to
    the portal, change what they see and switch access off."""
    return actor_employee(actor) is not None and can_change_lifecycle(actor, client)


def can_invite_contact(actor: User, contact: Contact) -> bool:
    """`can_invite_client_contacts` for the contact's client."""
    return can_invite_client_contacts(actor, contact.client)


def can_see(account: PortalAccount, area: str) -> bool:
    return account.sees(area)


# --- signed ids ---------------------------------------------------------------------------------

def _signer(account: PortalAccount, kind: str) -> signing.Signer:
    return signing.Signer(salt=f"tandem.portal.{kind}.{account.contact.client_id}", sep=".")


def signed_id(account: PortalAccount, kind: str, pk: int) -> str:
    """The id of an object in the portal's URLs: «<pk>.<signature>», valid only for this kind of
    object and this client."""
    return _signer(account, kind).sign(str(pk))


def unsign_id(account: PortalAccount, kind: str, value: str) -> int:
    try:
        return int(_signer(account, kind).unsign(value))
    except (signing.BadSignature, ValueError, TypeError):
        raise NotFound() from None


# --- what a contact sees ------------------------------------------------------------------------

def projects_visible_to_contact(account: PortalAccount) -> QuerySet[Project]:
    if not account.sees(Area.WORK):
        return Project.objects.none()
    return Project.objects.filter(client_id=account.contact.client_id)


def stages_visible_to_contact(account: PortalAccount) -> QuerySet[Stage]:
    if not account.sees(Area.WORK):
        return Stage.objects.none()
    return Stage.objects.filter(project__client_id=account.contact.client_id, status__in=CLIENT_STAGE_STATUSES)


def invoices_visible_to_contact(account: PortalAccount) -> QuerySet[Invoice]:
    if not account.sees(Area.MONEY):
        return Invoice.objects.none()
    return Invoice.objects.filter(client_id=account.contact.client_id, status__in=BILLED_STATUSES)


def acts_visible_to_contact(account: PortalAccount) -> QuerySet[Act]:
    if not account.sees(Area.MONEY):
        return Act.objects.none()
    return Act.objects.filter(client_id=account.contact.client_id, status__in=ACT_CLIENT_STATUSES)


def requests_visible_to_contact(account: PortalAccount) -> QuerySet[ClientRequest]:
    """The contact's own requests (filed by them or registered by staff with them as the contact)."""
    if not account.sees(Area.REQUESTS):
        return ClientRequest.objects.none()
    return ClientRequest.objects.filter(client_id=account.contact.client_id, contact_id=account.contact_id)


def reports_visible_to_contact(account: PortalAccount) -> QuerySet[ClientReport]:
    """The client's reports the AM actually sent (drafts are the agency's kitchen), to whichever
    of the client's contacts: the portal is the company's archive of its reports."""
    if not account.sees(Area.REPORTS):
        return ClientReport.objects.none()
    return ClientReport.objects.filter(client_id=account.contact.client_id, status=ClientReportStatus.SENT,
                                       sent_at__isnull=False)


def _get(qs: QuerySet, account: PortalAccount, kind: str, value: str):  # type: ignore[no-untyped-def]
    pk = unsign_id(account, kind, value)
    obj = qs.filter(pk=pk).first()
    if obj is None:
        raise NotFound()
    return obj


def stage_get_for_contact(account: PortalAccount, value: str) -> Stage:
    """A stage of the contact's client they may see, by its signed id, or NotFound."""
    return _get(stages_visible_to_contact(account).select_related("project"), account, "stage", value)  # type: ignore[no-any-return]


def invoice_get_for_contact(account: PortalAccount, value: str) -> Invoice:
    return _get(invoices_visible_to_contact(account), account, "invoice", value)  # type: ignore[no-any-return]


def act_get_for_contact(account: PortalAccount, value: str) -> Act:
    return _get(acts_visible_to_contact(account), account, "act", value)  # type: ignore[no-any-return]


def request_get_for_contact(account: PortalAccount, value: str) -> ClientRequest:
    return _get(requests_visible_to_contact(account), account, "request", value)  # type: ignore[no-any-return]


def report_get_for_contact(account: PortalAccount, value: str) -> ClientReport:
    return _get(reports_visible_to_contact(account), account, "report", value)  # type: ignore[no-any-return]


def portal_account_get_for(actor: User, contact: Contact) -> PortalAccount:
    """The portal account of a contact the actor may manage, or NotFound."""
    if not can_invite_contact(actor, contact):
        raise NotFound()
    try:
        return PortalAccount.objects.select_related("contact__client", "user").get(contact=contact)
    except PortalAccount.DoesNotExist:
        raise NotFound() from None
