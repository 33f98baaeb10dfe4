"""The AM's hard client limit holds under races (PostgreSQL: real transactions in two threads).

Every path that changes who serves a client locks the client row, then the receiving AM's row
(tandem.clients.services._assign and client_change_status). SQLite serialises whole-database
writes and has no SELECT … FOR UPDATE, so these tests only mean something on PostgreSQL.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from tandem.clients import services
from tandem.clients.models import Client, LifecycleStatus
from tandem.clients.selectors import account_manager_load
from tandem.clients.tests.factories import ClientFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL (SQLite has no SELECT FOR UPDATE)"),
]

ROUNDS = 4


def race(*jobs: Callable[[], object]) -> list[str]:
    """Run the jobs at the same moment in their own threads and connections; 'ok' or the error."""
    barrier = threading.Barrier(len(jobs))
    outcomes: list[str] = ["" for _ in jobs]

    def run(i: int, job: Callable[[], object]) -> None:
        barrier.wait()
        try:
            job()
            outcomes[i] = "ok"
        except ValidationError as exc:
            outcomes[i] = "refused: " + " ".join(exc.messages)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


@pytest.fixture
def am_at_the_limit(org):
    """am1 serves client_a and may serve only one more client."""
    org.am1.soft_client_limit = 2
    org.am1.hard_client_limit = 2
    org.am1.save()
    return org


def test_two_assignments_to_the_same_am_only_one_wins(am_at_the_limit):
    org = am_at_the_limit
    for _round in range(ROUNDS):
        first, second = (
            ClientFactory.create(agency=org.agency, group=org.seo1, status=LifecycleStatus.ACTIVE, account_manager=org.am2)
            for _ in range(2)
        )

        outcomes = race(
            lambda c=first: services.client_assign_account_manager(actor=org.head.user, client=c, manager=org.am1),
            lambda c=second: services.client_assign_account_manager(actor=org.head.user, client=c, manager=org.am1),
        )

        assert sorted(o[:2] for o in outcomes) == ["ok", "re"]
        assert account_manager_load(org.am1) == 2
        Client.objects.filter(pk__in=[first.pk, second.pk]).update(account_manager=org.am2)


def test_assignment_racing_a_lifecycle_transition_of_the_same_client_keeps_the_limit(am_at_the_limit):
    org = am_at_the_limit
    ClientFactory.create(agency=org.agency, group=org.seo1, status=LifecycleStatus.ACTIVE, account_manager=org.am1)
    for _round in range(ROUNDS):
        lead = ClientFactory.create(agency=org.agency, group=org.seo1, status=LifecycleStatus.LEAD, account_manager=None)

        outcomes = race(
            lambda c=lead: services.client_assign_account_manager(actor=org.head.user, client=c, manager=org.am1),
            lambda c=lead: services.client_change_status(actor=org.head.user, client=c, to_status=LifecycleStatus.ONBOARDING),
        )

        assert "ok" in outcomes
        assert any(o.startswith("refused") for o in outcomes)
        assert account_manager_load(org.am1) == 2
