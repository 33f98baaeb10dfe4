"""Reports over the API: a client's daily analytics snapshots and «refresh now»; churn and
retention, the win-back list and the head's dashboard (issue 12, at the end of the module).

GET  /api/v1/clients/<id>/analytics/snapshots/?start=&end=  — paginated, newest first; whoever
     sees the client (404 otherwise).
POST /api/v1/clients/<id>/analytics/refresh/ {start?, end?, kind?}  — the client's AM, group head,
     heads, admins (`can_manage_analytics`; 403 for others who see the client). Default: the last 60
     days of the Metrica counter (or of the GA4 property when it is the only source).
PUT  /api/v1/clients/<id>/analytics/sources/<kind>/ {counter_id, credentials?, goal_ids?}  — connect or
     change a Metrica counter (credentials: the OAuth token) or a GA4 property (counter_id: the
     property id, credentials: the service account's JSON key). Credentials are write-only.
POST /api/v1/clients/<id>/analytics/uploads/<kind>/ (multipart: file, mapping?)  — load a Topvisor /
     SE Ranking positions export, a Директ / VK Реклама spend export or a daily table; the same
     people as refresh. 400 with every bad line under `file`; nothing stored then.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tandem.api.pagination import StandardPagination
from tandem.api.permissions import IsAgencyEmployee
from tandem.clients.models import ChurnReason, Client
from tandem.clients.permissions import client_get_for
from tandem.core.errors import NotFound
from tandem.reports import dashboard, permissions, retention, selectors, services
from tandem.reports.models import API_KINDS, UPLOAD_KINDS, AnalyticsKind, AnalyticsSnapshot, AnalyticsSource

from ._common import StrictInputSerializer, actor_of, paginated_response, require, validated_input

REFRESH_DEFAULT_DAYS = 2 * selectors.RESULTS_WINDOW_DAYS


class SnapshotSerializer(serializers.ModelSerializer):
    source_kind = serializers.CharField(source="source.kind", read_only=True)

    class Meta:
        model = AnalyticsSnapshot
        fields = [
            "date", "source", "source_kind", "visits", "goal_conversions", "leads", "revenue", "ad_spend",
            "avg_position", "top10_share", "sampled", "fetched_at",
        ]


class SnapshotQuerySerializer(serializers.Serializer):
    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False)
    page = serializers.IntegerField(required=False, min_value=1)
    page_size = serializers.IntegerField(required=False, min_value=1)


class RefreshInputSerializer(StrictInputSerializer):
    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False)
    kind = serializers.ChoiceField(choices=[(k.value, k.label) for k in API_KINDS], required=False)


class SourceConnectInputSerializer(StrictInputSerializer):
    counter_id = serializers.CharField(max_length=12, help_text="Metrica counter number or GA4 property id.")
    credentials = serializers.CharField(
        required=False, allow_blank=True, write_only=True, trim_whitespace=False, max_length=20000,
        help_text="Metrica: the OAuth token; GA4: the service account's JSON key (about 2 KB). "
                  "Blank keeps the stored one.",
    )
    goal_ids = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False,
                                     help_text="Metrica goals counted as leads.")


class AnalyticsSourceSerializer(serializers.ModelSerializer):
    has_credentials = serializers.BooleanField(source="has_token", read_only=True)

    class Meta:
        model = AnalyticsSource
        fields = [
            "id", "kind", "counter_id", "goal_ids", "is_demo", "has_credentials", "last_synced_at",
            "last_sync_status", "last_sync_message",
        ]
        read_only_fields = fields


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
        data = validated_input(RefreshInputSerializer, request)
        sources = selectors.analytics_sources_of(client=client)
        kind = data.get("kind")
        source = next((s for s in sources if s.kind == kind), None) if kind else (sources[0] if sources else None)
        if source is None:
            raise NotFound()
        end = data.get("end") or timezone.localdate()
        start = data.get("start") or end - timedelta(days=REFRESH_DEFAULT_DAYS)
        result = services.analytics_refresh(actor=actor, source=source, start=start, end=end)
        return Response(RefreshResultSerializer(result).data)


class ClientAnalyticsSourceView(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(
        summary="Connect or change a client's analytics source (Metrica counter or GA4 property)",
        request=SourceConnectInputSerializer, responses={200: AnalyticsSourceSerializer}, tags=["reports"],
        parameters=[OpenApiParameter("kind", str, OpenApiParameter.PATH, enum=AnalyticsKind.values)],
    )
    def put(self, request: Request, client_id: int, kind: str) -> Response:
        actor = actor_of(request)
        client = client_get_for(actor, client_id)
        if kind not in AnalyticsKind.values:
            raise NotFound()
        require(permissions.can_manage_analytics(actor, client))
        data = validated_input(SourceConnectInputSerializer, request)
        source = services.analytics_source_connect(
            actor=actor, client=client, kind=kind, counter_id=data["counter_id"], token=data.get("credentials", ""),
            goal_ids=data.get("goal_ids"),
        )
        return Response(AnalyticsSourceSerializer(source).data)


class AnalyticsUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="CSV (UTF-8 or Windows-1251) or XLSX, at most 10 MB.")
    mapping = serializers.JSONField(
        required=False, help_text="{field: column header}; fields: date, visits, goal_conversions, leads, revenue, "
                                  "ad_spend (daily files) or keyword (positions). Saved for the next upload.",
    )

    def validate_mapping(self, value: Any) -> dict[str, str]:
        if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
            raise serializers.ValidationError(_("Сопоставление — объект {поле: заголовок столбца}."))
        return value


class AnalyticsUploadResultSerializer(serializers.Serializer):
    source_id = serializers.IntegerField()
    days = serializers.IntegerField()
    first_day = serializers.DateField()
    last_day = serializers.DateField()
    filled_fields = serializers.ListField(child=serializers.CharField(), source="fields",
                                          help_text="The snapshot fields the file filled.")


class ClientAnalyticsUploadView(APIView):
    permission_classes = [IsAgencyEmployee]
    parser_classes = [MultiPartParser]

    @extend_schema(
        summary="Upload positions, ad spend or daily figures of a client (CSV/XLSX)",
        request={"multipart/form-data": AnalyticsUploadSerializer}, responses={200: AnalyticsUploadResultSerializer},
        tags=["reports"], parameters=[OpenApiParameter("kind", str, OpenApiParameter.PATH, enum=list(UPLOAD_KINDS))],
    )
    def post(self, request: Request, client_id: int, kind: str) -> Response:
        actor = actor_of(request)
        client = client_get_for(actor, client_id)
        if kind not in UPLOAD_KINDS:
            raise NotFound()
        require(permissions.can_manage_analytics(actor, client))
        data = AnalyticsUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        result = services.analytics_upload(
            actor=actor, client=client, kind=kind, content=upload.read(), file_name=upload.name,
            mapping=data.validated_data.get("mapping"),
        )
        return Response(AnalyticsUploadResultSerializer(result).data)


urlpatterns = [
    path("clients/<int:client_id>/analytics/uploads/<str:kind>/", ClientAnalyticsUploadView.as_view(),
         name="client_analytics_upload"),
    path("clients/<int:client_id>/analytics/sources/<str:kind>/", ClientAnalyticsSourceView.as_view(),
         name="client_analytics_source"),
    path("clients/<int:client_id>/analytics/snapshots/", ClientSnapshotsView.as_view(), name="client_analytics_snapshots"),
    path("clients/<int:client_id>/analytics/refresh/", ClientAnalyticsRefreshView.as_view(), name="client_analytics_refresh"),
]


# --- churn, retention and the head's dashboard (issue 12) ------------------------------------------
#
# GET /api/v1/reports/retention/?to=&months=&by=   — churn by month and by a slice, reasons,
#     lifetime, cohorts, GRR/NRR (definitions: tandem.reports.retention).
# GET /api/v1/reports/win-back/?reason=&since=&until=  — churned clients, paginated, newest first.
# GET /api/v1/reports/dashboard/?to=&months=  — the head's dashboard figures.
# Heads of accounts, admins and group heads (over the clients they see); 404 for anyone else.

MIN_MONTH = date(2000, 1, 1)
MAX_MONTH = date(2100, 12, 31)


def _money(**kwargs: Any) -> serializers.DecimalField:
    """Rubles and kopecks (a string in JSON, as every amount of the API)."""
    return serializers.DecimalField(max_digits=16, decimal_places=2, **kwargs)


def _percent(**kwargs: Any) -> serializers.DecimalField:
    """A percent with two decimals; null where the base is zero."""
    return serializers.DecimalField(max_digits=9, decimal_places=2, allow_null=True, **kwargs)


class PeriodQuerySerializer(serializers.Serializer):
    to = serializers.DateField(
        required=False, help_text="Any day of the period's last month (default: this month).",
    )
    months = serializers.ChoiceField(choices=[3, 6, 12, 24], required=False,
                                     help_text="Number of whole months in the period (default: 12 for "
                                               "churn and retention, 6 for the dashboard).")
    default_months = 12

    def validate_to(self, value: date) -> date:
        if not MIN_MONTH <= value <= MAX_MONTH:
            raise serializers.ValidationError(_("Месяц вне допустимого диапазона."))
        return value

    def period(self) -> retention.Period:
        data = self.validated_data
        return retention.period_of(last_month=data.get("to") or timezone.localdate(),
                                   months=int(data.get("months") or self.default_months))


class DashboardQuerySerializer(PeriodQuerySerializer):
    default_months = 6


class RetentionQuerySerializer(PeriodQuerySerializer):
    by = serializers.ChoiceField(choices=list(retention.DIMENSIONS), required=False, default="group",
                                 help_text="Slice of `slices`: group, am, tier or service.")


class PeriodSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()


class ChurnMonthSerializer(serializers.Serializer):
    month = serializers.DateField()
    active_at_start = serializers.IntegerField()
    new = serializers.IntegerField()
    churned = serializers.IntegerField()
    served = serializers.IntegerField()
    rate = _percent(help_text="churned ÷ served, %; null when none served.")


class ChurnRowSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="Id of the group or AM, tier or service code; empty for none.")
    label = serializers.CharField()  # type: ignore[assignment]  # the row's name, not Field.label
    served = serializers.IntegerField()
    churned = serializers.IntegerField()
    rate = _percent()


class ChurnReasonCountSerializer(serializers.Serializer):
    reason = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # the row's name, not Field.label
    count = serializers.IntegerField()
    share = _percent()
    lifetime_revenue = _money()


class LifetimeSerializer(serializers.Serializer):
    churned_count = serializers.IntegerField()
    churned_avg_months = serializers.DecimalField(max_digits=9, decimal_places=1, allow_null=True)
    churned_avg_revenue = _money(allow_null=True)
    served_count = serializers.IntegerField()
    served_avg_months = serializers.DecimalField(max_digits=9, decimal_places=1, allow_null=True)
    served_avg_revenue = _money(allow_null=True)


class CohortSerializer(serializers.Serializer):
    cohort = serializers.DateField()
    size = serializers.IntegerField()
    retained = serializers.ListField(child=serializers.IntegerField(),
                                     help_text="Clients still served at the end of month cohort + k.")
    client_percents = serializers.ListField(child=_percent())
    revenue = serializers.ListField(child=_money())
    revenue_percents = serializers.ListField(child=_percent(),
                                             help_text="Revenue of month k ÷ revenue of month 0, %.")


class RevenueRetentionSerializer(serializers.Serializer):
    period = PeriodSerializer()
    base = PeriodSerializer()
    clients = serializers.IntegerField(help_text="Clients with revenue in the base period.")
    base_revenue = _money()
    kept_revenue = _money(help_text="Σ min(revenue now, base revenue).")
    current_revenue = _money()
    grr = _percent()
    nrr = _percent()


class RetentionReportSerializer(serializers.Serializer):
    period = PeriodSerializer()
    months = ChurnMonthSerializer(many=True)
    total = ChurnRowSerializer()
    by = serializers.CharField()
    slices = ChurnRowSerializer(many=True)
    reasons = ChurnReasonCountSerializer(many=True)
    lifetime = LifetimeSerializer()
    cohorts = CohortSerializer(many=True)
    revenue_retention = RevenueRetentionSerializer()
    revenue_retention_by_month = RevenueRetentionSerializer(many=True)


def _require_visible(allowed: bool) -> None:
    """Management reports are not there for others: the same 404 as a missing page."""
    if not allowed:
        raise NotFound()


class RetentionReportView(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(summary="Churn and retention", parameters=[RetentionQuerySerializer],
                   responses=RetentionReportSerializer, tags=["reports"])
    def get(self, request: Request) -> Response:
        actor = actor_of(request)
        _require_visible(permissions.can_view_retention(actor))
        query = RetentionQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        period = query.period()
        by = query.validated_data["by"]
        churn = retention.churn_by_month(actor=actor, period=period)
        revenue, monthly = retention.revenue_retention_with_months(actor=actor, period=period)
        data = {
            "period": period, "months": churn.months, "total": churn.total, "by": by,
            "slices": retention.churn_by(actor=actor, period=period, by=by),
            "reasons": retention.churn_reasons(actor=actor, period=period),
            "lifetime": retention.lifetime_summary(actor=actor, period=period),
            "cohorts": retention.cohort_retention(actor=actor, period=period).rows,
            "revenue_retention": revenue,
            "revenue_retention_by_month": monthly,
        }
        return Response(RetentionReportSerializer(data).data)


class WinbackQuerySerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=ChurnReason.choices, required=False)
    since = serializers.DateField(required=False, help_text="Churned on or after this day.")
    until = serializers.DateField(required=False, help_text="Churned on or before this day.")
    page = serializers.IntegerField(required=False, min_value=1)
    page_size = serializers.IntegerField(required=False, min_value=1)


class WinbackSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="display_name")
    churned_on = serializers.DateField(allow_null=True)
    churn_reason = serializers.CharField()
    churn_reason_label = serializers.CharField(source="get_churn_reason_display")
    churn_comment = serializers.CharField()
    account_manager = serializers.IntegerField(source="account_manager_id", allow_null=True,
                                               help_text="The last responsible AM.")
    account_manager_name = serializers.CharField(source="account_manager.full_name", allow_null=True, default=None)
    group = serializers.IntegerField(source="group_id", allow_null=True)
    start_on = serializers.DateField(help_text="Start of service.")
    lifetime_months = serializers.SerializerMethodField()
    lifetime_revenue = _money()

    @extend_schema_field(serializers.DecimalField(max_digits=9, decimal_places=1, allow_null=True))
    def get_lifetime_months(self, client: Client) -> str | None:
        months = retention.lifetime_months(client)
        return None if months is None else str(months)


class WinbackListView(APIView):
    permission_classes = [IsAgencyEmployee]
    pagination_class = StandardPagination

    @extend_schema(summary="Churned clients to win back", parameters=[WinbackQuerySerializer],
                   responses=WinbackSerializer(many=True), tags=["reports"])
    def get(self, request: Request) -> Response:
        actor = actor_of(request)
        _require_visible(permissions.can_view_retention(actor))
        query = WinbackQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        qs = retention.winback_list(actor=actor, filters=retention.WinbackFilters(
            reason=data.get("reason", ""), start=data.get("since"), end=data.get("until")))
        return paginated_response(self, request, qs, WinbackSerializer)


class MoneyMonthSerializer(serializers.Serializer):
    month = serializers.DateField()
    revenue = _money(help_text="Billed invoices (with VAT) dated in the month.")
    payments = _money()
    plan = _money()
    plan_percent = _percent()


class ReceivableRowSerializer(serializers.Serializer):
    key = serializers.CharField(allow_null=True)
    label = serializers.CharField()  # type: ignore[assignment]  # the row's name, not Field.label
    not_due = _money(source="buckets.not_due")
    overdue = _money()
    total = _money()
    invoice_count = serializers.IntegerField()


class AtRiskSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="client.pk")
    name = serializers.CharField(source="client.display_name")
    account_manager = serializers.IntegerField(source="client.account_manager_id", allow_null=True)
    account_manager_name = serializers.CharField(source="client.account_manager.full_name", allow_null=True,
                                                 default=None)
    group = serializers.IntegerField(source="client.group_id", allow_null=True)
    accepted = serializers.BooleanField(help_text="In the «под риском» status; otherwise below the health threshold "
                                                  "or with an open proposal.")
    score = serializers.IntegerField(allow_null=True, help_text="The latest health score.")
    proposal = serializers.IntegerField(source="proposal_id", allow_null=True, help_text="An open «под риском» proposal.")
    risk_since = serializers.DateTimeField(source="since", allow_null=True)
    risk_reason = serializers.CharField(source="top_reason", help_text="The top reason: the accepted one, else the "
                                                                       "score's costliest factor.")
    risk_reason_detail = serializers.CharField(source="top_reason_detail")


class NewClientSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="display_name")
    start_on = serializers.DateField()
    account_manager = serializers.IntegerField(source="account_manager_id", allow_null=True)
    status = serializers.CharField()


class LoadSerializer(serializers.Serializer):
    employee = serializers.IntegerField(source="employee.pk")
    name = serializers.CharField(source="employee.full_name")
    group = serializers.IntegerField(source="employee.group_id", allow_null=True)
    active_clients = serializers.IntegerField()
    soft_limit = serializers.IntegerField()
    hard_limit = serializers.IntegerField()
    state = serializers.CharField()


class ProfitMonthSerializer(serializers.Serializer):
    month = serializers.DateField()
    revenue = _money(help_text="Acts of the month, net of VAT.")
    costs = _money()
    margin = _money()
    margin_percent = _percent()


class ResponseStatsSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # the row's name, not Field.label
    total = serializers.IntegerField()
    responded = serializers.IntegerField()
    breaches = serializers.IntegerField()
    median_minutes = serializers.FloatField(allow_null=True)
    p90_minutes = serializers.FloatField(allow_null=True)


class ResponsesSerializer(serializers.Serializer):
    month = serializers.DateField()
    overall = ResponseStatsSerializer()
    by_group = ResponseStatsSerializer(many=True)


class DashboardSerializer(serializers.Serializer):
    period = PeriodSerializer()
    money = MoneyMonthSerializer(many=True)
    money_total = MoneyMonthSerializer()
    receivables = ReceivableRowSerializer(many=True, source="receivables.rows")
    receivables_total = ReceivableRowSerializer(source="receivables.totals")
    churn = ChurnMonthSerializer(many=True, source="churn.months")
    churn_total = ChurnRowSerializer(source="churn.total")
    retention = RevenueRetentionSerializer()
    retention_by_month = RevenueRetentionSerializer(many=True)
    at_risk = AtRiskSerializer(many=True, help_text="The first 20, lowest health score first.")
    at_risk_count = serializers.IntegerField()
    new_clients = NewClientSerializer(many=True, help_text="The first 20, newest first.")
    new_count = serializers.IntegerField()
    load = LoadSerializer(many=True)
    profit = ProfitMonthSerializer(many=True)
    responses = ResponsesSerializer()


class DashboardView(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(summary="The head of accounts' dashboard", parameters=[DashboardQuerySerializer],
                   responses=DashboardSerializer, tags=["reports"])
    def get(self, request: Request) -> Response:
        actor = actor_of(request)
        _require_visible(permissions.can_view_dashboard(actor))
        query = DashboardQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        board = dashboard.dashboard(actor=actor, period=query.period())
        return Response(DashboardSerializer(board).data)


urlpatterns += [
    path("reports/retention/", RetentionReportView.as_view(), name="report_retention"),
    path("reports/win-back/", WinbackListView.as_view(), name="report_winback"),
    path("reports/dashboard/", DashboardView.as_view(), name="report_dashboard"),
]
