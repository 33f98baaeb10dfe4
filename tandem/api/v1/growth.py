"""Growth over the API (issue #12): the upsell pipeline, rule-based suggestions, «no results»
recommendations and the AM's monthly marks.

Visibility is `tandem.growth.permissions`: an AM sees their clients' records, a group head their
group's, the head of accounts and admins all; anything else is 404 like a missing record.

GET/POST        /api/v1/growth/opportunities/              paginated; ?stage= &owner= &client= &search=
GET/PATCH/DELETE /api/v1/growth/opportunities/<id>/          with the stage history
POST            /api/v1/growth/opportunities/<id>/move/     {stage, lost_reason?, lost_comment?, comment?, ...}
GET             /api/v1/growth/pipeline/                    totals per stage and the weighted open pipeline
GET             /api/v1/growth/suggestions/                 paginated; ?status= (default open) &kind= &client=
POST            /api/v1/growth/suggestions/<id>/accept/     → the new opportunity (201)
POST            /api/v1/growth/suggestions/<id>/dismiss/    {reason}
POST            /api/v1/growth/suggestions/generate/        run the rules now over the actor's clients
GET             /api/v1/growth/recommendations/             paginated; ?decided=true|false &client= &group=
POST            /api/v1/growth/recommendations/<id>/decide/ {decision, comment?, replacement_service?}
GET/POST        /api/v1/growth/marks/                       paginated; ?client=
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.urls import path
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tandem.api.pagination import StandardPagination
from tandem.api.permissions import IsAgencyEmployee
from tandem.clients.models import Client
from tandem.contracts.models import ContractLine, Service
from tandem.growth import permissions, selectors, services
from tandem.growth.models import (
    OPEN_STAGES,
    Decision,
    LostReason,
    Mark,
    NoResultsRecommendation,
    Opportunity,
    RuleKind,
    ServiceMark,
    Stage,
    StageChange,
    Suggestion,
    SuggestionStatus,
)
from tandem.org.models import Employee, User
from tandem.org.permissions import employees_visible_to

from ._common import (
    ScopedPrimaryKeyField,
    StrictInputSerializer,
    actor_of,
    paginated_response,
    query_choice,
    query_int,
    require,
    search_param,
    validated_input,
)
from .clients import UserBriefSerializer
from .org import EmployeeBriefSerializer

TAGS = ["growth"]


def _services_of(actor: User) -> Any:
    employee = permissions.growth_employee(actor)
    if employee is None:
        return Service.objects.none()
    return Service.objects.filter(agency_id=employee.agency_id, is_active=True)


def _lines_of(actor: User) -> Any:
    return ContractLine.objects.filter(contract__client__in=permissions.growth_clients_of(actor)).select_related(
        "contract__client", "service")


# --- output ----------------------------------------------------------------------------------

class GrowthClientSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    display_name = serializers.CharField(read_only=True)


class GrowthServiceSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    kind = serializers.CharField(read_only=True)


class EvidenceSerializer(serializers.Serializer):
    """One fact behind a suggestion or recommendation: {"label": "10.2026", "value": "98 заявок (−4 %)"}."""

    def get_fields(self) -> dict[str, serializers.Field]:
        # Declared here: a class attribute named `label` would shadow Field.label.
        return {"label": serializers.CharField(read_only=True), "value": serializers.CharField(read_only=True)}


class StageChangeSerializer(serializers.ModelSerializer):
    changed_by = UserBriefSerializer(read_only=True)
    from_stage = serializers.ChoiceField(choices=Stage.choices, allow_blank=True, read_only=True)

    class Meta:
        model = StageChange
        fields = ["id", "from_stage", "to_stage", "changed_by", "changed_at", "comment"]
        read_only_fields = fields


class OpportunitySerializer(serializers.ModelSerializer):
    client = GrowthClientSerializer(read_only=True)
    service = GrowthServiceSerializer(read_only=True)
    owner = EmployeeBriefSerializer(read_only=True)
    weighted_value = serializers.DecimalField(max_digits=16, decimal_places=2, read_only=True)
    lost_reason = serializers.ChoiceField(choices=LostReason.choices, allow_blank=True, read_only=True)

    class Meta:
        model = Opportunity
        fields = ["id", "client", "service", "monthly_value", "stage", "probability", "weighted_value", "owner",
                  "next_step", "next_step_date", "lost_reason", "lost_comment", "closed_at", "notes", "created_at",
                  "updated_at"]
        read_only_fields = fields


class OpportunityDetailSerializer(OpportunitySerializer):
    history = StageChangeSerializer(source="stage_changes", many=True, read_only=True)

    class Meta(OpportunitySerializer.Meta):
        fields = [*OpportunitySerializer.Meta.fields, "history"]
        read_only_fields = fields


class SuggestionSerializer(serializers.ModelSerializer):
    client = GrowthClientSerializer(read_only=True)
    service = GrowthServiceSerializer(read_only=True)
    evidence = EvidenceSerializer(many=True, read_only=True)
    decided_by = UserBriefSerializer(read_only=True, allow_null=True)
    opportunity = serializers.IntegerField(source="opportunity_id", read_only=True, allow_null=True)

    class Meta:
        model = Suggestion
        fields = ["id", "client", "kind", "service", "monthly_value", "evidence", "status", "dismiss_reason",
                  "decided_by", "decided_at", "opportunity", "created_at"]
        read_only_fields = fields


class GrowthContractLineSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    service = GrowthServiceSerializer(read_only=True)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)
    contract_number = serializers.CharField(source="contract.number", read_only=True)


class RecommendationSerializer(serializers.ModelSerializer):
    client = GrowthClientSerializer(read_only=True)
    contract_line = GrowthContractLineSerializer(read_only=True)
    evidence = EvidenceSerializer(many=True, read_only=True)
    basis = serializers.ChoiceField(choices=[("analytics", "analytics"), ("marks", "marks")], read_only=True)
    decision = serializers.ChoiceField(choices=Decision.choices, allow_blank=True, read_only=True)
    replacement_service = GrowthServiceSerializer(read_only=True, allow_null=True)
    decided_by = UserBriefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = NoResultsRecommendation
        fields = ["id", "client", "contract_line", "basis", "evidence", "spent", "hours", "decision",
                  "replacement_service", "decision_comment", "decided_by", "decided_at", "created_at"]
        read_only_fields = fields


class MarkSerializer(serializers.ModelSerializer):
    client = GrowthClientSerializer(read_only=True)
    contract_line = GrowthContractLineSerializer(read_only=True)
    marked_by = UserBriefSerializer(read_only=True)

    class Meta:
        model = ServiceMark
        fields = ["id", "client", "contract_line", "month", "mark", "comment", "marked_by", "updated_at"]
        read_only_fields = fields


class StageTotalsSerializer(serializers.Serializer):
    stage = serializers.ChoiceField(choices=Stage.choices, read_only=True)
    count = serializers.IntegerField(read_only=True)
    value = serializers.DecimalField(max_digits=16, decimal_places=2, read_only=True)
    weighted = serializers.DecimalField(max_digits=16, decimal_places=2, read_only=True)


class PipelineSerializer(serializers.Serializer):
    stages = StageTotalsSerializer(many=True, read_only=True)
    open_count = serializers.IntegerField(read_only=True)
    open_value = serializers.DecimalField(max_digits=16, decimal_places=2, read_only=True)
    weighted_value = serializers.DecimalField(max_digits=16, decimal_places=2, read_only=True)


class GenerationResultSerializer(serializers.Serializer):
    suggestions_created = serializers.IntegerField()
    suggestions_updated = serializers.IntegerField()
    recommendations_created = serializers.IntegerField()
    recommendations_updated = serializers.IntegerField()


# --- input -----------------------------------------------------------------------------------

def _client_scope(actor: User) -> Any:
    return permissions.growth_clients_of(actor)


class OpportunityCreateInput(StrictInputSerializer):
    client = ScopedPrimaryKeyField(model=Client, scope=_client_scope)
    service = ScopedPrimaryKeyField(model=Service, scope=_services_of)
    monthly_value = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0)
    stage = serializers.ChoiceField(choices=[(s.value, s.label) for s in OPEN_STAGES], required=False)
    probability = serializers.IntegerField(min_value=0, max_value=100, required=False)
    owner = ScopedPrimaryKeyField(model=Employee, scope=employees_visible_to, required=False)
    next_step = serializers.CharField(max_length=255, required=False, allow_blank=True)
    next_step_date = serializers.DateField(required=False, allow_null=True)
    notes = serializers.CharField(max_length=4000, required=False, allow_blank=True)


class OpportunityUpdateInput(StrictInputSerializer):
    service = ScopedPrimaryKeyField(model=Service, scope=_services_of, required=False)
    monthly_value = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0, required=False)
    probability = serializers.IntegerField(min_value=0, max_value=100, required=False)
    owner = ScopedPrimaryKeyField(model=Employee, scope=employees_visible_to, required=False)
    next_step = serializers.CharField(max_length=255, required=False, allow_blank=True)
    next_step_date = serializers.DateField(required=False, allow_null=True)
    notes = serializers.CharField(max_length=4000, required=False, allow_blank=True)


class MoveInput(StrictInputSerializer):
    stage = serializers.ChoiceField(choices=Stage.choices)
    lost_reason = serializers.ChoiceField(choices=LostReason.choices, required=False, allow_blank=True)
    lost_comment = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    next_step = serializers.CharField(max_length=255, required=False, allow_blank=True)
    next_step_date = serializers.DateField(required=False)
    probability = serializers.IntegerField(min_value=0, max_value=100, required=False)


class AcceptInput(StrictInputSerializer):
    owner = ScopedPrimaryKeyField(model=Employee, scope=employees_visible_to, required=False)


class DismissInput(StrictInputSerializer):
    reason = serializers.CharField(max_length=2000)


class DecideInput(StrictInputSerializer):
    decision = serializers.ChoiceField(choices=Decision.choices)
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    replacement_service = ScopedPrimaryKeyField(model=Service, scope=_services_of, required=False, allow_null=True)


class MarkInput(StrictInputSerializer):
    contract_line = ScopedPrimaryKeyField(model=ContractLine, scope=_lines_of)
    month = serializers.DateField(help_text="Any day of the month; stored as its first day.")
    mark = serializers.ChoiceField(choices=Mark.choices)
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True)


# --- views -----------------------------------------------------------------------------------

OPPORTUNITY_QUERY = [
    OpenApiParameter("stage", str, enum=Stage.values, required=False),
    OpenApiParameter("owner", int, required=False),
    OpenApiParameter("client", int, required=False),
    OpenApiParameter("service", int, required=False),
    OpenApiParameter("search", str, required=False),
]


def _opportunity_filters(request: Request) -> selectors.OpportunityFilters:
    return selectors.OpportunityFilters(
        stage=query_choice(request, "stage", Stage.values), owner_id=query_int(request, "owner"),
        client_id=query_int(request, "client"), service_id=query_int(request, "service"),
        search=search_param(request),
    )


class OpportunityListView(APIView):
    permission_classes = [IsAgencyEmployee]
    pagination_class = StandardPagination

    @extend_schema(summary="Upsell opportunities", parameters=OPPORTUNITY_QUERY,
                   responses=OpportunitySerializer(many=True), tags=TAGS)
    def get(self, request: Request) -> Response:
        actor = actor_of(request)
        qs = selectors.opportunity_list(actor=actor, filters=_opportunity_filters(request))
        return paginated_response(self, request, qs, OpportunitySerializer)

    @extend_schema(summary="Create an opportunity", request=OpportunityCreateInput,
                   responses={201: OpportunityDetailSerializer}, tags=TAGS)
    def post(self, request: Request) -> Response:
        actor = actor_of(request)
        require(permissions.can_use_growth(actor))
        data = validated_input(OpportunityCreateInput, request)
        client = data.pop("client")
        opportunity = services.opportunity_create(actor=actor, client=client, data=data)
        return Response(OpportunityDetailSerializer(opportunity).data, status=status.HTTP_201_CREATED)


class OpportunityDetailView(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(summary="An opportunity with its stage history", responses=OpportunityDetailSerializer, tags=TAGS)
    def get(self, request: Request, pk: int) -> Response:
        opportunity = permissions.opportunity_get_for(actor_of(request), pk)
        return Response(OpportunityDetailSerializer(opportunity).data)

    @extend_schema(summary="Change an opportunity (not its stage)", request=OpportunityUpdateInput,
                   responses=OpportunityDetailSerializer, tags=TAGS)
    def patch(self, request: Request, pk: int) -> Response:
        actor = actor_of(request)
        opportunity = permissions.opportunity_get_for(actor, pk)
        data = validated_input(OpportunityUpdateInput, request, partial=True)
        opportunity = services.opportunity_update(actor=actor, opportunity=opportunity, data=data)
        return Response(OpportunityDetailSerializer(opportunity).data)

    @extend_schema(summary="Delete an opportunity entered by mistake", responses={204: None}, tags=TAGS)
    def delete(self, request: Request, pk: int) -> Response:
        actor = actor_of(request)
        opportunity = permissions.opportunity_get_for(actor, pk)
        services.opportunity_delete(actor=actor, opportunity=opportunity)
        return Response(status=status.HTTP_204_NO_CONTENT)


class OpportunityMoveView(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(summary="Move an opportunity to another stage", request=MoveInput,
                   responses=OpportunityDetailSerializer, tags=TAGS)
    def post(self, request: Request, pk: int) -> Response:
        actor = actor_of(request)
        opportunity = permissions.opportunity_get_for(actor, pk)
        data = validated_input(MoveInput, request)
        opportunity = services.opportunity_move(actor=actor, opportunity=opportunity, **data)
        return Response(OpportunityDetailSerializer(opportunity).data)


class PipelineView(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(summary="Pipeline totals: per stage and the weighted open pipeline",
                   parameters=OPPORTUNITY_QUERY[1:], responses=PipelineSerializer, tags=TAGS)
    def get(self, request: Request) -> Response:
        actor = actor_of(request)
        f = _opportunity_filters(request)
        totals = selectors.pipeline_totals(selectors.opportunity_list(actor=actor, filters=f))
        board_open = [totals[s] for s in OPEN_STAGES if s in totals]
        return Response(PipelineSerializer({
            "stages": [{"stage": s, **asdict(totals.get(s, selectors.PipelineTotals()))} for s in Stage.values],
            "open_count": sum(t.count for t in board_open),
            "open_value": sum((t.value for t in board_open), selectors.ZERO),
            "weighted_value": sum((t.weighted for t in board_open), selectors.ZERO),
        }).data)


class SuggestionListView(APIView):
    permission_classes = [IsAgencyEmployee]
    pagination_class = StandardPagination

    @extend_schema(summary="Suggestions from the agency's rules, with their evidence", parameters=[
        OpenApiParameter("status", str, enum=SuggestionStatus.values, required=False,
                         description="Default: open."),
        OpenApiParameter("kind", str, enum=RuleKind.values, required=False),
        OpenApiParameter("client", int, required=False),
    ], responses=SuggestionSerializer(many=True), tags=TAGS)
    def get(self, request: Request) -> Response:
        f = selectors.SuggestionFilters(
            status=query_choice(request, "status", SuggestionStatus.values, SuggestionStatus.OPEN),
            kind=query_choice(request, "kind", RuleKind.values), client_id=query_int(request, "client"),
        )
        return paginated_response(self, request, selectors.suggestion_list(actor=actor_of(request), filters=f),
                                  SuggestionSerializer)


class SuggestionAcceptView(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(summary="Turn a suggestion into an opportunity", request=AcceptInput,
                   responses={201: OpportunityDetailSerializer}, tags=TAGS)
    def post(self, request: Request, pk: int) -> Response:
        actor = actor_of(request)
        suggestion = permissions.suggestion_get_for(actor, pk)
        data = validated_input(AcceptInput, request)
        opportunity = services.suggestion_accept(actor=actor, suggestion=suggestion, owner=data.get("owner"))
        return Response(OpportunityDetailSerializer(opportunity).data, status=status.HTTP_201_CREATED)


class SuggestionDismissView(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(summary="Dismiss a suggestion with a reason", request=DismissInput,
                   responses=SuggestionSerializer, tags=TAGS)
    def post(self, request: Request, pk: int) -> Response:
        actor = actor_of(request)
        suggestion = permissions.suggestion_get_for(actor, pk)
        data = validated_input(DismissInput, request)
        return Response(SuggestionSerializer(
            services.suggestion_dismiss(actor=actor, suggestion=suggestion, reason=data["reason"])).data)


class GenerateView(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(summary="Run the rules now over the actor's clients", request=None,
                   responses=GenerationResultSerializer, tags=TAGS)
    def post(self, request: Request) -> Response:
        actor = actor_of(request)
        require(permissions.can_use_growth(actor))
        result = services.growth_generate_for(actor=actor, today=timezone.localdate())
        return Response(GenerationResultSerializer(asdict(result)).data)


class RecommendationListView(APIView):
    permission_classes = [IsAgencyEmployee]
    pagination_class = StandardPagination

    @extend_schema(summary="«Service gives no results» recommendations and decisions", parameters=[
        OpenApiParameter("decided", str, enum=["true", "false"], required=False),
        OpenApiParameter("client", int, required=False),
        OpenApiParameter("group", int, required=False),
        OpenApiParameter("account_manager", int, required=False),
    ], responses=RecommendationSerializer(many=True), tags=TAGS)
    def get(self, request: Request) -> Response:
        decided = query_choice(request, "decided", ["true", "false"])
        f = selectors.RecommendationFilters(
            decided=None if not decided else decided == "true", client_id=query_int(request, "client"),
            group_id=query_int(request, "group"), account_manager_id=query_int(request, "account_manager"),
        )
        return paginated_response(self, request, selectors.recommendation_list(actor=actor_of(request), filters=f),
                                  RecommendationSerializer)


class RecommendationDecideView(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(summary="Record the decision on a «no results» recommendation", request=DecideInput,
                   responses=RecommendationSerializer, tags=TAGS)
    def post(self, request: Request, pk: int) -> Response:
        actor = actor_of(request)
        recommendation = permissions.recommendation_get_for(actor, pk)
        data = validated_input(DecideInput, request)
        recommendation = services.recommendation_decide(
            actor=actor, recommendation=recommendation, decision=data["decision"], comment=data.get("comment", ""),
            replacement_service=data.get("replacement_service"),
        )
        return Response(RecommendationSerializer(recommendation).data)


class MarkListView(APIView):
    permission_classes = [IsAgencyEmployee]
    pagination_class = StandardPagination

    @extend_schema(summary="The AM's monthly marks of client services",
                   parameters=[OpenApiParameter("client", int, required=False)],
                   responses=MarkSerializer(many=True), tags=TAGS)
    def get(self, request: Request) -> Response:
        qs = selectors.mark_list(actor=actor_of(request), client_id=query_int(request, "client"))
        return paginated_response(self, request, qs, MarkSerializer)

    @extend_schema(summary="Mark a client service for a month (replaces that month's mark)", request=MarkInput,
                   responses={201: MarkSerializer}, tags=TAGS)
    def post(self, request: Request) -> Response:
        actor = actor_of(request)
        require(permissions.can_use_growth(actor))
        data = validated_input(MarkInput, request)
        mark = services.service_mark_set(actor=actor, contract_line=data["contract_line"], month=data["month"],
                                         mark=data["mark"], comment=data.get("comment", ""))
        return Response(MarkSerializer(mark).data, status=status.HTTP_201_CREATED)


urlpatterns = [
    path("growth/opportunities/", OpportunityListView.as_view(), name="growth_opportunities"),
    path("growth/opportunities/<int:pk>/", OpportunityDetailView.as_view(), name="growth_opportunity"),
    path("growth/opportunities/<int:pk>/move/", OpportunityMoveView.as_view(), name="growth_opportunity_move"),
    path("growth/pipeline/", PipelineView.as_view(), name="growth_pipeline"),
    path("growth/suggestions/", SuggestionListView.as_view(), name="growth_suggestions"),
    path("growth/suggestions/generate/", GenerateView.as_view(), name="growth_generate"),
    path("growth/suggestions/<int:pk>/accept/", SuggestionAcceptView.as_view(), name="growth_suggestion_accept"),
    path("growth/suggestions/<int:pk>/dismiss/", SuggestionDismissView.as_view(), name="growth_suggestion_dismiss"),
    path("growth/recommendations/", RecommendationListView.as_view(), name="growth_recommendations"),
    path("growth/recommendations/<int:pk>/decide/", RecommendationDecideView.as_view(),
         name="growth_recommendation_decide"),
    path("growth/marks/", MarkListView.as_view(), name="growth_marks"),
]
