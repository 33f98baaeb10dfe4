from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse

from .decorators import employee_required


@employee_required
def home(request: HttpRequest) -> HttpResponse:
    """The first page after login: "my day" where it exists, otherwise the clients list."""
    try:
        return redirect(reverse("web:my_day"))
    except NoReverseMatch:
        return redirect(reverse("web:client_list"))
