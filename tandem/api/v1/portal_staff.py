"""Staff side of the client portal in API v1: a request's portal thread (read it, answer the
contact there or leave an internal note) and the reset of a contact's second factor."""

from __future__ import annotations

from django.urls import path, reverse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tandem.api.permissions import IsAgencyEmployee
from tandem.clients.permissions import contact_get_for
from tandem.comms.permissions import request_get_for
from tandem.core.errors import NotFound
from tandem.org import services as org_services
from tandem.portal import permissions, selectors, services

from ._common import StrictInputSerializer, actor_of


class PortalThreadMessageSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()
    created_at = serializers.DateTimeField()
    from_staff = serializers.BooleanField()
    internal = serializers.BooleanField(help_text="an internal note: the contact never sees it")
    contact = serializers.IntegerField(source="account.contact_id", allow_null=True, default=None)
    author = serializers.IntegerField(source="author_id", allow_null=True)


class PortalThreadReplyInput(StrictInputSerializer):
    text = serializers.CharField(max_length=services.MAX_TEXT)
    internal = serializers.BooleanField(required=False, default=False)


class RequestPortalThreadApi(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(operation_id="requests_portal_thread_list", responses=PortalThreadMessageSerializer(many=True),
                   summary="The request's thread in the client portal, with internal notes", tags=["comms"])
    def get(self, request: Request, pk: int) -> Response:
        obj = request_get_for(actor_of(request), pk)
        return Response(PortalThreadMessageSerializer(selectors.request_replies(request=obj), many=True).data)

    @extend_schema(operation_id="requests_portal_thread_create", request=PortalThreadReplyInput,
                   responses={201: PortalThreadMessageSerializer}, tags=["comms"],
                   summary="Answer the contact in the portal thread (the first answer is the first response; "
                           "the contact gets a letter with the link), or leave an internal note")
    def post(self, request: Request, pk: int) -> Response:
        actor = actor_of(request)
        obj = request_get_for(actor, pk)
        if not services.can_reply_in_portal(actor, obj):
            raise NotFound()
        data = PortalThreadReplyInput(data=request.data)
        data.is_valid(raise_exception=True)
        reply = services.portal_request_staff_reply(
            actor=actor, request=obj, **data.validated_data,
            thread_url=lambda sid: request.build_absolute_uri(reverse("web:portal_request", args=[sid])))
        return Response(PortalThreadMessageSerializer(reply).data, status=status.HTTP_201_CREATED)


class PortalTotpResetSerializer(serializers.Serializer):
    contact = serializers.IntegerField(source="contact_id")
    totp_enabled = serializers.SerializerMethodField()
    totp_reset_at = serializers.DateTimeField(allow_null=True)
    totp_reset_by = serializers.IntegerField(source="totp_reset_by_id", allow_null=True)

    def get_totp_enabled(self, obj: object) -> bool:
        return org_services.totp_enabled(obj.user)  # type: ignore[attr-defined]


class ContactPortalTotpResetApi(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(operation_id="contacts_portal_totp_reset", request=None, responses=PortalTotpResetSerializer,
                   tags=["clients"], summary="Reset the contact's portal second factor (they lost the phone); recorded")
    def post(self, request: Request, pk: int) -> Response:
        actor = actor_of(request)
        account = permissions.portal_account_get_for(actor, contact_get_for(actor, pk))
        account = services.portal_totp_reset(actor=actor, account=account)
        return Response(PortalTotpResetSerializer(account).data)


urlpatterns = [
    path("requests/<int:pk>/portal-thread/", RequestPortalThreadApi.as_view(), name="request_portal_thread"),
    path("contacts/<int:pk>/portal/totp-reset/", ContactPortalTotpResetApi.as_view(), name="contact_portal_totp_reset"),
]
