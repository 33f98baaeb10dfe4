"""The portal API: what a signed-in client contact sees and does, the same as the portal pages.
Object ids are the portal's signed ids (strings); an object of another client, of an area the
contact may not see, or with a bad id is a 404 like a missing one."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tandem.api.pagination import StandardPagination
from tandem.api.v1._common import StrictInputSerializer
from tandem.billing import documents
from tandem.billing import selectors as billing_selectors
from tandem.billing.models import InvoiceStatus
from tandem.core.errors import NotFound
from tandem.portal import permissions, selectors, services
from tandem.portal.models import Area, PortalAccount
from tandem.reports import services as report_services
from tandem.work.models import StageSubmission

from .auth import IsPortalContact, PortalSessionAuthentication, account_of


class PortalApi(APIView):
    authentication_classes = [PortalSessionAuthentication]
    permission_classes = [IsPortalContact]


def _require(account: PortalAccount, area: str) -> None:
    if not account.sees(area):
        raise NotFound()


def _sign(account: PortalAccount, kind: str, rows: Any) -> list[Any]:
    rows = list(rows)
    for obj in rows:
        obj.sid = permissions.signed_id(account, kind, obj.pk)
    return rows


def _page(view: APIView, request: Request, qs: Any, kind: str, serializer: type[serializers.BaseSerializer]) -> Response:
    paginator = StandardPagination()
    page: list[Any] = paginator.paginate_queryset(qs, request, view=view) or []
    return paginator.get_paginated_response(serializer(_sign(account_of(request), kind, page), many=True).data)


# --- me -----------------------------------------------------------------------------------------

class AccessSerializer(serializers.Serializer):
    work = serializers.BooleanField(source="can_see_work")
    money = serializers.BooleanField(source="can_see_money")
    hours = serializers.BooleanField(source="can_see_hours")
    requests = serializers.BooleanField(source="can_see_requests")
    reports = serializers.BooleanField(source="can_see_reports")


class MeSerializer(serializers.Serializer):
    contact_name = serializers.CharField(source="contact.full_name")
    email = serializers.CharField(source="user.username")
    client_name = serializers.CharField(source="contact.client.display_name")
    access = AccessSerializer(source="*")


class MeApi(PortalApi):
    @extend_schema(operation_id="portal_me", responses=MeSerializer)
    def get(self, request: Request) -> Response:
        return Response(MeSerializer(account_of(request)).data)


# --- projects and stages ------------------------------------------------------------------------

class StageSerializer(serializers.Serializer):
    id = serializers.CharField(source="sid", help_text="The stage's signed id in the portal.")
    title = serializers.CharField()
    kind = serializers.CharField()
    status = serializers.CharField()
    due_date = serializers.DateField(allow_null=True)
    sent_at = serializers.DateTimeField(allow_null=True)
    approved_at = serializers.DateTimeField(allow_null=True)
    deliverable_url = serializers.CharField()


class ProjectSerializer(serializers.Serializer):
    name = serializers.CharField(source="name_without_client")
    status = serializers.CharField()
    planned_hours_per_month = serializers.DecimalField(source="contract_line.planned_hours_per_month", max_digits=7,
                                                       decimal_places=2, allow_null=True)
    stages = StageSerializer(source="client_stages", many=True)


class ProjectListApi(PortalApi):
    pagination_class = StandardPagination

    @extend_schema(operation_id="portal_projects_list", responses=ProjectSerializer(many=True))
    def get(self, request: Request) -> Response:
        account = account_of(request)
        _require(account, Area.WORK)
        paginator = StandardPagination()
        page: list[Any] = paginator.paginate_queryset(selectors.portal_projects(account=account), request,
                                                      view=self) or []
        for project in page:
            _sign(account, "stage", project.client_stages)
        return paginator.get_paginated_response(ProjectSerializer(page, many=True).data)


class StageDetailApi(PortalApi):
    @extend_schema(operation_id="portal_stage_retrieve", responses=StageSerializer)
    def get(self, request: Request, sid: str) -> Response:
        account = account_of(request)
        stage = permissions.stage_get_for_contact(account, sid)
        stage.sid = sid  # type: ignore[attr-defined]
        return Response(StageSerializer(stage).data)


class StageAnswerInput(StrictInputSerializer):
    decision = serializers.ChoiceField(choices=StageSubmission.Decision.choices)
    comment = serializers.CharField(max_length=services.MAX_TEXT, required=False, allow_blank=True, default="")


class StageAnswerApi(PortalApi):
    @extend_schema(operation_id="portal_stage_answer", request=StageAnswerInput, responses=StageSerializer)
    def post(self, request: Request, sid: str) -> Response:
        account = account_of(request)
        stage = permissions.stage_get_for_contact(account, sid)
        data = StageAnswerInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.portal_stage_answer(account=account, stage=stage, **data.validated_data)
        stage.refresh_from_db()
        stage.sid = sid  # type: ignore[attr-defined]
        return Response(StageSerializer(stage).data)


# --- invoices and acts --------------------------------------------------------------------------

class InvoiceSerializer(serializers.Serializer):
    id = serializers.CharField(source="sid")
    number = serializers.CharField()
    date = serializers.DateField()
    due_date = serializers.DateField()
    total = serializers.DecimalField(max_digits=14, decimal_places=2)
    paid_amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    status = serializers.CharField()
    is_paid = serializers.SerializerMethodField()

    def get_is_paid(self, obj: Any) -> bool:
        return bool(obj.status == InvoiceStatus.PAID)


class ActSerializer(serializers.Serializer):
    id = serializers.CharField(source="sid")
    number = serializers.CharField()
    date = serializers.DateField()
    total = serializers.DecimalField(max_digits=14, decimal_places=2)
    status = serializers.CharField()


class InvoiceListApi(PortalApi):
    pagination_class = StandardPagination

    @extend_schema(operation_id="portal_invoices_list", responses=InvoiceSerializer(many=True))
    def get(self, request: Request) -> Response:
        account = account_of(request)
        _require(account, Area.MONEY)
        return _page(self, request, selectors.portal_invoices(account=account), "invoice", InvoiceSerializer)


class ActListApi(PortalApi):
    pagination_class = StandardPagination

    @extend_schema(operation_id="portal_acts_list", responses=ActSerializer(many=True))
    def get(self, request: Request) -> Response:
        account = account_of(request)
        _require(account, Area.MONEY)
        return _page(self, request, selectors.portal_acts(account=account), "act", ActSerializer)


def _pdf(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(True, name + ".pdf") or "attachment"
    return response


PDF = OpenApiResponse(response=OpenApiTypes.BINARY, description="The PDF (application/pdf).")


class InvoicePdfApi(PortalApi):
    @extend_schema(operation_id="portal_invoice_pdf", responses={(200, "application/pdf"): PDF})
    def get(self, request: Request, sid: str) -> HttpResponse:
        invoice = billing_selectors.invoice_detail(invoice=permissions.invoice_get_for_contact(account_of(request), sid))
        return _pdf(documents.invoice_pdf(invoice), f"invoice-{invoice.number or invoice.pk}")


class ActPdfApi(PortalApi):
    @extend_schema(operation_id="portal_act_pdf", responses={(200, "application/pdf"): PDF})
    def get(self, request: Request, sid: str) -> HttpResponse:
        act = permissions.act_get_for_contact(account_of(request), sid)
        return _pdf(documents.act_pdf(act), f"act-{act.number}")


# --- reports ------------------------------------------------------------------------------------

class ReportSerializer(serializers.Serializer):
    id = serializers.CharField(source="sid")
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    sent_at = serializers.DateTimeField()


class ReportListApi(PortalApi):
    pagination_class = StandardPagination

    @extend_schema(operation_id="portal_reports_list", responses=ReportSerializer(many=True))
    def get(self, request: Request) -> Response:
        account = account_of(request)
        _require(account, Area.REPORTS)
        return _page(self, request, selectors.portal_reports(account=account), "report", ReportSerializer)


class ReportPdfApi(PortalApi):
    @extend_schema(operation_id="portal_report_pdf", responses={(200, "application/pdf"): PDF})
    def get(self, request: Request, sid: str) -> HttpResponse:
        report = permissions.report_get_for_contact(account_of(request), sid)
        return _pdf(report_services.client_report_pdf(report), f"report-{report.period_start:%Y-%m}")


# --- hours --------------------------------------------------------------------------------------

class MonthHoursSerializer(serializers.Serializer):
    month = serializers.DateField()
    hours = serializers.DecimalField(max_digits=9, decimal_places=2)
    planned = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)
    left = serializers.DecimalField(max_digits=9, decimal_places=2, allow_null=True)


class RetainerMonthSerializer(serializers.Serializer):
    month = serializers.DateField()
    carried_in = serializers.DecimalField(max_digits=9, decimal_places=2)
    budget = serializers.DecimalField(max_digits=9, decimal_places=2)
    used = serializers.DecimalField(max_digits=9, decimal_places=2)
    expired = serializers.DecimalField(max_digits=9, decimal_places=2)
    overage = serializers.DecimalField(max_digits=9, decimal_places=2)
    closing = serializers.DecimalField(max_digits=9, decimal_places=2, help_text="hours left at the month's end")


class ProjectHoursSerializer(serializers.Serializer):
    project = serializers.CharField(source="project.name_without_client")
    planned_hours_per_month = serializers.DecimalField(source="planned", max_digits=7, decimal_places=2, allow_null=True)
    months = MonthHoursSerializer(many=True)
    hours_left = serializers.DecimalField(
        source="balance.hours_left", max_digits=9, decimal_places=2, allow_null=True, default=None,
        help_text="retainer lines: hours left this month with the carried-over hours; null otherwise")
    retainer_months = RetainerMonthSerializer(
        source="balance_rows", many=True, help_text="retainer lines: the balance by month, newest first; empty otherwise")


class HoursApi(PortalApi):
    @extend_schema(operation_id="portal_hours", responses=ProjectHoursSerializer(many=True))
    def get(self, request: Request) -> Response:
        account = account_of(request)
        _require(account, Area.HOURS)
        rows = selectors.portal_hours_by_month(account=account, today=timezone.localdate())
        return Response(ProjectHoursSerializer(rows, many=True).data)


# --- requests -----------------------------------------------------------------------------------

class RequestSerializer(serializers.Serializer):
    id = serializers.CharField(source="sid")
    subject = serializers.CharField()
    text = serializers.CharField()
    received_at = serializers.DateTimeField()
    first_response_at = serializers.DateTimeField(allow_null=True)
    resolved_at = serializers.DateTimeField(allow_null=True)


class RequestInput(StrictInputSerializer):
    subject = serializers.CharField(max_length=255)
    text = serializers.CharField(max_length=services.MAX_TEXT, required=False, allow_blank=True, default="")


class ReplySerializer(serializers.Serializer):
    text = serializers.CharField()
    created_at = serializers.DateTimeField()
    from_agency = serializers.BooleanField(source="from_staff", help_text="an answer of the agency's staff")


class ReplyInput(StrictInputSerializer):
    text = serializers.CharField(max_length=services.MAX_TEXT)


class RequestListApi(PortalApi):
    pagination_class = StandardPagination

    @extend_schema(operation_id="portal_requests_list", responses=RequestSerializer(many=True))
    def get(self, request: Request) -> Response:
        account = account_of(request)
        _require(account, Area.REQUESTS)
        return _page(self, request, selectors.portal_requests(account=account), "request", RequestSerializer)

    @extend_schema(operation_id="portal_requests_create", request=RequestInput, responses={201: RequestSerializer})
    def post(self, request: Request) -> Response:
        account = account_of(request)
        _require(account, Area.REQUESTS)
        data = RequestInput(data=request.data)
        data.is_valid(raise_exception=True)
        created = services.portal_request_file(account=account, **data.validated_data)
        _sign(account, "request", [created])
        return Response(RequestSerializer(created).data, status=status.HTTP_201_CREATED)


class RequestDetailApi(PortalApi):
    @extend_schema(operation_id="portal_request_retrieve", responses=RequestSerializer)
    def get(self, request: Request, sid: str) -> Response:
        obj = permissions.request_get_for_contact(account_of(request), sid)
        obj.sid = sid  # type: ignore[attr-defined]
        return Response(RequestSerializer(obj).data)


class RequestReplyApi(PortalApi):
    @extend_schema(operation_id="portal_request_replies_list", responses=ReplySerializer(many=True),
                   description="The request's thread: the contact's replies and the agency's answers, oldest first.")
    def get(self, request: Request, sid: str) -> Response:
        obj = permissions.request_get_for_contact(account_of(request), sid)
        return Response(ReplySerializer(selectors.request_thread_for_contact(request=obj), many=True).data)

    @extend_schema(operation_id="portal_request_replies_create", request=ReplyInput, responses={201: ReplySerializer})
    def post(self, request: Request, sid: str) -> Response:
        account = account_of(request)
        obj = permissions.request_get_for_contact(account, sid)
        data = ReplyInput(data=request.data)
        data.is_valid(raise_exception=True)
        reply = services.portal_request_reply(account=account, request=obj, text=data.validated_data["text"])
        return Response(ReplySerializer(reply).data, status=status.HTTP_201_CREATED)
