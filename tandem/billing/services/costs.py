"""Subcontractor costs per client (and optionally contract) and month, for profitability."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from tandem.clients.models import Client
from tandem.contracts.models import Contract, Subcontractor
from tandem.core.money import to_money
from tandem.org.models import User

from .. import permissions
from ..models import SubcontractorCost
from ._common import first_of_month, require, require_employee


def _check_refs(
    *, agency_id: int, client: Client, contract: Contract | None, subcontractor: Subcontractor | None
) -> None:
    if client.agency_id != agency_id:
        raise ValidationError({"client": _("Клиент не найден.")})
    if contract is not None and contract.client_id != client.pk:
        raise ValidationError({"contract": _("Договор другого клиента.")})
    if subcontractor is not None and subcontractor.agency_id != agency_id:
        raise ValidationError({"subcontractor": _("Субподрядчик не найден.")})


def subcontractor_cost_create(
    *,
    actor: User,
    client: Client,
    month: date,
    amount: Decimal,
    contract: Contract | None = None,
    subcontractor: Subcontractor | None = None,
    description: str = "",
) -> SubcontractorCost:
    """Record what a subcontractor charged for a client's work in a month (dated the 1st).
    Without a subcontractor given, the contract's subcontractor is used. Heads, admin, finance."""
    employee = require_employee(actor)
    require(permissions.can_manage_settings(actor))
    _check_refs(agency_id=employee.agency_id, client=client, contract=contract, subcontractor=subcontractor)
    if subcontractor is None and contract is not None:
        subcontractor = contract.subcontractor
    cost = SubcontractorCost(
        agency_id=employee.agency_id, client=client, contract=contract, subcontractor=subcontractor,
        date=first_of_month(month), amount=to_money(amount), description=description.strip(),
    )
    cost.full_clean()
    cost.save()
    return cost


def subcontractor_cost_update(
    *,
    actor: User,
    cost: SubcontractorCost,
    client: Client,
    month: date,
    amount: Decimal,
    contract: Contract | None = None,
    subcontractor: Subcontractor | None = None,
    description: str = "",
) -> SubcontractorCost:
    """Correct a recorded cost (every field is replaced). Heads, admin, finance of its agency."""
    employee = require_employee(actor)
    require(permissions.can_manage_subcontractor_cost(actor, cost))
    _check_refs(agency_id=employee.agency_id, client=client, contract=contract, subcontractor=subcontractor)
    cost.client, cost.contract, cost.subcontractor = client, contract, subcontractor
    cost.date, cost.amount, cost.description = first_of_month(month), to_money(amount), description.strip()
    cost.full_clean()
    cost.save()
    return cost


def subcontractor_cost_delete(*, actor: User, cost: SubcontractorCost) -> None:
    """Remove a cost entered by mistake (costs are not documents; no history is kept)."""
    require(permissions.can_manage_subcontractor_cost(actor, cost))
    cost.delete()
