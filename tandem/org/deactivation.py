"""Checks that may refuse an employee's deactivation, registered by higher apps.

`org` sits below clients, work and comms, so it cannot ask them whether someone still carries
work. Instead each app registers a check from its AppConfig.ready():

    from tandem.org.deactivation import register_deactivation_check
    register_deactivation_check("clients.served_clients", served_clients_block)  # (employee) -> str | None

A check returns the reason the employee cannot leave yet (shown to the user as is), or None.
`employee_update` runs every check when an active employee is being deactivated.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models import Employee

DeactivationCheck = Callable[["Employee"], "str | None"]

_checks: dict[str, DeactivationCheck] = {}


def register_deactivation_check(name: str, check: DeactivationCheck) -> None:
    """Add (or replace, by name) a check; call from AppConfig.ready()."""
    _checks[name] = check


def unregister_deactivation_check(name: str) -> None:
    _checks.pop(name, None)


def deactivation_blockers(employee: Employee) -> list[str]:
    """Reasons the employee cannot be deactivated now; empty when nothing holds them."""
    return [message for check in _checks.values() if (message := check(employee))]
