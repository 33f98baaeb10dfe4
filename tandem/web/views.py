from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse

from .decorators import AuthedRequest, employee_required


@employee_required
def home(request: AuthedRequest) -> HttpResponse:
    """The first page after login: "my day" where it exists, otherwise the clients list."""
    try:
        return redirect(reverse("web:my_day"))
    except NoReverseMatch:
        return redirect(reverse("web:client_list"))
