"""Authentication and permission of the portal API (/api/portal/v1/): the client contact's
portal session only. Staff tokens and staff sessions are not accepted here, and the staff API
(IsAgencyEmployee) never accepts a portal user, who has no Employee."""

from __future__ import annotations

from typing import Any

from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from tandem.portal.models import PortalAccount
from tandem.portal.permissions import portal_account_of


class PortalSessionAuthentication(SessionAuthentication):
    """The portal's web session (signed in at /portal/login/), with Django's CSRF check; a staff
    session is treated as no session at all."""

    def authenticate(self, request: Request) -> tuple[Any, None] | None:
        result = super().authenticate(request)
        if result is None:
            return None
        account = portal_account_of(result[0])
        if account is None:
            return None
        request.portal_account = account  # type: ignore[attr-defined]
        return result

    def authenticate_header(self, request: Request) -> str:
        # A 401 (not 403) for a request without a portal session.
        return 'Session realm="portal"'


class IsPortalContact(BasePermission):
    def has_permission(self, request, view) -> bool:  # type: ignore[no-untyped-def]
        return getattr(request, "portal_account", None) is not None


def account_of(request: Request) -> PortalAccount:
    return request.portal_account  # type: ignore[attr-defined,no-any-return]
