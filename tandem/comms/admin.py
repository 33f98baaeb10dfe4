"""Django admin for communications: a support tool for superusers.

What the services keep is not written around them here:
- an interaction saved or deleted here recomputes its contacts' `last_interaction_at`
  (`contacts_refresh_last_interaction`), and its contacts and employees are checked as
  `interaction_create` checks them;
- a request's SLA clock (deadlines, round-the-clock flag) is computed by `request_create` from the
  priority, the client's tier and the receipt time, so requests are not created here and those
  fields, the response and resolution times are read-only; the owner is checked as
  `request_assign` checks it;
- escalations are records of who was told: shown, never added or changed (a fake one would keep
  the job from escalating for real).
Reverting an interaction or a request to an old version is off (it would bypass all of that).
"""

from __future__ import annotations

import copy
from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.forms.models import construct_instance
from django.http import HttpRequest
from django.utils.translation import gettext as _

from tandem.clients.models import Contact
from tandem.core.forms import add_domain_error
from tandem.core.history_admin import NoRevertHistoryAdmin

from .models import ClientRequest, ContactSnooze, Escalation, Interaction, SlaPolicy, WorkSchedule
from .services import contacts_refresh_last_interaction
from .services.interactions import _check_people, _validate
from .services.requests import _check_owner


class InteractionAdminForm(forms.ModelForm):
    def clean(self) -> dict[str, Any]:
        super().clean()
        if not self.errors:
            try:
                _check_people(self.cleaned_data["client"], self.cleaned_data["contacts"],
                              self.cleaned_data["employees"])
                _validate(construct_instance(self, copy.copy(self.instance)))
            except ValidationError as exc:
                add_domain_error(self, exc)
        return self.cleaned_data


def _contact_ids(interactions: QuerySet[Interaction]) -> set[int]:
    """The contacts of these interactions as stored now."""
    return set(Contact.objects.filter(interactions__in=interactions).values_list("pk", flat=True))


@admin.register(Interaction)
class InteractionAdmin(NoRevertHistoryAdmin):
    form = InteractionAdminForm
    list_display = ("client", "kind", "occurred_at", "direction", "channel")
    list_filter = ("kind", "direction", "channel")
    search_fields = ("summary", "client__legal_name", "client__brand_name")
    raw_id_fields = ("client", "contacts", "employees")

    def save_related(self, request: HttpRequest, form: forms.ModelForm, formsets: Any, change: bool) -> None:
        # The contacts before (still stored: m2m is saved here) and after both get their date recomputed.
        this = Interaction.objects.filter(pk=form.instance.pk)
        before = _contact_ids(this)
        super().save_related(request, form, formsets, change)
        contacts_refresh_last_interaction(before | _contact_ids(this))

    def delete_model(self, request: HttpRequest, obj: Interaction) -> None:
        affected = _contact_ids(Interaction.objects.filter(pk=obj.pk))
        super().delete_model(request, obj)
        contacts_refresh_last_interaction(affected)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Interaction]) -> None:
        affected = _contact_ids(queryset)
        super().delete_queryset(request, queryset)
        contacts_refresh_last_interaction(affected)


class ClientRequestAdminForm(forms.ModelForm):
    def clean(self) -> dict[str, Any]:
        super().clean()
        client_request: ClientRequest = self.instance
        contact, owner = self.cleaned_data.get("contact"), self.cleaned_data.get("owner")
        if contact is not None and contact.client_id != client_request.client_id:
            self.add_error("contact", _("Контакт относится к другому клиенту."))
        try:
            _check_owner(client_request.client, owner)
        except ValidationError as exc:
            add_domain_error(self, exc)
        return self.cleaned_data


@admin.register(ClientRequest)
class ClientRequestAdmin(NoRevertHistoryAdmin):
    form = ClientRequestAdminForm
    list_display = ("subject", "client", "priority", "received_at", "first_response_due_at", "resolved_at")
    list_filter = ("priority",)
    raw_id_fields = ("contact", "owner")
    readonly_fields = (
        "client", "priority", "received_at", "round_the_clock", "first_response_due_at", "resolve_due_at",
        "head_escalation_at", "first_response_at", "resolved_at", "created_by",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Escalation)
class EscalationAdmin(admin.ModelAdmin):
    list_display = ("request", "level", "notified", "channels", "created_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


admin.site.register(SlaPolicy)
admin.site.register(WorkSchedule)
admin.site.register(ContactSnooze)
