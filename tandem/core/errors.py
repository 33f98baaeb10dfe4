"""Domain exceptions. The API turns them into JSON errors, the web layer into form errors."""

from __future__ import annotations


class ApplicationError(Exception):
    """A business rule refused the operation. `field` names the input at fault, if any."""

    status_code = 400

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code or type(self).__name__


class NotFound(ApplicationError):
    """Missing or not visible to the actor: both look the same so that existence does not leak."""

    status_code = 404

    def __init__(self, message: str = "Not found.") -> None:
        super().__init__(message, code="not_found")


class PermissionDenied(ApplicationError):
    """The actor sees the object but may not perform this action on it."""

    status_code = 403

    def __init__(self, message: str = "You may not do this.") -> None:
        super().__init__(message, code="permission_denied")


class Conflict(ApplicationError):
    status_code = 409
