"""Webhooks API (admins): the event catalogue, endpoints CRUD (the signing secret is in the
create and rotate answers only), a test ping, the delivery log and sending a delivery again.
For everyone else the endpoints answer 404. How deliveries are signed and retried:
tandem.webhooks.services."""

from __future__ import annotations

from typing import Any

from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tandem.api.pagination import StandardPagination
from tandem.api.permissions import IsAgencyEmployee
from tandem.core.errors import NotFound
from tandem.core.events import EVENTS
from tandem.webhooks import permissions, selectors, services
from tandem.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint

from ._common import StrictInputSerializer, actor_of, paginated_response, query_choice

EVENT_NAMES = [name for name in EVENTS if name != "ping"]


class EventSerializer(serializers.Serializer):
    name = serializers.CharField()
    description = serializers.CharField()


class EndpointSerializer(serializers.ModelSerializer):
    events = serializers.ListField(child=serializers.ChoiceField(choices=EVENT_NAMES))

    class Meta:
        model = WebhookEndpoint
        fields = ["id", "url", "description", "events", "is_active", "created_at"]


class EndpointWithSecretSerializer(EndpointSerializer):
    secret = serializers.CharField(help_text="the signing secret; shown only in this answer")

    class Meta(EndpointSerializer.Meta):
        fields = [*EndpointSerializer.Meta.fields, "secret"]


class EndpointInputSerializer(StrictInputSerializer):
    url = serializers.CharField(max_length=500)
    description = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    events = serializers.ListField(child=serializers.ChoiceField(choices=EVENT_NAMES), allow_empty=False)
    is_active = serializers.BooleanField(default=True)


class DeliverySerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(choices=DeliveryStatus.choices)

    class Meta:
        model = WebhookDelivery
        fields = ["id", "delivery_id", "event", "status", "attempts", "last_status_code", "last_error",
                  "next_attempt_at", "delivered_at", "created_at", "payload"]


class SecretSerializer(serializers.Serializer):
    secret = serializers.CharField()


def _manager(request: Request) -> Any:
    actor = actor_of(request)
    if not permissions.can_manage_webhooks(actor):
        raise NotFound()
    return actor


class EventListApi(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(responses=EventSerializer(many=True), tags=["webhooks"])
    def get(self, request: Request) -> Response:
        _manager(request)
        return Response([{"name": name, "description": str(EVENTS[name])} for name in EVENT_NAMES])


class EndpointListApi(APIView):
    permission_classes = [IsAgencyEmployee]
    pagination_class = StandardPagination

    @extend_schema(responses=EndpointSerializer(many=True), tags=["webhooks"])
    def get(self, request: Request) -> Response:
        return paginated_response(self, request, selectors.endpoint_list(actor=_manager(request)), EndpointSerializer)

    @extend_schema(request=EndpointInputSerializer, responses={201: EndpointWithSecretSerializer}, tags=["webhooks"])
    def post(self, request: Request) -> Response:
        actor = _manager(request)
        s = EndpointInputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        d = s.validated_data
        endpoint, secret = services.endpoint_create(actor=actor, url=d["url"], events=d["events"],
                                                    description=d["description"])
        if not d["is_active"]:
            endpoint = services.endpoint_update(actor=actor, endpoint=endpoint, url=endpoint.url,
                                                events=endpoint.events, description=endpoint.description,
                                                is_active=False)
        data = {**EndpointSerializer(endpoint).data, "secret": secret}
        return Response(data, status=status.HTTP_201_CREATED)


class EndpointDetailApi(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(responses=EndpointSerializer, tags=["webhooks"])
    def get(self, request: Request, pk: int) -> Response:
        return Response(EndpointSerializer(permissions.endpoint_get_for(_manager(request), pk)).data)

    @extend_schema(request=EndpointInputSerializer, responses=EndpointSerializer, tags=["webhooks"])
    def put(self, request: Request, pk: int) -> Response:
        actor = _manager(request)
        endpoint = permissions.endpoint_get_for(actor, pk)
        s = EndpointInputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        d = s.validated_data
        endpoint = services.endpoint_update(actor=actor, endpoint=endpoint, url=d["url"], events=d["events"],
                                            description=d["description"], is_active=d["is_active"])
        return Response(EndpointSerializer(endpoint).data)

    @extend_schema(responses={204: None}, tags=["webhooks"])
    def delete(self, request: Request, pk: int) -> Response:
        actor = _manager(request)
        services.endpoint_delete(actor=actor, endpoint=permissions.endpoint_get_for(actor, pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class EndpointTestApi(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(request=None, responses=DeliverySerializer, tags=["webhooks"],
                   summary="Send a ping now and answer with its delivery")
    def post(self, request: Request, pk: int) -> Response:
        actor = _manager(request)
        delivery = services.endpoint_send_test(actor=actor, endpoint=permissions.endpoint_get_for(actor, pk))
        return Response(DeliverySerializer(delivery).data)


class EndpointRotateApi(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(request=None, responses=SecretSerializer, tags=["webhooks"],
                   summary="A new signing secret (the old one stops at once)")
    def post(self, request: Request, pk: int) -> Response:
        actor = _manager(request)
        secret = services.endpoint_rotate_secret(actor=actor, endpoint=permissions.endpoint_get_for(actor, pk))
        return Response({"secret": secret})


class DeliveryListApi(APIView):
    permission_classes = [IsAgencyEmployee]
    pagination_class = StandardPagination

    @extend_schema(responses=DeliverySerializer(many=True), tags=["webhooks"],
                   parameters=[OpenApiParameter("status", OpenApiTypes.STR, enum=DeliveryStatus.values)])
    def get(self, request: Request, pk: int) -> Response:
        actor = _manager(request)
        endpoint = permissions.endpoint_get_for(actor, pk)
        chosen = query_choice(request, "status", DeliveryStatus.values) or ""
        return paginated_response(self, request, selectors.delivery_list(actor=actor, endpoint=endpoint,
                                                                         status=chosen), DeliverySerializer)


class DeliveryResendApi(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(request=None, responses=DeliverySerializer, tags=["webhooks"])
    def post(self, request: Request, pk: int) -> Response:
        actor = _manager(request)
        delivery = services.delivery_resend(actor=actor, delivery=permissions.delivery_get_for(actor, pk))
        return Response(DeliverySerializer(delivery).data)


urlpatterns = [
    path("webhooks/events/", EventListApi.as_view(), name="webhook-events"),
    path("webhooks/", EndpointListApi.as_view(), name="webhook-list"),
    path("webhooks/<int:pk>/", EndpointDetailApi.as_view(), name="webhook-detail"),
    path("webhooks/<int:pk>/test/", EndpointTestApi.as_view(), name="webhook-test"),
    path("webhooks/<int:pk>/rotate-secret/", EndpointRotateApi.as_view(), name="webhook-rotate"),
    path("webhooks/<int:pk>/deliveries/", DeliveryListApi.as_view(), name="webhook-deliveries"),
    path("webhook-deliveries/<int:pk>/resend/", DeliveryResendApi.as_view(), name="webhook-delivery-resend"),
]
