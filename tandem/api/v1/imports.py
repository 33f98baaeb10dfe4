"""Import of an agency's data from the Tandem template and CRM exports (tandem.imports.services):
employees, clients, contacts, contracts with lines, open invoices, payments, interactions, and
Bitrix24 deals / amoCRM leads as growth opportunities.

POST /imports/ takes the file as multipart; `dry_run` (default true) only reports. A real run
with errors in the file answers 400 with the same report and writes nothing."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tandem.api.permissions import IsAgencyEmployee
from tandem.clients import permissions
from tandem.clients.models import ImportRecord, ImportSource, JobStatus
from tandem.core.errors import NotFound
from tandem.imports import jobs
from tandem.imports import services as importing

from ._common import actor_of


class DataImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text=(
        "XLSX (sheets «Сотрудники», «Клиенты», «Контакты», «Договоры», «Строки договоров», «Счета», «Платежи», "
        "«Взаимодействия», «Сделки») or CSV (one sheet), at most 10 MB. See docs/IMPORT.md."))
    source = serializers.ChoiceField(  # type: ignore[assignment]
        choices=ImportSource.choices, required=False,
        help_text="tandem, bitrix24 or amocrm; detected from the column names when omitted.")
    dry_run = serializers.BooleanField(default=True, help_text="Only check and report (the default).")


class DataImportColumnSerializer(serializers.Serializer):
    sheet = serializers.CharField()
    column = serializers.CharField()
    field = serializers.CharField(  # type: ignore[assignment]  # a declared field, popped by the metaclass
        help_text="The Tandem field, empty when the column is not imported.")


class DataImportRowSerializer(serializers.Serializer):
    sheet = serializers.CharField()
    line = serializers.IntegerField()
    key = serializers.CharField(help_text="The row's source key (its ID, «Код», login, number, INN or e-mail).")
    label = serializers.CharField()  # type: ignore[assignment]
    action = serializers.ChoiceField(choices=["create", "update", "skip", "error"])
    reasons = serializers.ListField(child=serializers.CharField())
    changed = serializers.ListField(child=serializers.CharField(), help_text="Fields an update changes.")


class DataImportReportSerializer(serializers.Serializer):
    source = serializers.ChoiceField(choices=ImportSource.choices)  # type: ignore[assignment]
    file_name = serializers.CharField()
    file_hash = serializers.CharField()
    dry_run = serializers.BooleanField()
    import_id = serializers.IntegerField(allow_null=True)
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    skipped = serializers.IntegerField()
    errors = serializers.IntegerField()  # type: ignore[assignment]
    file_errors = serializers.ListField(child=serializers.CharField())
    mapping = DataImportColumnSerializer(many=True)
    rows = DataImportRowSerializer(many=True)


class ImportApi(APIView):
    permission_classes = [IsAgencyEmployee]
    parser_classes = [MultiPartParser]

    @extend_schema(
        summary="Import an agency's data (dry run by default); heads of accounts and admins only",
        tags=["clients"], request={"multipart/form-data": DataImportUploadSerializer},
        responses={200: DataImportReportSerializer, 201: DataImportReportSerializer, 400: DataImportReportSerializer},
    )
    def post(self, request: Request) -> Response:
        actor = actor_of(request)
        if not permissions.can_import_data(actor):
            raise NotFound()
        s = DataImportUploadSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        upload = s.validated_data["file"]
        if (upload.size or 0) > importing.MAX_IMPORT_BYTES:
            raise serializers.ValidationError({"file": ["Файл больше 10 МБ."]})
        content, name, source = upload.read(), upload.name or "", s.validated_data.get("source")
        try:
            report = importing.import_check(actor=actor, content=content, file_name=name, source=source)
            if s.validated_data["dry_run"] or report.has_errors:
                code = status.HTTP_400_BAD_REQUEST if report.has_errors and not s.validated_data["dry_run"] \
                    else status.HTTP_200_OK
                return Response(DataImportReportSerializer(report.to_dict()).data, status=code)
            report = importing.import_apply(actor=actor, content=content, file_name=name, source=source)
        except ValidationError as exc:
            raise serializers.ValidationError({"file": exc.messages}) from exc
        return Response(DataImportReportSerializer(report.to_dict()).data, status=status.HTTP_201_CREATED)


class DataImportJobSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=JobStatus.choices,  # type: ignore[assignment]
                                     help_text="queued, running, done or failed.")
    percent = serializers.IntegerField(help_text="0–100.")
    step = serializers.CharField(help_text="The sheet being written.")
    error = serializers.CharField(help_text="Why it failed (nothing was written).")  # type: ignore[assignment]
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    skipped = serializers.IntegerField()


class DataImportJobUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="As for POST /imports/.")
    source = serializers.ChoiceField(  # type: ignore[assignment]
        choices=ImportSource.choices, required=False, help_text="Detected from the column names when omitted.")


def _job_data(record: ImportRecord) -> dict[str, Any]:
    return {"id": record.pk, **jobs.progress_of(record), "created": record.created_count,
            "updated": record.updated_count, "skipped": record.skipped_count}


class ImportJobListApi(APIView):
    permission_classes = [IsAgencyEmployee]
    parser_classes = [MultiPartParser]

    @extend_schema(
        summary="Import a file as a background job: checked now, imported by a job; poll its status",
        tags=["clients"], request={"multipart/form-data": DataImportJobUploadSerializer},
        responses={202: DataImportJobSerializer, 400: DataImportReportSerializer},
    )
    def post(self, request: Request) -> Response:
        actor = actor_of(request)
        if not permissions.can_import_data(actor):
            raise NotFound()
        s = DataImportJobUploadSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        upload = s.validated_data["file"]
        if (upload.size or 0) > importing.MAX_IMPORT_BYTES:
            raise serializers.ValidationError({"file": ["Файл больше 10 МБ."]})
        try:
            record = importing.import_stage(actor=actor, content=upload.read(), file_name=upload.name or "",
                                            source=s.validated_data.get("source"))
            if record.error_count:
                return Response(DataImportReportSerializer(record.report | {
                    "created": record.created_count, "updated": record.updated_count,
                    "skipped": record.skipped_count, "errors": record.error_count}).data,
                    status=status.HTTP_400_BAD_REQUEST)
            jobs.import_enqueue(actor=actor, record=record)
        except ValidationError as exc:
            raise serializers.ValidationError({"file": exc.messages}) from exc
        record.refresh_from_db()
        return Response(DataImportJobSerializer(_job_data(record)).data, status=status.HTTP_202_ACCEPTED)


class ImportJobDetailApi(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(summary="The status and progress of an import job", tags=["clients"],
                   responses={200: DataImportJobSerializer})
    def get(self, request: Request, pk: int) -> Response:
        record = permissions.import_record_get_for(actor_of(request), pk)
        return Response(DataImportJobSerializer(_job_data(record)).data)


urlpatterns = [
    path("imports/", ImportApi.as_view(), name="import"),
    path("imports/jobs/", ImportJobListApi.as_view(), name="import_job_list"),
    path("imports/jobs/<int:pk>/", ImportJobDetailApi.as_view(), name="import_job_detail"),
]
