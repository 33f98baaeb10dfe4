"""View decorators: login plus an active employee; domain rules are checked by services.

Views behind `employee_required` take an `AuthedRequest`: what the decorator guarantees
(a logged-in user) and what the middleware adds (`request.htmx`), so `request.user` can be
passed to services as the actor.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django_htmx.middleware import HtmxDetails

from tandem.core.errors import NotFound
from tandem.org.models import User
from tandem.org.permissions import actor_employee


class AuthedRequest(HttpRequest):
    """What employee_required guarantees: a logged-in user (with an active employee)."""

    # Narrows HttpRequest.user (User | AnonymousUser); a read-only property in the stubs.
    user: User  # type: ignore[assignment]
    htmx: HtmxDetails


# A page answers HttpResponse; its XLSX export (tandem.web.exports) a FileResponse.
R = TypeVar("R", bound=HttpResponseBase)


def employee_required(view: Callable[..., R]) -> Callable[..., R]:
    """Logged-in active employees only; domain NotFound becomes HTTP 404."""

    @login_required
    @wraps(view)
    def wrapper(request: AuthedRequest, *args: Any, **kwargs: Any) -> R:
        if actor_employee(request.user) is None:
            raise Http404()
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404(exc.message) from exc

    return wrapper
