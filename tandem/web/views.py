from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse

from tandem.reports.permissions import lands_on_dashboard

from .decorators import AuthedRequest, employee_required


@employee_required
def home(request: AuthedRequest) -> HttpResponse:
    """The first page after login: the dashboard for the head of accounts, "my day" for everyone
    else where it exists, otherwise the clients list."""
    if lands_on_dashboard(request.user):
        return redirect(reverse("web:dashboard"))
    try:
        return redirect(reverse("web:my_day"))
    except NoReverseMatch:
        return redirect(reverse("web:client_list"))
