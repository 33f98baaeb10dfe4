"""REST endpoints for retainer budgets of contract lines (issue #13).

A line's retainer (terms, balance month by month, expenses, over-service decisions) is seen by
whoever sees the client's money (`billing.permissions.retainer_line_get_for`; 404 otherwise).
Terms and expenses are changed by those who manage the client's contracts; over-service is
billed or written off by finance, heads and admins. Every write calls one service.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tandem.api.pagination import StandardPagination
from tandem.api.permissions import IsAgencyEmployee
from tandem.billing import permissions as billing_perms
from tandem.billing import services as billing_services
from tandem.billing.models import RetainerOverageDecision
from tandem.contracts import permissions as contract_perms
from tandem.contracts import services as contract_services
from tandem.contracts.models import (
    ContractLine,
    RetainerExpense,
    RetainerExpenseKind,
    RetainerTerms,
    Subcontractor,
)
from tandem.contracts.permissions import subcontractors_visible_to
from tandem.core.errors import NotFound
from tandem.work.permissions import project_get_for
from tandem.work.retainers import RetainerBalance, retainer_balance

from ._common import (
    ScopedPrimaryKeyField,
    StrictInputSerializer,
    actor_of,
    paginated_response,
    require,
    validated_input,
)
from .clients import UserBriefSerializer

HOURS: dict[str, Any] = {"max_digits": 9, "decimal_places": 2}
MONEY: dict[str, Any] = {"max_digits": 14, "decimal_places": 2}


# ------------------------------------------------------------------ output


class RetainerTermsSerializer(serializers.ModelSerializer):
    class Meta:
        model = RetainerTerms
        fields = ["start_month", "hours_per_month", "money_per_month", "rollover_months", "rollover_cap_hours",
                  "overage_allowed", "overage_rate", "updated_at"]
        read_only_fields = fields


class OverageDecisionSerializer(serializers.ModelSerializer):
    decided_by = UserBriefSerializer(read_only=True)
    invoice = serializers.IntegerField(source="invoice_line.invoice_id", read_only=True, allow_null=True,
                                       default=None)

    class Meta:
        model = RetainerOverageDecision
        fields = ["id", "line", "month", "decision", "hours", "rate", "amount", "invoice", "reason",
                  "decided_by", "decided_at"]
        read_only_fields = fields


class RetainerMonthSerializer(serializers.Serializer):
    """One month of the balance. Hours: opening (what the previous month closed with), expired
    (carried hours that lapsed at the month's start: too old or above the cap), carried_in,
    budget, used, overage (beyond carried_in + budget), closing (hours left). Money: the month's
    expense budget, what booked expenses spent, what is left. `percent_used`: used of
    carried_in + budget (null when nothing is available). `frozen`: a closed or decided month."""

    month = serializers.DateField()
    opening = serializers.DecimalField(**HOURS)
    expired = serializers.DecimalField(**HOURS)
    carried_in = serializers.DecimalField(**HOURS)
    budget = serializers.DecimalField(**HOURS)
    used = serializers.DecimalField(**HOURS)
    overage = serializers.DecimalField(**HOURS)
    closing = serializers.DecimalField(**HOURS)
    percent_used = serializers.DecimalField(max_digits=9, decimal_places=1, allow_null=True)
    money_budget = serializers.DecimalField(**MONEY)
    money_spent = serializers.DecimalField(**MONEY)
    money_left = serializers.DecimalField(**MONEY)
    frozen = serializers.BooleanField()
    overage_decision = OverageDecisionSerializer(allow_null=True)


class RetainerSerializer(serializers.Serializer):
    """A line's retainer: terms (null when none are set), hours left this month and the months
    from the terms' first month to this one (oldest first)."""

    line = serializers.IntegerField()
    contract = serializers.IntegerField()
    client = serializers.IntegerField()
    service_name = serializers.CharField()
    terms = RetainerTermsSerializer(allow_null=True)
    hours_left = serializers.DecimalField(**HOURS, allow_null=True)
    months = RetainerMonthSerializer(many=True)


class RetainerExpenseSerializer(serializers.ModelSerializer):
    subcontractor_name = serializers.CharField(source="subcontractor.name", read_only=True, allow_null=True,
                                               default=None)

    class Meta:
        model = RetainerExpense
        fields = ["id", "line", "kind", "date", "amount", "subcontractor", "subcontractor_name", "description",
                  "created_at"]
        read_only_fields = fields


def retainer_data(line: ContractLine, balance: RetainerBalance | None) -> dict[str, Any]:
    """The RetainerSerializer payload of a line (decisions in one query)."""
    decisions = {d.month: d for d in RetainerOverageDecision.objects.filter(line=line).select_related(
        "decided_by", "invoice_line")}
    rows = balance.rows if balance else []
    return RetainerSerializer({
        "line": line.pk, "contract": line.contract_id, "client": line.contract.client_id,
        "service_name": line.service.name, "terms": balance.terms if balance else None,
        "hours_left": balance.hours_left if balance else None,
        "months": [{
            "month": r.month, "opening": r.opening, "expired": r.expired, "carried_in": r.carried_in,
            "budget": r.budget, "used": r.used, "overage": r.overage, "closing": r.closing,
            "percent_used": r.percent_used, "money_budget": r.money_budget, "money_spent": r.money_spent,
            "money_left": r.money_left, "frozen": r.frozen, "overage_decision": decisions.get(r.month),
        } for r in rows],
    }).data


# ------------------------------------------------------------------ input


class RetainerTermsInput(StrictInputSerializer):
    start_month = serializers.DateField(required=False)
    hours_per_month = serializers.DecimalField(max_digits=7, decimal_places=2, min_value=0, required=False)
    money_per_month = serializers.DecimalField(**MONEY, min_value=0, required=False)
    rollover_months = serializers.IntegerField(min_value=0, max_value=24, required=False)
    rollover_cap_hours = serializers.DecimalField(max_digits=7, decimal_places=2, min_value=0, required=False,
                                                  allow_null=True)
    overage_allowed = serializers.BooleanField(required=False)
    overage_rate = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=0, required=False)


class RetainerExpenseInput(StrictInputSerializer):
    kind = serializers.ChoiceField(choices=RetainerExpenseKind.choices)
    date = serializers.DateField()
    amount = serializers.DecimalField(**MONEY, min_value=Decimal("0.01"))
    subcontractor = ScopedPrimaryKeyField(model=Subcontractor, scope=subcontractors_visible_to, required=False,
                                          allow_null=True)
    description = serializers.CharField(max_length=255, required=False, allow_blank=True)


class OverageDecisionInput(StrictInputSerializer):
    month = serializers.DateField(help_text="Any day of the month decided (a past month).")
    decision = serializers.ChoiceField(choices=RetainerOverageDecision.Decision.choices)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000,
                                   help_text="Required for written_off.")
    invoice_date = serializers.DateField(required=False, help_text="Date of the draft invoice (billed); today "
                                                                   "by default.")


# ------------------------------------------------------------------ views


def _line(request: Request, pk: int) -> ContractLine:
    return billing_perms.retainer_line_get_for(actor_of(request), pk)


class LineRetainerApi(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(responses=RetainerSerializer, tags=["retainers"], summary="Retainer of a contract line")
    def get(self, request: Request, pk: int) -> Response:
        line = _line(request, pk)
        return Response(retainer_data(line, retainer_balance(line=line)))

    @extend_schema(request=RetainerTermsInput, responses=RetainerSerializer, tags=["retainers"],
                   summary="Set the retainer terms (omitted fields keep their value)")
    def put(self, request: Request, pk: int) -> Response:
        line = _line(request, pk)
        require(contract_perms.can_manage_contracts(actor_of(request), line.contract.client))
        contract_services.retainer_terms_set(actor=actor_of(request), line=line,
                                             data=validated_input(RetainerTermsInput, request))
        line = _line(request, pk)
        return Response(retainer_data(line, retainer_balance(line=line)))


class ProjectRetainerApi(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(responses=RetainerSerializer, tags=["retainers"],
                   summary="Retainer of a project's contract line")
    def get(self, request: Request, pk: int) -> Response:
        project = project_get_for(actor_of(request), pk)
        if project.contract_line_id is None:
            raise NotFound()
        line = _line(request, project.contract_line_id)
        return Response(retainer_data(line, retainer_balance(line=line)))


class RetainerExpenseListApi(APIView):
    permission_classes = [IsAgencyEmployee]
    pagination_class = StandardPagination

    def _expenses(self, line: ContractLine) -> QuerySet[RetainerExpense]:
        return RetainerExpense.objects.filter(line=line).select_related("subcontractor").order_by("-date", "-id")

    @extend_schema(responses=RetainerExpenseSerializer(many=True), tags=["retainers"],
                   summary="Expenses booked against the line's money budget")
    def get(self, request: Request, pk: int) -> Response:
        return paginated_response(self, request, self._expenses(_line(request, pk)), RetainerExpenseSerializer)

    @extend_schema(request=RetainerExpenseInput, responses={201: RetainerExpenseSerializer}, tags=["retainers"],
                   summary="Book an ad budget or a subcontractor cost")
    def post(self, request: Request, pk: int) -> Response:
        line = _line(request, pk)
        require(contract_perms.can_manage_contracts(actor_of(request), line.contract.client))
        expense = contract_services.retainer_expense_add(
            actor=actor_of(request), line=line, data=validated_input(RetainerExpenseInput, request))
        return Response(RetainerExpenseSerializer(expense).data, status=status.HTTP_201_CREATED)


class RetainerExpenseApi(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(responses={204: None}, tags=["retainers"])
    def delete(self, request: Request, pk: int) -> Response:
        actor = actor_of(request)
        expense = RetainerExpense.objects.filter(
            pk=pk, line__in=billing_perms.retainer_lines_visible_to(actor)
        ).select_related("line__contract__client").first()
        if expense is None:
            raise NotFound()
        require(contract_perms.can_manage_contracts(actor, expense.line.contract.client))
        contract_services.retainer_expense_delete(actor=actor, expense=expense)
        return Response(status=status.HTTP_204_NO_CONTENT)


class OverageDecisionApi(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(request=OverageDecisionInput, responses={201: OverageDecisionSerializer}, tags=["retainers"],
                   summary="Bill or write off a past month's over-service (once per month)")
    def post(self, request: Request, pk: int) -> Response:
        actor = actor_of(request)
        line = _line(request, pk)
        require(billing_perms.can_decide_retainer_overage(actor, line))
        data = validated_input(OverageDecisionInput, request)
        if data["decision"] == RetainerOverageDecision.Decision.BILLED:
            decision = billing_services.retainer_overage_bill(
                actor=actor, line=line, month=data["month"], invoice_date=data.get("invoice_date"))
        else:
            decision = billing_services.retainer_overage_write_off(
                actor=actor, line=line, month=data["month"], reason=data.get("reason", ""))
        return Response(OverageDecisionSerializer(decision).data, status=status.HTTP_201_CREATED)


urlpatterns = [
    path("contract-lines/<int:pk>/retainer/", LineRetainerApi.as_view(), name="line-retainer"),
    path("contract-lines/<int:pk>/retainer/expenses/", RetainerExpenseListApi.as_view(), name="retainer-expenses"),
    path("contract-lines/<int:pk>/retainer/overage/", OverageDecisionApi.as_view(), name="retainer-overage"),
    path("retainer-expenses/<int:pk>/", RetainerExpenseApi.as_view(), name="retainer-expense"),
    path("projects/<int:pk>/retainer/", ProjectRetainerApi.as_view(), name="project-retainer"),
]
