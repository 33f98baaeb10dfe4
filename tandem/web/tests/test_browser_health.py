"""A group head opens a client the health score flagged, sees why, and records the decision —
in real Chromium."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tandem.clients.models import Client, LifecycleStatus, LifecycleTransition
from tandem.health import services
from tandem.health.models import ProposalStatus, RiskProposal
from tandem.health.tests.builders import interaction, invoice
from tandem.testing.browser import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_group_head_sees_why_and_puts_the_client_at_risk(live_server, browser_page, org):
    # given: Альфа (group SEO 1) with a long-overdue invoice and a complaint → a proposal
    today = timezone.localdate()
    a = org.client_a
    Client.objects.filter(pk__in=[a.pk, org.client_b.pk]).update(served_since=today - timedelta(days=400))
    overdue = invoice(a, day=today - timedelta(days=80), due=today - timedelta(days=70), total="30000.00")
    interaction(a, day=today - timedelta(days=3), summary="Недовольны: нет результата, хотят расторгнуть")
    interaction(a, day=today - timedelta(days=8), summary="Говорят, что перейдут к другому подрядчику")
    services.health_recompute(agency=org.agency)
    assert RiskProposal.objects.filter(client=a, status=ProposalStatus.OPEN).exists()

    page = browser_page
    login(page, live_server, "group_head")
    # when: the group head opens the health list and the flagged client
    page.goto(f"{live_server.url}/health/")
    page.click("#at-risk >> text=Альфа")
    panel = page.locator("#health")
    panel.wait_for()
    # then: the score, the reasons and the linked invoice are there
    text = panel.inner_text()
    assert "Платёжная дисциплина" in text and "Жалобы во взаимодействиях" in text
    assert panel.locator(f"a[href='/invoices/{overdue.pk}/']").count() == 1
    # when: they accept with a comment
    panel.locator("textarea[name=comment]").fill("Беру на контроль, встреча с ЛПР в пятницу")
    panel.locator("button[value=accept]").click()
    page.wait_for_selector("h1 .badge.at_risk")
    # then: the client is at risk with the reasons and the comment in its history
    assert Client.objects.get(pk=a.pk).status == LifecycleStatus.AT_RISK
    transition = LifecycleTransition.objects.get(client=a, to_status=LifecycleStatus.AT_RISK)
    assert "Беру на контроль" in transition.reason and "Платёжная дисциплина" in transition.reason
    assert "Беру на контроль" in page.locator("#lifecycle").inner_text()
