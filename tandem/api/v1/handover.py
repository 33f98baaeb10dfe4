"""Choosing a client's AM and handing the client over: the ranked candidates with their
reasons (`clients/{id}/am-candidates/`), the client's handover checklist
(`clients/{id}/handover/`) and ticking its items (`handover-items/{id}/`). The change itself is
`clients/{id}/assign-manager/`, which opens the checklist."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tandem.api.permissions import IsAgencyEmployee
from tandem.clients import selectors
from tandem.clients.permissions import can_assign_account_manager, client_get_for
from tandem.comms import selectors as comms_selectors
from tandem.comms import services as comms_services
from tandem.comms.models import Handover, HandoverItem
from tandem.core.errors import NotFound, PermissionDenied

from ._common import StrictInputSerializer, actor_of


class CandidateReasonSerializer(serializers.Serializer):
    label = serializers.CharField()  # type: ignore[assignment]
    points = serializers.IntegerField()


class CandidateSerializer(serializers.Serializer):
    employee = serializers.IntegerField(source="employee.pk")
    full_name = serializers.CharField(source="employee.full_name")
    group = serializers.CharField(source="employee.group.name", default="", allow_blank=True)
    load = serializers.IntegerField(help_text="clients in work now")
    soft_limit = serializers.IntegerField()
    hard_limit = serializers.IntegerField()
    available = serializers.BooleanField(help_text="false — taking the client passes the hard limit")
    score = serializers.IntegerField()
    reasons = CandidateReasonSerializer(many=True, source="reason_rows")
    similar_served = serializers.IntegerField(help_text="clients of the same tier the AM was responsible for")
    similar_lost = serializers.IntegerField(help_text="of them, churned while with the AM")


class HandoverItemSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=HandoverItem.Kind.choices)
    done = serializers.SerializerMethodField()

    class Meta:
        model = HandoverItem
        fields = ["id", "kind", "label", "object_id", "position", "done", "done_at"]

    def get_done(self, obj: HandoverItem) -> bool:
        return obj.done_at is not None


class HandoverSerializer(serializers.ModelSerializer):
    previous_manager = serializers.IntegerField(source="previous_manager_id", allow_null=True)
    new_manager = serializers.IntegerField(source="new_manager_id")
    items = HandoverItemSerializer(many=True)

    class Meta:
        model = Handover
        fields = ["id", "client", "previous_manager", "new_manager", "created_at", "completed_at", "items"]


class ItemInputSerializer(StrictInputSerializer):
    done = serializers.BooleanField()


class CandidatesApi(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(responses=CandidateSerializer(many=True), tags=["clients"],
                   summary="AMs ranked for the client, with the reasons of each score")
    def get(self, request: Request, pk: int) -> Response:
        actor = actor_of(request)
        client = client_get_for(actor, pk)
        if not can_assign_account_manager(actor, client):
            raise PermissionDenied()
        return Response(CandidateSerializer(selectors.account_manager_candidates(actor=actor, client=client),
                                            many=True).data)


class ClientHandoverApi(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(responses=HandoverSerializer, tags=["clients"], summary="The client's latest handover checklist")
    def get(self, request: Request, pk: int) -> Response:
        actor = actor_of(request)
        handover = comms_selectors.handover_current(actor=actor, client=client_get_for(actor, pk))
        if handover is None:
            raise NotFound()
        return Response(HandoverSerializer(handover).data)


class HandoverItemApi(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(request=ItemInputSerializer, responses=HandoverItemSerializer, tags=["clients"],
                   summary="Tick or untick a handover item (the new AM, or who may assign AMs)")
    def patch(self, request: Request, pk: int) -> Response:
        actor = actor_of(request)
        item = comms_selectors.handover_item_get_for(actor, pk)
        data = ItemInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        item = comms_services.handover_item_set_done(actor=actor, item=item, done=data.validated_data["done"])
        return Response(HandoverItemSerializer(item).data)


urlpatterns = [
    path("clients/<int:pk>/am-candidates/", CandidatesApi.as_view(), name="client-am-candidates"),
    path("clients/<int:pk>/handover/", ClientHandoverApi.as_view(), name="client-handover"),
    path("handover-items/<int:pk>/", HandoverItemApi.as_view(), name="handover-item"),
]
