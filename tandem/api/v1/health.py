"""Client health over the API (issue 12).

GET  /api/v1/health/scores/?account_manager=&group=&below=   each visible client's latest score, worst first
GET  /api/v1/clients/<id>/health/                            the client's daily scores with factors, newest first
POST /api/v1/clients/<id>/health/recompute/                  today's score now
GET  /api/v1/health/proposals/?status=&client=               «под риском» proposals
POST /api/v1/health/proposals/<id>/accept/ {comment?}        the client becomes «под риском»
POST /api/v1/health/proposals/<id>/dismiss/ {comment}        dismissed with a comment
GET  /api/v1/health/backtest/                                the latest back-test run (404 when none)
POST /api/v1/health/backtest/ {start, end, step_days?, horizon_days?}   run it now

Visibility (health.permissions): the AM their clients, a group head their groups, heads of
accounts and admins all; 404 otherwise. Lists use the standard pagination envelope.
"""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tandem.api.pagination import StandardPagination
from tandem.api.permissions import IsAgencyEmployee
from tandem.core.errors import NotFound
from tandem.health import permissions, selectors, services
from tandem.health.backtest import health_backtest_run
from tandem.health.models import BacktestRun, HealthScore, ProposalStatus, RiskProposal

from ._common import StrictInputSerializer, actor_of, paginated_response, require, validated_input

# Ids and page numbers beyond a 32-bit integer are a 400, not a database overflow.
MAX_ID = 2_147_483_647

# --- output -------------------------------------------------------------------------------------


class FactorEventSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=["invoice", "contact", "request", "task", "stage", "interaction", "am_change", "results"],
        help_text="What the id points at: invoice, contact, client request, task, stage, interaction, AM change, "
                  "or the client's results (id = client id).")
    id = serializers.IntegerField()
    label = serializers.CharField()  # type: ignore[assignment]  # a field named «label», not Field.label


class FactorSerializer(serializers.Serializer):
    key = serializers.ChoiceField(choices=["payment", "contact", "sla", "work", "results", "new_client", "am_change",
                                           "volume", "complaints"])
    label = serializers.CharField()  # type: ignore[assignment]  # a field named «label», not Field.label
    points = serializers.IntegerField(help_text="Points this factor took off 100.")
    detail = serializers.CharField(allow_blank=True)
    events = FactorEventSerializer(many=True)


class RiskReasonSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a field named «label», not Field.label
    points = serializers.IntegerField()
    detail = serializers.CharField(allow_blank=True)


class HealthScoreSerializer(serializers.ModelSerializer):
    factors = FactorSerializer(many=True, help_text="Every factor, the costliest first.")

    class Meta:
        model = HealthScore
        fields = ["id", "client", "day", "score", "factors", "computed_at"]


class HealthScoreRowSerializer(serializers.ModelSerializer):
    client_name = serializers.CharField(source="client.display_name", read_only=True)
    client_status = serializers.CharField(source="client.status", read_only=True)
    account_manager = serializers.IntegerField(source="client.account_manager_id", read_only=True, allow_null=True)
    group = serializers.IntegerField(source="client.group_id", read_only=True, allow_null=True)
    top_reason = serializers.SerializerMethodField()

    class Meta:
        model = HealthScore
        fields = ["id", "client", "client_name", "client_status", "account_manager", "group", "day", "score",
                  "top_reason"]

    def get_top_reason(self, obj: HealthScore) -> str:
        top = obj.top_factor
        return str(top["label"]) if top else ""


class RiskProposalSerializer(serializers.ModelSerializer):
    client_name = serializers.CharField(source="client.display_name", read_only=True)
    reasons = RiskReasonSerializer(many=True)
    decided_by = serializers.CharField(source="decided_by.username", read_only=True, allow_null=True, default=None)

    class Meta:
        model = RiskProposal
        fields = ["id", "client", "client_name", "day", "score", "reasons", "status", "decided_by", "decided_at",
                  "comment", "created_at"]


class ChurnCaseSerializer(serializers.Serializer):
    client_id = serializers.IntegerField()
    client = serializers.CharField()
    churned_on = serializers.DateField()
    flagged_on = serializers.DateField(allow_null=True)
    lead_days = serializers.IntegerField(allow_null=True)


class FlagCaseSerializer(serializers.Serializer):
    client_id = serializers.IntegerField()
    client = serializers.CharField()
    first_flag = serializers.DateField()
    lowest_score = serializers.IntegerField()


class BacktestResultSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    step_days = serializers.IntegerField()
    horizon_days = serializers.IntegerField()
    threshold = serializers.IntegerField()
    replay_days = serializers.IntegerField()
    client_days = serializers.IntegerField()
    churned = serializers.IntegerField(help_text="Churns in the period.")
    churned_flagged = serializers.IntegerField(help_text="Of them, flagged within the horizon before.")
    lead_days_avg = serializers.FloatField(allow_null=True)
    lead_days_median = serializers.FloatField(allow_null=True)
    flagged_clients = serializers.IntegerField()
    flagged_churned = serializers.IntegerField()
    flagged_not_churned = serializers.IntegerField()
    flagged_pending = serializers.IntegerField(help_text="Flagged too recently to judge.")
    precision = serializers.FloatField(allow_null=True)
    recall = serializers.FloatField(allow_null=True)
    churns = ChurnCaseSerializer(many=True)
    false_alarms = FlagCaseSerializer(many=True)


class BacktestRunSerializer(serializers.ModelSerializer):
    result = BacktestResultSerializer()

    class Meta:
        model = BacktestRun
        fields = ["id", "created_at", "start", "end", "step_days", "horizon_days", "threshold", "result"]


# --- input --------------------------------------------------------------------------------------


class ScoreQuery(serializers.Serializer):
    account_manager = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    group = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    below = serializers.IntegerField(required=False, min_value=1, max_value=101)
    page = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)


class ProposalQuery(serializers.Serializer):
    status = serializers.ChoiceField(choices=ProposalStatus.choices, required=False)
    client = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    page = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)


class PageQuery(serializers.Serializer):
    page = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)


class RiskProposalAcceptInput(StrictInputSerializer):
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class RiskProposalDismissInput(StrictInputSerializer):
    comment = serializers.CharField(max_length=2000, help_text="Why the client is not at risk.")


class BacktestInput(StrictInputSerializer):
    start = serializers.DateField()
    end = serializers.DateField()
    step_days = serializers.IntegerField(required=False, default=7, min_value=1, max_value=31)
    horizon_days = serializers.IntegerField(required=False, default=90, min_value=7, max_value=365)


def _query(serializer_class: type[serializers.Serializer], request: Request) -> dict:  # type: ignore[type-arg]
    query = serializer_class(data=request.query_params)
    query.is_valid(raise_exception=True)
    return dict(query.validated_data)


# --- views --------------------------------------------------------------------------------------


class HealthScoreListApi(APIView):
    permission_classes = [IsAgencyEmployee]
    pagination_class = StandardPagination

    @extend_schema(summary="Latest health score of each visible client, worst first", parameters=[ScoreQuery],
                   responses=HealthScoreRowSerializer(many=True), tags=["health"])
    def get(self, request: Request) -> Response:
        q = _query(ScoreQuery, request)
        filters = selectors.HealthFilters(account_manager_id=q.get("account_manager"), group_id=q.get("group"),
                                          below=q.get("below"))
        qs = selectors.health_latest_scores(actor=actor_of(request), filters=filters)
        return paginated_response(self, request, qs, HealthScoreRowSerializer)


class ClientHealthApi(APIView):
    permission_classes = [IsAgencyEmployee]
    pagination_class = StandardPagination

    @extend_schema(summary="A client's daily health scores with factors and events, newest first",
                   parameters=[PageQuery], responses=HealthScoreSerializer(many=True), tags=["health"])
    def get(self, request: Request, client_id: int) -> Response:
        _query(PageQuery, request)
        client = permissions.health_client_get_for(actor_of(request), client_id)
        return paginated_response(self, request, selectors.client_health_scores(client=client), HealthScoreSerializer)


class ClientHealthRecomputeApi(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(summary="Recompute a client's health score for today", request=None,
                   responses={200: HealthScoreSerializer}, tags=["health"])
    def post(self, request: Request, client_id: int) -> Response:
        client = permissions.health_client_get_for(actor_of(request), client_id)
        score = services.health_recompute_client(actor=actor_of(request), client=client)
        return Response(HealthScoreSerializer(score).data)


class ProposalListApi(APIView):
    permission_classes = [IsAgencyEmployee]
    pagination_class = StandardPagination

    @extend_schema(summary="«Под риском» proposals", parameters=[ProposalQuery],
                   responses=RiskProposalSerializer(many=True), tags=["health"])
    def get(self, request: Request) -> Response:
        q = _query(ProposalQuery, request)
        client = permissions.health_client_get_for(actor_of(request), q["client"]) if q.get("client") else None
        qs = selectors.risk_proposal_list(actor=actor_of(request), status=q.get("status", ""), client=client)
        return paginated_response(self, request, qs, RiskProposalSerializer)


class ProposalAcceptApi(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(summary="Accept: the client becomes «под риском» with the reasons", request=RiskProposalAcceptInput,
                   responses={200: RiskProposalSerializer}, tags=["health"])
    def post(self, request: Request, pk: int) -> Response:
        actor = actor_of(request)
        proposal = permissions.proposal_get_for(actor, pk)
        require(permissions.can_decide_proposal(actor, proposal))
        data = validated_input(RiskProposalAcceptInput, request)
        proposal = services.risk_proposal_accept(actor=actor, proposal=proposal, comment=data.get("comment", ""))
        return Response(RiskProposalSerializer(proposal).data)


class ProposalDismissApi(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(summary="Dismiss with a comment", request=RiskProposalDismissInput,
                   responses={200: RiskProposalSerializer}, tags=["health"])
    def post(self, request: Request, pk: int) -> Response:
        actor = actor_of(request)
        proposal = permissions.proposal_get_for(actor, pk)
        require(permissions.can_decide_proposal(actor, proposal))
        data = validated_input(RiskProposalDismissInput, request)
        proposal = services.risk_proposal_dismiss(actor=actor, proposal=proposal, comment=data["comment"])
        return Response(RiskProposalSerializer(proposal).data)


class BacktestApi(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(summary="The latest back-test of the health score", responses={200: BacktestRunSerializer},
                   tags=["health"])
    def get(self, request: Request) -> Response:
        actor = actor_of(request)
        if not permissions.can_run_backtest(actor):
            raise NotFound()
        run = selectors.backtest_latest(actor=actor)
        if run is None:
            raise NotFound()
        return Response(BacktestRunSerializer(run).data)

    @extend_schema(summary="Run the back-test now", request=BacktestInput,
                   responses={201: BacktestRunSerializer}, tags=["health"])
    def post(self, request: Request) -> Response:
        actor = actor_of(request)
        if not permissions.can_run_backtest(actor):
            raise NotFound()
        data = validated_input(BacktestInput, request)
        run = health_backtest_run(actor=actor, **data)
        return Response(BacktestRunSerializer(run).data, status=status.HTTP_201_CREATED)


urlpatterns = [
    path("health/scores/", HealthScoreListApi.as_view(), name="health_scores"),
    path("health/proposals/", ProposalListApi.as_view(), name="health_proposals"),
    path("health/proposals/<int:pk>/accept/", ProposalAcceptApi.as_view(), name="health_proposal_accept"),
    path("health/proposals/<int:pk>/dismiss/", ProposalDismissApi.as_view(), name="health_proposal_dismiss"),
    path("health/backtest/", BacktestApi.as_view(), name="health_backtest"),
    path("clients/<int:client_id>/health/", ClientHealthApi.as_view(), name="client_health"),
    path("clients/<int:client_id>/health/recompute/", ClientHealthRecomputeApi.as_view(), name="client_health_recompute"),
]
