"""API: ranked AM candidates, the handover opened by assign-manager, ticking items."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_candidates_for_head_and_403_for_am(org, api_client_for):
    ranked = api_client_for(org.head).get(f"/api/v1/clients/{org.client_a.pk}/am-candidates/")
    denied = api_client_for(org.am1).get(f"/api/v1/clients/{org.client_a.pk}/am-candidates/")
    hidden = api_client_for(org.am2).get(f"/api/v1/clients/{org.client_a.pk}/am-candidates/")

    assert ranked.status_code == 200 and ranked.json()[0]["reasons"][0]["label"]
    assert ranked.json()[0]["score"] == sum(r["points"] for r in ranked.json()[0]["reasons"])
    assert denied.status_code == 403 and hidden.status_code == 404


def test_assign_manager_returns_handover_and_new_am_ticks_items(org, api_client_for):
    assigned = api_client_for(org.head).post(f"/api/v1/clients/{org.client_a.pk}/assign-manager/",
                                             {"account_manager": org.am2.pk}, format="json")
    handover_id = assigned.json()["handover"]
    am2 = api_client_for(org.am2)
    handover = am2.get(f"/api/v1/clients/{org.client_a.pk}/handover/").json()

    ticked = am2.patch(f"/api/v1/handover-items/{handover['items'][0]['id']}/", {"done": True}, format="json")
    by_spec = api_client_for(org.spec2).patch(f"/api/v1/handover-items/{handover['items'][0]['id']}/",
                                              {"done": False}, format="json")

    assert handover["id"] == handover_id and handover["new_manager"] == org.am2.pk
    assert ticked.status_code == 200 and ticked.json()["done"] is True
    assert by_spec.status_code in (403, 404)
