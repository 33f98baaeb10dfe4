"""Web: reassign and reopen a request from its page; delete an interaction (issue #10)."""

import pytest
from django.urls import reverse

from tandem.comms.models import Interaction
from tandem.comms.services import interaction_create, request_create, request_resolve

pytestmark = pytest.mark.django_db


def test_detail_offers_reassign_with_candidates_only(org, web_client_for):
    r = request_create(actor=org.am1.user, client=org.client_a, data={"subject": "x"})
    html = web_client_for(org.am1).get(reverse("web:request_detail", args=[r.pk])).content.decode()
    assert reverse("web:request_reassign", args=[r.pk]) in html
    assert f'<option value="{org.spec1.pk}">spec1</option>' in html
    assert f'value="{org.am2.pk}"' not in html
    assert reverse("web:request_reopen", args=[r.pk]) not in html  # open: nothing to reopen


def test_specialist_sees_no_actions(org, web_client_for):
    r = request_create(actor=org.am1.user, client=org.client_a, data={"subject": "x"})
    html = web_client_for(org.spec1).get(reverse("web:request_detail", args=[r.pk])).content.decode()
    assert reverse("web:request_reassign", args=[r.pk]) not in html


def test_reassign_and_reopen_from_the_page(org, web_client_for):
    r = request_create(actor=org.am1.user, client=org.client_a, data={"subject": "x"})
    web = web_client_for(org.group_head)
    resp = web.post(reverse("web:request_reassign", args=[r.pk]), {"owner": org.spec1.pk})
    assert resp.status_code == 302
    r.refresh_from_db()
    assert r.owner == org.spec1
    request_resolve(actor=org.spec1.user, request=r)
    html = web.get(reverse("web:request_detail", args=[r.pk])).content.decode()
    assert reverse("web:request_reopen", args=[r.pk]) in html
    resp = web.post(reverse("web:request_reopen", args=[r.pk]), {"reason": "Клиент вернулся с тем же"})
    assert resp.status_code == 302
    r.refresh_from_db()
    assert r.resolved_at is None
    html = web.get(reverse("web:request_detail", args=[r.pk])).content.decode()
    assert "Клиент вернулся с тем же" in html and "group_head" in html


def test_reopen_without_reason_shows_error(org, web_client_for):
    r = request_create(actor=org.am1.user, client=org.client_a, data={"subject": "x"})
    request_resolve(actor=org.am1.user, request=r)
    resp = web_client_for(org.am1).post(reverse("web:request_reopen", args=[r.pk]), {"reason": ""})
    assert resp.status_code == 400 and 'class="error"' in resp.content.decode()
    r.refresh_from_db()
    assert r.resolved_at is not None


@pytest.mark.parametrize(("role", "code"), [("spec1", 403), ("am2", 404), ("spec2", 404), ("outsider", 404)])
def test_reassign_reopen_denied_change_nothing(org, web_client_for, role, code):
    r = request_create(actor=org.am1.user, client=org.client_a, data={"subject": "x"})
    web = web_client_for(org.by_role_name(role))
    assert web.post(reverse("web:request_reassign", args=[r.pk]), {"owner": org.spec1.pk}).status_code == code
    request_resolve(actor=org.am1.user, request=r)
    assert web.post(reverse("web:request_reopen", args=[r.pk]), {"reason": "ещё"}).status_code == code
    r.refresh_from_db()
    assert r.owner == org.am1 and r.resolved_at is not None


def test_delete_button_only_for_author_and_heads(org, web_client_for):
    i = interaction_create(actor=org.am1.user, client=org.client_a, data={"summary": "Ошибочная"})
    url = reverse("web:interaction_delete", args=[i.pk])
    for role, shown in [("am1", True), ("group_head", True), ("head", True), ("finance", False), ("spec1", False)]:
        web = web_client_for(org.by_role_name(role))
        html = web.get(reverse("web:interaction_list") + f"?client={org.client_a.pk}").content.decode()
        assert (url in html) is shown, role
        panel = web.get(reverse("web:client_comms_panel", args=[org.client_a.pk])).content.decode()
        assert (url in panel) is shown, role


def test_delete_with_htmx_removes_the_row(org, web_client_for):
    i = interaction_create(actor=org.am1.user, client=org.client_a, data={"summary": "Ошибочная"})
    resp = web_client_for(org.head).post(reverse("web:interaction_delete", args=[i.pk]), HTTP_HX_REQUEST="true")
    assert resp.status_code == 200 and resp.content == b""
    assert not Interaction.objects.filter(pk=i.pk).exists()


def test_delete_from_edit_page_redirects_to_log(org, web_client_for):
    i = interaction_create(actor=org.am1.user, client=org.client_a, data={"summary": "Ошибочная"})
    web = web_client_for(org.am1)
    assert reverse("web:interaction_delete", args=[i.pk]) in web.get(
        reverse("web:interaction_edit", args=[i.pk])).content.decode()
    resp = web.post(reverse("web:interaction_delete", args=[i.pk]), {"then": "list"}, HTTP_HX_REQUEST="true")
    assert resp.headers["HX-Redirect"] == reverse("web:interaction_list") + f"?client={org.client_a.pk}"
    assert not Interaction.objects.filter(pk=i.pk).exists()


@pytest.mark.parametrize(("role", "code"), [("finance", 403), ("spec1", 403), ("am2", 404), ("outsider", 404)])
def test_delete_denied_changes_nothing(org, web_client_for, role, code):
    i = interaction_create(actor=org.am1.user, client=org.client_a, data={"summary": "Запись"})
    resp = web_client_for(org.by_role_name(role)).post(reverse("web:interaction_delete", args=[i.pk]),
                                                        HTTP_HX_REQUEST="true")
    assert resp.status_code == code
    assert Interaction.objects.filter(pk=i.pk).exists()
