"""What a sign-in refused by django-axes (too many failures) answers.

Web: the lockout page in the site's layout. API (`/api/`): 429 JSON with `Retry-After`.
Both name the cool-off and how to get unlocked earlier (an admin deletes the access attempts).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def client_ip(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or behind TRUSTED_PROXIES (REST_FRAMEWORK["NUM_PROXIES"])
    of our own proxies the address the outermost of them saw in X-Forwarded-For (as DRF's throttles)."""
    remote_addr = str(request.META.get("REMOTE_ADDR", ""))
    proxies = int(str(settings.REST_FRAMEWORK.get("NUM_PROXIES") or 0))
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    if not proxies or not forwarded:
        return remote_addr
    addresses = [a.strip() for a in str(forwarded).split(",")]
    return addresses[-min(proxies, len(addresses))] or remote_addr


def cooloff_minutes() -> int:
    cooloff = settings.AXES_COOLOFF_TIME
    return max(1, int(cooloff.total_seconds() // 60)) if cooloff else 0


def lockout_message() -> str:
    return _(
        "Слишком много неудачных попыток входа. Вход под этим логином с вашего адреса закрыт "
        "на %(minutes)s мин. Если ждать нельзя, попросите администратора снять блокировку."
    ) % {"minutes": cooloff_minutes()}


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict[str, Any] | None = None
) -> HttpResponse:
    retry_after = str(cooloff_minutes() * 60)
    response: HttpResponse
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": lockout_message(), "code": "locked_out"}, status=429)
    else:
        response = render(request, "web/lockout.html", {"message": lockout_message()}, status=429)
    response["Retry-After"] = retry_after
    return response
