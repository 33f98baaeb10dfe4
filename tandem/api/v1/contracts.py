"""REST endpoints for the services catalogue, VAT rates, subcontractors and contracts (issue #3).

A contract is visible exactly when its client is (404 otherwise); 403 only for actions on a
visible contract. Every write calls one service; status moves (including signing, which opens
projects and onboarding) go through `tandem.work.services.contract_transition`.
"""

from __future__ import annotations

from typing import Any

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tandem.api.pagination import StandardPagination
from tandem.api.permissions import IsAgencyEmployee
from tandem.clients.models import Client, ServiceKind
from tandem.clients.permissions import clients_visible_to
from tandem.contracts import permissions as perms
from tandem.contracts import selectors, services
from tandem.contracts.models import (
    AccountFunctionsSplit,
    BillingModel,
    Contract,
    ContractLine,
    ContractStatus,
    ContractStatusChange,
    Service,
    Subcontractor,
    VatMode,
    VatRate,
)
from tandem.work.services import contract_transition

from ._common import (
    ScopedPrimaryKeyField,
    StrictInputSerializer,
    actor_of,
    optional_text,
    paginated_response,
    query_choice,
    query_int,
    require,
    search_param,
    validated_input,
)
from .clients import UserBriefSerializer

# ------------------------------------------------------------------ output


class ServiceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Service
        fields = ["id", "name", "kind", "description", "is_active"]
        read_only_fields = fields


class VatRateSerializer(serializers.ModelSerializer):
    class Meta:
        model = VatRate
        fields = ["id", "valid_from", "rate_percent", "note"]
        read_only_fields = fields


class SubcontractorSerializer(serializers.ModelSerializer):
    avg_rating = serializers.DecimalField(max_digits=4, decimal_places=2, read_only=True, allow_null=True,
                                          required=False)
    rated_count = serializers.IntegerField(read_only=True, required=False)
    contract_count = serializers.IntegerField(read_only=True, required=False)

    class Meta:
        model = Subcontractor
        fields = ["id", "name", "inn", "contact", "avg_rating", "rated_count", "contract_count"]
        read_only_fields = fields


class ClientRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Client
        fields = ["id", "legal_name", "display_name"]
        read_only_fields = fields


class ContractLineSerializer(serializers.ModelSerializer):
    service = ServiceSerializer(read_only=True)

    class Meta:
        model = ContractLine
        fields = ["id", "service", "billing_model", "amount", "planned_hours_per_month", "description"]
        read_only_fields = fields


class ContractStatusChangeSerializer(serializers.ModelSerializer):
    changed_by = UserBriefSerializer(read_only=True)

    class Meta:
        model = ContractStatusChange
        fields = ["id", "from_status", "to_status", "effective_date", "changed_by", "changed_at", "comment"]
        read_only_fields = fields


CONTRACT_FIELDS = [
    "id", "number", "date", "client", "status", "start_date", "end_date", "vat_mode", "payment_terms_days",
    "subcontractor", "account_functions", "subcontractor_rating", "subcontractor_rating_comment", "signed_at",
    "closed_at", "notes",
]


class ContractListSerializer(serializers.ModelSerializer):
    client = ClientRefSerializer(read_only=True)
    subcontractor = SubcontractorSerializer(read_only=True, allow_null=True)
    # Empty until a subcontractor is involved: the schema must allow "" besides the choices.
    account_functions = serializers.ChoiceField(choices=AccountFunctionsSplit.choices, allow_blank=True,
                                                read_only=True)

    class Meta:
        model = Contract
        fields = CONTRACT_FIELDS
        read_only_fields = fields


class ContractDetailSerializer(ContractListSerializer):
    lines = ContractLineSerializer(many=True, read_only=True)
    status_changes = ContractStatusChangeSerializer(many=True, read_only=True)
    vat_rate = serializers.SerializerMethodField()

    class Meta(ContractListSerializer.Meta):
        fields = [*CONTRACT_FIELDS, "vat_rate", "lines", "status_changes"]
        read_only_fields = fields

    def get_vat_rate(self, contract: Contract) -> str | None:
        """VAT percent on the contract date from the agency's rate history (0 for "Без НДС")."""
        rate = selectors.contract_vat_rate(contract=contract)
        return None if rate is None else str(rate)


# ------------------------------------------------------------------ input




class ContractFieldsInput(StrictInputSerializer):
    date = serializers.DateField(required=False)
    start_date = serializers.DateField(required=False)
    end_date = serializers.DateField(required=False, allow_null=True)
    vat_mode = serializers.ChoiceField(choices=VatMode.choices, required=False)
    payment_terms_days = serializers.IntegerField(required=False, min_value=0, max_value=365)
    subcontractor = ScopedPrimaryKeyField(model=Subcontractor, scope=perms.subcontractors_visible_to,
                                          required=False, allow_null=True)
    account_functions = serializers.ChoiceField(choices=AccountFunctionsSplit.choices, required=False,
                                                allow_blank=True)
    notes = optional_text(20000)


class ContractCreateInput(ContractFieldsInput):
    client = ScopedPrimaryKeyField(model=Client, scope=clients_visible_to)
    number = optional_text(50)


class ContractTransitionInput(StrictInputSerializer):
    to_status = serializers.ChoiceField(choices=ContractStatus.choices)
    on_date = serializers.DateField(required=False, allow_null=True)
    comment = optional_text(2000)


class RatingInput(StrictInputSerializer):
    rating = serializers.IntegerField()
    comment = optional_text(2000)


class LineInput(StrictInputSerializer):
    service = ScopedPrimaryKeyField(model=Service, scope=perms.services_visible_to)
    billing_model = serializers.ChoiceField(choices=BillingModel.choices)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    planned_hours_per_month = serializers.DecimalField(max_digits=7, decimal_places=2, required=False)
    description = optional_text(255)


class ServiceInput(StrictInputSerializer):
    name = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=ServiceKind.choices)
    description = optional_text(5000)
    is_active = serializers.BooleanField(required=False)


class VatRateInput(StrictInputSerializer):
    valid_from = serializers.DateField()
    rate_percent = serializers.DecimalField(max_digits=5, decimal_places=2)
    note = optional_text(255)


class SubcontractorInput(StrictInputSerializer):
    name = serializers.CharField(max_length=255)
    inn = optional_text(12)
    contact = optional_text(255)


class NumberPatternInput(StrictInputSerializer):
    number_pattern = serializers.CharField(max_length=60)






def _detail(contract: Contract) -> dict[str, Any]:
    return ContractDetailSerializer(selectors.contract_detail(contract=contract)).data


# ------------------------------------------------------------------ views


class ContractListApi(APIView):
    permission_classes = [IsAgencyEmployee]
    pagination_class = StandardPagination  # documents the {count, next, previous, results} envelope

    @extend_schema(responses=ContractListSerializer(many=True), tags=["contracts"], summary="Visible contracts")
    def get(self, request: Request) -> Response:
        filters = selectors.ContractFilters(
            client_id=query_int(request, "client"),
            status=query_choice(request, "status", ContractStatus.values),
            search=search_param(request),
        )
        return paginated_response(self, request, selectors.contract_list(actor=actor_of(request), filters=filters),
                          ContractListSerializer)

    @extend_schema(request=ContractCreateInput, responses={201: ContractDetailSerializer}, tags=["contracts"],
                   summary="Draft a contract (number from the agency pattern unless given)")
    def post(self, request: Request) -> Response:
        data = validated_input(ContractCreateInput, request)
        client = data.pop("client")
        require(perms.can_manage_contracts(actor_of(request), client))
        number = data.pop("number", "")
        contract = services.contract_create(actor=actor_of(request), client=client, data=data, number=number)
        return Response(_detail(contract), status=status.HTTP_201_CREATED)


class ContractDetailApi(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(responses=ContractDetailSerializer, tags=["contracts"], summary="Contract with lines and history")
    def get(self, request: Request, pk: int) -> Response:
        return Response(_detail(perms.contract_get_for(actor_of(request), pk)))

    @extend_schema(request=ContractFieldsInput, responses=ContractDetailSerializer, tags=["contracts"],
                   summary="Edit a draft or in-approval contract")
    def patch(self, request: Request, pk: int) -> Response:
        contract = perms.contract_get_for(actor_of(request), pk)
        require(perms.can_manage_contracts(actor_of(request), contract.client))
        services.contract_update(actor=actor_of(request), contract=contract, data=validated_input(ContractFieldsInput, request))
        return Response(_detail(contract))


class ContractTransitionApi(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(request=ContractTransitionInput, responses=ContractDetailSerializer, tags=["contracts"],
                   summary="Move draft → in approval → signed → closed (signing opens projects and onboarding)")
    def post(self, request: Request, pk: int) -> Response:
        contract = perms.contract_get_for(actor_of(request), pk)
        require(perms.can_manage_contracts(actor_of(request), contract.client))
        data = validated_input(ContractTransitionInput, request)
        contract_transition(actor=actor_of(request), contract=contract, to_status=data["to_status"],
                            on_date=data.get("on_date"), comment=data.get("comment", ""))
        return Response(_detail(contract))


class ContractRatingApi(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(request=RatingInput, responses=ContractDetailSerializer, tags=["contracts"],
                   summary="Rate the subcontractor's account work 1–10")
    def post(self, request: Request, pk: int) -> Response:
        contract = perms.contract_get_for(actor_of(request), pk)
        require(perms.can_manage_contracts(actor_of(request), contract.client))
        data = validated_input(RatingInput, request)
        services.contract_rate_subcontractor(actor=actor_of(request), contract=contract, rating=data["rating"],
                                             comment=data.get("comment", ""))
        return Response(_detail(contract))


class ContractLinesApi(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(request=LineInput, responses={201: ContractLineSerializer}, tags=["contracts"],
                   summary="Add a service line")
    def post(self, request: Request, pk: int) -> Response:
        contract = perms.contract_get_for(actor_of(request), pk)
        require(perms.can_manage_contracts(actor_of(request), contract.client))
        line = services.contract_line_add(actor=actor_of(request), contract=contract, data=validated_input(LineInput, request))
        return Response(ContractLineSerializer(line).data, status=status.HTTP_201_CREATED)


class ContractLineApi(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(request=LineInput, responses=ContractLineSerializer, tags=["contracts"])
    def patch(self, request: Request, pk: int) -> Response:
        line = perms.contract_line_get_for(actor_of(request), pk)
        require(perms.can_manage_contracts(actor_of(request), line.contract.client))
        line = services.contract_line_update(actor=actor_of(request), line=line,
                                             data=validated_input(LineInput, request, partial=True))
        return Response(ContractLineSerializer(line).data)

    @extend_schema(responses={204: None}, tags=["contracts"])
    def delete(self, request: Request, pk: int) -> Response:
        line = perms.contract_line_get_for(actor_of(request), pk)
        require(perms.can_manage_contracts(actor_of(request), line.contract.client))
        services.contract_line_remove(actor=actor_of(request), line=line)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ServiceListApi(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(responses=ServiceSerializer(many=True), tags=["contracts"], summary="Services catalogue")
    def get(self, request: Request) -> Response:
        qs = perms.services_visible_to(actor_of(request)).order_by("name")
        return Response(ServiceSerializer(qs, many=True).data)

    @extend_schema(request=ServiceInput, responses={201: ServiceSerializer}, tags=["contracts"])
    def post(self, request: Request) -> Response:
        require(perms.can_edit_catalogue(actor_of(request)))
        service = services.service_create(actor=actor_of(request), data=validated_input(ServiceInput, request))
        return Response(ServiceSerializer(service).data, status=status.HTTP_201_CREATED)


class ServiceDetailApi(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(request=ServiceInput, responses=ServiceSerializer, tags=["contracts"])
    def patch(self, request: Request, pk: int) -> Response:
        service = perms.service_get_for(actor_of(request), pk)
        require(perms.can_edit_catalogue(actor_of(request)))
        service = services.service_update(actor=actor_of(request), service=service,
                                          data=validated_input(ServiceInput, request, partial=True))
        return Response(ServiceSerializer(service).data)


class VatRateListApi(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(responses=VatRateSerializer(many=True), tags=["contracts"], summary="VAT rate history")
    def get(self, request: Request) -> Response:
        return Response(VatRateSerializer(perms.vat_rates_visible_to(actor_of(request)), many=True).data)

    @extend_schema(request=VatRateInput, responses={201: VatRateSerializer}, tags=["contracts"],
                   summary="Set the VAT rate valid from a date (finance, admins)")
    def post(self, request: Request) -> Response:
        require(perms.can_edit_vat_rates(actor_of(request)))
        rate = services.vat_rate_set(actor=actor_of(request), **validated_input(VatRateInput, request))
        return Response(VatRateSerializer(rate).data, status=status.HTTP_201_CREATED)


class SubcontractorListApi(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(responses=SubcontractorSerializer(many=True), tags=["contracts"],
                   summary="Subcontractors with their average rating")
    def get(self, request: Request) -> Response:
        return Response(SubcontractorSerializer(selectors.subcontractor_list(actor=actor_of(request)), many=True).data)

    @extend_schema(request=SubcontractorInput, responses={201: SubcontractorSerializer}, tags=["contracts"])
    def post(self, request: Request) -> Response:
        require(perms.can_edit_subcontractors(actor_of(request)))
        sub = services.subcontractor_create(actor=actor_of(request), data=validated_input(SubcontractorInput, request))
        return Response(SubcontractorSerializer(_with_stats(request, sub)).data, status=status.HTTP_201_CREATED)


def _with_stats(request: Request, sub: Subcontractor) -> Subcontractor:
    """The subcontractor as the list shows it (rating and contract counts), as the schema documents."""
    return selectors.subcontractor_list(actor=actor_of(request)).get(pk=sub.pk)


class SubcontractorDetailApi(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(request=SubcontractorInput, responses=SubcontractorSerializer, tags=["contracts"])
    def patch(self, request: Request, pk: int) -> Response:
        sub = perms.subcontractor_get_for(actor_of(request), pk)
        require(perms.can_edit_subcontractors(actor_of(request)))
        sub = services.subcontractor_update(actor=actor_of(request), subcontractor=sub,
                                            data=validated_input(SubcontractorInput, request, partial=True))
        return Response(SubcontractorSerializer(_with_stats(request, sub)).data)


class ContractSettingsApi(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(responses=NumberPatternInput, tags=["contracts"], summary="Contract-number pattern")
    def get(self, request: Request) -> Response:
        from tandem.org.permissions import actor_agency

        agency = actor_agency(actor_of(request))
        return Response({"number_pattern": selectors.contract_number_pattern(agency=agency)})  # type: ignore[arg-type]

    @extend_schema(request=NumberPatternInput, responses=NumberPatternInput, tags=["contracts"])
    def put(self, request: Request) -> Response:
        require(perms.can_edit_contract_settings(actor_of(request)))
        row = services.contract_settings_update(actor=actor_of(request), **validated_input(NumberPatternInput, request))
        return Response({"number_pattern": row.number_pattern})


urlpatterns = [
    path("contracts/", ContractListApi.as_view(), name="contract-list"),
    path("contracts/<int:pk>/", ContractDetailApi.as_view(), name="contract-detail"),
    path("contracts/<int:pk>/transition/", ContractTransitionApi.as_view(), name="contract-transition"),
    path("contracts/<int:pk>/rate-subcontractor/", ContractRatingApi.as_view(), name="contract-rating"),
    path("contracts/<int:pk>/lines/", ContractLinesApi.as_view(), name="contract-lines"),
    path("contract-lines/<int:pk>/", ContractLineApi.as_view(), name="contract-line"),
    path("contract-settings/", ContractSettingsApi.as_view(), name="contract-settings"),
    path("services/", ServiceListApi.as_view(), name="service-list"),
    path("services/<int:pk>/", ServiceDetailApi.as_view(), name="service-detail"),
    path("vat-rates/", VatRateListApi.as_view(), name="vat-rate-list"),
    path("subcontractors/", SubcontractorListApi.as_view(), name="subcontractor-list"),
    path("subcontractors/<int:pk>/", SubcontractorDetailApi.as_view(), name="subcontractor-detail"),
]
