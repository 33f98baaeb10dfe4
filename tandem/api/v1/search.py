"""GET /api/v1/search/?q= — the header search over the API: clients (name, INN), contacts (name,
phone, e-mail) and, for those who see money, invoices by number. Each domain's selector applies
its visibility rules; a query that is too long or holds a NUL character is a 400 on `q`."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tandem.api.permissions import IsAgencyEmployee
from tandem.billing.models import Invoice
from tandem.billing.selectors import invoice_search
from tandem.clients.models import Client, Contact
from tandem.clients.selectors import client_search, contact_search

from ._common import actor_of

SEARCH_MAX_LENGTH = 100
SEARCH_LIMIT = 10


class SearchQuerySerializer(serializers.Serializer):
    # DRF's CharField refuses NUL characters on its own.
    q = serializers.CharField(max_length=SEARCH_MAX_LENGTH, allow_blank=True, required=False, default="")


class ClientHitSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="display_name")

    class Meta:
        model = Client
        fields = ["id", "name", "legal_name", "inn"]


class ContactHitSerializer(serializers.ModelSerializer):
    client_name = serializers.CharField(source="client.display_name")

    class Meta:
        model = Contact
        fields = ["id", "full_name", "client", "client_name", "phone", "email"]


class InvoiceHitSerializer(serializers.ModelSerializer):
    client_name = serializers.CharField(source="client.display_name")

    class Meta:
        model = Invoice
        fields = ["id", "number", "date", "status", "total", "client", "client_name"]


class SearchResultSerializer(serializers.Serializer):
    clients = ClientHitSerializer(many=True)
    contacts = ContactHitSerializer(many=True)
    invoices = InvoiceHitSerializer(many=True)


class SearchApi(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(
        parameters=[OpenApiParameter("q", str, description="Name, INN, phone, e-mail or invoice number (2–100 characters)")],
        responses=SearchResultSerializer, tags=["search"],
        summary="Search clients, contacts and invoices the caller may see (up to 10 of each)",
    )
    def get(self, request: Request) -> Response:
        params = SearchQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        actor = actor_of(request)
        query = params.validated_data["q"]
        return Response(SearchResultSerializer({
            "clients": client_search(actor=actor, query=query, limit=SEARCH_LIMIT),
            "contacts": contact_search(actor=actor, query=query, limit=SEARCH_LIMIT),
            "invoices": invoice_search(actor=actor, query=query, limit=SEARCH_LIMIT),
        }).data)


urlpatterns = [
    path("search/", SearchApi.as_view(), name="search"),
]
