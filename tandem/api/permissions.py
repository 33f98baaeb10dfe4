"""DRF permission classes: thin wrappers that only call the domain rules."""

from rest_framework.permissions import BasePermission

from tandem.org.permissions import actor_employee


class IsAgencyEmployee(BasePermission):
    """Authenticated and an active employee of some agency. Object rules live in domain permissions."""

    def has_permission(self, request, view) -> bool:  # type: ignore[no-untyped-def]
        return bool(request.user and request.user.is_authenticated and actor_employee(request.user))
