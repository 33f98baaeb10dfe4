"""REST endpoints for clients, contact people, client teams and AM workload (issue #2).

Visibility is `tandem.clients.permissions`: a client the actor may not see is 404, exactly like a
missing one; 403 is only for actions on a visible client. Every write calls one service of
`tandem.clients.services`.

Response shape of the two AM-assigning writes (client create, assign-manager) — the workload rule
may let them through with warnings, so they answer with an envelope:

    {"client": {...client detail...}, "warnings": ["..."], "limit_overridden": false}
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter
from rest_framework.views import APIView

from tandem.api.fastread import FastReadMixin
from tandem.api.permissions import IsAgencyEmployee
from tandem.clients import selectors, services
from tandem.clients.models import (
    AccountManagerChange,
    ChurnReason,
    Client,
    ClientKind,
    ClientTier,
    Contact,
    LifecycleStatus,
    LifecycleTransition,
    ServiceKind,
    TeamMember,
)
from tandem.clients.permissions import (
    can_assign_account_manager,
    can_change_lifecycle,
    can_create_client,
    can_edit_client,
    can_manage_team,
    client_get_for,
    clients_visible_to,
    contact_get_for,
)
from tandem.comms import services as comms_services
from tandem.core.errors import NotFound
from tandem.org.models import Employee, Group, User
from tandem.org.permissions import employees_visible_to, groups_visible_to

from ._common import (
    SEARCH_MAX_LENGTH,
    ScopedPrimaryKeyField,
    StableOrderingFilter,
    StrictInputSerializer,
    actor_of,
    require,
)
from .org import EmployeeBriefSerializer, GroupBriefSerializer, brief_columns

# ---------------------------------------------------------------------------------------------
# Output serializers (read only)


class UserBriefSerializer(FastReadMixin, serializers.Serializer):
    """Who did something: the login and, when they are an employee, their name."""

    id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(read_only=True)
    full_name = serializers.SerializerMethodField()

    def get_full_name(self, user: User) -> str:
        employee = user.employee_or_none
        return employee.full_name if employee else user.get_full_name() or user.username


class ContactSerializer(FastReadMixin, serializers.ModelSerializer):
    class Meta:
        model = Contact
        fields = [
            "id", "client", "full_name", "position", "role", "phone", "email", "messenger", "preferred_channel",
            "cadence_days", "is_urgent_contact", "quiet_hours_start", "quiet_hours_end", "birthday", "notes",
            "is_active", "created_at", "updated_at",
        ]
        read_only_fields = fields


class TeamMemberSerializer(FastReadMixin, serializers.ModelSerializer):
    employee = EmployeeBriefSerializer(read_only=True)

    class Meta:
        model = TeamMember
        fields = ["id", "employee", "service", "added_at"]
        read_only_fields = fields


class ClientListSerializer(FastReadMixin, serializers.ModelSerializer):
    account_manager = EmployeeBriefSerializer(read_only=True, allow_null=True)
    group = GroupBriefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Client
        fields = [
            "id", "legal_name", "brand_name", "display_name", "inn", "kind", "tier", "status", "status_changed_at",
            "account_manager", "group", "created_at", "updated_at",
        ]
        read_only_fields = fields


class ClientDetailSerializer(ClientListSerializer):
    """The client card: legal and bank details, notes, contacts (urgent first) and the team."""

    fast_read = True

    contacts = ContactSerializer(many=True, read_only=True)
    team = TeamMemberSerializer(many=True, read_only=True, source="team_members")
    # Declared: a read-only model field loses allow_blank, and the schema would refuse the "" returned.
    churn_reason = serializers.ChoiceField(choices=ChurnReason.choices, allow_blank=True, read_only=True)
    website = serializers.CharField(read_only=True, help_text="A URL, or empty.")

    class Meta(ClientListSerializer.Meta):
        fields = [
            *ClientListSerializer.Meta.fields,
            "kpp", "ogrn", "legal_address", "bank_name", "bik", "bank_account", "correspondent_account",
            "churn_reason", "churn_comment", "character_notes", "personal_notes", "website", "served_since",
            "contacts", "team",
        ]
        read_only_fields = fields


class AssignmentResultSerializer(serializers.Serializer):
    """Result of a write that (re)assigns the responsible AM.

    `warnings` lists workload messages (soft limit passed, or hard limit forced by the head of
    accounts); `limit_overridden` is true when the hard limit was forced, which is also recorded
    in the manager history.
    """

    client = ClientDetailSerializer(read_only=True)
    warnings = serializers.ListField(child=serializers.CharField(), read_only=True)
    limit_overridden = serializers.BooleanField(read_only=True)


class AssignManagerResultSerializer(AssignmentResultSerializer):
    """The assignment result plus the handover checklist opened for the new AM."""

    handover = serializers.IntegerField(
        read_only=True, allow_null=True,
        help_text="the handover checklist opened for the new AM (/clients/{id}/handover/); null when nothing changed",
    )


class LifecycleTransitionSerializer(serializers.ModelSerializer):
    changed_by = UserBriefSerializer(read_only=True)

    class Meta:
        model = LifecycleTransition
        fields = ["id", "from_status", "to_status", "changed_by", "changed_at", "reason", "churn_reason"]
        read_only_fields = fields


class AccountManagerChangeSerializer(serializers.ModelSerializer):
    previous_manager = EmployeeBriefSerializer(read_only=True, allow_null=True)
    new_manager = EmployeeBriefSerializer(read_only=True, allow_null=True)
    changed_by = UserBriefSerializer(read_only=True)

    class Meta:
        model = AccountManagerChange
        fields = ["id", "previous_manager", "new_manager", "changed_by", "changed_at", "reason", "limit_overridden"]
        read_only_fields = fields


class WorkloadEmployeeSerializer(EmployeeBriefSerializer):
    group = GroupBriefSerializer(read_only=True, allow_null=True)

    class Meta(EmployeeBriefSerializer.Meta):
        fields = [*EmployeeBriefSerializer.Meta.fields, "group"]
        read_only_fields = fields


class WorkloadSerializer(serializers.Serializer):
    employee = WorkloadEmployeeSerializer(read_only=True)
    active_clients = serializers.IntegerField(read_only=True, help_text="Clients in onboarding, active, at risk.")
    soft_limit = serializers.IntegerField(read_only=True)
    hard_limit = serializers.IntegerField(read_only=True)
    state = serializers.ChoiceField(
        choices=[("ok", "ok"), ("warning", "above the soft limit"), ("over", "above the hard limit")],
        read_only=True,
    )
    percent_of_soft = serializers.IntegerField(read_only=True)


# ---------------------------------------------------------------------------------------------
# Input serializers (shape only; the rules and the INN/OGRN checks are in the domain)


def _employee_field(**kwargs: Any) -> ScopedPrimaryKeyField:
    return ScopedPrimaryKeyField(model=Employee, scope=employees_visible_to, **kwargs)


def _text(max_length: int | None = None) -> serializers.CharField:
    return serializers.CharField(max_length=max_length, required=False, allow_blank=True)


class ClientFieldsInputSerializer(StrictInputSerializer):
    legal_name = serializers.CharField(max_length=255)
    brand_name = _text(255)
    inn = _text(12)
    kpp = _text(9)
    ogrn = _text(15)
    legal_address = _text(500)
    bank_name = _text(255)
    bik = _text(9)
    bank_account = _text(20)
    correspondent_account = _text(20)
    kind = serializers.ChoiceField(choices=ClientKind.choices, required=False)
    tier = serializers.ChoiceField(choices=ClientTier.choices, required=False)
    group = ScopedPrimaryKeyField(model=Group, scope=groups_visible_to, required=False, allow_null=True)
    character_notes = _text(20000)
    personal_notes = _text(20000)
    website = _text(200)
    served_since = serializers.DateField(
        required=False, allow_null=True,
        help_text="When the agency started serving the client (history before Tandem); the first AM is "
                  "credited for payments from this day. A contract starting earlier moves it back.",
    )


class ClientCreateInputSerializer(ClientFieldsInputSerializer):
    status = serializers.ChoiceField(
        choices=LifecycleStatus.choices, required=False, help_text="lead (default), onboarding or active.",
    )
    account_manager = _employee_field(
        required=False, allow_null=True, help_text="Defaults to the creator when they are an account manager.",
    )
    reason = _text(2000)
    force = serializers.BooleanField(
        default=False, help_text="Head of accounts only: assign even above the AM's hard limit.",
    )


class TransitionInputSerializer(StrictInputSerializer):
    to_status = serializers.ChoiceField(choices=LifecycleStatus.choices)
    reason = _text(2000)
    churn_reason = serializers.ChoiceField(
        choices=ChurnReason.choices, required=False, allow_blank=True, help_text="Required for churned.",
    )
    churn_comment = _text(2000)


class AssignManagerInputSerializer(StrictInputSerializer):
    account_manager = _employee_field()
    reason = _text(2000)
    force = serializers.BooleanField(
        default=False, help_text="Head of accounts only: assign even above the AM's hard limit.",
    )


class TeamMemberInputSerializer(StrictInputSerializer):
    employee = _employee_field()
    service = serializers.ChoiceField(choices=ServiceKind.choices)


class ContactFieldsInputSerializer(StrictInputSerializer):
    full_name = serializers.CharField(max_length=255)
    position = _text(255)
    role = serializers.ChoiceField(choices=Contact.Role.choices, required=False)
    phone = _text(32)
    email = serializers.EmailField(required=False, allow_blank=True)
    messenger = _text(120)
    preferred_channel = serializers.ChoiceField(choices=Contact.Channel.choices, required=False)
    cadence_days = serializers.IntegerField(required=False, min_value=1, max_value=92)
    is_urgent_contact = serializers.BooleanField(
        required=False, help_text="Marking a contact urgent takes the flag from the previous urgent contact.",
    )
    quiet_hours_start = serializers.TimeField(required=False, allow_null=True)
    quiet_hours_end = serializers.TimeField(required=False, allow_null=True)
    birthday = serializers.DateField(required=False, allow_null=True)
    notes = _text(20000)
    is_active = serializers.BooleanField(required=False)


class ContactCreateInputSerializer(ContactFieldsInputSerializer):
    client = ScopedPrimaryKeyField(model=Client, scope=clients_visible_to)


class ClientListQuerySerializer(serializers.Serializer):
    """Query parameters of the client list (unknown parameters are ignored)."""

    search = serializers.CharField(
        required=False, allow_blank=True, max_length=SEARCH_MAX_LENGTH, help_text="Legal or brand name, INN prefix, contact name or e-mail.",
    )
    account_manager = serializers.IntegerField(required=False, min_value=1)
    group = serializers.IntegerField(required=False, min_value=1)
    status = serializers.ListField(
        child=serializers.ChoiceField(choices=LifecycleStatus.choices), required=False,
        help_text="Repeat to select several: ?status=active&status=at_risk.",
    )
    tier = serializers.ChoiceField(choices=ClientTier.choices, required=False)
    kind = serializers.ChoiceField(choices=ClientKind.choices, required=False)


class ContactListQuerySerializer(serializers.Serializer):
    client = serializers.IntegerField(required=False, min_value=1)
    search = serializers.CharField(
        required=False, allow_blank=True, max_length=SEARCH_MAX_LENGTH, help_text="Name, e-mail or phone.",
    )


class WorkloadQuerySerializer(serializers.Serializer):
    group = serializers.IntegerField(required=False, min_value=1)


def _query(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    query = serializer_class(data=request.query_params)
    query.is_valid(raise_exception=True)
    return dict(query.validated_data)


# ---------------------------------------------------------------------------------------------
# Views

_NO_PAGES: dict[str, Any] = {"pagination_class": None, "filter_backends": []}


@extend_schema_view(
    list=extend_schema(summary="Visible clients", parameters=[ClientListQuerySerializer], tags=["clients"]),
    retrieve=extend_schema(summary="Client card", responses={200: ClientDetailSerializer}, tags=["clients"]),
)
class ClientViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Clients the actor may see; writes go through tandem.clients.services."""

    permission_classes = [IsAgencyEmployee]
    serializer_class = ClientListSerializer
    filter_backends = [StableOrderingFilter]
    ordering_fields = ["legal_name", "brand_name", "status", "tier", "created_at"]

    def get_queryset(self) -> QuerySet[Client]:
        if getattr(self, "swagger_fake_view", False):
            return Client.objects.none()
        params = _query(ClientListQuerySerializer, self.request)
        filters = selectors.ClientFilters(
            search=params.get("search", "").strip(),
            account_manager_id=params.get("account_manager"),
            group_id=params.get("group"),
            statuses=tuple(params.get("status", ())),
            tier=params.get("tier", ""),
            kind=params.get("kind", ""),
        )
        # Only what ClientListSerializer writes (no bank details, notes or people's timestamps; issue 16).
        return selectors.client_list(actor=actor_of(self.request), filters=filters).only(
            *(f for f in ClientListSerializer.Meta.fields if f != "display_name"),
            *brief_columns("account_manager"), "group__name")

    def _client(self, pk: str) -> Client:
        return client_get_for(actor_of(self.request), pk)

    def _detail(self, client: Client) -> dict[str, Any]:
        return ClientDetailSerializer(selectors.client_detail(client=client)).data

    def _assignment(self, result: services.AssignmentResult) -> dict[str, Any]:
        return {
            "client": self._detail(result.client),
            "warnings": [str(w) for w in result.warnings],
            "limit_overridden": result.limit_overridden,
        }

    def retrieve(self, request: Request, pk: str) -> Response:
        # The visible client as already read, with just the contacts and the team the card shows
        # (not read a second time with histories the API does not return; issue 16).
        return Response(ClientDetailSerializer(selectors.client_with_people(client=self._client(pk))).data)

    @extend_schema(
        summary="Create a client",
        description="Answers with the client plus workload warnings of the initial AM assignment.",
        request=ClientCreateInputSerializer, responses={201: AssignmentResultSerializer}, tags=["clients"],
    )
    def create(self, request: Request) -> Response:
        actor = actor_of(request)
        require(can_create_client(actor))
        data = ClientCreateInputSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        result = services.client_create(
            actor=actor,
            account_manager=fields.pop("account_manager", None),
            reason=fields.pop("reason", ""),
            force=fields.pop("force", False),
            data=fields,
        )
        return Response(self._assignment(result), status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change client details", request=ClientFieldsInputSerializer,
        responses={200: ClientDetailSerializer}, tags=["clients"],
        description="Status and AM are not fields here: use /transition/ and /assign-manager/.",
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        actor = actor_of(request)
        client = self._client(pk)
        require(can_edit_client(actor, client))
        data = ClientFieldsInputSerializer(data=request.data, partial=True, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        client = services.client_update(actor=actor, client=client, data=dict(data.validated_data))
        return Response(self._detail(client))

    @extend_schema(
        summary="Move the client along its lifecycle", request=TransitionInputSerializer,
        responses={200: ClientDetailSerializer}, tags=["clients"],
        description="lead → onboarding → active ⇄ at_risk → churned; churned needs churn_reason and a comment.",
    )
    @action(detail=True, methods=["post"])
    def transition(self, request: Request, pk: str) -> Response:
        actor = actor_of(request)
        client = self._client(pk)
        require(can_change_lifecycle(actor, client))
        data = TransitionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        client = services.client_change_status(actor=actor, client=client, **data.validated_data)
        return Response(self._detail(client))

    @extend_schema(
        summary="Assign the responsible account manager", request=AssignManagerInputSerializer,
        responses={200: AssignManagerResultSerializer}, tags=["clients"],
        description=(
            "Above the soft limit the assignment succeeds with a warning; above the hard limit it is "
            "refused (400 on account_manager) unless the head of accounts sends force=true."
        ),
    )
    @action(detail=True, methods=["post"], url_path="assign-manager")
    def assign_manager(self, request: Request, pk: str) -> Response:
        actor = actor_of(request)
        client = self._client(pk)
        require(can_assign_account_manager(actor, client))
        data = AssignManagerInputSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        result, handover = comms_services.account_manager_change(
            actor=actor, client=client, manager=data.validated_data["account_manager"],
            reason=data.validated_data.get("reason", ""),
            force=data.validated_data["force"],
        )
        return Response({**self._assignment(result), "handover": handover.pk if handover else None})

    @extend_schema(
        summary="Lifecycle history, newest first", responses={200: LifecycleTransitionSerializer(many=True)},
        tags=["clients"],
    )
    @action(detail=True, methods=["get"], **_NO_PAGES)
    def lifecycle(self, request: Request, pk: str) -> Response:
        client = self._client(pk)
        transitions = client.lifecycle_transitions.select_related("changed_by__employee")
        return Response(LifecycleTransitionSerializer(transitions, many=True).data)

    @extend_schema(
        summary="Account manager history, newest first", responses={200: AccountManagerChangeSerializer(many=True)},
        tags=["clients"],
    )
    @action(detail=True, methods=["get"], url_path="manager-history", **_NO_PAGES)
    def manager_history(self, request: Request, pk: str) -> Response:
        client = self._client(pk)
        changes = client.am_changes.select_related("previous_manager", "new_manager", "changed_by__employee")
        return Response(AccountManagerChangeSerializer(changes, many=True).data)

    @extend_schema(
        methods=["GET"], summary="The client's team", responses={200: TeamMemberSerializer(many=True)},
        tags=["clients"],
    )
    @extend_schema(
        methods=["POST"], summary="Put a specialist on the team (idempotent)", request=TeamMemberInputSerializer,
        responses={201: TeamMemberSerializer}, tags=["clients"],
    )
    @action(detail=True, methods=["get", "post"], **_NO_PAGES)
    def team(self, request: Request, pk: str) -> Response:
        actor = actor_of(request)
        client = self._client(pk)
        if request.method == "GET":
            members = client.team_members.select_related("employee").order_by("service", "employee__full_name")
            return Response(TeamMemberSerializer(members, many=True).data)
        require(can_manage_team(actor, client))
        data = TeamMemberInputSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        member = services.team_member_add(actor=actor, client=client, **data.validated_data)
        return Response(TeamMemberSerializer(member).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Take a specialist off the team", request=None, responses={204: None}, tags=["clients"],
        parameters=[OpenApiParameter("member_id", int, OpenApiParameter.PATH)],
    )
    @action(detail=True, methods=["delete"], url_path=r"team/(?P<member_id>\d+)", **_NO_PAGES)
    def team_member_remove(self, request: Request, pk: str, member_id: str) -> Response:
        actor = actor_of(request)
        client = self._client(pk)
        try:
            member = client.team_members.get(pk=member_id)
        except TeamMember.DoesNotExist:
            raise NotFound() from None
        member.client = client
        services.team_member_remove(actor=actor, member=member)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    list=extend_schema(summary="Contacts of visible clients", parameters=[ContactListQuerySerializer],
                       tags=["contacts"]),
    retrieve=extend_schema(summary="One contact", tags=["contacts"]),
)
class ContactViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Contact people of visible clients; edited by whoever may edit the client."""

    permission_classes = [IsAgencyEmployee]
    serializer_class = ContactSerializer
    filter_backends = [StableOrderingFilter]
    ordering_fields = ["full_name", "created_at"]

    def get_queryset(self) -> QuerySet[Contact]:
        if getattr(self, "swagger_fake_view", False):
            return Contact.objects.none()
        params = _query(ContactListQuerySerializer, self.request)
        contacts = selectors.contact_list(actor=actor_of(self.request), search=params.get("search", "").strip())
        if params.get("client"):
            contacts = contacts.filter(client_id=params["client"])
        return contacts.select_related(None)  # the serializer writes the client's id only

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(ContactSerializer(contact_get_for(actor_of(request), pk)).data)

    @extend_schema(
        summary="Add a contact person", request=ContactCreateInputSerializer,
        responses={201: ContactSerializer}, tags=["contacts"],
    )
    def create(self, request: Request) -> Response:
        actor = actor_of(request)
        data = ContactCreateInputSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        contact = services.contact_create(actor=actor, client=fields.pop("client"), data=fields)
        return Response(ContactSerializer(contact).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change a contact person", request=ContactFieldsInputSerializer,
        responses={200: ContactSerializer}, tags=["contacts"],
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        actor = actor_of(request)
        contact = contact_get_for(actor, pk)
        require(can_edit_client(actor, contact.client))
        data = ContactFieldsInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        contact = services.contact_update(actor=actor, contact=contact, data=dict(data.validated_data))
        return Response(ContactSerializer(contact).data)

    @extend_schema(summary="Delete a contact person", responses={204: None}, tags=["contacts"])
    def destroy(self, request: Request, pk: str) -> Response:
        actor = actor_of(request)
        services.contact_delete(actor=actor, contact=contact_get_for(actor, pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class WorkloadView(APIView):
    """Client load of every active AM and group head of the agency against their limits."""

    permission_classes = [IsAgencyEmployee]

    @extend_schema(
        summary="AM workload", parameters=[WorkloadQuerySerializer], responses={200: WorkloadSerializer(many=True)},
        tags=["clients"],
    )
    def get(self, request: Request) -> Response:
        params = _query(WorkloadQuerySerializer, request)
        rows = selectors.workload_list(actor=actor_of(request), group_id=params.get("group"))
        return Response(WorkloadSerializer(rows, many=True).data)


router = SimpleRouter()
router.register("clients", ClientViewSet, basename="client")
router.register("contacts", ContactViewSet, basename="contact")

urlpatterns = [
    *router.urls,
    path("workload/", WorkloadView.as_view(), name="workload"),
]
