"""View decorators: login plus an active employee; domain rules are checked by services."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse

from tandem.core.errors import NotFound
from tandem.org.permissions import actor_employee


def employee_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Logged-in active employees only; domain NotFound becomes HTTP 404."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if actor_employee(request.user) is None:
            raise Http404()
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404(exc.message) from exc

    return wrapper
