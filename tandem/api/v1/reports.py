"""Client results over the API: a client's daily analytics snapshots and «refresh now».

GET  /api/v1/clients/<id>/analytics/snapshots/?start=&end=  — paginated, newest first; whoever
     sees the client (404 otherwise).
POST /api/v1/clients/<id>/analytics/refresh/ {start?, end?}  — the client's AM, group head, heads,
     admins (`can_manage_analytics`; 403 for others who see the client). Default: the last 60 days.
"""

from __future__ import annotations

from datetime import timedelta

from django.urls import path
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tandem.api.pagination import StandardPagination
from tandem.api.permissions import IsAgencyEmployee
from tandem.clients.permissions import client_get_for
from tandem.core.errors import NotFound
from tandem.reports import permissions, selectors, services
from tandem.reports.models import AnalyticsSnapshot

from ._common import StrictInputSerializer, actor_of, paginated_response, require, validated_input

REFRESH_DEFAULT_DAYS = 2 * selectors.RESULTS_WINDOW_DAYS


class SnapshotSerializer(serializers.ModelSerializer):
    source_kind = serializers.CharField(source="source.kind", read_only=True)

    class Meta:
        model = AnalyticsSnapshot
        fields = [
            "date", "source", "source_kind", "visits", "goal_conversions", "leads", "revenue", "ad_spend", "sampled",
            "fetched_at",
        ]


class SnapshotQuerySerializer(serializers.Serializer):
    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False)
    page = serializers.IntegerField(required=False, min_value=1)
    page_size = serializers.IntegerField(required=False, min_value=1)


class RefreshInputSerializer(StrictInputSerializer):
    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False)


class RefreshResultSerializer(serializers.Serializer):
    source_id = serializers.IntegerField()
    days = serializers.IntegerField()
    sampled = serializers.BooleanField()


class ClientSnapshotsView(APIView):
    permission_classes = [IsAgencyEmployee]
    pagination_class = StandardPagination  # documents the {count, next, previous, results} envelope

    @extend_schema(
        summary="Daily analytics snapshots of a client", parameters=[SnapshotQuerySerializer],
        responses=SnapshotSerializer(many=True), tags=["reports"],
    )
    def get(self, request: Request, client_id: int) -> Response:
        actor = actor_of(request)
        client = client_get_for(actor, client_id)
        query = SnapshotQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        qs = selectors.analytics_snapshot_list(
            actor=actor, client=client, start=query.validated_data.get("start"), end=query.validated_data.get("end"),
        )
        return paginated_response(self, request, qs, SnapshotSerializer)


class ClientAnalyticsRefreshView(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(
        summary="Refresh a client's analytics now", request=RefreshInputSerializer,
        responses={200: RefreshResultSerializer}, tags=["reports"],
    )
    def post(self, request: Request, client_id: int) -> Response:
        actor = actor_of(request)
        client = client_get_for(actor, client_id)
        require(permissions.can_manage_analytics(actor, client))
        source = selectors.analytics_source_of(client=client)
        if source is None:
            raise NotFound()
        data = validated_input(RefreshInputSerializer, request)
        end = data.get("end") or timezone.localdate()
        start = data.get("start") or end - timedelta(days=REFRESH_DEFAULT_DAYS)
        result = services.analytics_refresh(actor=actor, source=source, start=start, end=end)
        return Response(RefreshResultSerializer(result).data)


urlpatterns = [
    path("clients/<int:client_id>/analytics/snapshots/", ClientSnapshotsView.as_view(), name="client_analytics_snapshots"),
    path("clients/<int:client_id>/analytics/refresh/", ClientAnalyticsRefreshView.as_view(), name="client_analytics_refresh"),
]
