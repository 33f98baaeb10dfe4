"""API: reassign and reopen client requests, delete interactions (issue #10, loose ends)."""

import pytest

from tandem.comms.models import ClientRequest, Interaction
from tandem.comms.services import interaction_create, request_create, request_resolve

pytestmark = pytest.mark.django_db
BASE = "/api/v1"


def _open(org):
    return request_create(actor=org.am1.user, client=org.client_a, data={"subject": "Сайт лежит"})


def test_owner_candidates_listed(org, api_client_for):
    r = _open(org)
    resp = api_client_for(org.am1).get(f"{BASE}/requests/{r.pk}/owners/")
    assert resp.status_code == 200
    assert [p["full_name"] for p in resp.json()] == ["am1", "group_head", "head", "spec1"]


@pytest.mark.parametrize(("role", "code"), [
    ("am1", 200), ("group_head", 200), ("head", 200), ("finance", 200), ("admin", 200),
    ("spec1", 403), ("am2", 404), ("spec2", 404), ("outsider", 404),
])
def test_reassign_permissions(org, api_client_for, role, code):
    r = _open(org)
    resp = api_client_for(org.by_role_name(role)).post(f"{BASE}/requests/{r.pk}/reassign/",
                                                       {"owner": org.spec1.pk}, format="json")
    assert resp.status_code == code, resp.content
    r.refresh_from_db()
    assert r.owner_id == (org.spec1.pk if code == 200 else org.am1.pk)
    if code == 200:
        assert resp.json()["owner"]["full_name"] == "spec1"


@pytest.mark.parametrize("owner", ["am2", "admin", "finance", "outsider"])
def test_reassign_to_someone_off_the_client_is_400(org, api_client_for, owner):
    r = _open(org)
    resp = api_client_for(org.head).post(f"{BASE}/requests/{r.pk}/reassign/",
                                         {"owner": org.by_role_name(owner).pk}, format="json")
    assert resp.status_code == 400 and "owner" in resp.json()
    r.refresh_from_db()
    assert r.owner_id == org.am1.pk


@pytest.mark.parametrize(("role", "code"), [
    ("am1", 200), ("group_head", 200), ("head", 200), ("finance", 200), ("admin", 200),
    ("spec1", 403), ("am2", 404), ("spec2", 404), ("outsider", 404),
])
def test_reopen_permissions(org, api_client_for, role, code):
    r = _open(org)
    request_resolve(actor=org.am1.user, request=r)
    resp = api_client_for(org.by_role_name(role)).post(f"{BASE}/requests/{r.pk}/reopen/",
                                                       {"reason": "Снова не работает"}, format="json")
    assert resp.status_code == code, resp.content
    r.refresh_from_db()
    assert (r.resolved_at is None) is (code == 200)
    if code == 200:
        assert resp.json()["resolved_at"] is None
        assert r.history.order_by("-history_id").first().history_change_reason == "Снова не работает"


def test_reopen_without_reason_is_400(org, api_client_for):
    r = _open(org)
    request_resolve(actor=org.am1.user, request=r)
    resp = api_client_for(org.am1).post(f"{BASE}/requests/{r.pk}/reopen/", {}, format="json")
    assert resp.status_code == 400 and "reason" in resp.json()
    assert ClientRequest.objects.get(pk=r.pk).resolved_at is not None


@pytest.mark.parametrize(("role", "code"), [
    ("am1", 204), ("group_head", 204), ("head", 204), ("admin", 204),
    ("finance", 403), ("spec1", 403), ("am2", 404), ("spec2", 404), ("outsider", 404),
])
def test_delete_interaction_permissions(org, api_client_for, role, code):
    i = interaction_create(actor=org.am1.user, client=org.client_a, data={"summary": "Ошибочная запись"})
    resp = api_client_for(org.by_role_name(role)).delete(f"{BASE}/interactions/{i.pk}/")
    assert resp.status_code == code
    assert Interaction.objects.filter(pk=i.pk).exists() is (code != 204)


@pytest.mark.parametrize(("role", "code"), [
    ("am1", 200), ("group_head", 200), ("head", 200), ("finance", 200), ("admin", 200), ("spec1", 200),
    ("am2", 404), ("spec2", 404), ("outsider", 404),
])
def test_owner_candidates_follow_request_visibility(org, api_client_for, role, code):
    r = _open(org)
    assert api_client_for(org.by_role_name(role)).get(f"{BASE}/requests/{r.pk}/owners/").status_code == code


def test_create_with_an_owner_off_the_client_is_400(org, api_client_for):
    api = api_client_for(org.head)
    resp = api.post(f"{BASE}/requests/", {"client": org.client_a.pk, "subject": "x", "owner": org.am2.pk}, format="json")
    assert resp.status_code == 400 and "owner" in resp.json()
    assert not ClientRequest.objects.exists()
    resp = api.post(f"{BASE}/requests/", {"client": org.client_a.pk, "subject": "x", "owner": org.spec1.pk}, format="json")
    assert resp.status_code == 201 and resp.json()["owner"]["full_name"] == "spec1"
