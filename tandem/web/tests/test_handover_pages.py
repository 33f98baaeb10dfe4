"""The assign panel ranks AMs with reasons; the card's handover checklist; My day for the new AM."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tandem.comms import services
from tandem.comms.models import Handover

pytestmark = pytest.mark.django_db


def test_assign_panel_lists_candidates_with_reasons(org, web_client_for):
    html = web_client_for(org.head).get(reverse("web:client_assign_manager", args=[org.client_a.pk])).content.decode()

    assert 'id="am-candidates"' in html and "свободных мест до мягкого лимита" in html


def test_assign_opens_handover_shown_on_card_and_in_new_ams_day(org, web_client_for):
    head = web_client_for(org.head)

    head.post(reverse("web:client_assign_manager", args=[org.client_a.pk]),
              {"account_manager": org.am2.pk, "reason": "Перераспределение"})

    handover = Handover.objects.get(client=org.client_a)
    am2 = web_client_for(org.am2)
    panel = am2.get(reverse("web:client_handover", args=[org.client_a.pk])).content.decode()
    assert 'id="handover"' in panel and "Созвониться с прежним аккаунтом" in panel
    day = am2.get(reverse("web:my_day")).content.decode()
    assert 'id="handovers"' in day and org.client_a.display_name in day

    item = handover.items.first()
    am2.post(reverse("web:handover_item_toggle", args=[item.pk]), {"done": "1"}, HTTP_HX_REQUEST="true")
    item.refresh_from_db()
    assert item.done_at is not None


def test_handover_invisible_client_is_404(org, web_client_for):
    _r, handover = services.account_manager_change(actor=org.head.user, client=org.client_a, manager=org.am1)
    services.account_manager_change(actor=org.head.user, client=org.client_a, manager=org.group_head)

    response = web_client_for(org.am2).get(reverse("web:client_handover", args=[org.client_a.pk]))

    assert response.status_code == 404
