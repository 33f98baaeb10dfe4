"""Browser: the AM moves an opportunity to «КП отправлено» on the pipeline board (an htmx button,
no reload) and finds it in My day on its next-step date."""

import pytest
from django.utils import timezone

from tandem.clients.models import ServiceKind
from tandem.growth.models import Opportunity, Stage, StageChange
from tandem.growth.tests.factories import OpportunityFactory, service
from tandem.testing.browser import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_am_moves_opportunity_to_proposal_sent_and_sees_it_in_my_day(live_server, browser_page, org):
    # given an offered opportunity whose next step is today
    opp = OpportunityFactory.create(client=org.client_a, service=service(org.agency, ServiceKind.SMM, "SMM ВКонтакте"),
                                    stage=Stage.OFFERED, probability=30, next_step="Созвон по КП",
                                    next_step_date=timezone.localdate())
    page = browser_page
    login(page, live_server, "am1")
    page.goto(f"{live_server.url}/growth/")
    card = page.locator(f"#column-offered #opportunity-{opp.pk}")
    card.wait_for()
    # when the AM presses «КП отправлено →» on the card
    card.get_by_role("button", name="КП отправлено →").click()
    # then the card is in the «КП отправлено» column without a reload, with the stage's probability
    moved = page.locator(f"#column-proposal_sent #opportunity-{opp.pk}")
    moved.wait_for()
    assert "50 %" in moved.inner_text()
    assert page.locator(f"#column-offered #opportunity-{opp.pk}").count() == 0
    opp.refresh_from_db()
    assert opp.stage == Stage.PROPOSAL_SENT
    assert StageChange.objects.filter(opportunity=opp, to_stage=Stage.PROPOSAL_SENT).exists()
    # and My day lists it by its next-step date
    page.goto(f"{live_server.url}/my-day/")
    section = page.locator("#section-growth_next_steps")
    section.wait_for()
    text = section.inner_text()
    assert "Альфа — SMM ВКонтакте" in text and "КП отправлено" in text and "Созвон по КП" in text
    assert Opportunity.objects.count() == 1
