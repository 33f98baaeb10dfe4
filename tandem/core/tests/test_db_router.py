"""The read-replica router (issue 16): report and dashboard reads go to `replica` when one is
configured, writes never; without one everything stays on `default`. In tests the `replica`
alias mirrors the default database (TEST MIRROR), on SQLite and PostgreSQL alike."""

from __future__ import annotations

import pytest
from django.db import connections, transaction
from django.test.utils import CaptureQueriesContext

from tandem.clients.models import Client
from tandem.core.db import ReplicaRouter, replica_reads, replica_reads_context
from tandem.reports.dashboard import dashboard
from tandem.reports.retention import default_period

BOTH = pytest.mark.django_db(transaction=True, databases=["default", "replica"])


@pytest.fixture
def with_replica(settings):
    settings.REPLICA_DATABASE = "replica"


def _queries(alias: str) -> CaptureQueriesContext:
    return CaptureQueriesContext(connections[alias])


@BOTH
def test_reads_inside_the_context_go_to_the_replica_and_writes_to_default(org, with_replica):
    with _queries("replica") as replica, _queries("default") as default, replica_reads_context():
        assert Client.objects.count() == 2
        client = Client.objects.get(pk=org.client_a.pk)
        assert client._state.db == "replica"
        client.brand_name = "Written"
        client.save()
    assert len(replica.captured_queries) == 2
    assert any(q["sql"].startswith("UPDATE") for q in default.captured_queries)
    assert not any(q["sql"].startswith(("UPDATE", "INSERT", "DELETE")) for q in replica.captured_queries)
    assert Client.objects.get(pk=org.client_a.pk).brand_name == "Written"


@BOTH
def test_reads_outside_the_context_stay_on_default(org, with_replica):
    with _queries("replica") as replica:
        assert Client.objects.count() == 2
    assert replica.captured_queries == []


@BOTH
def test_inside_a_transaction_reads_stay_on_default(org, with_replica):
    with _queries("replica") as replica, transaction.atomic(), replica_reads_context():
        Client.objects.filter(pk=org.client_a.pk).update(brand_name="Uncommitted")
        assert Client.objects.get(pk=org.client_a.pk).brand_name == "Uncommitted"
    assert replica.captured_queries == []


@BOTH
def test_without_a_replica_configured_everything_reads_default(org, settings):
    settings.REPLICA_DATABASE = None
    with _queries("replica") as replica, replica_reads_context():
        Client.objects.count()
    assert replica.captured_queries == []


@BOTH
def test_the_dashboard_reads_from_the_replica(org, with_replica):
    with _queries("replica") as replica, _queries("default") as default:
        board = dashboard(actor=org.head.user, period=default_period())
    assert board.period is not None
    assert len(replica.captured_queries) > 3
    assert default.captured_queries == []


def test_decorator_keeps_the_function_and_the_router_never_migrates_the_replica():
    @replica_reads
    def answer() -> int:
        return 42

    assert answer() == 42 and answer.__name__ == "answer"
    router = ReplicaRouter()
    assert router.allow_migrate("replica", "clients") is False
    assert router.allow_migrate("default", "clients") is None
    assert router.db_for_write(Client) == "default"
