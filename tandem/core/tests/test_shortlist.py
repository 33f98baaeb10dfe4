"""Shortlists: the first rows plus exact counts of the whole list, in a constant number of queries."""

import pytest
from django.db.models import Q

from tandem.clients.models import Client
from tandem.clients.tests.factories import ClientFactory
from tandem.core.shortlist import Shortlist, shortlist_from, shortlist_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def clients(org):
    for n in range(7):
        ClientFactory.create(agency=org.agency, account_manager=org.am1, legal_name=f"A{n}", status="active")
    for n in range(4):
        ClientFactory.create(agency=org.agency, account_manager=org.am2, legal_name=f"B{n}", status="at_risk")
    return Client.objects.filter(agency=org.agency, legal_name__regex=r"^[AB]\d$").order_by("legal_name")


def test_window_counts_whole_list_and_loads_only_shown_rows(clients, django_assert_num_queries):
    with django_assert_num_queries(1):
        listed = shortlist_of(clients, limit=3, flags={"at_risk": Q(status="at_risk")})
    assert [c.legal_name for c in listed.items] == ["A0", "A1", "A2"]
    assert listed.total == 11 and listed.more == 8 and listed.flags == {"at_risk": 4}
    assert listed.count_by_am == {}


def test_grouped_counts_per_employee(clients, org, django_assert_num_queries):
    with django_assert_num_queries(2):
        listed = shortlist_of(clients, limit=3, by="account_manager_id", flags={"at_risk": Q(status="at_risk")},
                              rows=lambda qs: qs.only("legal_name"))
    assert [c.legal_name for c in listed.items] == ["A0", "A1", "A2"]
    assert listed.total == 11 and listed.count_by_am == {org.am1.pk: 7, org.am2.pk: 4}
    assert listed.flags == {"at_risk": 4}


def test_no_limit_and_empty(clients):
    assert len(shortlist_of(clients, limit=None).items) == 11
    empty = shortlist_of(clients.none(), limit=5, flags={"x": Q(status="active")})
    assert empty.items == [] and empty.total == 0 and empty.flags == {"x": 0}


def test_shortlist_from_memory():
    listed = shortlist_from(range(10), limit=4, key=lambda n: n % 2)
    assert listed == Shortlist(items=[0, 1, 2, 3], total=10, count_by_am={0: 5, 1: 5})
    assert shortlist_from([], limit=4, key=lambda n: n).more == 0


def test_grouped_empty_list_is_one_query(clients, django_assert_num_queries):
    """No rows counted: the rows query is skipped (the team view has several empty sections)."""
    with django_assert_num_queries(1):
        listed = shortlist_of(clients.filter(legal_name="nobody"), limit=3, by="account_manager_id",
                              flags={"at_risk": Q(status="at_risk")})
    assert listed.items == [] and listed.total == 0 and listed.count_by_am == {} and listed.flags == {"at_risk": 0}
