"""REST endpoints for the organisation: groups, employees and agency-wide settings (issue #2).

Every employee reads the directory; heads of accounts and admins write it (org services check
that again). Objects are looked up with `group_get_for` / `employee_get_for`, so another agency's
objects are 404.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import path
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter
from rest_framework.views import APIView

from tandem.api.fastread import FastReadMixin
from tandem.api.permissions import IsAgencyEmployee
from tandem.core.errors import NotFound
from tandem.org import selectors, services
from tandem.org.models import Agency, Employee, Group
from tandem.org.permissions import (
    actor_agency,
    can_manage_org,
    can_view_cost_rates,
    employee_get_for,
    employees_visible_to,
    group_get_for,
    groups_visible_to,
)
from tandem.org.roles import Grade, Role, Specialty

from ._common import (
    ScopedPrimaryKeyField,
    StableOrderingFilter,
    StrictInputSerializer,
    actor_of,
    require,
)

# ---------------------------------------------------------------------------------------------
# Output serializers (read only)


class EmployeeBriefSerializer(FastReadMixin, serializers.ModelSerializer):
    """An employee as referenced from other objects (group head, AM, team member)."""

    # Declared: DRF drops allow_blank from read-only model fields, and the schema would then
    # refuse the blank specialty of everyone but specialists.
    specialty = serializers.ChoiceField(choices=Specialty.choices, allow_blank=True, read_only=True)


    class Meta:
        model = Employee
        fields = ["id", "full_name", "role", "specialty"]
        read_only_fields = fields


def brief_columns(path: str) -> tuple[str, ...]:
    """The columns EmployeeBriefSerializer reads from the employee at `path` (for `.only()`)."""
    return tuple(f"{path}__{name}" for name in EmployeeBriefSerializer.Meta.fields)


class GroupBriefSerializer(FastReadMixin, serializers.ModelSerializer):
    class Meta:
        model = Group
        fields = ["id", "name"]
        read_only_fields = fields


class GroupSerializer(serializers.ModelSerializer):
    head = EmployeeBriefSerializer(read_only=True, allow_null=True)
    member_count = serializers.IntegerField(read_only=True, help_text="Active employees in the group.")

    class Meta:
        model = Group
        fields = ["id", "name", "kind", "head", "member_count", "created_at", "updated_at"]
        read_only_fields = fields


class EmployeeSerializer(serializers.ModelSerializer):
    """An employee. `hourly_cost_rate` is null unless the requester may see pay data."""

    specialty = serializers.ChoiceField(choices=Specialty.choices, allow_blank=True, read_only=True)
    grade = serializers.ChoiceField(choices=Grade.choices, allow_blank=True, read_only=True)

    username = serializers.CharField(source="user.username", read_only=True)
    # CharField: the e-mail may be empty, which a documented "format: email" would refuse.
    email = serializers.CharField(source="user.email", read_only=True, help_text="E-mail, or empty.")
    group = GroupBriefSerializer(read_only=True, allow_null=True)
    hourly_cost_rate = serializers.SerializerMethodField()
    effective_soft_limit = serializers.IntegerField(read_only=True)
    effective_hard_limit = serializers.IntegerField(read_only=True)

    class Meta:
        model = Employee
        fields = [
            "id", "username", "email", "full_name", "role", "specialty", "grade", "group",
            "hourly_cost_rate", "monthly_capacity_hours", "soft_client_limit", "hard_client_limit",
            "effective_soft_limit", "effective_hard_limit", "is_active", "created_at", "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True))
    def get_hourly_cost_rate(self, employee: Employee) -> str | None:
        # Cost rates are pay data: shown to those who manage the organisation only.
        if not self.context.get("show_cost_rates"):
            return None
        return serializers.DecimalField(max_digits=10, decimal_places=2).to_representation(
            employee.hourly_cost_rate
        )


class AgencySerializer(serializers.ModelSerializer):
    class Meta:
        model = Agency
        fields = [
            "id", "name", "legal_name", "started_on", "am_soft_client_limit", "am_hard_client_limit", "two_factor_roles",
        ]
        read_only_fields = fields

    two_factor_roles = serializers.ListField(
        child=serializers.ChoiceField(choices=Role.choices), read_only=True,
        help_text="Roles that must sign in with a second factor (TOTP).",
    )


# ---------------------------------------------------------------------------------------------
# Input serializers (shape only; rules are in tandem.org.services)


def _employee_field(**kwargs: Any) -> ScopedPrimaryKeyField:
    return ScopedPrimaryKeyField(model=Employee, scope=employees_visible_to, **kwargs)


def _group_field(**kwargs: Any) -> ScopedPrimaryKeyField:
    return ScopedPrimaryKeyField(model=Group, scope=groups_visible_to, **kwargs)


class GroupInputSerializer(StrictInputSerializer):
    name = serializers.CharField(max_length=120)
    kind = serializers.ChoiceField(choices=Group.Kind.choices, required=False)
    head = _employee_field(required=False, allow_null=True)


class EmployeeFieldsInputSerializer(StrictInputSerializer):
    full_name = serializers.CharField(max_length=255)
    role = serializers.ChoiceField(choices=Role.choices)
    specialty = serializers.ChoiceField(choices=Specialty.choices, required=False, allow_blank=True)
    grade = serializers.ChoiceField(choices=Grade.choices, required=False, allow_blank=True)
    group = _group_field(required=False, allow_null=True)
    hourly_cost_rate = serializers.DecimalField(max_digits=10, decimal_places=2, required=False)
    monthly_capacity_hours = serializers.IntegerField(min_value=0, max_value=32767, required=False)
    soft_client_limit = serializers.IntegerField(min_value=0, max_value=32767, required=False, allow_null=True)
    hard_client_limit = serializers.IntegerField(min_value=0, max_value=32767, required=False, allow_null=True)
    is_active = serializers.BooleanField(required=False)


class EmployeeCreateInputSerializer(EmployeeFieldsInputSerializer):
    username = serializers.CharField(max_length=150)
    email = serializers.EmailField(required=False, allow_blank=True)
    password = serializers.CharField(
        required=False, allow_blank=True, write_only=True, style={"input_type": "password"},
        help_text="Optional: without it the login cannot sign in until a password is set.",
    )


class EmployeeListQuerySerializer(serializers.Serializer):
    """Query parameters of the employee list (unknown parameters are ignored, as usual for queries)."""

    role = serializers.ChoiceField(choices=Role.choices, required=False)
    group = serializers.IntegerField(required=False, min_value=1)
    is_active = serializers.BooleanField(
        required=False, allow_null=True, default=None, help_text="Omit to list active and former employees."
    )
    search = serializers.CharField(required=False, allow_blank=True, help_text="Part of the name or e-mail.")


class AgencyInputSerializer(StrictInputSerializer):
    name = serializers.CharField(max_length=255)
    legal_name = serializers.CharField(max_length=255, allow_blank=True, required=False)
    am_soft_client_limit = serializers.IntegerField(min_value=0, max_value=32767)
    am_hard_client_limit = serializers.IntegerField(min_value=0, max_value=32767)
    started_on = serializers.DateField(
        required=False, allow_null=True, help_text="The agency works since this day: no time is logged before it."
    )
    two_factor_roles = serializers.ListField(
        child=serializers.ChoiceField(choices=Role.choices), required=False, max_length=len(Role.choices)
    )


# ---------------------------------------------------------------------------------------------
# Views


@extend_schema_view(
    list=extend_schema(summary="Groups of the agency", tags=["org"]),
    retrieve=extend_schema(summary="One group", tags=["org"]),
)
class GroupViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Groups: every employee reads, heads of accounts and admins create and rename."""

    permission_classes = [IsAgencyEmployee]
    serializer_class = GroupSerializer
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[Group]:
        if getattr(self, "swagger_fake_view", False):
            return Group.objects.none()
        # group_list() annotates a Count, and Django drops Meta.ordering from GROUP BY queries.
        return selectors.group_list(actor=actor_of(self.request)).order_by("name", "pk")

    def _render(self, group: Group) -> dict[str, Any]:
        annotated = selectors.group_list(actor=actor_of(self.request)).get(pk=group.pk)
        return GroupSerializer(annotated, context=self.get_serializer_context()).data

    def retrieve(self, request: Request, pk: str) -> Response:
        group = group_get_for(actor_of(request), pk)
        return Response(self._render(group))

    @extend_schema(request=GroupInputSerializer, responses={201: GroupSerializer}, tags=["org"])
    def create(self, request: Request) -> Response:
        actor = actor_of(request)
        require(can_manage_org(actor))
        data = GroupInputSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        group = services.group_create(actor=actor, data=dict(data.validated_data))
        return Response(self._render(group), status=status.HTTP_201_CREATED)

    @extend_schema(request=GroupInputSerializer, responses={200: GroupSerializer}, tags=["org"])
    def partial_update(self, request: Request, pk: str) -> Response:
        actor = actor_of(request)
        group = group_get_for(actor, pk)
        require(can_manage_org(actor))
        data = GroupInputSerializer(data=request.data, partial=True, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        group = services.group_update(actor=actor, group=group, data=dict(data.validated_data))
        return Response(self._render(group))


@extend_schema_view(
    list=extend_schema(summary="Employees of the agency", parameters=[EmployeeListQuerySerializer], tags=["org"]),
    retrieve=extend_schema(summary="One employee", tags=["org"]),
)
class EmployeeViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Employees: every employee reads the directory, heads of accounts and admins hire and edit."""

    permission_classes = [IsAgencyEmployee]
    serializer_class = EmployeeSerializer
    filter_backends = [StableOrderingFilter]
    ordering_fields = ["full_name", "role", "created_at"]

    def get_serializer_context(self) -> dict[str, Any]:
        context = dict(super().get_serializer_context())
        if not getattr(self, "swagger_fake_view", False):
            context["show_cost_rates"] = can_view_cost_rates(actor_of(self.request))
        return context

    def get_queryset(self) -> QuerySet[Employee]:
        if getattr(self, "swagger_fake_view", False):
            return Employee.objects.none()
        query = EmployeeListQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        return selectors.employee_list(
            actor=actor_of(self.request),
            role=params.get("role", ""),
            group_id=params.get("group"),
            active=params.get("is_active"),
            search=params.get("search", "").strip(),
        )

    def retrieve(self, request: Request, pk: str) -> Response:
        employee = employee_get_for(actor_of(request), pk)
        return Response(self.get_serializer(employee).data)

    @extend_schema(request=EmployeeCreateInputSerializer, responses={201: EmployeeSerializer}, tags=["org"])
    def create(self, request: Request) -> Response:
        actor = actor_of(request)
        require(can_manage_org(actor))
        data = EmployeeCreateInputSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        employee = services.employee_create(
            actor=actor,
            username=fields.pop("username"),
            email=fields.pop("email", ""),
            password=fields.pop("password", None) or None,
            data=fields,
        )
        return Response(self.get_serializer(employee).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=EmployeeFieldsInputSerializer, responses={200: EmployeeSerializer}, tags=["org"])
    def partial_update(self, request: Request, pk: str) -> Response:
        actor = actor_of(request)
        employee = employee_get_for(actor, pk)
        require(can_manage_org(actor))
        data = EmployeeFieldsInputSerializer(data=request.data, partial=True, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        employee = services.employee_update(actor=actor, employee=employee, data=dict(data.validated_data))
        return Response(self.get_serializer(employee).data)


class AgencyView(APIView):
    """The actor's own agency and its AM workload limits (soft: warn, hard: only the head may exceed)."""

    permission_classes = [IsAgencyEmployee]

    def _agency(self, request: Request) -> Agency:
        agency = actor_agency(actor_of(request))
        if agency is None:  # pragma: no cover - IsAgencyEmployee lets only employees in
            raise NotFound()
        return agency

    @extend_schema(responses={200: AgencySerializer}, summary="Agency settings", tags=["org"])
    def get(self, request: Request) -> Response:
        return Response(AgencySerializer(self._agency(request)).data)

    @extend_schema(
        request=AgencyInputSerializer, responses={200: AgencySerializer}, summary="Change agency settings",
        tags=["org"],
    )
    def patch(self, request: Request) -> Response:
        actor = actor_of(request)
        agency = self._agency(request)
        require(can_manage_org(actor))
        data = AgencyInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        agency = services.agency_update(actor=actor, agency=agency, data=dict(data.validated_data))
        return Response(AgencySerializer(agency).data)


router = SimpleRouter()
router.register("groups", GroupViewSet, basename="group")
router.register("employees", EmployeeViewSet, basename="employee")

urlpatterns = [
    *router.urls,
    path("agency/", AgencyView.as_view(), name="agency"),
]
