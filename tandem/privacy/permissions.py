"""Who may export or erase a contact person's personal data: the agency's administrators."""

from __future__ import annotations

from tandem.clients.models import Client, Contact
from tandem.org.models import User
from tandem.org.permissions import actor_employee
from tandem.org.roles import Role


def can_handle_personal_data_of(actor: User, client: Client) -> bool:
    """Administrators of the client's agency answer its contacts' data-subject requests (export, erasure)."""
    employee = actor_employee(actor)
    return employee is not None and employee.role == Role.ADMIN and employee.agency_id == client.agency_id


def can_handle_personal_data(actor: User, contact: Contact) -> bool:
    return can_handle_personal_data_of(actor, contact.client)
