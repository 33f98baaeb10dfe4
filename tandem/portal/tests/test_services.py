"""Portal services: invitations (signed, expiring, single-use), answers on stages through the
stage workflow, requests into the SLA clock, replies, and the AM's notification."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.core import mail, signing
from django.core.exceptions import ValidationError

from tandem.clients.tests.factories import ContactFactory
from tandem.comms.models import CommChannel
from tandem.core.errors import NotFound, PermissionDenied
from tandem.notifications.models import Notification
from tandem.portal import services
from tandem.portal.models import PortalAccount, PortalEvent, RequestReply
from tandem.testing.portal import PORTAL_PASSWORD, portal  # noqa: F401
from tandem.work.models import StageStatus, StageSubmission

pytestmark = pytest.mark.django_db


def _invite(org, contact, tokens):
    return services.portal_invite(actor=org.am1.user, contact=contact, access=services.PortalAccess(),
                                  accept_url=lambda t: tokens.append(t) or f"http://x/portal/invitation/{t}/",
                                  max_age_days=7)


def test_the_am_invites_a_contact_by_an_e_mail_with_a_single_use_link(org, django_capture_on_commit_callbacks):
    # given a contact of the AM's client
    contact = ContactFactory.create(client=org.client_a, email="Pavel@Alfa.example")
    tokens: list[str] = []
    # when the AM invites them
    with django_capture_on_commit_callbacks(execute=True):
        account = _invite(org, contact, tokens)
    # then a letter with the link goes to the contact, the login is the e-mail, no password yet
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["pavel@alfa.example"]
    assert tokens[0] in mail.outbox[0].body
    assert account.user.username == "pavel@alfa.example" and not account.user.has_usable_password()
    assert account.invited_by == org.am1.user and account.accepted_at is None
    # when the contact accepts with a good password, the link then stops working
    services.portal_invitation_accept(token=tokens[0], password=PORTAL_PASSWORD, max_age_days=7)
    account.refresh_from_db()
    assert account.accepted_at is not None and account.user.check_password(PORTAL_PASSWORD)
    with pytest.raises(services.InvitationInvalid):
        services.portal_invitation_accept(token=tokens[0], password="Another-pass-2026", max_age_days=7)


def test_an_expired_or_replaced_link_is_refused_and_weak_passwords_too(org, monkeypatch):
    contact = ContactFactory.create(client=org.client_a)
    tokens: list[str] = []
    _invite(org, contact, tokens)
    with pytest.raises(ValidationError) as exc:
        services.portal_invitation_accept(token=tokens[0], password="123", max_age_days=7)
    assert "password" in exc.value.message_dict
    later = time.time() + timedelta(days=8).total_seconds()
    with monkeypatch.context() as m, pytest.raises(services.InvitationInvalid):
        m.setattr(signing.time, "time", lambda: later)
        services.portal_invitation_check(token=tokens[0], max_age_days=7)
    _invite(org, contact, tokens)  # a new invitation voids the first link
    with pytest.raises(services.InvitationInvalid):
        services.portal_invitation_check(token=tokens[0], max_age_days=7)
    assert services.portal_invitation_check(token=tokens[1], max_age_days=7).contact == contact
    with pytest.raises(services.InvitationInvalid):
        services.portal_invitation_check(token=tokens[1] + "x", max_age_days=7)


@pytest.mark.parametrize("who", ["am2", "spec1", "finance"])
def test_only_those_who_steer_the_client_invite_its_contacts(org, who):
    contact = ContactFactory.create(client=org.client_a)
    with pytest.raises(PermissionDenied):
        services.portal_invite(actor=getattr(org, who).user, contact=contact, access=services.PortalAccess(),
                               accept_url=str, max_age_days=7)
    assert not PortalAccount.objects.exists()


def test_a_contact_without_e_mail_or_with_a_taken_login_is_not_invited(org):
    with pytest.raises(ValidationError):
        _invite(org, ContactFactory.create(client=org.client_a, email=""), [])
    with pytest.raises(ValidationError):
        _invite(org, ContactFactory.create(client=org.client_a, email="am1"), [])  # username of a staff login
    assert not PortalAccount.objects.exists()


def test_the_contact_approves_a_stage_through_the_stage_workflow(portal):  # noqa: F811
    # when the contact approves the stage waiting for them
    submission = services.portal_stage_answer(account=portal.account, stage=portal.stage, decision="approved")
    # then the stage is approved with the contact as who answered and their sign-in as recorder
    portal.stage.refresh_from_db()
    assert portal.stage.status == StageStatus.APPROVED and portal.stage.approved_at is not None
    assert submission.contact == portal.contact and submission.answer_recorded_by == portal.account.user
    assert submission.decision == StageSubmission.Decision.APPROVED
    # and the AM gets a portal event and a notification
    event = PortalEvent.objects.get(stage=portal.stage)
    assert event.kind == PortalEvent.Kind.STAGE_APPROVED
    note = Notification.objects.get(dedupe_key=f"portal:event:{event.pk}")
    assert note.recipient == portal.project.account_manager and "Стратегия" in note.title


def test_changes_need_a_comment_and_nothing_is_half_written(portal):  # noqa: F811
    with pytest.raises(ValidationError):
        services.portal_stage_answer(account=portal.account, stage=portal.stage, decision="changes_requested")
    portal.stage.refresh_from_db()
    assert portal.stage.status == StageStatus.SENT and not PortalEvent.objects.filter(stage=portal.stage).exists()
    services.portal_stage_answer(account=portal.account, stage=portal.stage, decision="changes_requested",
                                 comment="Добавьте конкурентов")
    portal.stage.refresh_from_db()
    assert portal.stage.status == StageStatus.CHANGES_REQUESTED
    assert portal.stage.submissions.get(answered_at__isnull=False).client_comment == "Добавьте конкурентов"


def test_another_clients_stage_or_a_flag_off_is_not_found(portal):  # noqa: F811
    with pytest.raises(NotFound):
        services.portal_stage_answer(account=portal.account, stage=portal.other_stage, decision="approved")
    with pytest.raises(NotFound):
        services.portal_stage_answer(account=portal.narrow, stage=portal.stage, decision="approved")
    with pytest.raises(NotFound):
        services.portal_request_file(account=portal.narrow, subject="x")
    portal.stage.refresh_from_db()
    portal.other_stage.refresh_from_db()
    assert portal.stage.status == portal.other_stage.status == StageStatus.SENT


def test_a_filed_request_enters_the_sla_clock_with_the_contact_as_author(portal):  # noqa: F811
    request = portal.request
    assert request.contact == portal.contact and request.created_by == portal.account.user
    assert request.channel == CommChannel.PORTAL and request.owner == portal.org.am1
    assert request.first_response_due_at > request.received_at
    assert PortalEvent.objects.filter(request=request, kind=PortalEvent.Kind.REQUEST_FILED).exists()


def test_the_contact_replies_on_their_own_request_only(portal):  # noqa: F811
    reply = services.portal_request_reply(account=portal.account, request=portal.request, text="Ещё футер")
    assert RequestReply.objects.get() == reply
    with pytest.raises(NotFound):
        services.portal_request_reply(account=portal.account, request=portal.other_request, text="x")
    assert RequestReply.objects.count() == 1


def test_revoked_access_voids_the_account(portal):  # noqa: F811
    from tandem.portal.permissions import portal_account_of

    services.portal_access_revoke(actor=portal.org.am1.user, account=portal.account)
    assert portal_account_of(portal.account.user) is None


# --- the thread, the SLA clock, TOTP reset ------------------------------------------------------

def test_a_staff_answer_is_the_first_response_and_a_note_is_not(portal):  # noqa: F811
    request = portal.request
    note = services.portal_request_staff_reply(actor=portal.org.am1.user, request=request, text="Себе", internal=True)
    request.refresh_from_db()
    assert note.internal and request.first_response_at is None
    answer = services.portal_request_staff_reply(actor=portal.org.am1.user, request=request, text="Клиенту")
    request.refresh_from_db()
    assert not answer.internal and request.first_response_at == answer.created_at
    from tandem.portal import selectors

    assert [r.text for r in selectors.request_thread_for_contact(request=request)] == ["Клиенту"]
    assert [r.text for r in selectors.request_replies(request=request)] == ["Себе", "Клиенту"]


def test_only_who_manages_the_request_answers_and_only_where_the_contact_has_a_portal(portal):  # noqa: F811
    with pytest.raises(PermissionDenied):
        services.portal_request_staff_reply(actor=portal.org.am2.user, request=portal.request, text="x")
    from tandem.comms.services import request_create

    by_phone = request_create(actor=portal.org.am1.user, client=portal.org.client_a, data={"subject": "Звонок"})
    with pytest.raises(PermissionDenied):  # no contact, so nobody would read it in the portal
        services.portal_request_staff_reply(actor=portal.org.am1.user, request=by_phone, text="x")
    assert not RequestReply.objects.filter(author__isnull=False).exists()


def test_a_contacts_reply_reopens_a_resolved_request_and_keeps_an_open_ones_clock(portal):  # noqa: F811
    from tandem.comms.services import request_resolve

    request = portal.request
    due = request.resolve_due_at
    services.portal_request_reply(account=portal.account, request=request, text="Ещё вопрос")
    request.refresh_from_db()
    assert request.resolved_at is None and request.resolve_due_at == due  # open: the clock runs on
    request_resolve(actor=portal.org.am1.user, request=request)
    services.portal_request_reply(account=portal.account, request=request, text="Не решено")
    request.refresh_from_db()
    assert request.resolved_at is None and request.resolve_due_at == due and request.first_response_at is not None
    latest = request.history.first()
    assert latest.history_user_id == portal.account.user_id and latest.history_change_reason


def test_the_am_resets_the_contacts_totp_recorded_and_others_may_not(portal):  # noqa: F811
    import pyotp

    from tandem.org import services as org_services

    user = portal.account.user
    with pytest.raises(ValidationError):  # nothing to reset
        services.portal_totp_reset(actor=portal.org.am1.user, account=portal.account)
    device = org_services.totp_setup_start(user=user)
    org_services.totp_enable(user=user, code=pyotp.TOTP(org_services.totp_secret(device)).now())
    with pytest.raises(PermissionDenied):
        services.portal_totp_reset(actor=portal.org.am2.user, account=portal.account)
    assert org_services.totp_enabled(user)
    account = services.portal_totp_reset(actor=portal.org.am1.user, account=portal.account)
    assert not org_services.totp_enabled(user) and not user.recovery_codes.exists()
    assert account.totp_reset_by == portal.org.am1.user and account.totp_reset_at is not None
    assert account.history.first().history_user == portal.org.am1.user


def test_the_contact_gets_a_letter_with_the_thread_link_for_an_answer_not_for_a_note(
    portal, django_capture_on_commit_callbacks,  # noqa: F811
):
    link = lambda sid: f"http://x/portal/requests/{sid}/"  # noqa: E731
    with django_capture_on_commit_callbacks(execute=True):
        services.portal_request_staff_reply(actor=portal.org.am1.user, request=portal.request, text="Себе",
                                            internal=True, thread_url=link)
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        services.portal_request_staff_reply(actor=portal.org.am1.user, request=portal.request, text="Готово",
                                            thread_url=link)
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["irina@alfa.example"]
    assert f"http://x/portal/requests/{portal.request.pk}." in mail.outbox[0].body
    assert "Готово" not in mail.outbox[0].body  # the answer itself is read in the portal
