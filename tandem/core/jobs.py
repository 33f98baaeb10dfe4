"""Putting background jobs on the queue without letting a broker outage break the request.

Jobs that matter are first written to the database (e.g. a NotificationDelivery row, PENDING,
due now) and a periodic sweep runs whatever is due. Enqueueing is then only a shortcut to run
it sooner: when the broker (Redis) is down, `enqueue` logs a warning and returns False instead
of raising into a request whose data is already committed; the sweep picks the work up once the
broker and the worker are back, and the job itself is idempotent, so it runs once.
"""

from __future__ import annotations

import logging
from typing import Any

from celery.result import EagerResult
from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)


def enqueue(task: Any, *args: Any) -> bool:
    """`task.delay(*args)`; False (logged) when the broker cannot be reached."""
    try:
        task.delay(*args)
    except (OperationalError, ConnectionError, OSError) as exc:
        logger.warning("broker unreachable, %s%r left for the periodic sweep: %s", task.name, args, exc)
        return False
    return True


def fan_out_by_agency(task: Any, agency_ids: list[int], *args: Any) -> dict[str, int]:
    """One `task.delay(agency_id, *args)` per agency (issue 16): a nightly job over every agency
    becomes as many small jobs as there are agencies, which any number of Celery workers share;
    one agency's failure or retry does not hold the others up. Each per-agency job must be
    idempotent (they are: a re-run replaces the day's results). With eager tasks (no broker:
    tests, `make run`) the jobs run here and their numeric results are summed; with a broker the
    results are not waited for (a task never waits on another) and only `agencies` is returned."""
    totals: dict[str, int] = {"agencies": 0}
    for agency_id in agency_ids:
        result = task.delay(agency_id, *args)
        totals["agencies"] += 1
        if isinstance(result, EagerResult):
            for key, value in (result.result or {}).items():
                if isinstance(value, int):
                    totals[key] = totals.get(key, 0) + value
    return totals
