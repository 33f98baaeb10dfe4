"""The client portal's pages: what a contact sees and does, the isolation matrix over every
portal URL (another client's contact, a flag switched off), staff pages closed to contacts,
separate sign-ins, the AM's invitation and My day section, bounded queries."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse

from tandem.comms.models import ClientRequest
from tandem.notifications.models import Notification
from tandem.org.models import User
from tandem.portal.models import PortalAccount, PortalEvent, RequestReply
from tandem.portal.permissions import signed_id
from tandem.testing.portal import PORTAL_PASSWORD, PortalWorld, portal_module  # noqa: F401
from tandem.web.context_processors import NAV_GROUPS, NAV_HOME
from tandem.work.models import StageStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(portal_module, db) -> PortalWorld:  # noqa: F811
    return portal_module  # type: ignore[no-any-return]


def _as(account: PortalAccount) -> Client:
    client = Client()
    client.force_login(account.user)
    return client


def _object_urls(w: PortalWorld, signer: PortalAccount) -> list[tuple[str, str]]:
    """Every portal URL that names one of client_a's objects, with ids signed for `signer`."""
    s = lambda kind, obj: signed_id(signer, kind, obj.pk)  # noqa: E731
    return [
        ("get", f"/portal/stages/{s('stage', w.stage)}/"),
        ("post", f"/portal/stages/{s('stage', w.stage)}/"),
        ("get", f"/portal/invoices/{s('invoice', w.unpaid)}/pdf/"),
        ("get", f"/portal/acts/{s('act', w.act)}/pdf/"),
        ("get", f"/portal/requests/{s('request', w.request)}/"),
        ("post", f"/portal/requests/{s('request', w.request)}/"),
        ("get", f"/portal/reports/{s('report', w.report)}/pdf/"),
    ]


AREA_URLS = [("get", "/portal/projects/"), ("get", "/portal/invoices/"), ("get", "/portal/hours/"),
             ("get", "/portal/requests/"), ("get", "/portal/requests/new/"), ("post", "/portal/requests/new/"),
             ("get", "/portal/reports/")]
POST_DATA = {"decision": "approved", "comment": "ok", "text": "Ответ", "subject": "Тема"}


def _snapshot(w: PortalWorld) -> tuple:
    w.stage.refresh_from_db()
    return (w.stage.status, ClientRequest.objects.count(), RequestReply.objects.count(), PortalEvent.objects.count())


def _cases(w: PortalWorld) -> list[tuple[str, PortalAccount, str, str]]:
    cases = []
    # another client's contact: ids signed for client_a's contact, and ids signed for their own
    # client (a valid signature) that name client_a's objects
    for method, url in _object_urls(w, w.account) + _object_urls(w, w.other):
        cases.append(("other client", w.other, method, url))
    # client_a's own contact with every flag off
    for method, url in _object_urls(w, w.narrow) + AREA_URLS:
        cases.append(("flag off", w.narrow, method, url))
    return cases


# The matrix is listed by index so that each URL × contact is its own test case.
MATRIX_SIZE = 14 + 14


@pytest.mark.parametrize("index", range(MATRIX_SIZE))
def test_isolation_matrix_every_portal_url_is_404_and_changes_nothing(world, index):
    # given a contact who may not see the object or the area
    who, account, method, url = _cases(world)[index]
    before = _snapshot(world)
    # when they open or post to the URL
    client = _as(account)
    response = client.post(url, POST_DATA) if method == "post" else client.get(url)
    # then it is the portal's 404 and nothing changed
    assert response.status_code == 404, (who, method, url)
    assert b"error-404" in response.content and b"mainnav" not in response.content
    assert _snapshot(world) == before


def test_the_matrix_covers_every_portal_url(world):
    from tandem.web.portal.urls import urlpatterns

    portal_routes = {str(p.pattern) for p in urlpatterns if str(p.pattern).startswith("portal/")}
    public = {"portal/login/", "portal/login/code/", "portal/logout/", "portal/invitation/<str:token>/", "portal/"}
    own = {"portal/security/", "portal/security/totp/", "portal/security/totp/off/"}  # the contact's own sign-in: no area, no other object
    covered = {"portal/stages/<str:sid>/", "portal/invoices/<str:sid>/pdf/", "portal/acts/<str:sid>/pdf/",
               "portal/requests/<str:sid>/", "portal/reports/<str:sid>/pdf/"} | {u.lstrip("/") for _m, u in AREA_URLS}
    assert portal_routes == public | own | covered
    assert len(_cases(world)) == MATRIX_SIZE


def _staff_urls(w: PortalWorld) -> list[str]:
    urls = [reverse(NAV_HOME.url_name)]
    for _label, entries in NAV_GROUPS:
        for entry in entries:
            try:
                urls.append(reverse(entry.url_name))
            except Exception:  # noqa: BLE001 - entries of pages not installed are skipped by the menu too
                continue
    return urls + [reverse("web:client_detail", args=[w.org.client_a.pk]),
                   reverse("web:project_detail", args=[w.project.pk]),
                   reverse("web:invoice_pdf", args=[w.unpaid.pk]), reverse("web:request_detail", args=[w.request.pk]),
                   reverse("web:contact_portal", args=[w.contact.pk]), "/"]


def test_a_portal_user_gets_404_on_every_staff_page(world):
    client = _as(world.account)
    answers = {url: client.get(url).status_code for url in _staff_urls(world)}
    assert len(answers) > 15
    assert {url: code for url, code in answers.items() if code != 404} == {}


def test_staff_sign_in_refuses_a_contact_and_portal_sign_in_refuses_staff(world):
    staff_login = Client().post(reverse("web:login"), {"username": world.account.user.username,
                                                       "password": PORTAL_PASSWORD})
    assert staff_login.status_code == 200 and "_auth_user_id" not in staff_login.client.session
    staff_user = User.objects.get(pk=world.org.am1.user.pk)  # not the module's shared object
    staff_user.set_password("Staff-pass-2026")
    staff_user.save()
    portal_login = Client().post(reverse("web:portal_login"), {"username": "am1", "password": "Staff-pass-2026"})
    assert portal_login.status_code == 200 and "_auth_user_id" not in portal_login.client.session


def test_a_contact_signs_in_with_e_mail_into_a_short_session(world):
    client = Client()
    response = client.post(reverse("web:portal_login"), {"username": "IRINA@alfa.example", "password": PORTAL_PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("web:portal_home")
    assert client.session.get_expiry_age() == settings.PORTAL_SESSION_AGE < settings.SESSION_COOKIE_AGE
    world.account.refresh_from_db()
    assert world.account.last_login_at is not None
    assert client.get(reverse("web:portal_home")).status_code == 200


def test_an_anonymous_visitor_is_sent_to_the_portal_sign_in():
    response = Client().get("/portal/projects/")
    assert response.status_code == 302 and response["Location"].startswith("/portal/login/")


@pytest.mark.parametrize(("url", "text", "max_queries"), [
    ("/portal/", "этапов ждут вашего согласования", 8),
    ("/portal/projects/", "Стратегия продвижения", 8),
    ("/portal/invoices/", "не оплачен", 8),
    ("/portal/hours/", "План: 20 ч в месяц", 8),
    ("/portal/requests/", "Поправить title", 8),
    ("/portal/requests/new/", "Новое обращение", 6),
    ("/portal/reports/", "01.01.2026 – 31.01.2026", 6),
    ("/portal/security/", "Двухфакторная аутентификация", 7),
])
def test_portal_pages_show_the_company_in_bounded_queries(world, django_assert_max_num_queries, url, text, max_queries):
    client = _as(world.account)
    with django_assert_max_num_queries(max_queries):
        response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert text in html and "mainnav" not in html and "Бета" not in html


def test_invoices_show_paid_and_unpaid_and_the_pdf_downloads(world):
    client = _as(world.account)
    html = client.get("/portal/invoices/").content.decode()
    assert "оплачен</span>" in html and "не оплачен" in html and world.paid.number in html
    assert len(re.findall(r'href="/portal/invoices/[^"]+/pdf/"', html)) == 2  # client_a's two, not client_b's
    response = client.get(f"/portal/invoices/{world.sid('invoice', world.unpaid)}/pdf/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF") and "attachment" in response["Content-Disposition"]


def test_the_contact_approves_a_stage_on_its_page(world):
    client = _as(world.account)
    url = f"/portal/stages/{world.sid('stage', world.stage)}/"
    assert "stage-answer" in client.get(url).content.decode()
    response = client.post(url, {"decision": "approved", "comment": ""})
    assert response.status_code == 302
    world.stage.refresh_from_db()
    assert world.stage.status == StageStatus.APPROVED
    assert world.stage.submissions.get(answered_at__isnull=False, contact=world.contact)


def test_changes_without_a_comment_show_the_error_next_to_the_field(world):
    client = _as(world.account)
    response = client.post(f"/portal/stages/{world.sid('stage', world.stage)}/", {"decision": "changes_requested"})
    assert response.status_code == 200 and "Запишите замечания клиента." in response.content.decode()
    world.stage.refresh_from_db()
    assert world.stage.status == StageStatus.SENT


def test_the_contact_files_a_request_and_replies(world):
    client = _as(world.account)
    response = client.post("/portal/requests/new/", {"subject": "Новая посадочная", "text": "Для акции"})
    assert response.status_code == 302
    created = ClientRequest.objects.get(subject="Новая посадочная")
    assert created.contact == world.contact
    detail = response["Location"]
    assert str(created.pk) + "." in detail
    response = client.post(detail, {"text": "И ещё баннер"})
    assert response.status_code == 302 and RequestReply.objects.get(request=created).text == "И ещё баннер"
    assert "И ещё баннер" in client.get(detail).content.decode()


def test_invitation_link_sets_the_password_signs_in_and_works_once(world, django_capture_on_commit_callbacks):
    # given the AM invites a contact from the client card
    from tandem.clients.tests.factories import ContactFactory

    contact = ContactFactory.create(client=world.org.client_a, email="new@alfa.example", full_name="Новый Контакт")
    staff = Client()
    staff.force_login(world.org.am1.user)
    card = staff.get(reverse("web:client_detail", args=[world.org.client_a.pk])).content.decode()
    assert reverse("web:contact_portal", args=[contact.pk]) in card and "Пригласить в кабинет" in card
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(reverse("web:contact_portal", args=[contact.pk]), {"work": "on", "money": "on"})
    assert response.status_code == 302
    link = next(line for line in mail.outbox[-1].body.splitlines() if "/portal/invitation/" in line)
    path = link[link.index("/portal/"):]
    # when the contact opens it and chooses a password
    visitor = Client()
    assert "Новый Контакт" in visitor.get(path).content.decode()
    mismatch = visitor.post(path, {"password": "Very-good-2026", "password2": "other"})
    assert "Пароли не совпадают." in mismatch.content.decode()
    response = visitor.post(path, {"password": "Very-good-2026", "password2": "Very-good-2026"})
    # then they are in the portal, with what the AM chose
    assert response.status_code == 302 and response["Location"] == reverse("web:portal_home")
    assert visitor.get("/portal/invoices/").status_code == 200
    assert visitor.get("/portal/requests/").status_code == 404
    # and the link does not work twice
    assert Client().get(path).status_code == 400


def test_the_am_sees_portal_activity_in_my_day_and_a_notification(world):
    _as(world.account).post(f"/portal/stages/{world.sid('stage', world.stage)}/", {"decision": "approved"})
    am = world.project.account_manager
    staff = Client()
    staff.force_login(am.user)
    html = staff.get(reverse("web:my_day")).content.decode()
    assert "Из кабинета клиента" in html and "Этап согласован: Стратегия продвижения" in html
    assert Notification.objects.filter(recipient=am, kind="portal.activity").exists()


def test_the_portal_speaks_english_when_chosen(world):
    client = _as(world.account)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get("/portal/").content.decode()
    assert "stages waiting for your approval" in html


def test_revoking_access_closes_the_portal(world):
    staff = Client()
    staff.force_login(world.org.am1.user)
    staff.post(reverse("web:contact_portal_revoke", args=[world.contact.pk]))
    world.account.refresh_from_db()
    assert not world.account.is_active
    assert _as(world.account).get("/portal/").status_code == 404


def test_the_owner_sees_the_contacts_replies_on_the_staff_request_page(world):
    _as(world.account).post(f"/portal/requests/{world.sid('request', world.request)}/", {"text": "Срочно, пожалуйста"})
    staff = Client()
    staff.force_login(User.objects.get(pk=world.org.am1.user.pk))
    html = staff.get(reverse("web:request_detail", args=[world.request.pk])).content.decode()
    assert "Переписка в кабинете клиента" in html and "Срочно, пожалуйста" in html
    assert "Кабинет клиента" in html  # the channel the request came through


@pytest.mark.parametrize("url", ["/portal/", "/portal/projects/", "/portal/invoices/", "/portal/hours/", "/portal/requests/",
                                 "/portal/reports/", "/portal/security/"])
def test_staff_do_not_enter_the_portal(world, url):
    staff = Client()
    staff.force_login(User.objects.get(pk=world.org.head.user.pk))
    response = staff.get(url)
    assert response.status_code == 404 and b"error-404" in response.content
