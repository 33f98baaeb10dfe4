"""The client portal, second round: reports sent to the client (with their PDF), the request
thread staff answer in (internal notes stay with staff), and the contact's optional TOTP with
the AM's recorded reset."""

from __future__ import annotations

import re
from datetime import timedelta

import pyotp
import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tandem.comms.models import ClientRequest
from tandem.notifications.models import Notification
from tandem.org import services as org_services
from tandem.org.models import TotpDevice, User
from tandem.portal.models import PortalAccount, RequestReply
from tandem.testing.portal import PORTAL_PASSWORD, REPORT_PDF, PortalWorld, portal_module  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(portal_module, db) -> PortalWorld:  # noqa: F811
    return portal_module  # type: ignore[no-any-return]


def _as(account: PortalAccount) -> Client:
    client = Client()
    client.force_login(account.user)
    return client


def _staff(user: User) -> Client:
    client = Client()
    client.force_login(User.objects.get(pk=user.pk))  # not the module's shared object
    return client


# --- reports ------------------------------------------------------------------------------------

def test_the_contact_sees_the_sent_reports_newest_first_and_downloads_the_pdf(world):
    # given two sent reports and a draft of client_a, and a sent report of client_b
    client = _as(world.account)
    # when the contact opens the reports page
    html = client.get("/portal/reports/").content.decode()
    # then the sent ones are listed, newest period first, without the draft and client_b's
    periods = re.findall(r"<td>(\d\d\.\d\d\.\d{4} – \d\d\.\d\d\.\d{4})</td>", html)
    assert periods == ["01.01.2026 – 31.01.2026", "01.12.2025 – 31.12.2025"]
    links = re.findall(r'href="(/portal/reports/[^"]+/pdf/)"', html)
    assert len(links) == 2 and 'href="/portal/reports/"' in html  # and the menu has the entry
    # and the PDF is the one the client received
    response = client.get(links[0])
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content == REPORT_PDF and "attachment" in response["Content-Disposition"]


@pytest.mark.parametrize("which", ["draft_report", "other_report"])
def test_a_draft_or_another_clients_report_is_not_found(world, which):
    # given a correctly signed id of a report the contact may not see
    sid = world.sid("report", getattr(world, which))
    # when they ask for its PDF
    response = _as(world.account).get(f"/portal/reports/{sid}/pdf/")
    # then it is the portal's 404
    assert response.status_code == 404 and b"error-404" in response.content


def test_without_the_reports_flag_there_is_no_menu_entry_and_the_page_is_404(world):
    client = _as(world.narrow)
    assert 'href="/portal/reports/"' not in client.get("/portal/").content.decode()
    assert client.get("/portal/reports/").status_code == 404
    assert client.get(f"/portal/reports/{world.sid('report', world.report, world.narrow)}/pdf/").status_code == 404


def test_the_am_turns_the_reports_flag_on_without_a_new_letter(world):
    staff = _staff(world.org.am1.user)
    form = staff.get(reverse("web:contact_portal", args=[world.narrow.contact_id])).content.decode()
    assert 'name="reports"' in form
    staff.post(reverse("web:contact_portal_access", args=[world.narrow.contact_id]), {"reports": "on"})
    world.narrow.refresh_from_db()
    assert world.narrow.can_see_reports and not world.narrow.can_see_money
    assert _as(world.narrow).get("/portal/reports/").status_code == 200


def test_the_reports_page_speaks_english(world):
    client = _as(world.account)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get("/portal/reports/").content.decode()
    assert ">Reports" in html and "Sent" in html


# --- the request thread -------------------------------------------------------------------------

def test_the_am_answers_in_the_portal_thread_and_an_internal_note_stays_with_staff(world):
    # given the contact's request, not yet answered
    assert world.request.first_response_at is None
    staff = _staff(world.org.am1.user)
    page = staff.get(reverse("web:request_detail", args=[world.request.pk])).content.decode()
    assert reverse("web:request_portal_reply", args=[world.request.pk]) in page
    # when the AM answers in the thread and leaves an internal note
    url = reverse("web:request_portal_reply", args=[world.request.pk])
    assert staff.post(url, {"text": "Поправим title до пятницы"}).status_code == 302
    assert staff.post(url, {"text": "Клиент нервничает, не обещать сроки", "internal": "on"}).status_code == 302
    # then the answer is the request's first response
    world.request.refresh_from_db()
    assert world.request.first_response_at is not None
    # and the contact sees the answer in their thread, never the note
    html = _as(world.account).get(f"/portal/requests/{world.sid('request', world.request)}/").content.decode()
    assert "Поправим title до пятницы" in html and "staff-reply" in html
    assert "не обещать сроки" not in html
    # while staff see both, the note marked
    page = staff.get(reverse("web:request_detail", args=[world.request.pk])).content.decode()
    assert "не обещать сроки" in page and "внутренняя заметка" in page


def test_someone_who_may_not_manage_the_request_cannot_answer_in_the_thread(world):
    # given am2, who does not handle client_a
    before = RequestReply.objects.count()
    response = _staff(world.org.am2.user).post(reverse("web:request_portal_reply", args=[world.request.pk]),
                                               {"text": "Чужой ответ"})
    assert response.status_code == 404
    assert RequestReply.objects.count() == before


def test_the_contacts_reply_on_a_resolved_request_reopens_it_with_its_deadlines(world):
    # given the AM resolved the request
    staff = _staff(world.org.am1.user)
    staff.post(reverse("web:request_resolve", args=[world.request.pk]))
    world.request.refresh_from_db()
    assert world.request.resolved_at is not None
    deadlines = (world.request.first_response_due_at, world.request.resolve_due_at)
    # when the contact replies in the portal
    response = _as(world.account).post(f"/portal/requests/{world.sid('request', world.request)}/",
                                       {"text": "Не исправлено на мобильной версии"})
    assert response.status_code == 302
    # then it is open again, its clock as it was, the reason in its history, and the owner told
    request = ClientRequest.objects.get(pk=world.request.pk)
    assert request.resolved_at is None
    assert (request.first_response_due_at, request.resolve_due_at) == deadlines
    assert request.history.first().history_change_reason == "Ответ клиента в кабинете"
    assert Notification.objects.filter(recipient=request.owner, kind="portal.activity",
                                       title__contains="снова открыто").exists()


# --- TOTP ---------------------------------------------------------------------------------------

def _code(user: User) -> str:
    return pyotp.TOTP(org_services.totp_secret(TotpDevice.objects.get(user=user))).now()


def _enable(client: Client, account: PortalAccount) -> None:
    assert "manual-key" in client.get("/portal/security/totp/").content.decode()
    response = client.post("/portal/security/totp/", {"code": _code(account.user)})
    assert response.status_code == 200 and "recovery-codes" in response.content.decode()
    TotpDevice.objects.filter(user=account.user).update(last_step=0)  # the enabling code may be typed again


def test_the_contact_turns_totp_on_and_then_sign_in_asks_for_the_code(world):
    # given the contact turns TOTP on in the portal
    _enable(_as(world.account), world.account)
    assert org_services.totp_enabled(world.account.user)
    # when they sign in with the password
    visitor = Client()
    response = visitor.post(reverse("web:portal_login"), {"username": "irina@alfa.example", "password": PORTAL_PASSWORD})
    # then they are not in yet: the code step asks
    assert response.status_code == 302 and response["Location"] == reverse("web:portal_login_code")
    assert "_auth_user_id" not in visitor.session
    assert visitor.get("/portal/").status_code == 302
    # a wrong code is refused
    wrong = visitor.post(reverse("web:portal_login_code"), {"code": "000000"})
    assert wrong.status_code == 400 and "Неверный код" in wrong.content.decode()
    assert "_auth_user_id" not in visitor.session
    # the right one lets them in, into a portal session
    response = visitor.post(reverse("web:portal_login_code"), {"code": _code(world.account.user)})
    assert response.status_code == 302 and response["Location"] == reverse("web:portal_home")
    assert visitor.session.get_expiry_age() == settings.PORTAL_SESSION_AGE
    assert visitor.get("/portal/").status_code == 200


def test_the_code_step_without_a_password_step_sends_back_to_sign_in():
    response = Client().post(reverse("web:portal_login_code"), {"code": "123456"})
    assert response.status_code == 302 and response["Location"] == reverse("web:portal_login")


def test_the_am_resets_the_contacts_totp_and_it_is_recorded(world):
    # given the contact has TOTP on
    _enable(_as(world.account), world.account)
    staff = _staff(world.org.am1.user)
    page = staff.get(reverse("web:contact_portal", args=[world.contact.pk])).content.decode()
    assert reverse("web:contact_portal_totp_reset", args=[world.contact.pk]) in page
    # when the AM resets it from the contact's portal page
    response = staff.post(reverse("web:contact_portal_totp_reset", args=[world.contact.pk]))
    assert response.status_code == 302
    # then the second factor is gone, who and when are recorded (also in the history)
    account = PortalAccount.objects.get(pk=world.account.pk)
    assert not org_services.totp_enabled(account.user)
    assert account.totp_reset_by_id == world.org.am1.user.pk
    assert timezone.now() - account.totp_reset_at < timedelta(minutes=1)
    assert account.history.first().history_user_id == world.org.am1.user.pk
    # and the contact signs in with the password alone
    visitor = Client()
    response = visitor.post(reverse("web:portal_login"), {"username": "irina@alfa.example", "password": PORTAL_PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("web:portal_home")


def test_another_clients_am_cannot_reset_the_contacts_totp(world):
    _enable(_as(world.account), world.account)
    response = _staff(world.org.am2.user).post(reverse("web:contact_portal_totp_reset", args=[world.contact.pk]))
    assert response.status_code == 404
    assert org_services.totp_enabled(world.account.user)


def test_the_contact_turns_totp_off_with_the_password_and_a_code(world):
    client = _as(world.account)
    _enable(client, world.account)
    assert "/portal/security/totp/off/" in client.get("/portal/security/").content.decode()
    wrong = client.post("/portal/security/totp/off/", {"password": "wrong", "code": _code(world.account.user)})
    assert wrong.status_code == 400 and org_services.totp_enabled(world.account.user)
    response = client.post("/portal/security/totp/off/", {"password": PORTAL_PASSWORD, "code": _code(world.account.user)})
    assert response.status_code == 302 and not org_services.totp_enabled(world.account.user)
