"""Client reports, document templates, documents and the month-end batch over the API (issue #11).

GET   /api/v1/client-reports/?client=&status=&month=YYYY-MM   paginated; reports of the clients
      whose money the actor sees (AM: own clients; group head: the group's; heads, finance, admin: all)
POST  /api/v1/client-reports/ {client, period_start?, period_end?}   a draft (last month by default)
GET   /api/v1/client-reports/<id>/            the report with its figures; 404 when not visible
PATCH /api/v1/client-reports/<id>/ {summary?, next_plan?}   drafts only
POST  /api/v1/client-reports/<id>/rebuild/    rebuild a draft's figures
POST  /api/v1/client-reports/<id>/send/ {contacts, message?}   e-mail the PDF, log the interaction
GET   /api/v1/client-reports/<id>/pdf/ and /docx/
GET   /api/v1/document-templates/ (paginated), POST multipart {kind, name, file} (heads, admins)
GET   /api/v1/document-templates/fields/      the placeholders of each kind
GET   /api/v1/contracts/<id>/document/<docx|pdf>/ , /api/v1/acts/<id>/document/<docx|pdf>/
POST  /api/v1/clients/<id>/proposal/ {lines, discount_percent?, valid_until?, vat?, file_format?}
POST  /api/v1/month-close/ {month}            acts and report drafts of the month (finance, heads, admins)
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.http import HttpResponse
from django.urls import path, re_path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tandem.api.pagination import StandardPagination
from tandem.api.permissions import IsAgencyEmployee
from tandem.billing.permissions import act_get_for, money_clients_visible_to
from tandem.clients.models import Client, Contact
from tandem.clients.permissions import contacts_visible_to
from tandem.contracts.models import Service
from tandem.contracts.permissions import contract_get_for, services_visible_to
from tandem.reports import documents, permissions, selectors, services
from tandem.reports.document_services import DOCX_TYPE
from tandem.reports.models import ClientReport, ClientReportStatus, DocumentKind, DocumentTemplate

from ._common import (
    ScopedPrimaryKeyField,
    StrictInputSerializer,
    actor_of,
    paginated_response,
    query_choice,
    query_int,
    query_month,
    require,
    validated_input,
)

DOCX = DOCX_TYPE
BINARY_RESPONSES = {(200, "application/pdf"): OpenApiTypes.BINARY,
                    (200, DOCX_TYPE): OpenApiTypes.BINARY}


def _file(content: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- serializers ---------------------------------------------------------------------------------


class TaskDoneSerializer(serializers.Serializer):
    title = serializers.CharField()
    project = serializers.CharField()
    closed = serializers.DateField()


class StageApprovedSerializer(serializers.Serializer):
    title = serializers.CharField()
    project = serializers.CharField()
    approved = serializers.DateField()


class ProjectHoursSerializer(serializers.Serializer):
    project = serializers.CharField()
    service = serializers.CharField(allow_null=True)
    hours = serializers.DecimalField(max_digits=10, decimal_places=2)
    planned = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)


class PersonHoursSerializer(serializers.Serializer):
    person = serializers.CharField()
    hours = serializers.DecimalField(max_digits=10, decimal_places=2)


class ResultRowSerializer(serializers.Serializer):
    key = serializers.ChoiceField(choices=["visits", "goal_conversions", "leads", "ad_spend", "cost_per_lead"])
    current = serializers.CharField(allow_null=True, help_text="A count, or money as a decimal string.")
    previous = serializers.CharField(allow_null=True)
    change = serializers.IntegerField(allow_null=True, help_text="Percent against the previous period.")


class ResultsSerializer(serializers.Serializer):
    has_data = serializers.BooleanField()
    rows = ResultRowSerializer(many=True)


class ChartBarSerializer(serializers.Serializer):
    day = serializers.CharField(help_text="«dd.mm»")
    visits = serializers.IntegerField()
    x = serializers.IntegerField()
    y = serializers.IntegerField()
    height = serializers.IntegerField()


class ReportMoneySerializer(serializers.Serializer):
    issued_count = serializers.IntegerField()
    issued = serializers.DecimalField(max_digits=14, decimal_places=2)
    paid = serializers.DecimalField(max_digits=14, decimal_places=2)
    outstanding = serializers.DecimalField(max_digits=14, decimal_places=2)


class ReportFiguresSerializer(serializers.Serializer):
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    previous_start = serializers.DateField()
    previous_end = serializers.DateField()
    tasks_done = TaskDoneSerializer(many=True)
    stages_approved = StageApprovedSerializer(many=True)
    hours_by_project = ProjectHoursSerializer(many=True)
    hours_by_person = PersonHoursSerializer(many=True)
    hours_total = serializers.DecimalField(max_digits=10, decimal_places=2)
    results = ResultsSerializer()
    chart = ChartBarSerializer(many=True)
    money = ReportMoneySerializer()


class ClientReportListSerializer(serializers.ModelSerializer):
    client_name = serializers.CharField(source="client.display_name", read_only=True)
    sent_to: serializers.ManyRelatedField = serializers.PrimaryKeyRelatedField(many=True, read_only=True)  # type: ignore[assignment]

    class Meta:
        model = ClientReport
        fields = ["id", "client", "client_name", "period_start", "period_end", "status", "author", "sent_to",
                  "sent_at", "built_at", "created_at"]


class ClientReportSerializer(ClientReportListSerializer):
    # DRF pops declared fields from the class, so `data` does not shadow Serializer.data.
    data = ReportFiguresSerializer(read_only=True)  # type: ignore[assignment]

    class Meta(ClientReportListSerializer.Meta):
        fields = [*ClientReportListSerializer.Meta.fields, "summary", "next_plan", "data"]


class ClientReportCreateSerializer(StrictInputSerializer):
    client = ScopedPrimaryKeyField(model=Client, scope=money_clients_visible_to)
    period_start = serializers.DateField(required=False)
    period_end = serializers.DateField(required=False)


class ClientReportUpdateSerializer(StrictInputSerializer):
    summary = serializers.CharField(required=False, allow_blank=True, max_length=10000)
    next_plan = serializers.CharField(required=False, allow_blank=True, max_length=10000)


class ClientReportSendSerializer(StrictInputSerializer):
    contacts = serializers.ListField(child=ScopedPrimaryKeyField(model=Contact, scope=contacts_visible_to),
                                     min_length=1, max_length=50)
    message = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class DocumentTemplateSerializer(serializers.ModelSerializer):
    class Meta:
        model = DocumentTemplate
        fields = ["id", "kind", "name", "is_active", "uploaded_by", "created_at"]


class DocumentTemplateUploadSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=DocumentKind.choices)
    name = serializers.CharField(max_length=255)
    file = serializers.FileField(help_text="A DOCX (docxtpl) template, at most 5 MB.")


class TemplateFieldSerializer(serializers.Serializer):
    name = serializers.CharField()
    description = serializers.CharField()


class TemplateFieldsSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=DocumentKind.choices)
    fields = TemplateFieldSerializer(many=True)  # type: ignore[assignment]


class ProposalLineInputSerializer(StrictInputSerializer):
    service = ScopedPrimaryKeyField(model=Service, scope=services_visible_to)
    price = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=Decimal("0"))
    quantity = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=Decimal("0.01"),
                                        default=Decimal("1"))


class ProposalInputSerializer(StrictInputSerializer):
    lines = ProposalLineInputSerializer(many=True, min_length=1, max_length=50)  # type: ignore[call-arg]
    discount_percent = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=Decimal("0"), max_value=Decimal("100"), required=False,
        allow_null=True, default=None, help_text="omitted or null — the agency's loyalty rules decide (as on invoices)",
    )
    valid_until = serializers.DateField(required=False)
    vat = serializers.BooleanField(default=True)
    file_format = serializers.ChoiceField(choices=["docx", "pdf"], default="docx")


class MonthCloseInputSerializer(StrictInputSerializer):
    month = serializers.DateField(help_text="Any day of the month to close.")


class MonthCloseItemSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["act", "report"])
    label = serializers.CharField()  # type: ignore[assignment]
    outcome = serializers.ChoiceField(choices=["created", "skipped"])
    reason = serializers.CharField()
    object_id = serializers.IntegerField(allow_null=True)


class MonthCloseResultSerializer(serializers.Serializer):
    month = serializers.DateField()
    acts_created = serializers.IntegerField()
    acts_skipped = serializers.IntegerField()
    reports_created = serializers.IntegerField()
    reports_skipped = serializers.IntegerField()
    items = MonthCloseItemSerializer(many=True)


# --- views ---------------------------------------------------------------------------------------


def _detail(report: ClientReport) -> dict[str, Any]:
    report = ClientReport.objects.prefetch_related("sent_to").select_related("client").get(pk=report.pk)
    return dict(ClientReportSerializer(report).data)  # type: ignore[arg-type]  # the ReturnDict (see `data` above)


class ClientReportListApi(APIView):
    permission_classes = [IsAgencyEmployee]
    pagination_class = StandardPagination

    @extend_schema(
        summary="Client reports", tags=["reports"], responses=ClientReportListSerializer(many=True),
        parameters=[
            OpenApiParameter("client", OpenApiTypes.INT), OpenApiParameter("status", OpenApiTypes.STR,
                                                                          enum=ClientReportStatus.values),
            OpenApiParameter("month", OpenApiTypes.STR, description="YYYY-MM: reports whose period starts that month"),
        ],
    )
    def get(self, request: Request) -> Response:
        filters = selectors.ClientReportFilters(
            client_id=query_int(request, "client"), status=query_choice(request, "status", ClientReportStatus.values, ""),
            month=query_month(request, "month"),
        )
        qs = selectors.client_report_list(actor=actor_of(request), filters=filters).prefetch_related("sent_to")
        return paginated_response(self, request, qs, ClientReportListSerializer)

    @extend_schema(summary="Build a client report draft", tags=["reports"], request=ClientReportCreateSerializer,
                   responses={201: ClientReportSerializer})
    def post(self, request: Request) -> Response:
        data = validated_input(ClientReportCreateSerializer, request)
        report = services.client_report_create(
            actor=actor_of(request), client=data["client"], period_start=data.get("period_start"),
            period_end=data.get("period_end"),
        )
        return Response(_detail(report), status=status.HTTP_201_CREATED)


class ClientReportDetailApi(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(summary="A client report with its figures", tags=["reports"], responses=ClientReportSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return Response(_detail(permissions.client_report_get_for(actor_of(request), pk)))

    @extend_schema(summary="Edit a draft's summary and plan", tags=["reports"], request=ClientReportUpdateSerializer,
                   responses=ClientReportSerializer)
    def patch(self, request: Request, pk: int) -> Response:
        actor = actor_of(request)
        report = permissions.client_report_get_for(actor, pk)
        require(permissions.can_prepare_client_report(actor, report.client))
        data = validated_input(ClientReportUpdateSerializer, request)
        services.client_report_update(actor=actor, report=report, summary=data.get("summary", report.summary),
                                      next_plan=data.get("next_plan", report.next_plan))
        return Response(_detail(report))


class ClientReportRebuildApi(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(summary="Rebuild a draft's figures", tags=["reports"], request=None,
                   responses=ClientReportSerializer)
    def post(self, request: Request, pk: int) -> Response:
        actor = actor_of(request)
        report = permissions.client_report_get_for(actor, pk)
        services.client_report_rebuild(actor=actor, report=report)
        return Response(_detail(report))


class ClientReportSendApi(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(summary="Send a report to the client's contacts", tags=["reports"],
                   request=ClientReportSendSerializer, responses=ClientReportSerializer)
    def post(self, request: Request, pk: int) -> Response:
        actor = actor_of(request)
        report = permissions.client_report_get_for(actor, pk)
        require(permissions.can_prepare_client_report(actor, report.client))
        data = validated_input(ClientReportSendSerializer, request)
        services.client_report_send(actor=actor, report=report, contacts=data["contacts"],
                                    message=data.get("message", ""))
        return Response(_detail(report))


class ClientReportPdfApi(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(summary="The report as PDF", tags=["reports"],
                   responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    def get(self, request: Request, pk: int) -> HttpResponse:
        report = permissions.client_report_get_for(actor_of(request), pk)
        return _file(services.client_report_pdf(report), f"report-{report.period_start:%Y-%m}.pdf", "application/pdf")


class ClientReportDocxApi(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(summary="The report as DOCX (the agency's template)", tags=["reports"],
                   responses={(200, DOCX): OpenApiTypes.BINARY})
    def get(self, request: Request, pk: int) -> HttpResponse:
        report = permissions.client_report_get_for(actor_of(request), pk)
        return _file(services.client_report_docx(report), f"report-{report.period_start:%Y-%m}.docx", DOCX)


class DocumentTemplateListApi(APIView):
    permission_classes = [IsAgencyEmployee]
    pagination_class = StandardPagination
    parser_classes = [MultiPartParser]

    @extend_schema(summary="The agency's document templates", tags=["documents"],
                   responses=DocumentTemplateSerializer(many=True))
    def get(self, request: Request) -> Response:
        return paginated_response(self, request, selectors.document_template_list(actor=actor_of(request)),
                                  DocumentTemplateSerializer)

    @extend_schema(summary="Upload a DOCX template (checked; a broken one is refused with the reason)",
                   tags=["documents"], request={"multipart/form-data": DocumentTemplateUploadSerializer},
                   responses={201: DocumentTemplateSerializer})
    def post(self, request: Request) -> Response:
        actor = actor_of(request)
        require(permissions.can_manage_document_templates(actor))
        s = DocumentTemplateUploadSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        upload = s.validated_data["file"]
        if (upload.size or 0) > documents.MAX_TEMPLATE_BYTES:
            raise serializers.ValidationError({"file": ["Файл больше 5 МБ."]})
        template = services.document_template_upload(
            actor=actor, kind=s.validated_data["kind"], name=s.validated_data["name"], content=upload.read(),
        )
        return Response(DocumentTemplateSerializer(template).data, status=status.HTTP_201_CREATED)


class DocumentTemplateFieldsApi(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(summary="Placeholders available in each kind of template", tags=["documents"],
                   responses=TemplateFieldsSerializer(many=True))
    def get(self, request: Request) -> Response:
        rows = [{"kind": kind, "fields": [{"name": f.name, "description": f.description} for f in fields]}
                for kind, fields in documents.FIELDS.items()]
        return Response(TemplateFieldsSerializer(rows, many=True).data)


FMT_PARAM = OpenApiParameter("fmt", OpenApiTypes.STR, OpenApiParameter.PATH, enum=["docx", "pdf"])


class ContractDocumentApi(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(summary="The contract from the agency's template", tags=["documents"], parameters=[FMT_PARAM],
                   responses=BINARY_RESPONSES)
    def get(self, request: Request, pk: int, fmt: str) -> HttpResponse:
        actor = actor_of(request)
        doc = services.contract_document(actor=actor, contract=contract_get_for(actor, pk), fmt=fmt)
        return _file(doc.content, doc.filename, doc.content_type)


class ActDocumentApi(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(summary="The act from the agency's template", tags=["documents"], parameters=[FMT_PARAM],
                   responses=BINARY_RESPONSES)
    def get(self, request: Request, pk: int, fmt: str) -> HttpResponse:
        actor = actor_of(request)
        doc = services.act_document(actor=actor, act=act_get_for(actor, pk), fmt=fmt)
        return _file(doc.content, doc.filename, doc.content_type)


class ProposalApi(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(summary="A commercial proposal (КП) for the client", tags=["documents"],
                   request=ProposalInputSerializer, responses=BINARY_RESPONSES)
    def post(self, request: Request, client_id: int) -> HttpResponse:
        actor = actor_of(request)
        client = permissions.report_client_get_for(actor, client_id)
        require(permissions.can_prepare_client_report(actor, client))
        data = validated_input(ProposalInputSerializer, request)
        doc = services.proposal_document(
            actor=actor, client=client, discount_percent=data["discount_percent"], valid_until=data.get("valid_until"),
            vat=data["vat"], fmt=data["file_format"],
            lines=[services.ProposalLine(ln["service"], ln["price"], ln["quantity"]) for ln in data["lines"]],
        )
        return _file(doc.content, doc.filename, doc.content_type)


class MonthCloseApi(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(summary="Close a month with documents: acts and client report drafts", tags=["documents"],
                   request=MonthCloseInputSerializer, responses=MonthCloseResultSerializer)
    def post(self, request: Request) -> Response:
        actor = actor_of(request)
        require(permissions.can_close_month_with_documents(actor))
        data = validated_input(MonthCloseInputSerializer, request)
        result = services.month_close_documents(actor=actor, month=data["month"])
        return Response(MonthCloseResultSerializer(result).data)


urlpatterns = [
    path("client-reports/", ClientReportListApi.as_view(), name="client-report-list"),
    path("client-reports/<int:pk>/", ClientReportDetailApi.as_view(), name="client-report-detail"),
    path("client-reports/<int:pk>/rebuild/", ClientReportRebuildApi.as_view(), name="client-report-rebuild"),
    path("client-reports/<int:pk>/send/", ClientReportSendApi.as_view(), name="client-report-send"),
    path("client-reports/<int:pk>/pdf/", ClientReportPdfApi.as_view(), name="client-report-pdf"),
    path("client-reports/<int:pk>/docx/", ClientReportDocxApi.as_view(), name="client-report-docx"),
    path("document-templates/", DocumentTemplateListApi.as_view(), name="document-template-list"),
    path("document-templates/fields/", DocumentTemplateFieldsApi.as_view(), name="document-template-fields"),
    re_path(r"^contracts/(?P<pk>[0-9]+)/document/(?P<fmt>docx|pdf)/$", ContractDocumentApi.as_view(),
            name="contract-document"),
    re_path(r"^acts/(?P<pk>[0-9]+)/document/(?P<fmt>docx|pdf)/$", ActDocumentApi.as_view(), name="act-document"),
    path("clients/<int:client_id>/proposal/", ProposalApi.as_view(), name="client-proposal"),
    path("month-close/", MonthCloseApi.as_view(), name="month-close"),
]
