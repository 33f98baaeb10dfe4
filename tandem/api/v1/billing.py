"""REST endpoints for money (issue #4): invoices (+PDF), acts, payments and the manual queue,
bank statement import, receivables aging, collection, payment plans, bonus statements and
profitability.

Visibility is `tandem.billing.permissions`: an invisible invoice/act/payment is 404 like a
missing one; 403 only for actions on visible objects. Every write calls one service.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse
from django.urls import path
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tandem.api.fastread import FastReadMixin
from tandem.api.pagination import LargeListPagination, StandardPagination
from tandem.api.permissions import IsAgencyEmployee
from tandem.billing import documents, permissions, selectors, services
from tandem.billing.calc import BUCKETS
from tandem.billing.models import Act, ActLine, Invoice, InvoiceLine, MatchBasis, Payment, Refund
from tandem.clients.models import Client
from tandem.contracts.models import Contract, ContractLine, Service
from tandem.core.errors import NotFound
from tandem.core.money import MoneyDigits
from tandem.org.models import Employee, User
from tandem.org.permissions import actor_employee
from tandem.reports import services as report_services

from ._common import (
    ScopedPrimaryKeyField,
    StrictInputSerializer,
    actor_of,
    paginated_response,
    query_choice,
    query_date,
    query_int,
    query_month,
    require,
    search_param,
)

MONEY: MoneyDigits = {"max_digits": 14, "decimal_places": 2}


# --- output -----------------------------------------------------------------------------------


class InvoiceLineSerializer(serializers.ModelSerializer):
    project = serializers.IntegerField(source="contract_line.project.pk", read_only=True, allow_null=True,
                                       help_text="проект строки договора; null — «Без проекта»")

    class Meta:
        model = InvoiceLine
        fields = ["id", "position", "name", "quantity", "unit", "price", "list_amount", "discount_percent", "amount",
                  "period_start", "period_end", "service", "contract_line", "project"]


class LineWithoutProjectSerializer(serializers.ModelSerializer):
    invoice_number = serializers.CharField(source="invoice.number", read_only=True)
    invoice_date = serializers.DateField(source="invoice.date", read_only=True)
    client = serializers.IntegerField(source="invoice.client_id", read_only=True)
    client_name = serializers.CharField(source="invoice.client.display_name", read_only=True)
    contract = serializers.IntegerField(source="invoice.contract_id", read_only=True, allow_null=True)

    class Meta:
        model = InvoiceLine
        fields = ["id", "invoice", "invoice_number", "invoice_date", "client", "client_name", "contract", "name",
                  "amount", "contract_line"]


class InvoiceSerializer(FastReadMixin, serializers.ModelSerializer):
    status = serializers.CharField(read_only=True, help_text="draft | issued | partly_paid | paid | cancelled")
    kind = serializers.CharField(read_only=True, help_text="regular | retainer")
    client_name = serializers.CharField(source="client.display_name", read_only=True)
    outstanding = serializers.DecimalField(**MONEY, read_only=True)

    class Meta:
        model = Invoice
        fields = ["id", "number", "kind", "date", "due_date", "status", "client", "client_name", "contract",
                  "period_start", "period_end", "vat_rate", "subtotal", "vat_amount", "total", "paid_amount",
                  "outstanding", "issued_at", "cancelled_at", "cancel_reason", "notes", "discount_percent",
                  "discount_rule", "discount_reason"]


class InvoiceDetailSerializer(InvoiceSerializer):
    lines = InvoiceLineSerializer(many=True, read_only=True)

    class Meta(InvoiceSerializer.Meta):
        fields = [*InvoiceSerializer.Meta.fields, "lines"]


class ActSerializer(serializers.ModelSerializer):
    status = serializers.CharField(read_only=True, help_text="draft | sent | signed")

    class Meta:
        model = Act
        fields = ["id", "number", "date", "status", "client", "contract", "invoice", "period_start", "period_end",
                  "vat_rate", "vat_amount", "total", "supplier_signer_name", "supplier_signer_position",
                  "client_signer_name", "client_signer_position", "sent_at", "signed_on"]


class PaymentAllocationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    invoice = serializers.IntegerField(source="invoice_id")
    invoice_number = serializers.CharField(source="invoice.number")
    amount = serializers.DecimalField(**MONEY)


class PaymentSerializer(serializers.ModelSerializer):
    unallocated = serializers.DecimalField(**MONEY, read_only=True)
    # A declared field, not Field.source: DRF's metaclass moves declared fields off the class.
    source = serializers.CharField(read_only=True, help_text="manual | bank")  # type: ignore[assignment]
    match_basis = serializers.ChoiceField(
        choices=MatchBasis.choices, read_only=True,
        help_text="The rule that placed the payment (empty for payments entered before issue 10).",
    )
    match_basis_label = serializers.CharField(source="get_match_basis_display", read_only=True)
    needs_review = serializers.BooleanField(
        read_only=True, help_text="«На проверку»: an automatic decision a person must confirm or change.")
    review_reason = serializers.CharField(read_only=True, help_text="Why, in plain Russian words.")
    suggested_client = serializers.IntegerField(source="suggested_client_id", read_only=True, allow_null=True)
    suggested_client_name = serializers.SerializerMethodField()
    suggested_invoice = serializers.IntegerField(source="suggested_invoice_id", read_only=True, allow_null=True)
    suggested_invoice_number = serializers.SerializerMethodField()
    reviewed_by = serializers.IntegerField(source="reviewed_by_id", read_only=True, allow_null=True)
    reviewed_at = serializers.DateTimeField(read_only=True, allow_null=True)
    allocations = PaymentAllocationSerializer(many=True, read_only=True)

    class Meta:
        model = Payment
        fields = ["id", "date", "amount", "allocated_amount", "unallocated", "client", "number", "payer_name",
                  "payer_inn", "payer_account", "purpose", "source", "statement_import", "warnings", "match_basis",
                  "match_basis_label", "needs_review", "review_reason", "suggested_client", "suggested_client_name",
                  "suggested_invoice", "suggested_invoice_number", "reviewed_by", "reviewed_at", "allocations"]

    def get_suggested_client_name(self, obj: Payment) -> str:
        return obj.suggested_client.display_name if obj.suggested_client_id and obj.suggested_client else ""

    def get_suggested_invoice_number(self, obj: Payment) -> str:
        return obj.suggested_invoice.number if obj.suggested_invoice_id and obj.suggested_invoice else ""


class RefundSerializer(serializers.ModelSerializer):
    class Meta:
        model = Refund
        fields = ["id", "date", "amount", "client", "number", "recipient_name", "recipient_inn", "recipient_account",
                  "purpose", "statement_import"]


class PaymentChangeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField(help_text="reallocated | allocated | removed | client_assigned | "
                                           "suggestion_accepted | confirmed")
    kind_label = serializers.CharField(source="get_kind_display")
    reason = serializers.CharField()
    actor = serializers.CharField(source="actor.get_full_name")
    actor_id = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    client_before = serializers.IntegerField(source="client_before_id", allow_null=True)
    client_after = serializers.IntegerField(source="client_after_id", allow_null=True)
    allocations_before = serializers.ListField(child=serializers.DictField())
    allocations_after = serializers.ListField(child=serializers.DictField())


class ImportRowSerializer(serializers.Serializer):
    line = serializers.IntegerField()
    number = serializers.CharField()
    date = serializers.CharField()
    amount = serializers.CharField()
    payer = serializers.CharField()
    payer_inn = serializers.CharField()
    outcome = serializers.CharField(help_text="matched | partly_matched | unmatched | rejected | skipped")
    reason = serializers.CharField()
    invoices = serializers.ListField(child=serializers.CharField())
    payment_id = serializers.IntegerField(allow_null=True)
    warnings = serializers.ListField(child=serializers.CharField())
    review = serializers.BooleanField(help_text="«На проверку»: a person must confirm or change the decision.")
    basis = serializers.CharField(help_text="The rule that decided (see Payment.match_basis); empty if none.")
    client = serializers.CharField(help_text="The client the payment (or refund) went to, by name.")
    suggested_client = serializers.CharField(help_text="The suggested client of a queued payment, by name.")
    suggested_invoice = serializers.CharField(help_text="The suggested invoice's number.")
    refund_id = serializers.IntegerField(allow_null=True, help_text="The refund created (outcome refunded).")


class ImportReportSerializer(serializers.Serializer):
    import_id = serializers.IntegerField(allow_null=True)
    file_name = serializers.CharField()
    encoding = serializers.CharField()
    duplicate_file = serializers.BooleanField()
    counts = serializers.DictField(
        child=serializers.IntegerField(),
        help_text="Documents per outcome: matched, partly_matched, unmatched, refunded, rejected, skipped.")
    review_count = serializers.IntegerField(help_text="Documents «на проверку».")
    rows = ImportRowSerializer(many=True)


class AgingRowSerializer(serializers.Serializer):
    key = serializers.CharField(allow_null=True)
    # A declared field, not Field.label: DRF's metaclass moves declared fields off the class.
    label = serializers.CharField()  # type: ignore[assignment]
    buckets = serializers.DictField(child=serializers.DecimalField(**MONEY))
    total = serializers.DecimalField(**MONEY)
    invoice_count = serializers.IntegerField()


class AgingSerializer(serializers.Serializer):
    by = serializers.CharField()
    today = serializers.DateField()
    buckets = serializers.ListField(child=serializers.CharField())
    rows = AgingRowSerializer(many=True)
    totals = AgingRowSerializer()
    billed_total = serializers.DecimalField(**MONEY)
    allocated_total = serializers.DecimalField(**MONEY)
    reconciles = serializers.BooleanField()


class FulfilmentSerializer(serializers.Serializer):
    employee = serializers.IntegerField(source="employee.pk")
    employee_name = serializers.CharField(source="employee.full_name")
    month = serializers.DateField()
    plan = serializers.DecimalField(**MONEY)
    paid = serializers.DecimalField(**MONEY)
    percent = serializers.DecimalField(max_digits=8, decimal_places=2, allow_null=True)


class BonusStatementSerializer(serializers.Serializer):
    employee = serializers.IntegerField(source="employee_id")
    month = serializers.DateField()
    plan = serializers.DecimalField(**MONEY)
    paid = serializers.DecimalField(**MONEY)
    percent = serializers.DecimalField(max_digits=8, decimal_places=2)
    fixed_salary = serializers.DecimalField(**MONEY)
    share_percent = serializers.DecimalField(max_digits=5, decimal_places=2)
    bonus = serializers.DecimalField(**MONEY)
    total = serializers.DecimalField(**MONEY)
    details = serializers.ListField(child=serializers.DictField())


class PromiseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    invoice = serializers.IntegerField(source="invoice_id")
    promised_on = serializers.DateField()
    amount = serializers.DecimalField(**MONEY, allow_null=True)
    note = serializers.CharField()


class ReminderSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    invoice = serializers.IntegerField(source="invoice_id")
    kind = serializers.CharField(help_text="before_due | after_due | escalation")
    due_on = serializers.DateField()
    channel = serializers.CharField()
    contact = serializers.IntegerField(source="contact_id", allow_null=True)
    assignee = serializers.IntegerField(source="assignee_id", allow_null=True)
    status = serializers.CharField(help_text="planned | done | cancelled")
    done_at = serializers.DateTimeField(allow_null=True)
    note = serializers.CharField()


class ReminderLetterSerializer(serializers.Serializer):
    to = serializers.CharField(help_text="e-mail бухгалтера клиента; пусто — не указан")
    contact = serializers.IntegerField(source="contact.pk", allow_null=True, default=None)
    subject = serializers.CharField()
    body = serializers.CharField()


class ReminderSentSerializer(serializers.Serializer):
    interaction = serializers.IntegerField(source="pk")
    occurred_at = serializers.DateTimeField()


class ProfitRowSerializer(serializers.Serializer):
    key = serializers.CharField(allow_null=True)
    # A declared field, not Field.label: DRF's metaclass moves declared fields off the class.
    label = serializers.CharField()  # type: ignore[assignment]
    revenue = serializers.DecimalField(**MONEY)
    staff_cost = serializers.DecimalField(**MONEY)
    subcontractor_cost = serializers.DecimalField(**MONEY)
    margin = serializers.DecimalField(**MONEY)
    margin_percent = serializers.DecimalField(max_digits=8, decimal_places=2, allow_null=True)
    hours = serializers.DecimalField(max_digits=12, decimal_places=2)
    effective_hourly_rate = serializers.DecimalField(**MONEY, allow_null=True)
    hours_per_1000_rub = serializers.DecimalField(max_digits=12, decimal_places=4, allow_null=True)
    negative = serializers.BooleanField()
    without_project = serializers.BooleanField(
        help_text="строка «Без проекта» клиента: её строки счетов — /profitability/without-project/?client=")


class RetainerRunSerializer(serializers.Serializer):
    month = serializers.DateField()
    created = serializers.ListField(child=serializers.IntegerField())
    skipped_contracts = serializers.ListField(child=serializers.IntegerField())


# --- input ------------------------------------------------------------------------------------


def _agency_services(actor: User) -> QuerySet[Service]:
    employee = actor_employee(actor)
    return Service.objects.filter(agency_id=employee.agency_id) if employee else Service.objects.none()


def _money_contract_lines(actor: User) -> QuerySet[ContractLine]:
    return ContractLine.objects.filter(contract__client__in=permissions.money_clients_visible_to(actor))


class InvoiceLineInputSerializer(StrictInputSerializer):
    service = ScopedPrimaryKeyField(model=Service, scope=_agency_services, required=False, allow_null=True)
    contract_line = ScopedPrimaryKeyField(
        model=ContractLine, scope=_money_contract_lines, required=False, allow_null=True,
        help_text="строка договора счёта (проект); по умолчанию единственная строка договора, "
                  "обязательна, если их несколько",
    )
    name = serializers.CharField(max_length=500, required=False, allow_blank=True, default="",
                                 help_text="описание; пусто — название услуги")
    quantity = serializers.DecimalField(max_digits=12, decimal_places=3, default=Decimal("1"))
    unit = serializers.CharField(max_length=16, default="усл.")
    price = serializers.DecimalField(**MONEY)
    period_start = serializers.DateField(required=False, allow_null=True)
    period_end = serializers.DateField(required=False, allow_null=True)


def _money_clients(actor: Any) -> Any:
    return permissions.money_clients_visible_to(actor)


def _visible_contracts(actor: Any) -> Any:
    return Contract.objects.filter(client__in=permissions.money_clients_visible_to(actor))


class InvoiceCreateSerializer(StrictInputSerializer):
    client = ScopedPrimaryKeyField(model=Client, scope=_money_clients)
    contract = ScopedPrimaryKeyField(model=Contract, scope=_visible_contracts, required=False, allow_null=True)
    date = serializers.DateField(required=False, allow_null=True, help_text="по умолчанию сегодня")
    vat_mode = serializers.CharField(max_length=10, required=False, help_text="vat | no_vat (без договора)")
    notes = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
    lines = InvoiceLineInputSerializer(many=True)
    discount_percent = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=0, max_value=100, required=False, allow_null=True,
        help_text="omitted or null — the agency's loyalty rules decide; 0 — no discount",
    )
    discount_reason = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")


class CancelSerializer(StrictInputSerializer):
    reason = serializers.CharField(max_length=2000)


class MonthSerializer(StrictInputSerializer):
    month = serializers.DateField()
    issue = serializers.BooleanField(default=True)


class InvoiceUpdateSerializer(StrictInputSerializer):
    """A draft's editable parts; omitted keys stay as they are, `lines` replaces every line."""

    date = serializers.DateField(required=False)
    period_start = serializers.DateField(required=False)
    period_end = serializers.DateField(required=False)
    notes = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    lines = InvoiceLineInputSerializer(many=True, required=False)
    discount_percent = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=0, max_value=100,
                                                required=False, help_text="replaces the loyalty rule's discount")
    discount_reason = serializers.CharField(max_length=255, required=False, allow_blank=True)


def _line_inputs(lines: list[dict[str, Any]]) -> list[services.LineInput]:
    return [
        services.LineInput(
            name=line["name"], price=line["price"], quantity=line["quantity"], unit=line["unit"],
            service_id=line["service"].pk if line.get("service") else None,
            contract_line_id=line["contract_line"].pk if line.get("contract_line") else None,
            period_start=line.get("period_start"), period_end=line.get("period_end"),
        )
        for line in lines
    ]


class InvoiceFromTimeSerializer(StrictInputSerializer):
    contract = ScopedPrimaryKeyField(model=Contract, scope=_visible_contracts)
    contract_line = ScopedPrimaryKeyField(model=ContractLine, scope=_money_contract_lines, required=False,
                                          allow_null=True, help_text="почасовая строка; по умолчанию все почасовые")
    month = serializers.DateField(help_text="любой день месяца, время которого выставляется")
    date = serializers.DateField(required=False, help_text="дата счёта; по умолчанию сегодня")


class InvoiceLineProjectSerializer(StrictInputSerializer):
    contract_line = ScopedPrimaryKeyField(model=ContractLine, scope=_money_contract_lines, allow_null=True)


class ActCreateSerializer(StrictInputSerializer):
    date = serializers.DateField(required=False)
    line_ids = serializers.ListField(child=serializers.IntegerField(), required=False,
                                     help_text="строки счёта; по умолчанию все не закрытые актами")
    client_signer_name = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    client_signer_position = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")


class ActSignSerializer(StrictInputSerializer):
    signed_on = serializers.DateField(required=False)
    client_signer_name = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    client_signer_position = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")


class PaymentCreateSerializer(StrictInputSerializer):
    client = ScopedPrimaryKeyField(model=Client, scope=_money_clients, required=False, allow_null=True)
    date = serializers.DateField()
    amount = serializers.DecimalField(**MONEY, min_value=Decimal("0.01"))
    payer_name = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    payer_inn = serializers.CharField(max_length=16, required=False, allow_blank=True, default="")
    payer_account = serializers.CharField(required=False, allow_blank=True, default="", max_length=34)
    purpose = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    number = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")


class AllocateSerializer(StrictInputSerializer):
    invoice = ScopedPrimaryKeyField(model=Invoice, scope=permissions.invoices_visible_to)
    amount = serializers.DecimalField(**MONEY, required=False, min_value=Decimal("0.01"))


class ReallocationTargetSerializer(StrictInputSerializer):
    invoice = ScopedPrimaryKeyField(model=Invoice, scope=permissions.invoices_visible_to)
    amount = serializers.DecimalField(**MONEY, required=False, allow_null=True, min_value=Decimal("0.01"))


class ReallocateSerializer(StrictInputSerializer):
    client = ScopedPrimaryKeyField(model=Client, scope=_money_clients, required=False, allow_null=True)
    allocations = ReallocationTargetSerializer(many=True, help_text="Empty: the whole amount stays credit.")
    reason = serializers.CharField(max_length=2000)


class ConfirmSerializer(StrictInputSerializer):
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class StatementUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text=f"1CClientBankExchange statement, at most {services.MAX_STATEMENT_MB} MB.")


class PromiseCreateSerializer(StrictInputSerializer):
    promised_on = serializers.DateField()
    amount = serializers.DecimalField(**MONEY, required=False, allow_null=True)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class ReminderCloseSerializer(StrictInputSerializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=1000)


class ReminderLetterSendSerializer(StrictInputSerializer):
    subject = serializers.CharField(max_length=255)
    body = serializers.CharField(max_length=20000)
    reminder = serializers.IntegerField(required=False, allow_null=True,
                                        help_text="плановое напоминание, которое письмо закрывает")


class PlanSetSerializer(StrictInputSerializer):
    employee = ScopedPrimaryKeyField(model=Employee, scope=permissions.plan_employees_visible_to)
    month = serializers.DateField()
    amount = serializers.DecimalField(**MONEY, min_value=Decimal("0"))
    fixed_salary = serializers.DecimalField(**MONEY, required=False, allow_null=True)


# --- helpers ----------------------------------------------------------------------------------


def _month(request: Request) -> date:
    """`?month=YYYY-MM` (absent: this month); an impossible month is a 400 on `month`."""
    this_month = timezone.localdate().replace(day=1)
    return query_month(request, "month", this_month) or this_month




def _period(request: Request) -> tuple[date, date]:
    """`?start=` / `?end=` (absent: from the new year to today); an impossible date is a 400 on it."""
    today = timezone.localdate()
    start = query_date(request, "start", today.replace(month=1, day=1)) or today
    end = query_date(request, "end", today) or today
    return start, end


MONTH_PARAM = OpenApiParameter("month", OpenApiTypes.STR, description="YYYY-MM или YYYY-MM-DD")


# --- invoices ----------------------------------------------------------------------------------


class InvoiceListApi(APIView):
    permission_classes = [IsAgencyEmployee]
    pagination_class = LargeListPagination  # the same envelope; count exact up to 10,000

    @extend_schema(
        responses=InvoiceSerializer(many=True),
        parameters=[OpenApiParameter("status", OpenApiTypes.STR), OpenApiParameter("client", OpenApiTypes.INT),
                    OpenApiParameter("search", OpenApiTypes.STR), OpenApiParameter("overdue", OpenApiTypes.BOOL)],
    )
    def get(self, request: Request) -> Response:
        q = request.query_params
        filters = selectors.InvoiceFilters(
            status=query_choice(request, "status", selectors.InvoiceStatus.values), client_id=query_int(request, "client"), search=search_param(request),
            overdue=q.get("overdue") in ("1", "true"),
        )
        qs = selectors.invoice_list(actor=actor_of(request), filters=filters)
        # Only what InvoiceSerializer writes: the client's names, no contract or AM join (issue 16).
        qs = qs.select_related(None).select_related("client").only(
            *(f for f in InvoiceSerializer.Meta.fields if f not in ("client_name", "outstanding")),
            "client__legal_name", "client__brand_name")
        return paginated_response(self, request, qs, InvoiceSerializer)

    @extend_schema(request=InvoiceCreateSerializer, responses={201: InvoiceDetailSerializer})
    def post(self, request: Request) -> Response:
        require(permissions.can_manage_money(actor_of(request)))
        s = InvoiceCreateSerializer(data=request.data, context={"request": request})
        s.is_valid(raise_exception=True)
        d = s.validated_data
        invoice = services.invoice_create(
            actor=actor_of(request), client=d["client"], contract=d.get("contract"), date=d.get("date"),
            vat_mode=d.get("vat_mode"), notes=d["notes"],
            lines=_line_inputs(d["lines"]), discount_percent=d.get("discount_percent"),
            discount_reason=d.get("discount_reason", ""),
        )
        return Response(InvoiceDetailSerializer(invoice).data, status=status.HTTP_201_CREATED)


class InvoiceDetailApi(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(responses=InvoiceDetailSerializer)
    def get(self, request: Request, pk: int) -> Response:
        invoice = permissions.invoice_get_for(actor_of(request), pk)
        return Response(InvoiceDetailSerializer(selectors.invoice_detail(invoice=invoice)).data)

    @extend_schema(request=InvoiceUpdateSerializer, responses=InvoiceDetailSerializer)
    def patch(self, request: Request, pk: int) -> Response:
        """Edit a draft (date, period, note, lines); issued invoices are 400 — cancel instead."""
        invoice = permissions.invoice_get_for(actor_of(request), pk)
        require(permissions.can_manage_invoice(actor_of(request), invoice))
        s = InvoiceUpdateSerializer(data=request.data, context={"request": request})
        s.is_valid(raise_exception=True)
        d = dict(s.validated_data)
        if "lines" in d:
            d["lines"] = _line_inputs(d["lines"])
        invoice = services.invoice_update(actor=actor_of(request), invoice=invoice, **d)
        return Response(InvoiceDetailSerializer(selectors.invoice_detail(invoice=invoice)).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        invoice = permissions.invoice_get_for(actor_of(request), pk)
        services.invoice_delete(actor=actor_of(request), invoice=invoice)
        return Response(status=status.HTTP_204_NO_CONTENT)


class InvoiceIssueApi(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(request=None, responses=InvoiceDetailSerializer)
    def post(self, request: Request, pk: int) -> Response:
        invoice = permissions.invoice_get_for(actor_of(request), pk)
        invoice = services.invoice_issue(actor=actor_of(request), invoice=invoice)
        return Response(InvoiceDetailSerializer(invoice).data)


class InvoiceCancelApi(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(request=CancelSerializer, responses=InvoiceSerializer)
    def post(self, request: Request, pk: int) -> Response:
        invoice = permissions.invoice_get_for(actor_of(request), pk)
        require(permissions.can_manage_invoice(actor_of(request), invoice))
        s = CancelSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        invoice = services.invoice_cancel(actor=actor_of(request), invoice=invoice, reason=s.validated_data["reason"])
        return Response(InvoiceSerializer(invoice).data)


class InvoicePdfApi(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    def get(self, request: Request, pk: int) -> HttpResponse:
        invoice = selectors.invoice_detail(invoice=permissions.invoice_get_for(actor_of(request), pk))
        response = HttpResponse(documents.invoice_pdf(invoice), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="invoice-{invoice.number or invoice.pk}.pdf"'
        return response


class RetainerGenerateApi(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(request=MonthSerializer, responses=RetainerRunSerializer)
    def post(self, request: Request) -> Response:
        require(permissions.can_manage_money(actor_of(request)))
        s = MonthSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        run = services.retainer_invoices_generate(
            actor=actor_of(request), month=s.validated_data["month"], issue=s.validated_data["issue"]
        )
        return Response({"month": run.month, "created": [i.pk for i in run.created],
                         "skipped_contracts": [c.pk for c in run.skipped_existing]})


class InvoiceFromTimeApi(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(request=InvoiceFromTimeSerializer, responses={201: InvoiceDetailSerializer})
    def post(self, request: Request) -> Response:
        """A draft invoice for the month's unbilled hours of the contract's hourly lines
        (hours × rate); the time entries are marked billed. Nothing to bill is a 400."""
        require(permissions.can_manage_money(actor_of(request)))
        s = InvoiceFromTimeSerializer(data=request.data, context={"request": request})
        s.is_valid(raise_exception=True)
        d = s.validated_data
        invoice = services.invoice_from_time(
            actor=actor_of(request), contract=d["contract"], month=d["month"], contract_line=d.get("contract_line"),
            on=d.get("date"),
        )
        return Response(InvoiceDetailSerializer(selectors.invoice_detail(invoice=invoice)).data,
                        status=status.HTTP_201_CREATED)


class InvoiceLineProjectApi(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(request=InvoiceLineProjectSerializer, responses=InvoiceLineSerializer)
    def patch(self, request: Request, pk: int, line_id: int) -> Response:
        """Which contract line (project) an invoice line bills; allowed on issued invoices too."""
        invoice = permissions.invoice_get_for(actor_of(request), pk)
        require(permissions.can_manage_invoice(actor_of(request), invoice))
        line = invoice.lines.filter(pk=line_id).select_related("invoice").first()
        if line is None:
            raise NotFound()
        s = InvoiceLineProjectSerializer(data=request.data, context={"request": request})
        s.is_valid(raise_exception=True)
        line = services.invoice_line_set_contract_line(
            actor=actor_of(request), line=line, contract_line=s.validated_data["contract_line"]
        )
        return Response(InvoiceLineSerializer(line).data)


class InvoicePromiseApi(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(request=PromiseCreateSerializer, responses={201: PromiseSerializer})
    def post(self, request: Request, pk: int) -> Response:
        invoice = permissions.invoice_get_for(actor_of(request), pk)
        require(permissions.can_collect(actor_of(request), invoice))
        s = PromiseCreateSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        promise = services.promised_payment_add(actor=actor_of(request), invoice=invoice, **s.validated_data)
        return Response(PromiseSerializer(promise).data, status=status.HTTP_201_CREATED)


class ReminderCloseApi(APIView):
    """POST …/done/ or …/cancel/: close a planned collection reminder (the client's AM, its group
    head, finance and heads)."""

    permission_classes = [IsAgencyEmployee]
    outcome = "done"

    @extend_schema(request=ReminderCloseSerializer, responses=ReminderSerializer)
    def post(self, request: Request, pk: int) -> Response:
        reminder = permissions.reminder_get_for(actor_of(request), pk)
        require(permissions.can_collect(actor_of(request), reminder.invoice))
        s = ReminderCloseSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        close = services.reminder_complete if self.outcome == "done" else services.reminder_cancel
        reminder = close(actor=actor_of(request), reminder=reminder, note=s.validated_data["note"])
        return Response(ReminderSerializer(reminder).data)


class InvoiceReminderLetterApi(APIView):
    """GET: the payment reminder to the client's accountant as the template fills it in (to
    review). POST: send the reviewed subject and body with the invoice PDF; logged as an
    interaction, and the given planned reminder is marked done."""

    permission_classes = [IsAgencyEmployee]

    @extend_schema(responses=ReminderLetterSerializer)
    def get(self, request: Request, pk: int) -> Response:
        invoice = permissions.invoice_get_for(actor_of(request), pk)
        letter = report_services.payment_reminder_draft(actor=actor_of(request), invoice=invoice)
        return Response(ReminderLetterSerializer(letter).data)

    @extend_schema(request=ReminderLetterSendSerializer, responses={201: ReminderSentSerializer})
    def post(self, request: Request, pk: int) -> Response:
        invoice = permissions.invoice_get_for(actor_of(request), pk)
        require(permissions.can_collect(actor_of(request), invoice))
        s = ReminderLetterSendSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        d = s.validated_data
        reminder = permissions.reminder_get_for(actor_of(request), d["reminder"]) if d.get("reminder") else None
        interaction = report_services.payment_reminder_send(
            actor=actor_of(request), invoice=invoice, subject=d["subject"], body=d["body"], reminder=reminder,
        )
        return Response(ReminderSentSerializer(interaction).data, status=status.HTTP_201_CREATED)


class RemindersDueApi(APIView):
    permission_classes = [IsAgencyEmployee]
    pagination_class = StandardPagination  # documents the {count, next, previous, results} envelope

    @extend_schema(responses=ReminderSerializer(many=True))
    def get(self, request: Request) -> Response:
        """Planned reminders due by today on the actor's visible open invoices."""
        return paginated_response(self, request, selectors.reminders_due(actor=actor_of(request)), ReminderSerializer)


class InvoiceActCreateApi(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(request=ActCreateSerializer, responses={201: ActSerializer})
    def post(self, request: Request, pk: int) -> Response:
        invoice = permissions.invoice_get_for(actor_of(request), pk)
        require(permissions.can_manage_invoice(actor_of(request), invoice))
        s = ActCreateSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        act = services.act_create(actor=actor_of(request), invoice=invoice, **s.validated_data)
        return Response(ActSerializer(act).data, status=status.HTTP_201_CREATED)


# --- acts --------------------------------------------------------------------------------------


class ActListApi(APIView):
    permission_classes = [IsAgencyEmployee]
    pagination_class = StandardPagination  # documents the {count, next, previous, results} envelope

    @extend_schema(responses=ActSerializer(many=True))
    def get(self, request: Request) -> Response:
        return paginated_response(self, request, selectors.act_list(actor=actor_of(request)), ActSerializer)


class ActLineSerializer(serializers.ModelSerializer):
    project = serializers.IntegerField(source="invoice_line.contract_line.project.pk", read_only=True,
                                       allow_null=True, help_text="проект строки счёта, которую закрывает акт")

    class Meta:
        model = ActLine
        fields = ["id", "invoice_line", "name", "quantity", "unit", "price", "amount", "project"]


class ActDetailSerializer(ActSerializer):
    lines = ActLineSerializer(many=True, read_only=True)

    class Meta(ActSerializer.Meta):
        fields = [*ActSerializer.Meta.fields, "lines"]


class ActDetailApi(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(responses=ActDetailSerializer)
    def get(self, request: Request, pk: int) -> Response:
        act = permissions.act_get_for(actor_of(request), pk)
        return Response(ActDetailSerializer(selectors.act_detail(act=act)).data)


class ActPdfApi(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    def get(self, request: Request, pk: int) -> HttpResponse:
        act = permissions.act_get_for(actor_of(request), pk)
        response = HttpResponse(documents.act_pdf(act), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="act-{act.number}.pdf"'
        return response


class ActSentApi(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(request=None, responses=ActSerializer)
    def post(self, request: Request, pk: int) -> Response:
        act = permissions.act_get_for(actor_of(request), pk)
        return Response(ActSerializer(services.act_mark_sent(actor=actor_of(request), act=act)).data)


class ActSignedApi(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(request=ActSignSerializer, responses=ActSerializer)
    def post(self, request: Request, pk: int) -> Response:
        act = permissions.act_get_for(actor_of(request), pk)
        require(permissions.can_manage_money(actor_of(request)))
        s = ActSignSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        return Response(ActSerializer(services.act_mark_signed(actor=actor_of(request), act=act,
                                                               **s.validated_data)).data)


# --- payments ----------------------------------------------------------------------------------


def _payment_filters(request: Request) -> selectors.PaymentFilters:
    return selectors.PaymentFilters(
        client_id=query_int(request, "client"),
        needs_review=request.query_params.get("needs_review", "") in ("1", "true"),
        unmatched=request.query_params.get("unmatched", "") in ("1", "true"),
    )


PAYMENT_FILTER_PARAMS = [
    OpenApiParameter("needs_review", OpenApiTypes.BOOL, description="Only payments «на проверку»."),
    OpenApiParameter("unmatched", OpenApiTypes.BOOL, description="Only payments without a client."),
    OpenApiParameter("client", OpenApiTypes.INT),
]


class PaymentListApi(APIView):
    permission_classes = [IsAgencyEmployee]
    pagination_class = LargeListPagination  # the same envelope; count exact up to 10,000

    @extend_schema(responses=PaymentSerializer(many=True), parameters=PAYMENT_FILTER_PARAMS)
    def get(self, request: Request) -> Response:
        return paginated_response(self, request, selectors.payment_list(
            actor=actor_of(request), filters=_payment_filters(request)), PaymentSerializer)

    @extend_schema(request=PaymentCreateSerializer, responses={201: PaymentSerializer})
    def post(self, request: Request) -> Response:
        require(permissions.can_manage_money(actor_of(request)))
        s = PaymentCreateSerializer(data=request.data, context={"request": request})
        s.is_valid(raise_exception=True)
        payment = services.payment_record(actor=actor_of(request), **s.validated_data)
        return Response(PaymentSerializer(payment).data, status=status.HTTP_201_CREATED)


class PaymentQueueApi(APIView):
    permission_classes = [IsAgencyEmployee]
    pagination_class = StandardPagination  # documents the {count, next, previous, results} envelope

    @extend_schema(responses=PaymentSerializer(many=True), parameters=PAYMENT_FILTER_PARAMS)
    def get(self, request: Request) -> Response:
        return paginated_response(self, request, selectors.payment_queue(
            actor=actor_of(request), filters=_payment_filters(request)), PaymentSerializer)


def _payment_out(pk: int, request: Request) -> Response:
    payment = selectors.payment_list(actor=actor_of(request)).get(pk=pk)
    return Response(PaymentSerializer(payment).data)


class PaymentDetailApi(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(responses=PaymentSerializer)
    def get(self, request: Request, pk: int) -> Response:
        payment = permissions.payment_get_for(actor_of(request), pk)
        return _payment_out(payment.pk, request)


class PaymentReallocateApi(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(request=ReallocateSerializer, responses=PaymentSerializer,
                   summary="Undo the payment's allocations and put the money on other invoices or leave it as credit")
    def post(self, request: Request, pk: int) -> Response:
        payment = permissions.payment_get_for(actor_of(request), pk)
        require(permissions.can_reallocate_payment(actor_of(request), payment))
        s = ReallocateSerializer(data=request.data, context={"request": request})
        s.is_valid(raise_exception=True)
        services.payment_reallocate(
            actor=actor_of(request), payment=payment, client=s.validated_data.get("client"),
            reason=s.validated_data["reason"],
            allocations=[services.AllocationInput(invoice=a["invoice"], amount=a.get("amount"))
                         for a in s.validated_data["allocations"]],
        )
        return _payment_out(payment.pk, request)


class PaymentConfirmApi(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(request=ConfirmSerializer, responses=PaymentSerializer,
                   summary="Confirm a payment «на проверку» as it was placed")
    def post(self, request: Request, pk: int) -> Response:
        payment = permissions.payment_get_for(actor_of(request), pk)
        require(permissions.can_reallocate_payment(actor_of(request), payment))
        s = ConfirmSerializer(data=request.data, context={"request": request})
        s.is_valid(raise_exception=True)
        services.payment_confirm(actor=actor_of(request), payment=payment, note=s.validated_data["note"])
        return _payment_out(payment.pk, request)


class PaymentAcceptSuggestionApi(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(request=None, responses=PaymentSerializer,
                   summary="Give a queued payment to the suggested client (and invoice)")
    def post(self, request: Request, pk: int) -> Response:
        payment = permissions.payment_get_for(actor_of(request), pk)
        require(permissions.can_reallocate_payment(actor_of(request), payment))
        services.payment_accept_suggestion(actor=actor_of(request), payment=payment)
        return _payment_out(payment.pk, request)


class RefundListApi(APIView):
    permission_classes = [IsAgencyEmployee]
    pagination_class = StandardPagination  # documents the {count, next, previous, results} envelope

    @extend_schema(responses=RefundSerializer(many=True), summary="Refunds of credit to clients (from statements)",
                   parameters=[OpenApiParameter("client", OpenApiTypes.INT)])
    def get(self, request: Request) -> Response:
        qs = selectors.refund_list(actor=actor_of(request), client_id=query_int(request, "client"))
        return paginated_response(self, request, qs, RefundSerializer)


class PaymentHistoryApi(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(responses=PaymentChangeSerializer(many=True), summary="Who changed the allocation, when and why")
    def get(self, request: Request, pk: int) -> Response:
        payment = permissions.payment_get_for(actor_of(request), pk)
        return Response(PaymentChangeSerializer(selectors.payment_history(payment=payment), many=True).data)


class PaymentAllocateApi(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(request=AllocateSerializer, responses=PaymentSerializer)
    def post(self, request: Request, pk: int) -> Response:
        payment = permissions.payment_get_for(actor_of(request), pk)
        require(permissions.can_manage_money(actor_of(request)))
        s = AllocateSerializer(data=request.data, context={"request": request})
        s.is_valid(raise_exception=True)
        services.payment_allocate(
            actor=actor_of(request), payment=payment, invoice=s.validated_data["invoice"],
            amount=s.validated_data.get("amount"),
        )
        return _payment_out(payment.pk, request)


class StatementImportApi(APIView):
    permission_classes = [IsAgencyEmployee]
    parser_classes = [MultiPartParser]

    @extend_schema(request={"multipart/form-data": StatementUploadSerializer}, responses=ImportReportSerializer)
    def post(self, request: Request) -> Response:
        require(permissions.can_manage_money(actor_of(request)))
        s = StatementUploadSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        upload = s.validated_data["file"]
        services.statement_check_size(size=upload.size or 0)
        report = services.statement_import(actor=actor_of(request), data=upload.read(), file_name=upload.name)
        return Response(report.as_dict())


# --- receivables, collection, plans --------------------------------------------------------------


class AgingApi(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(responses=AgingSerializer, parameters=[
        OpenApiParameter("by", OpenApiTypes.STR, enum=list(selectors.AGING_GROUPINGS))])
    def get(self, request: Request) -> Response:
        report = selectors.receivables_aging(actor=actor_of(request), by=query_choice(request, "by", selectors.AGING_GROUPINGS, "client"))

        def row(r: selectors.AgingRow) -> dict[str, Any]:
            return {"key": r.key, "label": r.label, "buckets": r.buckets, "total": r.total,
                    "invoice_count": r.invoice_count}

        return Response(AgingSerializer({
            "by": report.by, "today": report.today, "buckets": list(BUCKETS), "rows": [row(r) for r in report.rows],
            "totals": row(report.totals), "billed_total": report.billed_total,
            "allocated_total": report.allocated_total, "reconciles": report.reconciles,
        }).data)


class ChaseApi(APIView):
    permission_classes = [IsAgencyEmployee]
    pagination_class = StandardPagination  # documents the {count, next, previous, results} envelope

    @extend_schema(responses=InvoiceSerializer(many=True))
    def get(self, request: Request) -> Response:
        return paginated_response(self, request, selectors.invoices_to_chase(actor=actor_of(request)), InvoiceSerializer)


class PromisesDueApi(APIView):
    permission_classes = [IsAgencyEmployee]
    pagination_class = StandardPagination  # documents the {count, next, previous, results} envelope

    @extend_schema(responses=PromiseSerializer(many=True))
    def get(self, request: Request) -> Response:
        return paginated_response(self, request, selectors.promised_payments_due(actor=actor_of(request)), PromiseSerializer)


class PlanListApi(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(responses=FulfilmentSerializer(many=True), parameters=[MONTH_PARAM])
    def get(self, request: Request) -> Response:
        rows = selectors.plan_overview(actor=actor_of(request), month=_month(request))
        return Response(FulfilmentSerializer(rows, many=True).data)

    @extend_schema(request=PlanSetSerializer, responses=FulfilmentSerializer)
    def put(self, request: Request) -> Response:
        s = PlanSetSerializer(data=request.data, context={"request": request})
        s.is_valid(raise_exception=True)
        d = s.validated_data
        require(permissions.can_set_plan(actor_of(request), d["employee"]))
        services.payment_plan_set(actor=actor_of(request), employee=d["employee"], month=d["month"],
                                  amount=d["amount"], fixed_salary=d.get("fixed_salary"))
        return Response(FulfilmentSerializer(selectors.plan_fulfilment(
            actor=actor_of(request), employee=d["employee"], month=d["month"])).data)


class BonusStatementApi(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(responses=BonusStatementSerializer, parameters=[MONTH_PARAM])
    def get(self, request: Request, employee_id: int) -> Response:
        """The stored statement for the month, or 404 if none was built yet."""
        employee = permissions.plan_employee_get_for(actor_of(request), employee_id)
        statement = selectors.bonus_statements(actor=actor_of(request), month=_month(request)).filter(
            employee=employee).first()
        if statement is None:
            raise NotFound()
        return Response(BonusStatementSerializer(statement).data)

    @extend_schema(request=None, responses=BonusStatementSerializer, parameters=[MONTH_PARAM])
    def post(self, request: Request, employee_id: int) -> Response:
        employee = permissions.plan_employee_get_for(actor_of(request), employee_id)
        statement = services.bonus_statement_build(actor=actor_of(request), employee=employee, month=_month(request))
        return Response(BonusStatementSerializer(statement).data)


class ProfitabilityApi(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(responses=ProfitRowSerializer(many=True), parameters=[
        OpenApiParameter("start", OpenApiTypes.DATE), OpenApiParameter("end", OpenApiTypes.DATE),
        OpenApiParameter("by", OpenApiTypes.STR, enum=["client", "project", "am", "group"]),
        OpenApiParameter("basis", OpenApiTypes.STR, enum=["acts", "payments"]),
    ])
    def get(self, request: Request) -> Response:
        start, end = _period(request)
        report = selectors.profitability(
            actor=actor_of(request), start=start, end=end, by=query_choice(request, "by", selectors.GROUPINGS, "client"),
            basis=query_choice(request, "basis", selectors.BASES, "acts"),
        )
        return Response(ProfitRowSerializer(report.rows, many=True).data)


class ProfitabilityWithoutProjectApi(APIView):
    permission_classes = [IsAgencyEmployee]
    pagination_class = StandardPagination  # documents the {count, next, previous, results} envelope

    @extend_schema(responses=LineWithoutProjectSerializer(many=True), parameters=[
        OpenApiParameter("start", OpenApiTypes.DATE), OpenApiParameter("end", OpenApiTypes.DATE),
        OpenApiParameter("basis", OpenApiTypes.STR, enum=["acts", "payments"]),
        OpenApiParameter("client", OpenApiTypes.INT),
    ])
    def get(self, request: Request) -> Response:
        """The invoice lines behind «Без проекта» in profitability by project, to be attributed."""
        start, end = _period(request)
        lines = selectors.invoice_lines_without_project(
            actor=actor_of(request), start=start, end=end, basis=query_choice(request, "basis", selectors.BASES, "acts"),
            client_id=query_int(request, "client"),
        )
        return paginated_response(self, request, lines, LineWithoutProjectSerializer)


urlpatterns = [
    path("invoices/", InvoiceListApi.as_view(), name="invoice-list"),
    path("invoices/from-time/", InvoiceFromTimeApi.as_view(), name="invoice-from-time"),
    path("invoices/<int:pk>/lines/<int:line_id>/", InvoiceLineProjectApi.as_view(), name="invoice-line"),
    path("profitability/without-project/", ProfitabilityWithoutProjectApi.as_view(),
         name="profitability-without-project"),
    path("invoices/generate-retainers/", RetainerGenerateApi.as_view(), name="invoice-generate-retainers"),
    path("invoices/<int:pk>/", InvoiceDetailApi.as_view(), name="invoice-detail"),
    path("invoices/<int:pk>/issue/", InvoiceIssueApi.as_view(), name="invoice-issue"),
    path("invoices/<int:pk>/cancel/", InvoiceCancelApi.as_view(), name="invoice-cancel"),
    path("invoices/<int:pk>/pdf/", InvoicePdfApi.as_view(), name="invoice-pdf"),
    path("invoices/<int:pk>/promises/", InvoicePromiseApi.as_view(), name="invoice-promises"),
    path("invoices/<int:pk>/acts/", InvoiceActCreateApi.as_view(), name="invoice-acts"),
    path("invoices/<int:pk>/reminder-letter/", InvoiceReminderLetterApi.as_view(), name="invoice-reminder-letter"),
    path("collection/reminders/<int:pk>/done/", ReminderCloseApi.as_view(outcome="done"), name="reminder-done"),
    path("collection/reminders/<int:pk>/cancel/", ReminderCloseApi.as_view(outcome="cancel"), name="reminder-cancel"),
    path("collection/reminders-due/", RemindersDueApi.as_view(), name="collection-reminders-due"),
    path("acts/", ActListApi.as_view(), name="act-list"),
    path("acts/<int:pk>/", ActDetailApi.as_view(), name="act-detail"),
    path("acts/<int:pk>/pdf/", ActPdfApi.as_view(), name="act-pdf"),
    path("acts/<int:pk>/sent/", ActSentApi.as_view(), name="act-sent"),
    path("acts/<int:pk>/signed/", ActSignedApi.as_view(), name="act-signed"),
    path("payments/", PaymentListApi.as_view(), name="payment-list"),
    path("payments/queue/", PaymentQueueApi.as_view(), name="payment-queue"),
    path("payments/<int:pk>/", PaymentDetailApi.as_view(), name="payment-detail"),
    path("payments/<int:pk>/allocate/", PaymentAllocateApi.as_view(), name="payment-allocate"),
    path("payments/<int:pk>/reallocate/", PaymentReallocateApi.as_view(), name="payment-reallocate"),
    path("payments/<int:pk>/confirm/", PaymentConfirmApi.as_view(), name="payment-confirm"),
    path("payments/<int:pk>/accept-suggestion/", PaymentAcceptSuggestionApi.as_view(), name="payment-accept-suggestion"),
    path("payments/<int:pk>/history/", PaymentHistoryApi.as_view(), name="payment-history"),
    path("statements/", StatementImportApi.as_view(), name="statement-import"),
    path("refunds/", RefundListApi.as_view(), name="refund-list"),
    path("receivables/aging/", AgingApi.as_view(), name="receivables-aging"),
    path("collection/chase/", ChaseApi.as_view(), name="collection-chase"),
    path("collection/promises-due/", PromisesDueApi.as_view(), name="collection-promises-due"),
    path("plans/", PlanListApi.as_view(), name="plan-list"),
    path("plans/<int:employee_id>/bonus/", BonusStatementApi.as_view(), name="plan-bonus"),
    path("profitability/", ProfitabilityApi.as_view(), name="profitability"),
]
