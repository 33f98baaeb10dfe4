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
