"""Personal data of a contact person (152-ФЗ): export and erasure, administrators only.

- `POST contacts/<id>/personal-data/export/` {reason} → everything held about the person (JSON).
- `POST contacts/<id>/personal-data/erase/` {reason} → the contact anonymised (see tandem.privacy.services).

Both are POST: each is recorded in the personal-data journal with the reason. A contact of a client
the caller cannot see is 404; a caller who is not an administrator gets 403 and nothing is recorded.
"""

from __future__ import annotations

from typing import Any

from django.urls import path
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

    def _input(self, request: Request, contact_id: int) -> tuple[Any, str]:
        actor = actor_of(request)
        contact = contact_get_for(actor, contact_id)
        require(can_handle_personal_data(actor, contact))
        data = ReasonInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return contact, data.validated_data["reason"]


class ContactDataExportApi(_PersonalDataApi):
    @extend_schema(request=ReasonInputSerializer, responses={200: PersonalDataSerializer}, tags=["privacy"],
                   summary="Export everything held about a contact person (152-ФЗ)")
    def post(self, request: Request, contact_id: int) -> Response:
        contact, reason = self._input(request, contact_id)
        return Response(services.contact_data_export(actor=actor_of(request), contact=contact, reason=reason))


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
    path("contacts/<int:contact_id>/personal-data/erase/", ContactEraseApi.as_view(), name="contact-personal-data-erase"),
]
