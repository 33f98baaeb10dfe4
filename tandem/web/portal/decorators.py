"""The portal's own view guard: a signed-in client contact with a usable portal account.

Staff never pass it (404), and portal users never pass `employee_required` (they have no
Employee), so the two sides stay apart. A domain NotFound (missing, other client, flag off, bad
signed id) is the portal's own 404 page, without the staff menu.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django_htmx.middleware import HtmxDetails

from tandem.core.errors import NotFound
from tandem.org.models import User
from tandem.portal.models import PortalAccount
from tandem.portal.permissions import portal_account_of


class PortalRequest(HttpRequest):
    user: User  # type: ignore[assignment]
    htmx: HtmxDetails
    portal: PortalAccount


R = TypeVar("R", bound=HttpResponseBase)


def not_found(request: HttpRequest) -> HttpResponseBase:
    return render(request, "web/portal/404.html", status=404)


def portal_required(view: Callable[..., R]) -> Callable[..., HttpResponseBase]:
    """Signed-in contacts with a usable portal account only; anonymous visitors go to the portal
    sign-in; anyone else (staff, switched-off accounts) gets 404."""

    @wraps(view)
    def wrapper(request: PortalRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("web:portal_login"))
        account = portal_account_of(request.user)
        if account is None:
            return not_found(request)
        request.portal = account
        try:
            return view(request, *args, **kwargs)
        except NotFound:
            return not_found(request)

    return wrapper
