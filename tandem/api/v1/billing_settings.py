"""REST endpoints for the agency's billing settings (issue #4): requisites for documents and
numbering (`billing/settings/`), the bonus rule (`billing/bonus-rules/`) and subcontractor
costs per client and month (`billing/subcontractor-costs/`).

Only heads of accounts, admins and finance see or change them; for anyone else every endpoint
answers 404, as for something that does not exist. Writes call one service each.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tandem.api.pagination import StandardPagination
from tandem.api.permissions import IsAgencyEmployee
from tandem.billing import permissions, selectors, services
from tandem.billing.models import BillingSettings, BonusRule, BonusTier, SubcontractorCost
from tandem.clients.models import Client
from tandem.contracts.models import Contract, Subcontractor
from tandem.core.errors import NotFound
from tandem.core.money import MoneyDigits
from tandem.org.models import User
from tandem.org.permissions import actor_employee

from ._common import ScopedPrimaryKeyField, StrictInputSerializer, actor_of, query_int, query_month

MONEY: MoneyDigits = {"max_digits": 14, "decimal_places": 2}


def _require_settings_manager(actor: User) -> None:
    """Settings are invisible (404) to everyone but heads, admins and finance."""
    if not permissions.can_manage_settings(actor):
        raise NotFound()


# --- serializers --------------------------------------------------------------------------------


class BillingSettingsSerializer(serializers.ModelSerializer):
    class Meta:
        model = BillingSettings
        fields = ["supplier_name", "inn", "kpp", "ogrn", "address", "director_name", "director_position",
                  "accountant_name", "bank_name", "bik", "correspondent_account", "bank_account", "other_accounts",
                  "invoice_number_pattern", "act_number_pattern", "default_payment_terms_days",
                  "remind_days_before", "remind_days_after", "escalation_days", "reminder_email_subject",
                  "reminder_email_body"]


class BillingSettingsUpdateSerializer(StrictInputSerializer):
    """Shape only (types and lengths); checksums and patterns are checked by the model/service."""

    supplier_name = serializers.CharField(max_length=255, required=False, allow_blank=True)
    inn = serializers.CharField(max_length=12, required=False, allow_blank=True)
    kpp = serializers.CharField(max_length=9, required=False, allow_blank=True)
    ogrn = serializers.CharField(max_length=15, required=False, allow_blank=True)
    address = serializers.CharField(max_length=500, required=False, allow_blank=True)
    director_name = serializers.CharField(max_length=255, required=False, allow_blank=True)
    director_position = serializers.CharField(max_length=255, required=False, allow_blank=True)
    accountant_name = serializers.CharField(max_length=255, required=False, allow_blank=True)
    bank_name = serializers.CharField(max_length=255, required=False, allow_blank=True)
    bik = serializers.CharField(max_length=9, required=False, allow_blank=True)
    correspondent_account = serializers.CharField(max_length=20, required=False, allow_blank=True)
    bank_account = serializers.CharField(max_length=20, required=False, allow_blank=True)
    other_accounts = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    invoice_number_pattern = serializers.CharField(max_length=64, required=False)
    act_number_pattern = serializers.CharField(max_length=64, required=False)
    default_payment_terms_days = serializers.IntegerField(min_value=0, max_value=365, required=False)
    remind_days_before = serializers.IntegerField(min_value=0, max_value=365, required=False)
    remind_days_after = serializers.CharField(max_length=64, required=False, allow_blank=True)
    escalation_days = serializers.IntegerField(min_value=0, max_value=3650, required=False)
    reminder_email_subject = serializers.CharField(max_length=255, required=False,
                                                   help_text="подстановки: см. reminder_email_body")
    reminder_email_body = serializers.CharField(max_length=20000,
        required=False, help_text="{client} {invoice_number} {invoice_date} {amount} {outstanding} {due_date} "
                                  "{days_overdue} {am_name}",
    )


class BonusTierSerializer(serializers.ModelSerializer):
    class Meta:
        model = BonusTier
        fields = ["from_percent", "share_percent"]


class BonusRuleSerializer(serializers.ModelSerializer):
    tiers = BonusTierSerializer(many=True, read_only=True)

    class Meta:
        model = BonusRule
        fields = ["id", "valid_from", "fixed_salary", "note", "tiers"]


class BonusTierInputSerializer(StrictInputSerializer):
    from_percent = serializers.DecimalField(max_digits=6, decimal_places=2, help_text="порог выполнения плана, %")
    share_percent = serializers.DecimalField(max_digits=5, decimal_places=2, help_text="доля от оплат, %")


class BonusRuleInputSerializer(StrictInputSerializer):
    valid_from = serializers.DateField(help_text="месяц начала действия (берётся 1-е число)")
    fixed_salary = serializers.DecimalField(**MONEY)
    note = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    tiers = BonusTierInputSerializer(many=True)


class SubcontractorCostSerializer(serializers.ModelSerializer):
    client_name = serializers.CharField(source="client.display_name", read_only=True)
    month = serializers.DateField(source="date", read_only=True)

    class Meta:
        model = SubcontractorCost
        fields = ["id", "client", "client_name", "contract", "subcontractor", "month", "amount", "description"]


def _agency_clients(actor: User) -> QuerySet[Client]:
    employee = actor_employee(actor)
    return Client.objects.filter(agency_id=employee.agency_id) if employee else Client.objects.none()


def _agency_contracts(actor: User) -> QuerySet[Contract]:
    employee = actor_employee(actor)
    return Contract.objects.filter(agency_id=employee.agency_id) if employee else Contract.objects.none()


def _agency_subcontractors(actor: User) -> QuerySet[Subcontractor]:
    employee = actor_employee(actor)
    return Subcontractor.objects.filter(agency_id=employee.agency_id) if employee else Subcontractor.objects.none()


class SubcontractorCostInputSerializer(StrictInputSerializer):
    client = ScopedPrimaryKeyField(model=Client, scope=_agency_clients)
    contract = ScopedPrimaryKeyField(model=Contract, scope=_agency_contracts, required=False, allow_null=True)
    subcontractor = ScopedPrimaryKeyField(
        model=Subcontractor, scope=_agency_subcontractors, required=False, allow_null=True
    )
    month = serializers.DateField(help_text="любой день месяца; хранится 1-е число")
    amount = serializers.DecimalField(**MONEY, min_value=0)
    description = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")


# --- views ----------------------------------------------------------------------------------------


class BillingSettingsApi(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(responses=BillingSettingsSerializer, tags=["billing"], summary="Agency requisites and numbering")
    def get(self, request: Request) -> Response:
        return Response(BillingSettingsSerializer(selectors.billing_settings_get(actor=actor_of(request))).data)

    @extend_schema(request=BillingSettingsUpdateSerializer, responses=BillingSettingsSerializer, tags=["billing"],
                   summary="Change requisites, bank details, numbering and payment terms")
    def patch(self, request: Request) -> Response:
        actor = actor_of(request)
        _require_settings_manager(actor)
        s = BillingSettingsUpdateSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        obj = services.billing_settings_update(actor=actor, data=dict(s.validated_data))
        return Response(BillingSettingsSerializer(obj).data)


class BonusRuleListApi(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(responses=BonusRuleSerializer(many=True), tags=["billing"], summary="Bonus rules, latest first")
    def get(self, request: Request) -> Response:
        actor = actor_of(request)
        _require_settings_manager(actor)
        return Response(BonusRuleSerializer(selectors.bonus_rule_list(actor=actor), many=True).data)

    @extend_schema(request=BonusRuleInputSerializer, responses={201: BonusRuleSerializer}, tags=["billing"],
                   summary="Set the bonus rule valid from a month (replaces that month's rule)")
    def post(self, request: Request) -> Response:
        actor = actor_of(request)
        _require_settings_manager(actor)
        s = BonusRuleInputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        d = s.validated_data
        rule = services.bonus_rule_set(
            actor=actor, valid_from=d["valid_from"], fixed_salary=d["fixed_salary"], note=d["note"],
            tiers=[(t["from_percent"], t["share_percent"]) for t in d["tiers"]],
        )
        rule = selectors.bonus_rule_list(actor=actor).get(pk=rule.pk)
        return Response(BonusRuleSerializer(rule).data, status=status.HTTP_201_CREATED)


def _cost_kwargs(data: dict[str, Any]) -> dict[str, Any]:
    return {"client": data["client"], "contract": data.get("contract"), "subcontractor": data.get("subcontractor"),
            "month": data["month"], "amount": data["amount"], "description": data["description"]}


class SubcontractorCostListApi(APIView):
    permission_classes = [IsAgencyEmployee]
    pagination_class = StandardPagination  # documents the {count, next, previous, results} envelope

    @extend_schema(
        responses=SubcontractorCostSerializer(many=True), tags=["billing"], summary="Subcontractor costs",
        parameters=[OpenApiParameter("client", OpenApiTypes.INT),
                    OpenApiParameter("from", OpenApiTypes.STR, description="YYYY-MM"),
                    OpenApiParameter("to", OpenApiTypes.STR, description="YYYY-MM")],
    )
    def get(self, request: Request) -> Response:
        actor = actor_of(request)
        _require_settings_manager(actor)
        filters = selectors.CostFilters(
            client_id=query_int(request, "client"),
            month_from=query_month(request, "from"), month_to=query_month(request, "to"),
        )
        paginator = StandardPagination()
        page = paginator.paginate_queryset(selectors.subcontractor_cost_list(actor=actor, filters=filters),
                                           request, view=self)
        return paginator.get_paginated_response(SubcontractorCostSerializer(page, many=True).data)

    @extend_schema(request=SubcontractorCostInputSerializer, responses={201: SubcontractorCostSerializer},
                   tags=["billing"], summary="Record a subcontractor cost for a client and month")
    def post(self, request: Request) -> Response:
        actor = actor_of(request)
        _require_settings_manager(actor)
        s = SubcontractorCostInputSerializer(data=request.data, context={"request": request})
        s.is_valid(raise_exception=True)
        cost = services.subcontractor_cost_create(actor=actor, **_cost_kwargs(s.validated_data))
        return Response(SubcontractorCostSerializer(cost).data, status=status.HTTP_201_CREATED)


class SubcontractorCostDetailApi(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(responses=SubcontractorCostSerializer, tags=["billing"])
    def get(self, request: Request, pk: int) -> Response:
        return Response(SubcontractorCostSerializer(
            permissions.subcontractor_cost_get_for(actor_of(request), pk)).data)

    @extend_schema(request=SubcontractorCostInputSerializer, responses=SubcontractorCostSerializer, tags=["billing"])
    def put(self, request: Request, pk: int) -> Response:
        actor = actor_of(request)
        cost = permissions.subcontractor_cost_get_for(actor, pk)
        s = SubcontractorCostInputSerializer(data=request.data, context={"request": request})
        s.is_valid(raise_exception=True)
        cost = services.subcontractor_cost_update(actor=actor, cost=cost, **_cost_kwargs(s.validated_data))
        return Response(SubcontractorCostSerializer(cost).data)

    @extend_schema(responses={204: None}, tags=["billing"])
    def delete(self, request: Request, pk: int) -> Response:
        actor = actor_of(request)
        services.subcontractor_cost_delete(actor=actor, cost=permissions.subcontractor_cost_get_for(actor, pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


urlpatterns = [
    path("billing/settings/", BillingSettingsApi.as_view(), name="billing-settings"),
    path("billing/bonus-rules/", BonusRuleListApi.as_view(), name="bonus-rule-list"),
    path("billing/subcontractor-costs/", SubcontractorCostListApi.as_view(), name="subcontractor-cost-list"),
    path("billing/subcontractor-costs/<int:pk>/", SubcontractorCostDetailApi.as_view(),
         name="subcontractor-cost-detail"),
]
