import pytest

from tandem.clients.models import LifecycleStatus
from tandem.clients.selectors import ClientFilters, client_detail, client_list, workload_list
from tandem.clients.tests.factories import ClientFactory, ContactFactory


def test_search_by_name_inn_and_contact(org):
    org.client_a.inn = "7707083893"
    org.client_a.save()
    ContactFactory(client=org.client_b, full_name="Зинаида Петровна", email="zina@beta.example")
    assert list(client_list(actor=org.head.user, filters=ClientFilters(search="Альф"))) == [org.client_a]
    assert list(client_list(actor=org.head.user, filters=ClientFilters(search="770708"))) == [org.client_a]
    assert list(client_list(actor=org.head.user, filters=ClientFilters(search="Зинаида"))) == [org.client_b]
    assert list(client_list(actor=org.head.user, filters=ClientFilters(search="zina@"))) == [org.client_b]


def test_search_respects_visibility(org):
    assert list(client_list(actor=org.am1.user, filters=ClientFilters(search="Бета"))) == []


def test_filters(org):
    ClientFactory(agency=org.agency, account_manager=org.am1, group=org.seo1, status=LifecycleStatus.AT_RISK, tier="key")
    f = ClientFilters(account_manager_id=org.am1.pk, statuses=("at_risk",), tier="key")
    assert client_list(actor=org.head.user, filters=f).count() == 1
    assert client_list(actor=org.head.user, filters=ClientFilters(group_id=org.seo2.pk)).get() == org.client_b


def test_client_list_query_count_is_constant(org, django_assert_max_num_queries):
    for _ in range(30):
        ClientFactory(agency=org.agency, account_manager=org.am1, group=org.seo1)
    with django_assert_max_num_queries(3):
        rows = [(c.display_name, c.account_manager.full_name if c.account_manager else "", c.group and c.group.name)
                for c in client_list(actor=org.head.user)]
    assert len(rows) == 32


def test_client_detail_loads_everything_in_bounded_queries(org, django_assert_max_num_queries):
    for _ in range(10):
        ContactFactory(client=org.client_a)
    with django_assert_max_num_queries(6):
        client = client_detail(client=org.client_a)
        _ = [c.full_name for c in client.contacts.all()]
        _ = [m.employee.full_name for m in client.team_members.all()]
        _ = list(client.am_changes.all())
        _ = list(client.lifecycle_transitions.all())


def test_workload_states(org):
    org.agency.am_soft_client_limit, org.agency.am_hard_client_limit = 1, 2
    org.agency.save()
    ClientFactory(agency=org.agency, account_manager=org.am1)
    ClientFactory(agency=org.agency, account_manager=org.am1)
    ClientFactory(agency=org.agency, account_manager=org.am2, status=LifecycleStatus.CHURNED, churn_reason="budget")
    loads = {w.employee.user.username: (w.active_clients, w.state) for w in workload_list(actor=org.head.user)}
    assert loads["am1"] == (3, "over")
    assert loads["am2"] == (1, "ok")


@pytest.mark.parametrize("n", [3, 20])
def test_workload_list_is_one_query(org, n, django_assert_max_num_queries):
    for _ in range(n):
        ClientFactory(agency=org.agency, account_manager=org.am1)
    with django_assert_max_num_queries(3):
        workload_list(actor=org.head.user)
