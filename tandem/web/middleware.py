"""Request/response middleware of the web UI.

ChosenLanguageMiddleware: Russian is the UI language unless the user picked another one with the switch.

Django's LocaleMiddleware would follow the browser's Accept-Language, which turns the UI
English for anyone with an English browser; agencies expect Russian by default.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve
from django.utils import translation
from django.views.defaults import page_not_found


class ChosenLanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language  # type: ignore[attr-defined]
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        translation.deactivate()
        return response


class FriendlyNotFoundMiddleware:
    """A logged-in person never sees Django's technical 404 page.

    In production Django answers a missing (or forbidden, which looks the same) page with
    templates/404.html in the site's layout. With DEBUG on it shows its technical page instead
    — to everyone, including a specialist who followed a link. This middleware gives logged-in
    users the site's 404 page in DEBUG too: for paths that resolve to no view, and for Http404
    raised by views. Anonymous visitors in DEBUG still get the technical page (the developer).
    Sits after AuthenticationMiddleware; CommonMiddleware's slash redirect still applies.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    @staticmethod
    def _applies(request: HttpRequest) -> bool:
        user = getattr(request, "user", None)
        return bool(settings.DEBUG and user is not None and user.is_authenticated)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self._applies(request):
            try:
                resolve(request.path_info)
            except Resolver404 as exc:
                return page_not_found(request, exc)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, Http404) and self._applies(request):
            return page_not_found(request, exception)
        return None


# Session key: set at sign-in when the agency requires a second factor for this person's role and
# they have none yet; cleared when they enable it. Read here without a database query.
TWO_FACTOR_SETUP_REQUIRED = "two_factor_setup_required"


class TwoFactorSetupRequiredMiddleware:
    """Someone whose role requires a second factor (Agency.two_factor_roles) and who signed in
    without one sees only the two-factor setup and sign-out until it is enabled."""

    ALLOWED_PREFIXES = ("/account/2fa/", "/account/security/", "/logout/", "/static/", "/i18n/", "/lang/")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        if (
            session is not None
            and session.get(TWO_FACTOR_SETUP_REQUIRED)
            and not request.path_info.startswith(self.ALLOWED_PREFIXES)
            and not request.path_info.startswith("/api/")
        ):
            return redirect("web:account_2fa_setup")
        return self.get_response(request)
