"""Loyalty discount rules (`billing/loyalty-rules/`) and the discount a client would get on a
date (`billing/loyalty-discount/?client=&on=`).

Everyone in the agency may read the rules (an invoice's discount is explained by its rule);
heads of accounts, admins and finance change them. The preview follows the money visibility of
clients: an AM asks only about their own clients (404 otherwise).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tandem.api.pagination import StandardPagination
from tandem.api.permissions import IsAgencyEmployee
from tandem.billing import permissions, selectors, services
from tandem.billing.models import LoyaltyBasis, LoyaltyRule

from ._common import StrictInputSerializer, actor_of, paginated_response, query_date, query_int


class LoyaltyRuleSerializer(serializers.ModelSerializer):
    basis = serializers.ChoiceField(choices=LoyaltyBasis.choices, read_only=True)
    basis_label = serializers.CharField(source="get_basis_display", read_only=True)
    invoice_count = serializers.IntegerField(read_only=True, default=0,
                                             help_text="how many invoices got their discount from this rule")

    class Meta:
        model = LoyaltyRule
        fields = ["id", "name", "basis", "basis_label", "threshold", "percent", "is_active", "invoice_count"]


class LoyaltyRuleInputSerializer(StrictInputSerializer):
    name = serializers.CharField(max_length=120)
    basis = serializers.ChoiceField(choices=LoyaltyBasis.choices)
    threshold = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0,
                                         help_text="months, ₽ a month or a number of services, by `basis`")
    percent = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=Decimal("0.01"), max_value=Decimal("50"))
    is_active = serializers.BooleanField(default=True)


class LoyaltyDiscountSerializer(serializers.Serializer):
    client = serializers.IntegerField()
    on = serializers.DateField()
    rule = serializers.IntegerField(allow_null=True, help_text="the rule that applies; null — no discount")
    rule_name = serializers.CharField(allow_blank=True)
    percent = serializers.DecimalField(max_digits=5, decimal_places=2)
    measured = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True,
                                        help_text="the client's measure for the rule's basis on `on`")
    reason = serializers.CharField(allow_blank=True, help_text="as it will be written on the invoice")


def _rule_kwargs(data: dict[str, Any]) -> dict[str, Any]:
    return {k: data[k] for k in ("name", "basis", "threshold", "percent", "is_active")}


class LoyaltyRuleListApi(APIView):
    permission_classes = [IsAgencyEmployee]
    pagination_class = StandardPagination

    @extend_schema(responses=LoyaltyRuleSerializer(many=True), tags=["billing"])
    def get(self, request: Request) -> Response:
        return paginated_response(self, request, selectors.loyalty_rule_list(actor=actor_of(request)),
                                  LoyaltyRuleSerializer)

    @extend_schema(request=LoyaltyRuleInputSerializer, responses={201: LoyaltyRuleSerializer}, tags=["billing"])
    def post(self, request: Request) -> Response:
        s = LoyaltyRuleInputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        rule = services.loyalty_rule_create(actor=actor_of(request), **_rule_kwargs(s.validated_data))
        return Response(LoyaltyRuleSerializer(rule).data, status=status.HTTP_201_CREATED)


class LoyaltyRuleDetailApi(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(responses=LoyaltyRuleSerializer, tags=["billing"])
    def get(self, request: Request, pk: int) -> Response:
        return Response(LoyaltyRuleSerializer(permissions.loyalty_rule_get_for(actor_of(request), pk)).data)

    @extend_schema(request=LoyaltyRuleInputSerializer, responses=LoyaltyRuleSerializer, tags=["billing"])
    def put(self, request: Request, pk: int) -> Response:
        actor = actor_of(request)
        rule = permissions.loyalty_rule_get_for(actor, pk)
        s = LoyaltyRuleInputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        rule = services.loyalty_rule_update(actor=actor, rule=rule, **_rule_kwargs(s.validated_data))
        return Response(LoyaltyRuleSerializer(rule).data)

    @extend_schema(responses={204: None}, tags=["billing"])
    def delete(self, request: Request, pk: int) -> Response:
        actor = actor_of(request)
        services.loyalty_rule_delete(actor=actor, rule=permissions.loyalty_rule_get_for(actor, pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class LoyaltyDiscountApi(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(
        responses=LoyaltyDiscountSerializer, tags=["billing"],
        parameters=[OpenApiParameter("client", OpenApiTypes.INT, required=True),
                    OpenApiParameter("on", OpenApiTypes.DATE, description="по умолчанию сегодня")],
    )
    def get(self, request: Request) -> Response:
        """The discount a new invoice of the client dated `on` would get from the loyalty rules."""
        client_id = query_int(request, "client")
        if client_id is None:
            raise ValidationError({"client": [_("Укажите клиента.")]})
        on = query_date(request, "on", timezone.localdate()) or timezone.localdate()
        found = selectors.client_loyalty_discount(actor=actor_of(request), client_id=client_id, on=on)
        return Response(LoyaltyDiscountSerializer({
            "client": client_id, "on": on, "rule": found.rule.pk if found else None,
            "rule_name": found.rule.name if found else "", "percent": found.percent if found else 0,
            "measured": found.measured if found else None, "reason": found.reason if found else "",
        }).data)


urlpatterns = [
    path("billing/loyalty-rules/", LoyaltyRuleListApi.as_view(), name="loyalty-rule-list"),
    path("billing/loyalty-rules/<int:pk>/", LoyaltyRuleDetailApi.as_view(), name="loyalty-rule-detail"),
    path("billing/loyalty-discount/", LoyaltyDiscountApi.as_view(), name="loyalty-discount"),
]
