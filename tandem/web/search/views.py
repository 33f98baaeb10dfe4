"""Global search from the header: clients (name, INN), contacts (name, phone, e-mail) and, for
those who see money, invoices by number. Each domain's selector applies its own visibility
rules; this view only combines them. An htmx request (typing in the header box) gets a short
dropdown, a plain GET the results page."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpResponse
from django.shortcuts import render

from tandem.billing import permissions as billing_permissions
from tandem.billing.models import Invoice
from tandem.billing.selectors import invoice_search
from tandem.clients.models import Client, Contact
from tandem.clients.selectors import SEARCH_MIN_LENGTH, client_search, contact_search
from tandem.web.decorators import AuthedRequest, employee_required

from .forms import SearchForm

DROPDOWN_LIMIT = 5
PAGE_LIMIT = 25


@dataclass(frozen=True)
class SearchResults:
    clients: list[Client]
    contacts: list[Contact]
    invoices: list[Invoice]

    @property
    def empty(self) -> bool:
        return not (self.clients or self.contacts or self.invoices)


def search_all(request: AuthedRequest, query: str, limit: int) -> SearchResults:
    actor = request.user
    return SearchResults(
        clients=client_search(actor=actor, query=query, limit=limit),
        contacts=contact_search(actor=actor, query=query, limit=limit),
        invoices=invoice_search(actor=actor, query=query, limit=limit),
    )


@employee_required
def search(request: AuthedRequest) -> HttpResponse:
    form = SearchForm(request.GET)
    if request.htmx and form.is_valid() and not form.cleaned_data["q"]:
        return HttpResponse("")  # an emptied box closes the dropdown
    query = ""
    results = SearchResults([], [], [])
    if form.is_valid():
        query = form.cleaned_data["q"]
        limit = DROPDOWN_LIMIT if request.htmx else PAGE_LIMIT
        results = search_all(request, query, limit)
    context = {
        "form": form, "query": query, "search_query": query if form.is_valid() else "", "results": results,
        "too_short": form.is_valid() and 0 < len(query) < SEARCH_MIN_LENGTH,
        "sees_money": billing_permissions.can_view_money(request.user), "limit": PAGE_LIMIT,
    }
    template = "web/search/_dropdown.html" if request.htmx else "web/search/results.html"
    return render(request, template, context)
