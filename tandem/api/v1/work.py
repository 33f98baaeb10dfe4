"""REST endpoints for projects, stages and client approvals, onboarding, tasks, time entries,
the weekly timesheet, cost rates, closed months and hours reports (issue #3).

Everything hanging off a client is visible exactly when the client is (404 otherwise); 403 is
for actions on visible objects; invalid status moves are 400 with a message naming both
statuses. Every write calls one service of `tandem.work.services`.
"""

from __future__ import annotations

import posixpath
from datetime import date
from typing import Any

from django.http import FileResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tandem.api.fastread import FastReadMixin
from tandem.api.pagination import LargeListPagination, StandardPagination
from tandem.api.permissions import IsAgencyEmployee
from tandem.billing.services import retainer_alerts_after_time
from tandem.clients.models import Contact
from tandem.clients.permissions import client_get_for, contacts_visible_to
from tandem.core.errors import NotFound
from tandem.org.models import Employee
from tandem.org.permissions import actor_employee, employee_get_for, employees_visible_to
from tandem.work import permissions as perms
from tandem.work import selectors, services
from tandem.work.models import (
    OnboardingItem,
    OnboardingTemplateItem,
    Project,
    Stage,
    StageKind,
    StageSubmission,
    Task,
    TaskPriority,
    TaskStatus,
    TaskTransition,
    TimeEntry,
    WorkSettings,
)

from ._common import (
    ScopedPrimaryKeyField,
    StrictInputSerializer,
    actor_of,
    optional_text,
    paginated_response,
    query_choice,
    query_date,
    query_int,
    require,
    search_param,
    validated_input,
)
from .clients import UserBriefSerializer
from .org import EmployeeBriefSerializer, brief_columns

# ------------------------------------------------------------------ output


class ProjectSerializer(serializers.ModelSerializer):
    account_manager = EmployeeBriefSerializer(read_only=True, allow_null=True)
    specialist = EmployeeBriefSerializer(read_only=True, allow_null=True)
    contract = serializers.IntegerField(source="contract_line.contract_id", read_only=True)
    service = serializers.CharField(source="contract_line.service.name", read_only=True)
    planned_hours_per_month = serializers.DecimalField(source="contract_line.planned_hours_per_month",
                                                       max_digits=7, decimal_places=2, read_only=True)

    class Meta:
        model = Project
        fields = ["id", "name", "client", "contract", "contract_line", "service", "account_manager", "specialist",
                  "status", "start_date", "planned_hours_per_month"]
        read_only_fields = fields


class SubmissionSerializer(serializers.ModelSerializer):
    sent_by = UserBriefSerializer(read_only=True)
    answer_recorded_by = UserBriefSerializer(read_only=True, allow_null=True)
    answer_days = serializers.FloatField(read_only=True, allow_null=True,
                                         help_text="How many days the client took to answer.")

    class Meta:
        model = StageSubmission
        fields = ["id", "sent_at", "sent_by", "note", "answered_at", "answer_recorded_by", "decision",
                  "client_comment", "client_contact", "contact", "answer_days"]
        read_only_fields = fields


class StageSerializer(serializers.ModelSerializer):
    submissions = SubmissionSerializer(many=True, read_only=True)
    # Empty until the result is linked, so not documented as a URI (an empty string is not one).
    deliverable_url = serializers.CharField(read_only=True, help_text="Link to the result (http/https) or empty.")
    deliverable_file_name = serializers.SerializerMethodField()
    deliverable_file_url = serializers.SerializerMethodField()

    class Meta:
        model = Stage
        fields = ["id", "project", "kind", "title", "due_date", "deliverable_url", "deliverable_file_name",
                  "deliverable_file_url", "status", "sent_at", "approved_at", "submissions"]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_deliverable_file_name(self, stage: Stage) -> str | None:
        return posixpath.basename(stage.deliverable_file.name or "") if stage.deliverable_file else None

    @extend_schema_field(serializers.CharField(allow_null=True, help_text="Download (checks visibility)."))
    def get_deliverable_file_url(self, stage: Stage) -> str | None:
        return reverse("api:stage-file", args=[stage.pk]) if stage.deliverable_file else None


class WaitingStageSerializer(serializers.ModelSerializer):
    client = serializers.IntegerField(source="project.client_id", read_only=True)
    days_waiting = serializers.IntegerField(read_only=True)
    is_flagged = serializers.BooleanField(read_only=True)

    class Meta:
        model = Stage
        fields = ["id", "project", "client", "kind", "title", "sent_at", "days_waiting", "is_flagged"]
        read_only_fields = fields


class TaskSerializer(FastReadMixin, serializers.ModelSerializer):
    assignee = EmployeeBriefSerializer(read_only=True)
    reviewer = EmployeeBriefSerializer(read_only=True)
    client = serializers.IntegerField(source="project.client_id", read_only=True)

    class Meta:
        model = Task
        fields = ["id", "project", "client", "title", "brief", "assignee", "reviewer", "deadline",
                  "estimate_hours", "priority", "status", "created_at", "closed_at"]
        read_only_fields = fields


class TaskTransitionSerializer(serializers.ModelSerializer):
    changed_by = UserBriefSerializer(read_only=True)

    class Meta:
        model = TaskTransition
        fields = ["id", "from_status", "to_status", "changed_by", "changed_at", "comment"]
        read_only_fields = fields


class TaskDetailSerializer(TaskSerializer):
    transitions = TaskTransitionSerializer(many=True, read_only=True)

    class Meta(TaskSerializer.Meta):
        fields = [*TaskSerializer.Meta.fields, "transitions"]
        read_only_fields = fields


class TimeEntrySerializer(FastReadMixin, serializers.ModelSerializer):
    employee = EmployeeBriefSerializer(read_only=True)

    class Meta:
        model = TimeEntry
        fields = ["id", "employee", "project", "task", "date", "hours", "note", "cost_rate", "cost"]
        read_only_fields = fields


class OnboardingItemSerializer(serializers.ModelSerializer):
    owner = EmployeeBriefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = OnboardingItem
        fields = ["id", "title", "position", "owner", "due_date", "done_at"]
        read_only_fields = fields


class TemplateItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = OnboardingTemplateItem
        fields = ["id", "title", "position", "due_in_days", "owner_role", "is_active"]
        read_only_fields = fields


class WorkSettingsSerializer(serializers.ModelSerializer):
    class Meta:
        model = WorkSettings
        fields = ["stage_wait_flag_days", "onboarding_badge_days"]
        read_only_fields = fields


# ------------------------------------------------------------------ input




def _employee(**kw: Any) -> ScopedPrimaryKeyField:
    return ScopedPrimaryKeyField(model=Employee, scope=employees_visible_to, **kw)


class StageInput(StrictInputSerializer):
    kind = serializers.ChoiceField(choices=StageKind.choices)
    title = optional_text(255)
    due_date = serializers.DateField(required=False, allow_null=True)
    deliverable_url = serializers.URLField(required=False, allow_blank=True, max_length=500)


class StageFileInput(StrictInputSerializer):
    file = serializers.FileField(help_text="The stage deliverable, at most 25 MB; replaces the previous file.")


class StageSendInput(StrictInputSerializer):
    note = optional_text()
    sent_at = serializers.DateTimeField(required=False, allow_null=True)
    deliverable_url = serializers.URLField(required=False, allow_blank=True, max_length=500)


class StageAnswerInput(StrictInputSerializer):
    decision = serializers.ChoiceField(choices=StageSubmission.Decision.choices)
    comment = optional_text(2000)
    answered_at = serializers.DateTimeField(required=False, allow_null=True)
    client_contact = optional_text(255)
    contact = ScopedPrimaryKeyField(
        model=Contact, scope=contacts_visible_to, required=False, allow_null=True,
        help_text="Who answered: one of the project client's contacts (another client's is refused).",
    )


class TaskInput(StrictInputSerializer):
    title = serializers.CharField(max_length=255)
    brief = optional_text(20000)
    assignee = _employee(required=False, allow_null=True)
    reviewer = _employee(required=False, allow_null=True, help_text="Defaults to the project's AM.")
    deadline = serializers.DateField(required=False, allow_null=True)
    estimate_hours = serializers.DecimalField(max_digits=6, decimal_places=2, required=False, allow_null=True,
                                              min_value=0)
    priority = serializers.ChoiceField(choices=TaskPriority.choices, required=False)


class TaskCreateInput(TaskInput):
    project = ScopedPrimaryKeyField(model=Project, scope=perms.projects_visible_to)


class TaskTransitionInput(StrictInputSerializer):
    to_status = serializers.ChoiceField(choices=TaskStatus.choices)
    comment = optional_text(2000)


class TimeEntryInput(StrictInputSerializer):
    project = ScopedPrimaryKeyField(model=Project, scope=perms.projects_visible_to)
    task = ScopedPrimaryKeyField(model=Task, scope=perms.tasks_visible_to, required=False, allow_null=True)
    date = serializers.DateField()
    hours = serializers.CharField(max_length=10, help_text="0.25 step, e.g. 1.5")
    note = optional_text(500)
    employee = _employee(required=False, help_text="Defaults to the actor; others only for heads/admins.")


class TimeEntryPatchInput(StrictInputSerializer):
    project = ScopedPrimaryKeyField(model=Project, scope=perms.projects_visible_to, required=False)
    task = ScopedPrimaryKeyField(model=Task, scope=perms.tasks_visible_to, required=False, allow_null=True)
    date = serializers.DateField(required=False)
    hours = serializers.CharField(max_length=10, required=False)
    note = optional_text(500)


class CellInput(StrictInputSerializer):
    project = ScopedPrimaryKeyField(model=Project, scope=perms.projects_visible_to)
    date = serializers.DateField()
    hours = serializers.CharField(max_length=10, allow_blank=True, help_text="The cell total; empty or 0 clears it.")
    employee = _employee(required=False)


class MonthInput(StrictInputSerializer):
    month = serializers.DateField(help_text="Any day of the month.")


class CostRateInput(StrictInputSerializer):
    employee = _employee()
    valid_from = serializers.DateField()
    rate = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=0)


class DoneInput(StrictInputSerializer):
    done = serializers.BooleanField(default=True)


class ItemPatchInput(StrictInputSerializer):
    owner = _employee(required=False)
    due_date = serializers.DateField(required=False)


class TemplateItemInput(StrictInputSerializer):
    title = serializers.CharField(max_length=255)
    position = serializers.IntegerField(required=False, min_value=0)
    due_in_days = serializers.IntegerField(required=False, min_value=0, max_value=365)
    owner_role = serializers.ChoiceField(choices=OnboardingTemplateItem.OwnerRole.choices, required=False)
    is_active = serializers.BooleanField(required=False)


class TemplateItemPatchInput(TemplateItemInput):
    title = serializers.CharField(max_length=255, required=False)


class TemplateReorderInput(StrictInputSerializer):
    items = serializers.ListField(child=serializers.IntegerField(), allow_empty=False,
                                  help_text="Every template item id, in the new order.")


class WorkSettingsInput(StrictInputSerializer):
    stage_wait_flag_days = serializers.IntegerField(required=False, min_value=1, max_value=90)
    onboarding_badge_days = serializers.IntegerField(required=False, min_value=1, max_value=365)






def _int(request: Request, name: str) -> int | None:
    return query_int(request, name)


def _day(request: Request, name: str, default: date | None = None) -> date:
    """`?name=YYYY-MM-DD` (absent: `default` or today); an impossible date is a 400 on `name`."""
    return query_date(request, name, default or timezone.localdate()) or timezone.localdate()


def _me(request: Request) -> Employee:
    employee = actor_employee(actor_of(request))
    assert employee is not None  # IsAgencyEmployee
    return employee


# ------------------------------------------------------------------ projects and stages


class ProjectListApi(APIView):
    permission_classes = [IsAgencyEmployee]
    pagination_class = StandardPagination  # documents the {count, next, previous, results} envelope

    @extend_schema(responses=ProjectSerializer(many=True), tags=["work"], summary="Visible projects")
    def get(self, request: Request) -> Response:
        qs = selectors.project_list(actor=actor_of(request), client_id=_int(request, "client"),
                                    status=request.query_params.get("status", ""))
        return paginated_response(self, request, qs, ProjectSerializer)


class ProjectDetailApi(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(responses=ProjectSerializer, tags=["work"])
    def get(self, request: Request, pk: int) -> Response:
        project = perms.project_get_for(actor_of(request), pk)
        data = dict(ProjectSerializer(project).data)
        data["stages"] = StageSerializer(selectors.project_stages(project=project), many=True).data
        return Response(data)


class ProjectStagesApi(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(request=StageInput, responses={201: StageSerializer}, tags=["work"], summary="Plan a stage")
    def post(self, request: Request, pk: int) -> Response:
        project = perms.project_get_for(actor_of(request), pk)
        require(perms.can_manage_project(actor_of(request), project))
        stage = services.stage_create(actor=actor_of(request), project=project, data=validated_input(StageInput, request))
        return Response(StageSerializer(stage).data, status=status.HTTP_201_CREATED)


class StageDetailApi(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(responses=StageSerializer, tags=["work"])
    def get(self, request: Request, pk: int) -> Response:
        return Response(StageSerializer(perms.stage_get_for(actor_of(request), pk)).data)

    @extend_schema(request=StageInput, responses=StageSerializer, tags=["work"])
    def patch(self, request: Request, pk: int) -> Response:
        stage = perms.stage_get_for(actor_of(request), pk)
        require(perms.can_work_on_project(actor_of(request), stage.project))
        stage = services.stage_update(actor=actor_of(request), stage=stage,
                                      data=validated_input(StageInput, request, partial=True))
        return Response(StageSerializer(stage).data)


class StageFileApi(APIView):
    """GET downloads the stage's deliverable file (404 unless the stage is visible); POST
    (multipart, field `file`) attaches or replaces it; DELETE removes it."""

    permission_classes = [IsAgencyEmployee]
    parser_classes = [MultiPartParser]

    @extend_schema(tags=["work"], responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
                   summary="Download the stage deliverable file")
    def get(self, request: Request, pk: int) -> FileResponse:
        stage = perms.stage_get_for(actor_of(request), pk)
        if not stage.deliverable_file:
            raise NotFound()
        try:
            handle = stage.deliverable_file.open("rb")
        except FileNotFoundError:
            raise NotFound() from None
        name = posixpath.basename(stage.deliverable_file.name or "")
        return FileResponse(handle, as_attachment=True, filename=name)

    @extend_schema(tags=["work"], request={"multipart/form-data": StageFileInput}, responses=StageSerializer,
                   summary="Attach the deliverable file (multipart, at most 25 MB)")
    def post(self, request: Request, pk: int) -> Response:
        stage = perms.stage_get_for(actor_of(request), pk)
        require(perms.can_edit_stage(actor_of(request), stage))
        stage = services.stage_attach_file(actor=actor_of(request), stage=stage,
                                           upload=validated_input(StageFileInput, request)["file"])
        return Response(StageSerializer(stage).data)

    @extend_schema(tags=["work"], request=None, responses=StageSerializer, summary="Remove the deliverable file")
    def delete(self, request: Request, pk: int) -> Response:
        stage = perms.stage_get_for(actor_of(request), pk)
        require(perms.can_edit_stage(actor_of(request), stage))
        stage = services.stage_attach_file(actor=actor_of(request), stage=stage, upload=None)
        return Response(StageSerializer(stage).data)


class StageActionApi(APIView):
    """POST /stages/{id}/start|send|answer/."""

    permission_classes = [IsAgencyEmployee]
    action = ""

    @extend_schema(request=StageAnswerInput, responses=StageSerializer, tags=["work"],
                   summary="start: planned → in work; send: → sent to client; answer: approved / changes requested")
    def post(self, request: Request, pk: int) -> Response:
        actor = actor_of(request)
        stage = perms.stage_get_for(actor, pk)
        if self.action == "start":
            require(perms.can_work_on_project(actor, stage.project))
            services.stage_start(actor=actor, stage=stage)
        elif self.action == "send":
            require(perms.can_manage_project(actor, stage.project))
            services.stage_send(actor=actor, stage=stage, **validated_input(StageSendInput, request))
        else:
            require(perms.can_manage_project(actor, stage.project))
            services.stage_record_answer(actor=actor, stage=stage, **validated_input(StageAnswerInput, request))
        stage = selectors.project_stages(project=stage.project).get(pk=stage.pk)
        return Response(StageSerializer(stage).data)


class StagesWaitingApi(APIView):
    permission_classes = [IsAgencyEmployee]
    pagination_class = StandardPagination  # documents the {count, next, previous, results} envelope

    @extend_schema(responses=WaitingStageSerializer(many=True), tags=["work"],
                   summary="Stages sent to the client and not answered, with days waiting and the flag")
    def get(self, request: Request) -> Response:
        return paginated_response(self, request, selectors.stages_waiting_for_client(actor=actor_of(request)),
                                  WaitingStageSerializer)


# ------------------------------------------------------------------ onboarding


class ClientOnboardingApi(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(responses=OnboardingItemSerializer(many=True), tags=["work"], summary="Client onboarding")
    def get(self, request: Request, pk: int) -> Response:
        client = client_get_for(actor_of(request), pk)
        state = selectors.client_onboarding(client=client)
        if state is None:
            return Response({"checklist": None})
        return Response({
            "checklist": state.checklist.pk, "started_on": state.checklist.started_on,
            "completed_at": state.checklist.completed_at, "badge": state.badge, "badge_until": state.badge_until,
            "done": state.done, "total": state.total,
            "items": OnboardingItemSerializer(state.items, many=True).data,
        })


class OnboardingItemApi(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(request=ItemPatchInput, responses=OnboardingItemSerializer, tags=["work"])
    def patch(self, request: Request, pk: int) -> Response:
        item = perms.onboarding_item_get_for(actor_of(request), pk)
        require(perms.can_manage_client_work(actor_of(request), item.checklist.client))
        item = services.onboarding_item_update(actor=actor_of(request), item=item, **validated_input(ItemPatchInput, request))
        return Response(OnboardingItemSerializer(item).data)


class OnboardingItemDoneApi(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(request=DoneInput, responses=OnboardingItemSerializer, tags=["work"])
    def post(self, request: Request, pk: int) -> Response:
        item = perms.onboarding_item_get_for(actor_of(request), pk)
        require(perms.can_complete_onboarding_item(actor_of(request), item))
        item = services.onboarding_item_set_done(actor=actor_of(request), item=item,
                                                 done=validated_input(DoneInput, request)["done"])
        return Response(OnboardingItemSerializer(item).data)


class OnboardingTemplateApi(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(responses=TemplateItemSerializer(many=True), tags=["work"], summary="Onboarding template")
    def get(self, request: Request) -> Response:
        qs = OnboardingTemplateItem.objects.filter(agency_id=_me(request).agency_id).order_by("position", "id")
        return Response(TemplateItemSerializer(qs, many=True).data)

    @extend_schema(request=TemplateItemInput, responses={201: TemplateItemSerializer}, tags=["work"])
    def post(self, request: Request) -> Response:
        require(perms.can_edit_work_settings(actor_of(request)))
        item = services.onboarding_template_item_create(actor=actor_of(request),
                                                        data=validated_input(TemplateItemInput, request))
        return Response(TemplateItemSerializer(item).data, status=status.HTTP_201_CREATED)


class OnboardingTemplateItemApi(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(request=TemplateItemPatchInput, responses=TemplateItemSerializer, tags=["work"],
                   summary="Edit a template item (heads of accounts, admins)")
    def patch(self, request: Request, pk: int) -> Response:
        item = perms.onboarding_template_item_get_for(actor_of(request), pk)
        require(perms.can_edit_work_settings(actor_of(request)))
        item = services.onboarding_template_item_update(
            actor=actor_of(request), item=item, data=validated_input(TemplateItemPatchInput, request, partial=True))
        return Response(TemplateItemSerializer(item).data)

    @extend_schema(responses={204: None}, tags=["work"], summary="Remove a template item")
    def delete(self, request: Request, pk: int) -> Response:
        item = perms.onboarding_template_item_get_for(actor_of(request), pk)
        require(perms.can_edit_work_settings(actor_of(request)))
        services.onboarding_template_item_delete(actor=actor_of(request), item=item)
        return Response(status=status.HTTP_204_NO_CONTENT)


class OnboardingTemplateReorderApi(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(request=TemplateReorderInput, responses=TemplateItemSerializer(many=True), tags=["work"],
                   summary="Put the template items in a new order")
    def post(self, request: Request) -> Response:
        require(perms.can_edit_work_settings(actor_of(request)))
        items = services.onboarding_template_reorder(actor=actor_of(request),
                                                     item_ids=validated_input(TemplateReorderInput, request)["items"])
        return Response(TemplateItemSerializer(items, many=True).data)


class WorkSettingsApi(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(responses=WorkSettingsSerializer, tags=["work"],
                   summary="Stage-wait threshold and onboarding-badge period of the agency")
    def get(self, request: Request) -> Response:
        return Response(WorkSettingsSerializer(selectors.work_settings_for(agency=_me(request).agency_id)).data)

    @extend_schema(request=WorkSettingsInput, responses=WorkSettingsSerializer, tags=["work"],
                   summary="Change the work settings (heads of accounts, admins)")
    def patch(self, request: Request) -> Response:
        require(perms.can_edit_work_settings(actor_of(request)))
        row = services.work_settings_update(actor=actor_of(request),
                                           data=validated_input(WorkSettingsInput, request, partial=True))
        return Response(WorkSettingsSerializer(row).data)


# ------------------------------------------------------------------ tasks


def _task_filters(request: Request) -> selectors.TaskFilters:
    q = request.query_params
    unknown = [s for s in q.getlist("status") if s not in TaskStatus.values]
    if unknown:
        raise serializers.ValidationError({"status": [_("Допустимые значения: %(values)s.") % {
            "values": ", ".join(TaskStatus.values)}]})
    statuses = tuple(q.getlist("status"))
    mine = q.get("mine") in ("1", "true")
    return selectors.TaskFilters(
        assignee_id=_int(request, "assignee"), reviewer_id=_int(request, "reviewer"),
        involving_id=_me(request).pk if mine else None, client_id=_int(request, "client"),
        project_id=_int(request, "project"), group_id=_int(request, "group"),
        account_manager_id=_int(request, "account_manager"), statuses=statuses,
        open_only=q.get("open") in ("1", "true"), overdue=q.get("overdue") in ("1", "true"),
        search=search_param(request),
    )


class TaskListApi(APIView):
    permission_classes = [IsAgencyEmployee]
    pagination_class = LargeListPagination  # the same envelope; count exact up to 10,000

    @extend_schema(responses=TaskSerializer(many=True), tags=["work"],
                   summary="Visible tasks (?mine, ?overdue, ?open, ?status, ?client, ?project, ?group, ...)")
    def get(self, request: Request) -> Response:
        qs = selectors.task_list(actor=actor_of(request), filters=_task_filters(request))
        # Only what TaskSerializer writes: no client, project AM or timestamps of the people (issue 16).
        qs = qs.select_related(None).select_related("project", "assignee", "reviewer").only(
            *(f for f in TaskSerializer.Meta.fields if f != "client"), "project__client",
            *brief_columns("assignee"), *brief_columns("reviewer"))
        return paginated_response(self, request, qs, TaskSerializer)

    @extend_schema(request=TaskCreateInput, responses={201: TaskDetailSerializer}, tags=["work"])
    def post(self, request: Request) -> Response:
        data = validated_input(TaskCreateInput, request)
        project = data.pop("project")
        require(perms.can_work_on_project(actor_of(request), project))
        task = services.task_create(actor=actor_of(request), project=project, data=data)
        return Response(TaskDetailSerializer(selectors.task_detail(task=task)).data, status=status.HTTP_201_CREATED)


class TaskDetailApi(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(responses=TaskDetailSerializer, tags=["work"])
    def get(self, request: Request, pk: int) -> Response:
        task = perms.task_get_for(actor_of(request), pk)
        return Response(TaskDetailSerializer(selectors.task_detail(task=task)).data)

    @extend_schema(request=TaskInput, responses=TaskDetailSerializer, tags=["work"])
    def patch(self, request: Request, pk: int) -> Response:
        task = perms.task_get_for(actor_of(request), pk)
        services.task_update(actor=actor_of(request), task=task, data=validated_input(TaskInput, request, partial=True))
        return Response(TaskDetailSerializer(selectors.task_detail(task=task)).data)


class TaskTransitionApi(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(request=TaskTransitionInput, responses=TaskDetailSerializer, tags=["work"],
                   summary="new → in progress → review → changes requested / done; cancelled")
    def post(self, request: Request, pk: int) -> Response:
        task = perms.task_get_for(actor_of(request), pk)
        data = validated_input(TaskTransitionInput, request)
        services.task_change_status(actor=actor_of(request), task=task, to_status=data["to_status"],
                                    comment=data.get("comment", ""))
        return Response(TaskDetailSerializer(selectors.task_detail(task=task)).data)


OVERDUE_GROUPINGS = ("account_manager", "specialist", "client", "group")


class OverdueCountSerializer(serializers.Serializer):
    id = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()
    count = serializers.IntegerField()


def _overdue_counts(request: Request, by: str) -> Response:
    rows = selectors.overdue_task_counts(actor=actor_of(request), by=by)
    return Response(OverdueCountSerializer([{"id": r.key, "name": r.name, "count": r.count} for r in rows],
                                           many=True).data)


class OverdueTasksApi(APIView):
    permission_classes = [IsAgencyEmployee]
    pagination_class = StandardPagination  # documents the {count, next, previous, results} envelope

    @extend_schema(responses=TaskSerializer(many=True), tags=["work"],
                   summary="Overdue tasks (counts per person, client or group: tasks/overdue/counts/?by=)")
    def get(self, request: Request) -> Response:
        # `?by=` here is the older spelling of tasks/overdue/counts/ and answers its plain list; it
        # is kept for existing clients and left out of this operation's schema on purpose.
        by = query_choice(request, "by", OVERDUE_GROUPINGS)
        if by:
            return _overdue_counts(request, by)
        return paginated_response(self, request, selectors.overdue_tasks(actor=actor_of(request)), TaskSerializer)


class OverdueTaskCountsApi(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(
        responses=OverdueCountSerializer(many=True), tags=["work"],
        parameters=[OpenApiParameter("by", OpenApiTypes.STR, enum=list(OVERDUE_GROUPINGS), required=True)],
        summary="How many visible tasks are overdue, per account manager, specialist, client or group",
    )
    def get(self, request: Request) -> Response:
        by = query_choice(request, "by", OVERDUE_GROUPINGS)
        if not by:
            raise serializers.ValidationError({"by": [_("Укажите, как группировать: %(values)s.")
                                                      % {"values": ", ".join(OVERDUE_GROUPINGS)}]})
        return _overdue_counts(request, by)


# ------------------------------------------------------------------ time


class TimeEntryListApi(APIView):
    permission_classes = [IsAgencyEmployee]
    pagination_class = LargeListPagination  # the same envelope; count exact up to 10,000

    @extend_schema(responses=TimeEntrySerializer(many=True), tags=["time"],
                   summary="Visible time entries (?employee, ?project, ?client, ?start, ?end)")
    def get(self, request: Request) -> Response:
        qs = selectors.time_entry_list(
            actor=actor_of(request), employee_id=_int(request, "employee"), project_id=_int(request, "project"),
            client_id=_int(request, "client"),
            start=query_date(request, "start"), end=query_date(request, "end"),
        )
        qs = qs.select_related(None).select_related("employee").only(
            *TimeEntrySerializer.Meta.fields, *brief_columns("employee"))
        return paginated_response(self, request, qs, TimeEntrySerializer)

    @extend_schema(request=TimeEntryInput, responses={201: TimeEntrySerializer}, tags=["time"])
    def post(self, request: Request) -> Response:
        data = validated_input(TimeEntryInput, request)
        employee = data.pop("employee", None) or _me(request)
        require(perms.can_log_time(actor_of(request), employee, data["project"]))
        entry = services.time_entry_create(
            actor=actor_of(request), employee=employee, project=data["project"], day=data["date"],
            hours=data["hours"], task=data.get("task"), note=data.get("note", ""),
        )
        retainer_alerts_after_time(project=data["project"])
        return Response(TimeEntrySerializer(entry).data, status=status.HTTP_201_CREATED)


class TimeEntryDetailApi(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(request=TimeEntryPatchInput, responses=TimeEntrySerializer, tags=["time"])
    def patch(self, request: Request, pk: int) -> Response:
        entry = perms.time_entry_get_for(actor_of(request), pk)
        require(perms.can_edit_time_entry(actor_of(request), entry))
        entry = services.time_entry_update(actor=actor_of(request), entry=entry,
                                           data=validated_input(TimeEntryPatchInput, request, partial=True))
        return Response(TimeEntrySerializer(entry).data)

    @extend_schema(responses={204: None}, tags=["time"])
    def delete(self, request: Request, pk: int) -> Response:
        entry = perms.time_entry_get_for(actor_of(request), pk)
        require(perms.can_edit_time_entry(actor_of(request), entry))
        services.time_entry_delete(actor=actor_of(request), entry=entry)
        return Response(status=status.HTTP_204_NO_CONTENT)


# Response shapes of the report-style views below (documentation for the OpenAPI schema).
def _hours() -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=7, decimal_places=2)


class TimesheetRowOutput(serializers.Serializer):
    project = serializers.IntegerField()
    name = serializers.CharField()
    hours = serializers.ListField(child=_hours())


class TimesheetOutput(serializers.Serializer):
    employee = serializers.IntegerField()
    week_start = serializers.DateField()
    days = serializers.ListField(child=serializers.DateField())
    rows = TimesheetRowOutput(many=True)
    day_totals = serializers.ListField(child=_hours())
    closed_days = serializers.ListField(child=serializers.DateField())


class TimesheetCellOutput(serializers.Serializer):
    project = serializers.IntegerField()
    date = serializers.DateField()
    hours = _hours()
    day_total = _hours()


class ClosedMonthOutput(serializers.Serializer):
    month = serializers.DateField()
    closed_at = serializers.DateTimeField()


class CostRateOutput(serializers.Serializer):
    id = serializers.IntegerField()
    employee = serializers.IntegerField(required=False)
    valid_from = serializers.DateField()
    rate = serializers.DecimalField(max_digits=10, decimal_places=2)


class ProjectHoursOutput(serializers.Serializer):
    project = serializers.IntegerField()
    name = serializers.CharField()
    client = serializers.IntegerField()
    planned_hours = _hours()
    logged_hours = _hours()
    percent = serializers.IntegerField(allow_null=True)
    cost = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)


class EmployeeLoadOutput(serializers.Serializer):
    employee = serializers.IntegerField()
    name = serializers.CharField()
    logged_hours = _hours()
    capacity_hours = serializers.IntegerField()
    percent = serializers.IntegerField(allow_null=True)


_EMPLOYEE_Q = OpenApiParameter("employee", int, description="Employee id (default: me)")
_WEEK_Q = OpenApiParameter("week", str, description="Any date of the week, YYYY-MM-DD (default: this week)")
_MONTH_Q = OpenApiParameter("month", str, description="Any date of the month, YYYY-MM-DD (default: this month)")
_CLIENT_Q = OpenApiParameter("client", int, description="Only this client's projects")


class TimesheetApi(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(tags=["time"], summary="A week of the employee's time as a project × day grid",
                   parameters=[_EMPLOYEE_Q, _WEEK_Q], responses=TimesheetOutput)
    def get(self, request: Request) -> Response:
        employee_id = _int(request, "employee")
        employee = employee_get_for(actor_of(request), employee_id) if employee_id else _me(request)
        if employee.pk != _me(request).pk:
            require(any(r.employee.pk == employee.pk for r in selectors.employee_month_load(
                actor=actor_of(request), month=timezone.localdate())))
        week = selectors.timesheet_week(actor=actor_of(request), employee=employee,
                                        week_start=_day(request, "week"))
        return Response({
            "employee": employee.pk, "week_start": week.week_start, "days": week.days,
            "rows": [{"project": r.project.pk, "name": r.project.name,
                      "hours": [str(c.hours) for c in r.cells]} for r in week.rows],
            "day_totals": [str(t) for t in week.day_totals],
            "closed_days": sorted(week.closed_days),
        })

    @extend_schema(request=CellInput, tags=["time"], summary="Set one cell's total (saves cell by cell)",
                   responses=TimesheetCellOutput)
    def put(self, request: Request) -> Response:
        data = validated_input(CellInput, request)
        employee = data.get("employee") or _me(request)
        require(perms.can_log_time(actor_of(request), employee, data["project"]))
        total = services.timesheet_cell_set(actor=actor_of(request), employee=employee, project=data["project"],
                                            day=data["date"], hours=data["hours"])
        retainer_alerts_after_time(project=data["project"])
        return Response({"project": data["project"].pk, "date": data["date"], "hours": str(total),
                         "day_total": str(selectors.employee_day_total(employee=employee, day=data["date"]))})


class ClosedMonthsApi(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(tags=["time"], summary="Months closed by finance", responses=ClosedMonthOutput(many=True))
    def get(self, request: Request) -> Response:
        rows = selectors.closed_months(agency=_me(request).agency_id)
        return Response([{"month": r.month, "closed_at": r.closed_at} for r in rows])

    @extend_schema(request=MonthInput, tags=["time"], summary="Close a month (finance)",
                   responses={201: ClosedMonthOutput})
    def post(self, request: Request) -> Response:
        require(perms.can_close_months(actor_of(request)))
        row = services.month_close(actor=actor_of(request), **validated_input(MonthInput, request))
        return Response({"month": row.month, "closed_at": row.closed_at}, status=status.HTTP_201_CREATED)


class ReopenMonthApi(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(request=MonthInput, tags=["time"], summary="Reopen a closed month (finance)",
                   responses={204: None})
    def post(self, request: Request) -> Response:
        require(perms.can_close_months(actor_of(request)))
        services.month_reopen(actor=actor_of(request), **validated_input(MonthInput, request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class CostRatesApi(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(tags=["time"], summary="An employee's cost-rate history (?employee=)",
                   parameters=[_EMPLOYEE_Q], responses=CostRateOutput(many=True))
    def get(self, request: Request) -> Response:
        require(perms.can_set_cost_rates(actor_of(request)))
        employee = employee_get_for(actor_of(request), _int(request, "employee") or 0)
        rows = selectors.cost_rate_history(employee=employee)
        return Response([{"id": r.pk, "valid_from": r.valid_from, "rate": str(r.rate)} for r in rows])

    @extend_schema(request=CostRateInput, tags=["time"], summary="Set a cost rate valid from a date",
                   responses={201: CostRateOutput})
    def post(self, request: Request) -> Response:
        require(perms.can_set_cost_rates(actor_of(request)))
        row = services.cost_rate_set(actor=actor_of(request), **validated_input(CostRateInput, request))
        return Response({"id": row.pk, "employee": row.employee_id, "valid_from": row.valid_from,
                         "rate": str(row.rate)}, status=status.HTTP_201_CREATED)


class ProjectHoursReportApi(APIView):
    permission_classes = [IsAgencyEmployee]
    pagination_class = StandardPagination  # documents the {count, next, previous, results} envelope

    @extend_schema(tags=["time"], summary="Per project for a month: planned vs logged hours and cost",
                   parameters=[_MONTH_Q, _CLIENT_Q], responses=ProjectHoursOutput(many=True))
    def get(self, request: Request) -> Response:
        """One page (`page`, `page_size`, standard envelope) of the month's projects: an agency has
        thousands of active projects."""
        show_cost = perms.can_view_cost(actor_of(request))
        month = _day(request, "month")
        paginator = StandardPagination()
        projects = paginator.paginate_queryset(
            selectors.project_month_projects(actor=actor_of(request), month=month, client_id=_int(request, "client")),
            request, view=self,
        ) or []
        return paginator.get_paginated_response([{
            "project": r.project.pk, "name": r.project.name, "client": r.project.client_id,
            "planned_hours": str(r.planned_hours), "logged_hours": str(r.logged_hours), "percent": r.percent,
            "cost": str(r.cost) if show_cost else None,
        } for r in selectors.project_month_rows(projects, month=month)])


class EmployeeLoadReportApi(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(tags=["time"], summary="Per employee for a month: logged hours vs capacity",
                   parameters=[_MONTH_Q], responses=EmployeeLoadOutput(many=True))
    def get(self, request: Request) -> Response:
        rows = selectors.employee_month_load(actor=actor_of(request), month=_day(request, "month"))
        return Response([{"employee": r.employee.pk, "name": r.employee.full_name,
                          "logged_hours": str(r.logged_hours), "capacity_hours": r.capacity_hours,
                          "percent": r.percent} for r in rows])


urlpatterns = [
    path("projects/", ProjectListApi.as_view(), name="project-list"),
    path("projects/<int:pk>/", ProjectDetailApi.as_view(), name="project-detail"),
    path("projects/<int:pk>/stages/", ProjectStagesApi.as_view(), name="project-stages"),
    path("stages/waiting/", StagesWaitingApi.as_view(), name="stages-waiting"),
    path("stages/<int:pk>/", StageDetailApi.as_view(), name="stage-detail"),
    path("stages/<int:pk>/file/", StageFileApi.as_view(), name="stage-file"),
    path("stages/<int:pk>/start/", StageActionApi.as_view(action="start"), name="stage-start"),
    path("stages/<int:pk>/send/", StageActionApi.as_view(action="send"), name="stage-send"),
    path("stages/<int:pk>/answer/", StageActionApi.as_view(action="answer"), name="stage-answer"),
    path("clients/<int:pk>/onboarding/", ClientOnboardingApi.as_view(), name="client-onboarding"),
    path("onboarding-items/<int:pk>/", OnboardingItemApi.as_view(), name="onboarding-item"),
    path("onboarding-items/<int:pk>/done/", OnboardingItemDoneApi.as_view(), name="onboarding-item-done"),
    path("onboarding-template/", OnboardingTemplateApi.as_view(), name="onboarding-template"),
    path("onboarding-template/reorder/", OnboardingTemplateReorderApi.as_view(), name="onboarding-template-reorder"),
    path("onboarding-template/<int:pk>/", OnboardingTemplateItemApi.as_view(), name="onboarding-template-item"),
    path("work-settings/", WorkSettingsApi.as_view(), name="work-settings"),
    path("tasks/", TaskListApi.as_view(), name="task-list"),
    path("tasks/overdue/", OverdueTasksApi.as_view(), name="task-overdue"),
    path("tasks/overdue/counts/", OverdueTaskCountsApi.as_view(), name="task-overdue-counts"),
    path("tasks/<int:pk>/", TaskDetailApi.as_view(), name="task-detail"),
    path("tasks/<int:pk>/transition/", TaskTransitionApi.as_view(), name="task-transition"),
    path("time-entries/", TimeEntryListApi.as_view(), name="time-entry-list"),
    path("time-entries/<int:pk>/", TimeEntryDetailApi.as_view(), name="time-entry-detail"),
    path("timesheet/", TimesheetApi.as_view(), name="timesheet"),
    path("closed-months/", ClosedMonthsApi.as_view(), name="closed-months"),
    path("closed-months/reopen/", ReopenMonthApi.as_view(), name="closed-months-reopen"),
    path("cost-rates/", CostRatesApi.as_view(), name="cost-rates"),
    path("reports/project-hours/", ProjectHoursReportApi.as_view(), name="report-project-hours"),
    path("reports/employee-load/", EmployeeLoadReportApi.as_view(), name="report-employee-load"),
]
