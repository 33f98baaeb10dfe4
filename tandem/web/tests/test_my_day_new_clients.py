""""My day": clients in their first two months (issue #10, loose ends)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tandem.clients.tests.factories import ClientFactory
from tandem.contracts.tests.factories import ContractFactory
from tandem.work.models import OnboardingChecklist

pytestmark = pytest.mark.django_db
URL = "/my-day/"


def _started(client, days_ago: int, *, completed: bool = False) -> OnboardingChecklist:
    today = timezone.localdate()
    return OnboardingChecklist.objects.create(
        client=client, contract=ContractFactory.create(client=client), started_on=today - timedelta(days=days_ago),
        completed_at=timezone.now() if completed else None,
    )


def _client(org, name: str, am, group):
    return ClientFactory.create(agency=org.agency, brand_name=name, account_manager=am, group=group)


def test_am_sees_own_clients_in_first_two_months(org, web_client_for):
    _started(_client(org, "Новичок", org.am1, org.seo1), 9)
    _started(_client(org, "Уже свой", org.am1, org.seo1), 61)
    _started(_client(org, "Чужой новичок", org.am2, org.seo2), 3)
    html = web_client_for(org.am1).get(URL).content.decode()
    assert 'id="section-work_new_clients"' in html
    assert "Новичок" in html and "10-й день с" in html and "онбординг идёт" in html
    assert "Уже свой" not in html and "Чужой новичок" not in html


def test_group_head_sees_the_groups_new_clients_in_the_team_table(org, web_client_for):
    _started(_client(org, "Новичок", org.am1, org.seo1), 0, completed=True)
    _started(_client(org, "Чужой новичок", org.am2, org.seo2), 3)
    html = web_client_for(org.group_head).get(URL).content.decode()
    assert "Новичок" in html and "1-й день с" in html and "онбординг пройден" in html
    assert "Чужой новичок" not in html
    assert "Первые два месяца" in html.split('id="team"')[1].split("</section>")[0]


def test_head_sees_every_new_client(org, web_client_for):
    _started(_client(org, "Новичок", org.am1, org.seo1), 5)
    _started(_client(org, "Второй новичок", org.am2, org.seo2), 3)
    html = web_client_for(org.head).get(URL).content.decode()
    assert "Новичок" in html and "Второй новичок" in html


def test_specialist_sees_no_new_clients_of_others(org, web_client_for):
    _started(_client(org, "Новичок", org.am1, org.seo1), 5)
    html = web_client_for(org.spec2).get(URL).content.decode()
    assert "Новичок" not in html


@pytest.mark.parametrize("role", ["am1", "group_head"])
def test_section_capped_and_queries_constant(org, web_client_for, django_assert_max_num_queries, role):
    web = web_client_for(org.by_role_name(role))
    for k in range(3):
        _started(_client(org, f"Новый {k}", org.am1, org.seo1), k)
    with django_assert_max_num_queries(60) as small:
        web.get(URL)
    for k in range(3, 25):
        _started(_client(org, f"Новый {k}", org.am1, org.seo1), k % 50)
    with django_assert_max_num_queries(len(small.captured_queries)):
        html = web.get(URL).content.decode()
    assert html.count('class="new-client"') == 10 and "?all=work_new_clients" in html
