"""Commercial proposals (КП) over the API (issue #11). Visibility and rights are those of growth
(`tandem.growth.permissions`): the client's AM, its group head, heads and admins; others get 404.

GET/POST  /api/v1/proposals/                    paginated; ?status= &client=
GET/PATCH /api/v1/proposals/<id>/               with lines, totals and the status history (PATCH: drafts)
POST      /api/v1/proposals/<id>/status/        {status, comment?}
POST      /api/v1/proposals/<id>/contract/      {start_date?} → the draft contract (accepted КП, once)
GET       /api/v1/proposals/<id>/document/<fmt>/  DOCX or PDF from the agency's «КП» template
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.http import HttpResponse
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tandem.api.pagination import StandardPagination
from tandem.api.permissions import IsAgencyEmployee
from tandem.clients.models import Client
from tandem.contracts.models import BillingModel, Service
from tandem.core.errors import NotFound
from tandem.growth import permissions, selectors
from tandem.growth import proposal_services as services
from tandem.growth.models import Opportunity, Proposal, ProposalLine, ProposalStatus, ProposalStatusChange
from tandem.org.models import User

from ._common import (
    ScopedPrimaryKeyField,
    StrictInputSerializer,
    actor_of,
    paginated_response,
    validated_input,
)

TAGS = ["proposals"]
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _clients(actor: User) -> Any:
    return permissions.growth_clients_of(actor)


def _services(actor: User) -> Any:
    employee = permissions.growth_employee(actor)
    return Service.objects.filter(agency_id=employee.agency_id, is_active=True) if employee else Service.objects.none()


def _opportunities(actor: User) -> Any:
    return permissions.opportunities_visible_to(actor)


class ProposalLineSerializer(serializers.ModelSerializer):
    service_name = serializers.CharField(source="service.name", read_only=True)

    class Meta:
        model = ProposalLine
        fields = ["id", "service", "service_name", "billing_model", "price", "quantity"]


class ProposalStatusChangeSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProposalStatusChange
        fields = ["from_status", "to_status", "changed_by", "changed_at", "comment"]


class ProposalSerializer(serializers.ModelSerializer):
    client_name = serializers.CharField(source="client.display_name", read_only=True)
    subtotal = serializers.DecimalField(max_digits=16, decimal_places=2, read_only=True, allow_null=True)

    class Meta:
        model = Proposal
        fields = ["id", "number", "date", "valid_until", "client", "client_name", "status", "discount_percent",
                  "with_vat", "subtotal", "author", "opportunity", "contract"]


class ProposalTotalsSerializer(serializers.Serializer):
    subtotal = serializers.DecimalField(max_digits=16, decimal_places=2)
    discount = serializers.DecimalField(max_digits=16, decimal_places=2)
    total = serializers.DecimalField(max_digits=16, decimal_places=2)


class ProposalDetailSerializer(serializers.ModelSerializer):
    client_name = serializers.CharField(source="client.display_name", read_only=True)
    lines = ProposalLineSerializer(many=True, read_only=True)
    totals = ProposalTotalsSerializer(read_only=True, required=False)
    history = ProposalStatusChangeSerializer(many=True, read_only=True, required=False)

    class Meta:
        model = Proposal
        fields = ["id", "number", "date", "valid_until", "client", "client_name", "status", "discount_percent",
                  "with_vat", "notes", "author", "opportunity", "contract", "lines", "totals", "history"]


class TrackedProposalLineInput(serializers.Serializer):
    service = ScopedPrimaryKeyField(model=Service, scope=_services)
    price = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=Decimal("0"))
    quantity = serializers.DecimalField(max_digits=9, decimal_places=2, min_value=Decimal("0.01"), required=False,
                                        default=Decimal("1"))
    billing_model = serializers.ChoiceField(choices=BillingModel.choices, required=False,
                                            default=BillingModel.MONTHLY_RETAINER)


class ProposalCreateInput(StrictInputSerializer):
    client = ScopedPrimaryKeyField(model=Client, scope=_clients)
    lines = TrackedProposalLineInput(many=True)
    valid_until = serializers.DateField(required=False)
    discount_percent = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=Decimal("0"),
                                                max_value=Decimal("100"), required=False, default=Decimal("0"))
    with_vat = serializers.BooleanField(required=False, default=True)
    notes = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
    opportunity = ScopedPrimaryKeyField(model=Opportunity, scope=_opportunities, required=False, allow_null=True)


class ProposalUpdateInput(StrictInputSerializer):
    lines = TrackedProposalLineInput(many=True, required=False)
    valid_until = serializers.DateField(required=False)
    discount_percent = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=Decimal("0"),
                                                max_value=Decimal("100"), required=False)
    with_vat = serializers.BooleanField(required=False)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class ProposalStatusInput(StrictInputSerializer):
    status = serializers.ChoiceField(choices=ProposalStatus.choices)
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class ProposalContractInput(StrictInputSerializer):
    start_date = serializers.DateField(required=False)


class ProposalContractOutput(serializers.Serializer):
    contract = serializers.IntegerField()
    number = serializers.CharField()


def _lines(data: list[dict[str, Any]]) -> list[services.LineData]:
    return [services.LineData(service=ln["service"], price=ln["price"], quantity=ln["quantity"],
                              billing_model=ln["billing_model"]) for ln in data]


def _detail(proposal: Proposal) -> dict[str, Any]:
    proposal.totals = services.proposal_totals(proposal)  # type: ignore[attr-defined]
    proposal.history = selectors.proposal_history(proposal=proposal)  # type: ignore[attr-defined]
    return dict(ProposalDetailSerializer(proposal).data)


class ProposalListView(APIView):
    permission_classes = [IsAgencyEmployee]
    pagination_class = StandardPagination

    @extend_schema(summary="Commercial proposals", tags=TAGS, responses=ProposalSerializer(many=True), parameters=[
        OpenApiParameter("status", str, enum=ProposalStatus.values, required=False),
        OpenApiParameter("client", int, required=False)])
    def get(self, request: Request) -> Response:
        status_value = request.query_params.get("status", "")
        client = request.query_params.get("client", "")
        qs = selectors.proposal_list(
            actor=actor_of(request), status=status_value if status_value in ProposalStatus.values else "",
            client_id=int(client) if client.isdigit() else None,
        )
        return paginated_response(self, request, qs, ProposalSerializer)

    @extend_schema(summary="Draft a commercial proposal", tags=TAGS, request=ProposalCreateInput,
                   responses={201: ProposalDetailSerializer})
    def post(self, request: Request) -> Response:
        actor = actor_of(request)
        data = validated_input(ProposalCreateInput, request)
        proposal = services.proposal_create(
            actor=actor, client=data["client"], lines=_lines(data["lines"]), valid_until=data.get("valid_until"),
            discount_percent=data["discount_percent"], with_vat=data["with_vat"], notes=data["notes"],
            opportunity=data.get("opportunity"),
        )
        return Response(_detail(proposal), status=status.HTTP_201_CREATED)


class ProposalDetailView(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(summary="A commercial proposal with lines, totals and history", tags=TAGS,
                   responses=ProposalDetailSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return Response(_detail(permissions.proposal_get_for(actor_of(request), pk)))

    @extend_schema(summary="Change a draft proposal", tags=TAGS, request=ProposalUpdateInput,
                   responses=ProposalDetailSerializer)
    def patch(self, request: Request, pk: int) -> Response:
        actor = actor_of(request)
        proposal = permissions.proposal_get_for(actor, pk)
        data = validated_input(ProposalUpdateInput, request, partial=True)
        lines = data.pop("lines", None)
        proposal = services.proposal_update(actor=actor, proposal=proposal, data=data,
                                            lines=_lines(lines) if lines is not None else None)
        return Response(_detail(proposal))


class ProposalStatusView(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(summary="Move a proposal to another status", tags=TAGS, request=ProposalStatusInput,
                   responses=ProposalDetailSerializer)
    def post(self, request: Request, pk: int) -> Response:
        actor = actor_of(request)
        proposal = permissions.proposal_get_for(actor, pk)
        data = validated_input(ProposalStatusInput, request)
        proposal = services.proposal_change_status(actor=actor, proposal=proposal, status=data["status"],
                                                   comment=data["comment"])
        return Response(_detail(proposal))


class ProposalContractView(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(summary="Turn an accepted proposal into a draft contract", tags=TAGS,
                   request=ProposalContractInput, responses={201: ProposalContractOutput})
    def post(self, request: Request, pk: int) -> Response:
        actor = actor_of(request)
        proposal = permissions.proposal_get_for(actor, pk)
        data = validated_input(ProposalContractInput, request)
        contract = services.proposal_to_contract(actor=actor, proposal=proposal, start_date=data.get("start_date"))
        return Response({"contract": contract.pk, "number": contract.number}, status=status.HTTP_201_CREATED)


class ProposalDocumentView(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(summary="The proposal from the agency's template", tags=TAGS,
                   parameters=[OpenApiParameter("fmt", OpenApiTypes.STR, OpenApiParameter.PATH, enum=["docx", "pdf"])],
                   responses={(200, "application/pdf"): OpenApiTypes.BINARY, (200, DOCX): OpenApiTypes.BINARY})
    def get(self, request: Request, pk: int, fmt: str) -> HttpResponse:
        if fmt not in ("docx", "pdf"):
            raise NotFound()
        actor = actor_of(request)
        document = services.proposal_render(actor=actor, proposal=permissions.proposal_get_for(actor, pk), fmt=fmt)
        response = HttpResponse(document.content, content_type=document.content_type)
        response["Content-Disposition"] = f'attachment; filename="{document.filename}"'
        return response


urlpatterns = [
    path("proposals/", ProposalListView.as_view(), name="proposals"),
    path("proposals/<int:pk>/", ProposalDetailView.as_view(), name="proposal"),
    path("proposals/<int:pk>/status/", ProposalStatusView.as_view(), name="proposal_status"),
    path("proposals/<int:pk>/contract/", ProposalContractView.as_view(), name="proposal_contract"),
    path("proposals/<int:pk>/document/<str:fmt>/", ProposalDocumentView.as_view(), name="proposal_document"),
]
