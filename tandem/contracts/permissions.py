"""Who sees and changes contracts, the services catalogue, VAT rates and subcontractors.

- A contract is visible exactly when its client is (tandem.clients.permissions).
- Contracts are prepared, moved through their statuses and rated by the people who steer the
  client: its AM, the group head, the head of accounts and admins. Finance and specialists read.
- The services catalogue is edited by admins and the head of accounts.
- VAT rates are kept by finance and admins.
- Subcontractors are recorded by heads, group heads, AMs and admins.
"""

from __future__ import annotations

from django.db.models import QuerySet

from tandem.clients.models import Client
from tandem.clients.permissions import can_change_lifecycle, clients_visible_to
from tandem.core.errors import NotFound
from tandem.org.models import User
from tandem.org.permissions import actor_agency, actor_employee
from tandem.org.roles import Role

from .models import Contract, ContractLine, Service, Subcontractor, VatRate


def contracts_visible_to(actor: User) -> QuerySet[Contract]:
    """Contracts of clients the actor sees."""
    return Contract.objects.filter(client__in=clients_visible_to(actor))


def contract_get_for(actor: User, contract_id: int | str) -> Contract:
    """A visible contract with client and subcontractor loaded, or NotFound."""
    try:
        return contracts_visible_to(actor).select_related(
            "client", "client__account_manager", "subcontractor", "agency"
        ).get(pk=contract_id)
    except (Contract.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def contract_line_get_for(actor: User, line_id: int | str) -> ContractLine:
    try:
        return ContractLine.objects.select_related("contract", "contract__client", "service").get(
            pk=line_id, contract__in=contracts_visible_to(actor)
        )
    except (ContractLine.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def can_manage_contracts(actor: User, client: Client) -> bool:
    """Create and edit contracts of this client and move them through statuses:
    the client's AM, its group head, heads of accounts and admins."""
    return can_change_lifecycle(actor, client)


def can_view_contract(actor: User, contract: Contract) -> bool:
    return contracts_visible_to(actor).filter(pk=contract.pk).exists()


def services_visible_to(actor: User) -> QuerySet[Service]:
    agency = actor_agency(actor)
    if agency is None:
        return Service.objects.none()
    return Service.objects.filter(agency=agency)


def service_get_for(actor: User, service_id: int | str) -> Service:
    try:
        return services_visible_to(actor).get(pk=service_id)
    except (Service.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def can_edit_catalogue(actor: User) -> bool:
    """The services catalogue is edited by admins and the head of accounts."""
    employee = actor_employee(actor)
    return employee is not None and employee.role in {Role.ADMIN, Role.HEAD_OF_ACCOUNTS}


def vat_rates_visible_to(actor: User) -> QuerySet[VatRate]:
    agency = actor_agency(actor)
    if agency is None:
        return VatRate.objects.none()
    return VatRate.objects.filter(agency=agency)


def can_edit_vat_rates(actor: User) -> bool:
    """VAT rates (a setting with history) are kept by finance and admins."""
    employee = actor_employee(actor)
    return employee is not None and employee.role in {Role.FINANCE, Role.ADMIN}


def can_edit_contract_settings(actor: User) -> bool:
    """The contract-number pattern is set by admins and the head of accounts."""
    return can_edit_catalogue(actor)


def subcontractors_visible_to(actor: User) -> QuerySet[Subcontractor]:
    agency = actor_agency(actor)
    if agency is None:
        return Subcontractor.objects.none()
    return Subcontractor.objects.filter(agency=agency)


def subcontractor_get_for(actor: User, subcontractor_id: int | str) -> Subcontractor:
    try:
        return subcontractors_visible_to(actor).get(pk=subcontractor_id)
    except (Subcontractor.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def can_edit_subcontractors(actor: User) -> bool:
    """Subcontractor records are kept by heads, group heads, AMs and admins."""
    employee = actor_employee(actor)
    return employee is not None and employee.role in {
        Role.HEAD_OF_ACCOUNTS, Role.GROUP_HEAD, Role.ACCOUNT_MANAGER, Role.ADMIN,
    }
