"""Nightly jobs over every agency are sharded (issue 16): one per-agency task each, idempotent."""

from __future__ import annotations

from unittest import mock

import pytest

from tandem.billing import tasks as billing_tasks
from tandem.core.jobs import fan_out_by_agency
from tandem.growth import tasks as growth_tasks
from tandem.health import tasks as health_tasks
from tandem.org.models import Agency
from tandem.org.tests.factories import AgencyFactory


@pytest.mark.parametrize(("all_task", "agency_task"), [
    (health_tasks.health_recompute_all_task, "health_recompute_agency_task"),
    (growth_tasks.growth_generate_all_task, "growth_generate_agency_task"),
    (billing_tasks.retainer_alerts_task, "retainer_alerts_agency_task"),
])
def test_the_nightly_job_enqueues_one_task_per_agency(org, all_task, agency_task):
    AgencyFactory.create(name="Second")
    module = {"health_recompute_agency_task": health_tasks, "growth_generate_agency_task": growth_tasks,
              "retainer_alerts_agency_task": billing_tasks}[agency_task]
    with mock.patch.object(getattr(module, agency_task), "delay") as delay:
        result = all_task.delay().get()
    agency_ids = sorted(Agency.objects.values_list("pk", flat=True))
    assert sorted(call.args[0] for call in delay.call_args_list) == agency_ids
    assert len(agency_ids) == 3  # org's agency, the outsider's, the second
    assert result["agencies"] == 3


def test_eager_fan_out_sums_the_results_and_reruns_are_idempotent(org):
    first = health_tasks.health_recompute_all_task.delay().get()
    again = health_tasks.health_recompute_all_task.delay().get()
    assert first["agencies"] == again["agencies"] == Agency.objects.count()
    assert first["scores"] == again["scores"] >= 2  # a re-run replaces the day's scores


def test_a_missing_agency_is_skipped(db):
    assert health_tasks.health_recompute_agency_task(999999, "2026-01-05") == {"scores": 0, "proposals": 0}
    assert growth_tasks.growth_generate_agency_task(999999, "2026-01-05") == {}


def test_fan_out_does_not_wait_for_queued_results():
    queued = mock.Mock()
    queued.delay.return_value = mock.Mock(spec=["id"])
    assert fan_out_by_agency(queued, [1, 2], "2026-01-05") == {"agencies": 2}
    queued.delay.assert_any_call(2, "2026-01-05")
