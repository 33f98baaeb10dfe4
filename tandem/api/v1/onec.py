"""REST endpoints of the exchange with 1C: create an EnterpriseData export of a period, list past
exports, download a file. Finance, the head of accounts and admins only: others get 403 on
create and an empty list; a file of another agency (or for a forbidden role) is 404."""

from __future__ import annotations

from django.http import HttpResponse
from django.urls import path, reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tandem.api.pagination import StandardPagination
from tandem.api.permissions import IsAgencyEmployee
from tandem.billing import permissions
from tandem.billing.models import OneCExport
from tandem.billing.onec import onec_export_create, onec_export_list

from ._common import StrictInputSerializer, actor_of, paginated_response, require


class OneCExportSerializer(serializers.ModelSerializer):
    document_count = serializers.IntegerField(read_only=True)
    change_count = serializers.IntegerField(read_only=True, help_text="Документов, выгруженных повторно как изменение.")
    created_by = serializers.IntegerField(source="created_by_id", read_only=True)
    file_url = serializers.SerializerMethodField()

    class Meta:
        model = OneCExport
        fields = ["id", "period_start", "period_end", "mode", "created_by", "created_at", "file_name",
                  "invoice_count", "act_count", "counterparty_count", "document_count", "change_count", "file_url"]
        read_only_fields = fields

    def get_file_url(self, obj: OneCExport) -> str:
        return reverse("api:onec-export-file", args=[obj.pk])


class OneCExportCreateSerializer(StrictInputSerializer):
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    mode = serializers.ChoiceField(choices=OneCExport.Mode.choices, default=OneCExport.Mode.CHANGED)

    def validate(self, attrs: dict) -> dict:  # type: ignore[type-arg]
        if attrs["period_end"] < attrs["period_start"]:
            raise serializers.ValidationError({"period_end": [_("Конец периода раньше начала.")]})
        return attrs


class OneCExportListApi(APIView):
    permission_classes = [IsAgencyEmployee]
    pagination_class = StandardPagination  # documents the {count, next, previous, results} envelope

    @extend_schema(responses=OneCExportSerializer(many=True))
    def get(self, request: Request) -> Response:
        return paginated_response(self, request, onec_export_list(actor=actor_of(request)), OneCExportSerializer)

    @extend_schema(request=OneCExportCreateSerializer, responses={201: OneCExportSerializer})
    def post(self, request: Request) -> Response:
        actor = actor_of(request)
        require(permissions.can_export_onec(actor))
        s = OneCExportCreateSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        export = onec_export_create(actor=actor, **s.validated_data)
        created = onec_export_list(actor=actor).get(pk=export.pk)
        return Response(OneCExportSerializer(created).data, status=status.HTTP_201_CREATED)


class OneCExportFileApi(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(responses={(200, "application/xml"): OpenApiTypes.BINARY})
    def get(self, request: Request, pk: int) -> HttpResponse:
        export = permissions.onec_export_get_for(actor_of(request), pk)
        response = HttpResponse(bytes(export.content), content_type="application/xml; charset=utf-8")
        response["Content-Disposition"] = content_disposition_header(True, export.file_name)
        return response


urlpatterns = [
    path("billing/onec-exports/", OneCExportListApi.as_view(), name="onec-export-list"),
    path("billing/onec-exports/<int:pk>/file/", OneCExportFileApi.as_view(), name="onec-export-file"),
]
