"""REST endpoints for communications (issue #5): the log, e-mail import, client requests with
SLA, response statistics, due contacts and the caller's notifications.

Visibility follows the client (invisible = 404); writes go through comms services, which
check the rules again. Input serializers check shape only.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tandem.api.fastread import FastReadMixin, prefetch_lists
from tandem.api.pagination import LargeListPagination, StandardPagination
from tandem.api.permissions import IsAgencyEmployee
from tandem.clients.models import Client, Contact
from tandem.clients.permissions import client_get_for
from tandem.comms import selectors, services
from tandem.comms.models import (
    ClientRequest,
    CommChannel,
    Direction,
    Escalation,
    Interaction,
    InteractionKind,
    Priority,
)
from tandem.comms.permissions import (
    can_configure_sla,
    interaction_get_for,
    request_get_for,
    request_owner_candidates,
)
from tandem.core.errors import NotFound, PermissionDenied
from tandem.notifications import selectors as notification_selectors
from tandem.notifications import services as notification_services
from tandem.notifications.models import Notification
from tandem.notifications.permissions import notification_get_for
from tandem.org.models import Employee, User
from tandem.org.permissions import employee_get_for

from ._common import (
    actor_of,
    page_of,
    paged_envelope,
    paginated_response,
    query_choice,
    query_int,
    search_param,
)

# --- output -----------------------------------------------------------------------------------


class PersonSerializer(FastReadMixin, serializers.Serializer):
    id = serializers.IntegerField()
    full_name = serializers.CharField()


class InteractionSerializer(FastReadMixin, serializers.ModelSerializer):
    client = serializers.SerializerMethodField()
    contacts = PersonSerializer(many=True, read_only=True)
    employees = PersonSerializer(many=True, read_only=True)

    class Meta:
        model = Interaction
        fields = ["id", "client", "kind", "direction", "channel", "occurred_at", "summary", "outcome",
                  "next_step", "next_step_due", "next_step_done_at", "contacts", "employees", "message_id",
                  "created_at", "updated_at"]
        read_only_fields = fields

    def get_client(self, obj: Interaction) -> dict[str, Any]:
        return {"id": obj.client_id, "name": obj.client.display_name}


class EscalationSerializer(serializers.ModelSerializer):
    notified = PersonSerializer(read_only=True)
    escalated_by = PersonSerializer(read_only=True, allow_null=True,
                                    help_text="Who escalated by hand; null for the periodic job.")

    class Meta:
        model = Escalation
        fields = ["id", "level", "notified", "channels", "reason", "escalated_by", "created_at"]
        read_only_fields = fields


class EscalateResultSerializer(serializers.Serializer):
    created = serializers.BooleanField(help_text="False when the request had been escalated at this level before.")
    escalations = EscalationSerializer(many=True)


class RequestSerializer(serializers.ModelSerializer):
    client = serializers.SerializerMethodField()
    contact = PersonSerializer(read_only=True, allow_null=True)
    owner = PersonSerializer(read_only=True, allow_null=True)
    first_response_breached = serializers.SerializerMethodField()
    resolve_breached = serializers.SerializerMethodField()
    minutes_left = serializers.SerializerMethodField(help_text="Minutes to the next SLA deadline; negative when late.")

    class Meta:
        model = ClientRequest
        fields = ["id", "client", "contact", "channel", "subject", "text", "priority", "received_at",
                  "first_response_at", "resolved_at", "owner", "round_the_clock", "first_response_due_at",
                  "resolve_due_at", "head_escalation_at", "first_response_breached", "resolve_breached",
                  "minutes_left", "created_at"]
        read_only_fields = fields

    def get_client(self, obj: ClientRequest) -> dict[str, Any]:
        return {"id": obj.client_id, "name": obj.client.display_name}

    def get_first_response_breached(self, obj: ClientRequest) -> bool:
        return obj.first_response_breached()

    def get_resolve_breached(self, obj: ClientRequest) -> bool:
        return obj.resolve_breached()

    def get_minutes_left(self, obj: ClientRequest) -> int | None:
        deadline = obj.next_deadline
        return None if deadline is None else int((deadline - timezone.now()).total_seconds() // 60)


class RequestDetailSerializer(RequestSerializer):
    escalations = EscalationSerializer(many=True, read_only=True)

    class Meta(RequestSerializer.Meta):
        fields = RequestSerializer.Meta.fields + ["escalations"]
        read_only_fields = fields


class NotificationSerializer(serializers.ModelSerializer):
    deliveries = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "url", "created_at", "read_at", "deliveries"]
        read_only_fields = fields

    def get_deliveries(self, obj: Notification) -> list[dict[str, Any]]:
        return [{"id": d.id, "channel": d.channel, "status": d.status, "attempts": d.attempts,
                 "last_error": d.last_error} for d in obj.deliveries.all()]


# --- input ------------------------------------------------------------------------------------


class InteractionInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=InteractionKind.choices, required=False)
    direction = serializers.ChoiceField(choices=Direction.choices, required=False)
    channel = serializers.ChoiceField(choices=CommChannel.choices, required=False)
    occurred_at = serializers.DateTimeField(required=False)
    summary = serializers.CharField(max_length=20000, required=False)
    outcome = serializers.CharField(max_length=20000, required=False, allow_blank=True)
    next_step = serializers.CharField(max_length=255, required=False, allow_blank=True)
    next_step_due = serializers.DateField(required=False, allow_null=True)
    contacts = serializers.ListField(child=serializers.IntegerField(), required=False)
    employees = serializers.ListField(child=serializers.IntegerField(), required=False)


class InteractionCreateInput(InteractionInput):
    client = serializers.IntegerField()
    summary = serializers.CharField(max_length=20000)


class RequestCreateInput(serializers.Serializer):
    client = serializers.IntegerField()
    contact = serializers.IntegerField(required=False, allow_null=True)
    owner = serializers.IntegerField(required=False, allow_null=True)
    channel = serializers.ChoiceField(choices=CommChannel.choices, required=False)
    subject = serializers.CharField(max_length=255)
    text = serializers.CharField(max_length=20000, required=False, allow_blank=True)
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)
    received_at = serializers.DateTimeField(required=False)


class MomentInput(serializers.Serializer):
    at = serializers.DateTimeField(required=False)


class ImportInput(serializers.Serializer):
    file = serializers.FileField()


# --- helpers ----------------------------------------------------------------------------------


def _client(actor: User, client_id: int) -> Client:
    try:
        return client_get_for(actor, client_id)
    except NotFound:
        raise DjangoValidationError({"client": _("Клиент не найден.")}) from None


def _contacts(client: Client, ids: list[int] | None) -> list[Contact] | None:
    if ids is None:
        return None
    contacts = list(Contact.objects.filter(client=client, pk__in=ids))
    if len(contacts) != len(set(ids)):
        raise DjangoValidationError({"contacts": _("Контакт не найден у этого клиента.")})
    return contacts


def _employees(actor: User, ids: list[int] | None) -> list[Employee] | None:
    if ids is None:
        return None
    try:
        return [employee_get_for(actor, pk) for pk in dict.fromkeys(ids)]
    except NotFound:
        raise DjangoValidationError({"employees": _("Сотрудник не найден.")}) from None




def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


# --- views ------------------------------------------------------------------------------------


class InteractionListApi(APIView):
    permission_classes = [IsAgencyEmployee]
    pagination_class = LargeListPagination  # the same envelope; count exact up to 10,000

    @extend_schema(responses=InteractionSerializer(many=True))
    def get(self, request: Request) -> Response:
        filters = selectors.InteractionFilters(
            client_id=query_int(request, "client"), kind=query_choice(request, "kind", InteractionKind.values),
            search=search_param(request), employee_id=query_int(request, "employee"),
        )
        qs = selectors.interaction_list(actor=actor_of(request), filters=filters)
        # Only what InteractionSerializer writes: the client's names, people's id and name (issue 16).
        qs = (qs.select_related(None).select_related("client")
              .only(*(f for f in InteractionSerializer.Meta.fields if f not in ("contacts", "employees")),
                    "client__legal_name", "client__brand_name")
              .prefetch_related(None))

        def people(page: list[Interaction]) -> None:  # the selector's two prefetches, without a manager per row
            prefetch_lists(page, "contacts", Contact.objects.only("id", "full_name"))
            prefetch_lists(page, "employees", Employee.objects.only("id", "full_name"))

        return paginated_response(self, request, qs, InteractionSerializer, prepare=people)

    @extend_schema(request=InteractionCreateInput, responses={201: InteractionSerializer})
    def post(self, request: Request) -> Response:
        data = InteractionCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        client = _client(actor_of(request), values.pop("client"))
        contacts = _contacts(client, values.pop("contacts", None)) or []
        employees = _employees(actor_of(request), values.pop("employees", None))
        interaction = services.interaction_create(
            actor=actor_of(request), client=client, data=values, contacts=contacts, employees=employees
        )
        return Response(InteractionSerializer(interaction).data, status=status.HTTP_201_CREATED)


class InteractionDetailApi(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(responses=InteractionSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return Response(InteractionSerializer(interaction_get_for(actor_of(request), pk)).data)

    @extend_schema(request=InteractionInput, responses=InteractionSerializer)
    def patch(self, request: Request, pk: int) -> Response:
        interaction = interaction_get_for(actor_of(request), pk)
        data = InteractionInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        contacts = _contacts(interaction.client, values.pop("contacts", None))
        employees = _employees(actor_of(request), values.pop("employees", None))
        interaction = services.interaction_update(
            actor=actor_of(request), interaction=interaction, data=values, contacts=contacts, employees=employees
        )
        return Response(InteractionSerializer(interaction).data)

    @extend_schema(responses={204: None}, summary="Delete an entry recorded by mistake (its author or a head)")
    def delete(self, request: Request, pk: int) -> Response:
        services.interaction_delete(actor=actor_of(request), interaction=interaction_get_for(actor_of(request), pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class EmailImportApi(APIView):
    permission_classes = [IsAgencyEmployee]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request={"multipart/form-data": ImportInput}, responses=dict)
    def post(self, request: Request) -> Response:
        data = ImportInput(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        report = services.email_import(actor=actor_of(request), data=upload.read(), filename=upload.name or "")
        if report.errors:
            raise DjangoValidationError({"file": report.errors})

        def rows(items: list) -> list[dict[str, Any]]:  # type: ignore[type-arg]
            return [{"message_id": i.message_id, "subject": i.subject, "client": i.client, "reason": i.reason,
                     "addresses": i.addresses} for i in items]

        return Response({"imported": rows(report.imported), "skipped": rows(report.skipped),
                         "unmatched": rows(report.unmatched)})


class RequestListApi(APIView):
    permission_classes = [IsAgencyEmployee]
    pagination_class = StandardPagination  # documents the {count, next, previous, results} envelope

    @extend_schema(responses=RequestSerializer(many=True))
    def get(self, request: Request) -> Response:
        q = request.query_params
        filters = selectors.RequestFilters(
            status=q.get("status", "open"), client_id=query_int(request, "client"), owner_id=query_int(request, "owner"),
            priority=q.get("priority", ""),
        )
        return paginated_response(self, request, selectors.request_list(actor=actor_of(request), filters=filters), RequestSerializer)

    @extend_schema(request=RequestCreateInput, responses={201: RequestSerializer})
    def post(self, request: Request) -> Response:
        data = RequestCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        client = _client(actor_of(request), values.pop("client"))
        contact_id, owner_id = values.pop("contact", None), values.pop("owner", None)
        contact = next(iter(_contacts(client, [contact_id]) or []), None) if contact_id else None
        owner = None
        if owner_id:
            try:
                owner = employee_get_for(actor_of(request), owner_id)
            except NotFound:
                raise DjangoValidationError({"owner": _("Сотрудник не найден.")}) from None
        obj = services.request_create(actor=actor_of(request), client=client, data=values, contact=contact, owner=owner)
        return Response(RequestSerializer(obj).data, status=status.HTTP_201_CREATED)


class RequestDetailApi(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(responses=RequestDetailSerializer)
    def get(self, request: Request, pk: int) -> Response:
        obj = selectors.request_detail(request=request_get_for(actor_of(request), pk))
        return Response(RequestDetailSerializer(obj).data)


class RequestRespondApi(APIView):
    permission_classes = [IsAgencyEmployee]
    action = "respond"

    @extend_schema(request=MomentInput, responses=RequestSerializer)
    def post(self, request: Request, pk: int) -> Response:
        obj = request_get_for(actor_of(request), pk)
        data = MomentInput(data=request.data)
        data.is_valid(raise_exception=True)
        verb = services.request_respond if self.action == "respond" else services.request_resolve
        obj = verb(actor=actor_of(request), request=obj, at=data.validated_data.get("at"))
        return Response(RequestSerializer(obj).data)


class RequestResolveApi(RequestRespondApi):
    action = "resolve"


class ReassignInput(serializers.Serializer):
    owner = serializers.IntegerField(help_text="Employee id, one of GET requests/{id}/owners/.")


class ReopenInput(serializers.Serializer):
    reason = serializers.CharField(max_length=100, help_text="Why the request is open again (kept in its history).")


class RequestOwnersApi(APIView):
    """Who may handle the request: heads of accounts, the client's group head, AM, team specialists."""

    permission_classes = [IsAgencyEmployee]

    @extend_schema(responses=PersonSerializer(many=True))
    def get(self, request: Request, pk: int) -> Response:
        obj = request_get_for(actor_of(request), pk)
        return Response(PersonSerializer(request_owner_candidates(obj.client), many=True).data)


class RequestReassignApi(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(request=ReassignInput, responses=RequestSerializer, summary="Hand an open request to another employee")
    def post(self, request: Request, pk: int) -> Response:
        obj = request_get_for(actor_of(request), pk)
        data = ReassignInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            owner = employee_get_for(actor_of(request), data.validated_data["owner"])
        except NotFound:
            raise DjangoValidationError({"owner": _("Сотрудник не найден.")}) from None
        obj = services.request_assign(actor=actor_of(request), request=obj, owner=owner)
        return Response(RequestSerializer(obj).data)


class RequestReopenApi(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(request=ReopenInput, responses=RequestSerializer, summary="Reopen a resolved request with a reason")
    def post(self, request: Request, pk: int) -> Response:
        obj = request_get_for(actor_of(request), pk)
        data = ReopenInput(data=request.data)
        data.is_valid(raise_exception=True)
        obj = services.request_reopen(actor=actor_of(request), request=obj, reason=data.validated_data["reason"])
        return Response(RequestSerializer(obj).data)


class EscalateInput(serializers.Serializer):
    level = serializers.ChoiceField(choices=Escalation.Level.choices,
                                    help_text="1: the group head, 2: the heads of accounts.")
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True)


class RequestEscalateApi(APIView):
    """Escalate now, by hand; idempotent per level (201 when sent, 200 with the earlier records)."""

    permission_classes = [IsAgencyEmployee]

    @extend_schema(request=EscalateInput, responses={201: EscalateResultSerializer, 200: EscalateResultSerializer})
    def post(self, request: Request, pk: int) -> Response:
        obj = request_get_for(actor_of(request), pk)
        data = EscalateInput(data=request.data)
        data.is_valid(raise_exception=True)
        result = services.request_escalate(actor=actor_of(request), request=obj, level=data.validated_data["level"],
                                           reason=data.validated_data.get("reason", ""))
        body = EscalateResultSerializer({"created": result.created, "escalations": result.escalations}).data
        return Response(body, status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK)


class RequestStatsApi(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(responses=dict)
    def get(self, request: Request) -> Response:
        raw = request.query_params.get("month", "")
        try:
            month = date.fromisoformat(f"{raw}-01") if raw else timezone.localdate().replace(day=1)
        except ValueError:
            raise DjangoValidationError({"month": _("Месяц в формате ГГГГ-ММ.")}) from None
        report = selectors.response_stats(actor=actor_of(request), month=month)

        def row(s: selectors.ResponseStats) -> dict[str, Any]:
            return {"label": s.label, "key": s.key, "total": s.total, "responded": s.responded,
                    "breaches": s.breaches, "breach_rate": round(s.breach_rate, 4),
                    "median_minutes": s.median_minutes, "p90_minutes": s.p90_minutes}

        return Response({"month": report.month.isoformat()[:7], "overall": row(report.overall),
                         "by_manager": [row(s) for s in report.by_manager],
                         "by_group": [row(s) for s in report.by_group]})


class _DueContactPersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    full_name = serializers.CharField()
    phone = serializers.CharField()
    email = serializers.CharField()
    preferred_channel = serializers.CharField()
    quiet_hours = serializers.CharField(allow_null=True)
    in_quiet_hours = serializers.BooleanField()


class _DueContactClientSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class DueContactSerializer(serializers.Serializer):
    """One contact due for a touch (documentation of the hand-built rows below)."""

    contact = _DueContactPersonSerializer()
    client = _DueContactClientSerializer()
    account_manager_id = serializers.IntegerField(allow_null=True)
    last_contact_at = serializers.DateTimeField(allow_null=True)
    next_due = serializers.DateField(allow_null=True)
    overdue_days = serializers.IntegerField()


class DueContactsApi(APIView):
    permission_classes = [IsAgencyEmployee]
    pagination_class = StandardPagination  # documents the {count, next, previous, results} envelope

    @extend_schema(responses=DueContactSerializer(many=True))
    def get(self, request: Request) -> Response:
        """Contacts due today or earlier for the actor's scope (oneself; a group head's group; a
        head of accounts' agency), soonest first, one page in the standard envelope."""
        actor = actor_of(request)
        am_ids = [e.pk for e in selectors.employees_for_scope(actor=actor)]
        size, number = page_of(request)
        listed = selectors.contacts_due(actor=actor, am_ids=am_ids, limit=size, offset=(number - 1) * size)
        return paged_envelope(request, listed.total, size, number, [
            {"contact": {"id": i.contact.pk, "full_name": i.contact.full_name, "phone": i.contact.phone,
                         "email": i.contact.email, "preferred_channel": i.contact.preferred_channel,
                         "quiet_hours": i.quiet_hours, "in_quiet_hours": i.in_quiet_hours},
             "client": {"id": i.client.pk, "name": i.client.display_name},
             "account_manager_id": i.client.account_manager_id,
             "last_contact_at": i.last_at, "next_due": i.next_due, "overdue_days": i.overdue_days}
            for i in listed.items
        ])


class NotificationListApi(APIView):
    permission_classes = [IsAgencyEmployee]
    pagination_class = StandardPagination  # documents the {count, next, previous, results} envelope

    @extend_schema(responses=NotificationSerializer(many=True))
    def get(self, request: Request) -> Response:
        unread = request.query_params.get("unread") in {"1", "true"}
        qs = notification_selectors.notification_list(actor=actor_of(request), unread_only=unread)
        return paginated_response(self, request, qs, NotificationSerializer)


class NotificationReadApi(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(request=None, responses=NotificationSerializer)
    def post(self, request: Request, pk: int) -> Response:
        obj = notification_services.notification_mark_read(
            actor=actor_of(request), notification=notification_get_for(actor_of(request), pk)
        )
        return Response(NotificationSerializer(obj).data)


# --- SLA settings -------------------------------------------------------------------------------

TIER_ANY = "any"  # the URL spelling of the blank tier ("any tier", the fallback column)


@extend_schema_field({"type": "string", "pattern": r"^\d{2}:\d{2}(:\d{2})?$", "example": "09:00"})
class ClockTimeField(serializers.TimeField):
    """A time of day answered as «HH:MM» (OpenAPI's `format: time` would demand seconds and a zone)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%H:%M", **kwargs)


class WorkScheduleSerializer(serializers.Serializer):
    day_start = ClockTimeField()
    day_end = ClockTimeField()
    time_zone = serializers.CharField(max_length=64)


class SlaTermsSerializer(serializers.Serializer):
    first_response_minutes = serializers.IntegerField(min_value=1, max_value=2147483647)
    resolve_minutes = serializers.IntegerField(min_value=1, max_value=2147483647)
    head_escalation_minutes = serializers.IntegerField(
        min_value=1, max_value=2147483647, help_text="After the first-response deadline, to the heads of accounts."
    )
    round_the_clock = serializers.BooleanField(help_text="False: business minutes on the working calendar.")


class SlaCellSerializer(SlaTermsSerializer):
    priority = serializers.ChoiceField(choices=Priority.choices)
    tier = serializers.CharField(help_text='Client tier; "any" for the fallback of every tier.')
    origin = serializers.ChoiceField(choices=["own", "any", "default"],
                                     help_text="own: set by the agency; any: the agency's any-tier terms; "
                                               "default: built in.")


class HolidaySerializer(serializers.Serializer):
    date = serializers.DateField()
    name = serializers.CharField()


class SlaSettingsSerializer(serializers.Serializer):
    can_edit = serializers.BooleanField()
    schedule = WorkScheduleSerializer()
    policies = SlaCellSerializer(many=True)
    holidays = HolidaySerializer(many=True)


def _cell_data(cell: selectors.SlaCell) -> dict[str, Any]:
    t = cell.terms
    return {"priority": cell.priority, "tier": cell.tier or TIER_ANY, "origin": cell.source,
            "first_response_minutes": t.first_response_minutes, "resolve_minutes": t.resolve_minutes,
            "head_escalation_minutes": t.head_escalation_minutes, "round_the_clock": t.round_the_clock}


def _schedule_data(settings: selectors.SlaSettings) -> dict[str, Any]:
    return WorkScheduleSerializer(
        {"day_start": settings.day_start, "day_end": settings.day_end, "time_zone": settings.time_zone}
    ).data


def _sla_tier(raw: str) -> str:
    tier = "" if raw == TIER_ANY else raw
    if tier not in services.SLA_TIERS or raw == "":
        raise NotFound()
    return tier


class SlaSettingsApi(APIView):
    """The agency's working hours and SLA grid. Heads and admins change, group heads and AMs read,
    everyone else 404."""

    permission_classes = [IsAgencyEmployee]

    @extend_schema(responses=SlaSettingsSerializer, tags=["comms"])
    def get(self, request: Request) -> Response:
        settings = selectors.sla_settings(actor=actor_of(request))
        return Response(SlaSettingsSerializer({
            "can_edit": can_configure_sla(actor_of(request)), "schedule": _schedule_data(settings),
            "policies": [_cell_data(c) for c in settings.cells],
            "holidays": [{"date": d, "name": n} for d, n in settings.holidays],
        }).data)


class WorkScheduleApi(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(responses=WorkScheduleSerializer, tags=["comms"])
    def get(self, request: Request) -> Response:
        return Response(_schedule_data(selectors.sla_settings(actor=actor_of(request), holidays_days=0)))

    @extend_schema(request=WorkScheduleSerializer, responses=WorkScheduleSerializer, tags=["comms"])
    def put(self, request: Request) -> Response:
        selectors.sla_settings(actor=actor_of(request), holidays_days=0)  # 404 for those who may not see it
        if not can_configure_sla(actor_of(request)):
            raise PermissionDenied()
        data = WorkScheduleSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        schedule = services.work_schedule_update(actor=actor_of(request), data=dict(data.validated_data))
        return Response(WorkScheduleSerializer(schedule).data)


class SlaPolicyApi(APIView):
    """One cell of the SLA grid: /comms/sla/policies/<priority>/<tier or "any">/."""

    permission_classes = [IsAgencyEmployee]

    def _cell(self, request: Request, priority: str, tier: str) -> selectors.SlaCell:
        if priority not in Priority.values:
            raise NotFound()
        return selectors.sla_settings(actor=actor_of(request), holidays_days=0).cell(priority, _sla_tier(tier))

    @extend_schema(responses=SlaCellSerializer, tags=["comms"])
    def get(self, request: Request, priority: str, tier: str) -> Response:
        return Response(SlaCellSerializer(_cell_data(self._cell(request, priority, tier))).data)

    @extend_schema(request=SlaTermsSerializer, responses=SlaCellSerializer, tags=["comms"])
    def put(self, request: Request, priority: str, tier: str) -> Response:
        cell = self._cell(request, priority, tier)
        if not can_configure_sla(actor_of(request)):
            raise PermissionDenied()
        data = SlaTermsSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.sla_policy_set(actor=actor_of(request), priority=cell.priority, tier=cell.tier,
                                data=dict(data.validated_data))
        return Response(SlaCellSerializer(_cell_data(self._cell(request, priority, tier))).data)


urlpatterns = [
    path("interactions/", InteractionListApi.as_view(), name="interaction-list"),
    path("interactions/import/", EmailImportApi.as_view(), name="interaction-import"),
    path("interactions/<int:pk>/", InteractionDetailApi.as_view(), name="interaction-detail"),
    path("requests/", RequestListApi.as_view(), name="request-list"),
    path("requests/stats/", RequestStatsApi.as_view(), name="request-stats"),
    path("requests/<int:pk>/", RequestDetailApi.as_view(), name="request-detail"),
    path("requests/<int:pk>/respond/", RequestRespondApi.as_view(), name="request-respond"),
    path("requests/<int:pk>/resolve/", RequestResolveApi.as_view(), name="request-resolve"),
    path("requests/<int:pk>/escalate/", RequestEscalateApi.as_view(), name="request-escalate"),
    path("requests/<int:pk>/owners/", RequestOwnersApi.as_view(), name="request-owners"),
    path("requests/<int:pk>/reassign/", RequestReassignApi.as_view(), name="request-reassign"),
    path("requests/<int:pk>/reopen/", RequestReopenApi.as_view(), name="request-reopen"),
    path("comms/due-contacts/", DueContactsApi.as_view(), name="comms-due-contacts"),
    path("comms/sla/", SlaSettingsApi.as_view(), name="comms-sla"),
    path("comms/sla/schedule/", WorkScheduleApi.as_view(), name="comms-sla-schedule"),
    path("comms/sla/policies/<str:priority>/<str:tier>/", SlaPolicyApi.as_view(), name="comms-sla-policy"),
    path("notifications/", NotificationListApi.as_view(), name="notification-list"),
    path("notifications/<int:pk>/read/", NotificationReadApi.as_view(), name="notification-read"),
]
