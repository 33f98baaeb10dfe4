"""The portal API (/api/portal/v1/): a contact's session only, the isolation matrix over every
endpoint, the staff API closed to contacts, and its own schema."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from drf_spectacular.generators import EndpointEnumerator, SchemaGenerator
from rest_framework.test import APIClient

from tandem.comms.models import ClientRequest
from tandem.portal.models import PortalAccount, PortalEvent, RequestReply
from tandem.portal.permissions import signed_id
from tandem.testing.portal import PORTAL_PASSWORD, PortalWorld, portal_module  # noqa: F401
from tandem.work.models import StageStatus

pytestmark = pytest.mark.django_db
API = "/api/portal/v1"


@pytest.fixture
def world(portal_module, db) -> PortalWorld:  # noqa: F811
    return portal_module  # type: ignore[no-any-return]


def _as(account: PortalAccount) -> APIClient:
    client = APIClient()
    client.force_login(account.user)
    return client


def _object_endpoints(w: PortalWorld, signer: PortalAccount) -> list[tuple[str, str]]:
    s = lambda kind, obj: signed_id(signer, kind, obj.pk)  # noqa: E731
    return [
        ("get", f"{API}/stages/{s('stage', w.stage)}/"),
        ("post", f"{API}/stages/{s('stage', w.stage)}/answer/"),
        ("get", f"{API}/invoices/{s('invoice', w.unpaid)}/pdf/"),
        ("get", f"{API}/acts/{s('act', w.act)}/pdf/"),
        ("get", f"{API}/requests/{s('request', w.request)}/"),
        ("get", f"{API}/requests/{s('request', w.request)}/replies/"),
        ("post", f"{API}/requests/{s('request', w.request)}/replies/"),
        ("get", f"{API}/reports/{s('report', w.report)}/pdf/"),
    ]


AREA_ENDPOINTS = [("get", f"{API}/projects/"), ("get", f"{API}/invoices/"), ("get", f"{API}/acts/"),
                  ("get", f"{API}/hours/"), ("get", f"{API}/requests/"), ("post", f"{API}/requests/"),
                  ("get", f"{API}/reports/")]
BODY = {"decision": "approved", "text": "Ответ", "subject": "Тема"}


def _cases(w: PortalWorld) -> list[tuple[str, PortalAccount, str, str]]:
    cases = [("other client", w.other, m, u) for m, u in _object_endpoints(w, w.account) + _object_endpoints(w, w.other)]
    cases += [("flag off", w.narrow, m, u) for m, u in _object_endpoints(w, w.narrow) + AREA_ENDPOINTS]
    return cases


MATRIX_SIZE = 16 + 15


def _snapshot(w: PortalWorld) -> tuple:
    w.stage.refresh_from_db()
    return (w.stage.status, ClientRequest.objects.count(), RequestReply.objects.count(), PortalEvent.objects.count())


@pytest.mark.parametrize("index", range(MATRIX_SIZE))
def test_isolation_matrix_every_portal_endpoint_is_404_and_changes_nothing(world, index):
    who, account, method, url = _cases(world)[index]
    before = _snapshot(world)
    client = _as(account)
    response = client.post(url, BODY, format="json") if method == "post" else client.get(url)
    assert response.status_code == 404, (who, method, url, response.content[:200])
    assert _snapshot(world) == before


def test_the_matrix_covers_every_portal_endpoint(world):
    from tandem.api.portal.urls import urlpatterns

    routes = {str(p.pattern) for p in urlpatterns}
    covered = {re.sub(r"^/api/portal/v1/", "", re.sub(r"/[0-9]+\.[^/]+/", "/<str:sid>/", u))
               for _m, u in _object_endpoints(world, world.account) + AREA_ENDPOINTS}
    assert routes == covered | {"me/"}
    assert len(_cases(world)) == MATRIX_SIZE


def test_staff_sessions_and_anonymous_callers_get_nothing_from_the_portal_api(world):
    staff = APIClient()
    staff.force_login(world.org.head.user)
    assert staff.get(f"{API}/me/").status_code in (401, 403)
    assert APIClient().get(f"{API}/projects/").status_code in (401, 403)


def _staff_endpoints() -> list[tuple[str, str]]:
    result = []
    for path, _regex, method, _view in EndpointEnumerator().get_api_endpoints():
        if path.startswith("/api/v1/"):
            result.append((method.lower(), re.sub(r"\{[^}]+\}", "1", path)))
    return result


def test_a_portal_user_gets_nothing_from_any_staff_api_endpoint(world):
    # given a signed-in contact
    client = _as(world.account)
    endpoints = _staff_endpoints()
    assert len(endpoints) > 50
    before = _snapshot(world)
    # when they call every staff endpoint with every method it has
    answers = {(m, u): getattr(client, m)(u, {}, format="json").status_code for m, u in endpoints
               if not u.startswith("/api/v1/auth/token/")}
    # then none lets them in (401/403, or 404/405 for what the ids do not name) and nothing changed
    assert {k: v for k, v in answers.items() if v not in (401, 403, 404, 405)} == {}
    assert _snapshot(world) == before


def test_a_contact_gets_no_staff_api_token(world):
    response = APIClient().post("/api/v1/auth/token/", {"username": world.account.user.username,
                                                        "password": PORTAL_PASSWORD}, format="json")
    assert response.status_code == 400 and not world.account.user.api_tokens.exists()


def test_the_contact_sees_and_does_through_the_api(world, django_assert_max_num_queries):
    client = _as(world.account)
    me = client.get(f"{API}/me/").json()
    assert me["client_name"] == "Альфа" and me["access"] == {"work": True, "money": True, "hours": True, "requests": True,
                                                                  "reports": True}
    with django_assert_max_num_queries(8):
        projects = client.get(f"{API}/projects/").json()
    assert set(projects) == {"count", "next", "previous", "results"} and projects["count"] == 1
    stage = next(s for s in projects["results"][0]["stages"] if s["title"] == "Стратегия продвижения")
    answered = client.post(f"{API}/stages/{stage['id']}/answer/", {"decision": "approved"}, format="json")
    assert answered.status_code == 200 and answered.json()["status"] == StageStatus.APPROVED
    invoices = client.get(f"{API}/invoices/").json()["results"]
    assert sorted(i["is_paid"] for i in invoices) == [False, True]
    pdf = client.get(f"{API}/invoices/{invoices[0]['id']}/pdf/")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    hours = client.get(f"{API}/hours/").json()
    assert hours[0]["planned_hours_per_month"] == "20.00" and hours[0]["months"][0]["hours"] == "7.50"
    created = client.post(f"{API}/requests/", {"subject": "Через API", "text": ""}, format="json")
    assert created.status_code == 201
    reply = client.post(f"{API}/requests/{created.json()['id']}/replies/", {"text": "Дополнение"}, format="json")
    assert reply.status_code == 201
    assert client.get(f"{API}/requests/{created.json()['id']}/replies/").json()[0]["text"] == "Дополнение"


def test_bad_input_is_a_400_with_field_messages(world):
    client = _as(world.account)
    sid = signed_id(world.account, "stage", world.stage.pk)
    response = client.post(f"{API}/stages/{sid}/answer/", {"decision": "changes_requested"}, format="json")
    assert response.status_code == 400 and "comment" in response.json()
    assert client.post(f"{API}/requests/", {"subject": ""}, format="json").json().keys() >= {"subject"}
    assert client.post(f"{API}/requests/", {"subject": "x", "owner": 1}, format="json").status_code == 400


def test_the_portal_api_has_its_own_schema_and_the_staff_schema_leaves_it_out(world):
    staff_schema = SchemaGenerator().get_schema(request=None, public=True)
    assert not [p for p in staff_schema["paths"] if p.startswith("/api/portal/")]
    response = Client().get("/api/portal/schema/?format=json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert f"{API}/stages/{{sid}}/answer/" in paths and not [p for p in paths if p.startswith("/api/v1/")]


def test_the_contact_lists_the_sent_reports_and_downloads_one(world, django_assert_max_num_queries):
    client = _as(world.account)
    with django_assert_max_num_queries(6):
        reports = client.get(f"{API}/reports/").json()
    assert [(r["period_start"], r["period_end"]) for r in reports["results"]] == [
        ("2026-01-01", "2026-01-31"), ("2025-12-01", "2025-12-31")]
    pdf = client.get(f"{API}/reports/{reports['results'][0]['id']}/pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def test_staff_answer_in_the_thread_through_the_api_and_the_contact_reads_it_without_notes(world):
    # given the AM answers and leaves a note through the staff API
    staff = APIClient()
    staff.force_login(world.org.am1.user)
    url = f"/api/v1/requests/{world.request.pk}/portal-thread/"
    answer = staff.post(url, {"text": "Сделаем завтра"}, format="json")
    note = staff.post(url, {"text": "Не обещать", "internal": True}, format="json")
    assert answer.status_code == 201 and note.status_code == 201 and note.json()["internal"] is True
    assert [m["text"] for m in staff.get(url).json()] == ["Сделаем завтра", "Не обещать"]
    # then the contact reads the answer, marked as the agency's, and not the note
    sid = signed_id(world.account, "request", world.request.pk)
    thread = _as(world.account).get(f"{API}/requests/{sid}/replies/").json()
    assert thread == [{"text": "Сделаем завтра", "created_at": thread[0]["created_at"], "from_agency": True}]
    world.request.refresh_from_db()
    assert world.request.first_response_at is not None


def test_staff_who_do_not_manage_the_request_cannot_post_in_its_thread(world):
    staff = APIClient()
    staff.force_login(world.org.am2.user)
    before = RequestReply.objects.count()
    response = staff.post(f"/api/v1/requests/{world.request.pk}/portal-thread/", {"text": "x"}, format="json")
    assert response.status_code == 404 and RequestReply.objects.count() == before


def test_the_am_resets_a_contacts_totp_through_the_api(world):
    import pyotp

    from tandem.org import services as org_services

    device = org_services.totp_setup_start(user=world.account.user)
    org_services.totp_enable(user=world.account.user, code=pyotp.TOTP(org_services.totp_secret(device)).now())
    other_am = APIClient()
    other_am.force_login(world.org.am2.user)
    url = f"/api/v1/contacts/{world.contact.pk}/portal/totp-reset/"
    assert other_am.post(url).status_code == 404 and org_services.totp_enabled(world.account.user)
    staff = APIClient()
    staff.force_login(world.org.am1.user)
    response = staff.post(url)
    assert response.status_code == 200
    assert response.json()["totp_enabled"] is False and response.json()["totp_reset_by"] == world.org.am1.user.pk
    assert staff.post(url).status_code == 400  # nothing to reset any more
