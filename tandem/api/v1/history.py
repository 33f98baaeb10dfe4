"""Field history (who changed what, when) of invoices, acts, payments, tasks and stages.

`GET history/<kind>/<id>/`, kind one of invoice, act, payment, task, stage, retainer (id: the
contract line). The record is
looked up with its scoped getter (invisible = 404); the history is for heads and finance (403
for the others). Values come as people read them: names, choice labels, formatted amounts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tandem.api.permissions import IsAgencyEmployee
from tandem.billing import history as billing_history
from tandem.billing.permissions import act_get_for, invoice_get_for, payment_get_for, retainer_line_get_for
from tandem.contracts import history as contracts_history
from tandem.core.errors import NotFound
from tandem.core.history import HistoryEntry
from tandem.org.models import User
from tandem.work import history as work_history
from tandem.work.permissions import stage_get_for, task_get_for

from ._common import actor_of

KINDS: dict[str, tuple[Callable[[User, int], Any], Callable[[User, Any], list[HistoryEntry]]]] = {
    "invoice": (invoice_get_for, lambda a, o: billing_history.invoice_history(actor=a, invoice=o)),
    "act": (act_get_for, lambda a, o: billing_history.act_history(actor=a, act=o)),
    "payment": (payment_get_for, lambda a, o: billing_history.payment_history(actor=a, payment=o)),
    "task": (task_get_for, lambda a, o: work_history.task_history(actor=a, task=o)),
    "stage": (stage_get_for, lambda a, o: work_history.stage_history(actor=a, stage=o)),
    # <id> is the contract line's id: the history of its retainer terms.
    "retainer": (retainer_line_get_for, lambda a, o: contracts_history.retainer_terms_history(actor=a, line=o)),
}


class FieldChangeSerializer(serializers.Serializer):
    field = serializers.CharField(help_text="The field's name, e.g. «Статус».")
    old = serializers.CharField(help_text="The value before, in words («—» when empty).")
    new = serializers.CharField(help_text="The value after, in words.")


class HistoryEntrySerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    who = serializers.CharField(help_text="The employee's full name; «Система» for jobs and imports without a user.")
    action = serializers.CharField(help_text="Создание, Изменение or Удаление.")
    subject = serializers.CharField(help_text="Set when a related row changed, e.g. «Разнесение» (an allocation).")
    reason = serializers.CharField()
    changes = FieldChangeSerializer(many=True)


class FieldHistoryApi(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(
        tags=["history"], summary="Field history of a record, newest first (heads and finance)",
        parameters=[OpenApiParameter("kind", str, OpenApiParameter.PATH, enum=sorted(KINDS))],
        responses=HistoryEntrySerializer(many=True),
    )
    def get(self, request: Request, kind: str, pk: int) -> Response:
        if kind not in KINDS:
            raise NotFound()
        get, read = KINDS[kind]
        obj = get(actor_of(request), pk)
        return Response(HistoryEntrySerializer(read(actor_of(request), obj), many=True).data)


urlpatterns = [
    path("history/<str:kind>/<int:pk>/", FieldHistoryApi.as_view(), name="field-history"),
]
