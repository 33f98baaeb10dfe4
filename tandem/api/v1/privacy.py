"""Personal data of a contact person (152-ФЗ): export and erasure, administrators only.

- `POST contacts/<id>/personal-data/export/` {reason} → everything held about the person (JSON).
- `POST contacts/<id>/personal-data/export-file/` {reason, file_format: pdf|xlsx} → the same, as a
  readable PDF or an XLSX workbook (a file).
- `POST contacts/<id>/personal-data/erase/` {reason} → the contact anonymised (see tandem.privacy.services).

Both are POST: each is recorded in the personal-data journal with the reason. A contact of a client
the caller cannot see is 404; a caller who is not an administrator gets 403 and nothing is recorded.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tandem.api.permissions import IsAgencyEmployee
from tandem.clients.permissions import contact_get_for
from tandem.privacy import services
from tandem.privacy.permissions import can_handle_personal_data

from ._common import StrictInputSerializer, actor_of, require


class ReasonInputSerializer(StrictInputSerializer):
    reason = serializers.CharField(max_length=services.REASON_MAX, help_text="Whose request and when it was received.")


class ExportFileInputSerializer(ReasonInputSerializer):
    file_format = serializers.ChoiceField(choices=[("pdf", "PDF"), ("xlsx", "XLSX")], default="pdf")


class PersonalDataSerializer(serializers.Serializer):
    contact = serializers.DictField(help_text="The contact's card, as stored now.")
    client = serializers.DictField()
    history = serializers.ListField(child=serializers.DictField(), help_text="Every stored version of the card.")
    interactions = serializers.ListField(child=serializers.DictField())
    requests = serializers.ListField(child=serializers.DictField())
    payment_reminders = serializers.ListField(child=serializers.DictField())
    snoozes = serializers.ListField(child=serializers.DictField())


class ErasedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    full_name = serializers.CharField()
    is_active = serializers.BooleanField()


class _PersonalDataApi(APIView):
    permission_classes = [IsAgencyEmployee]

    input_serializer: type[ReasonInputSerializer] = ReasonInputSerializer

    def _input(self, request: Request, contact_id: int) -> tuple[Any, str]:
        actor = actor_of(request)
        contact = contact_get_for(actor, contact_id)
        require(can_handle_personal_data(actor, contact))
        data = self.input_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        self.validated = data.validated_data
        return contact, data.validated_data["reason"]


class ContactDataExportApi(_PersonalDataApi):
    @extend_schema(request=ReasonInputSerializer, responses={200: PersonalDataSerializer}, tags=["privacy"],
                   summary="Export everything held about a contact person (152-ФЗ)")
    def post(self, request: Request, contact_id: int) -> Response:
        contact, reason = self._input(request, contact_id)
        return Response(services.contact_data_export(actor=actor_of(request), contact=contact, reason=reason))


class ContactDataExportFileApi(_PersonalDataApi):
    input_serializer = ExportFileInputSerializer

    @extend_schema(request=ExportFileInputSerializer, tags=["privacy"],
                   responses={(200, services.EXPORT_FORMATS[fmt][0]): OpenApiTypes.BINARY for fmt in ("pdf", "xlsx")},
                   summary="Export everything held about a contact person as a readable PDF or XLSX (152-ФЗ)")
    def post(self, request: Request, contact_id: int) -> HttpResponse:
        contact, reason = self._input(request, contact_id)
        data = services.contact_data_export(actor=actor_of(request), contact=contact, reason=reason)
        body, mime, ext = services.export_render(data, file_format=self.validated["file_format"])
        response = HttpResponse(body, content_type=mime)
        response["Content-Disposition"] = f'attachment; filename="contact-{contact.pk}-personal-data.{ext}"'
        return response


class ContactEraseApi(_PersonalDataApi):
    @extend_schema(request=ReasonInputSerializer, responses={200: ErasedSerializer}, tags=["privacy"],
                   summary="Erase (anonymise) a contact person on request (152-ФЗ)")
    def post(self, request: Request, contact_id: int) -> Response:
        contact, reason = self._input(request, contact_id)
        erased = services.contact_erase(actor=actor_of(request), contact=contact, reason=reason)
        return Response({"id": erased.pk, "full_name": erased.full_name, "is_active": erased.is_active})


urlpatterns = [
    path("contacts/<int:contact_id>/personal-data/export/", ContactDataExportApi.as_view(),
         name="contact-personal-data-export"),
    path("contacts/<int:contact_id>/personal-data/export-file/", ContactDataExportFileApi.as_view(),
         name="contact-personal-data-export-file"),
    path("contacts/<int:contact_id>/personal-data/erase/", ContactEraseApi.as_view(), name="contact-personal-data-erase"),
]
