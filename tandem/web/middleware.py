"""Request/response middleware of the web UI.

ChosenLanguageMiddleware: Russian is the UI language unless the user picked another one with the switch.

Django's LocaleMiddleware would follow the browser's Accept-Language, which turns the UI
English for anyone with an English browser; agencies expect Russian by default.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
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
