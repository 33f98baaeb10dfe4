"""«Персональные данные» of a contact person (152-ФЗ): export and erasure, administrators only.

The page lists what is held (counts) and the journal of earlier requests; the export downloads
JSON or a readable XLSX; the erasure anonymises the person (tandem.privacy.services) after a
reason and an explicit confirmation. Everyone else gets 404, as for any page they may not open.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from tandem.clients.models import Contact
from tandem.clients.permissions import contact_get_for
from tandem.privacy import selectors, services
from tandem.privacy.permissions import can_handle_personal_data
from tandem.web.decorators import AuthedRequest, employee_required
from tandem.web.forms_util import add_domain_error


class ExportForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Основание"), max_length=services.REASON_MAX,
                             help_text=gettext_lazy("Чей запрос и когда получен."))
    format = forms.ChoiceField(label=gettext_lazy("Формат"), choices=[("pdf", "PDF"), ("xlsx", "XLSX"), ("json", "JSON")])


class EraseForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Основание"), max_length=services.REASON_MAX,
                             help_text=gettext_lazy("Чей запрос и когда получен."))
    confirm = forms.BooleanField(label=gettext_lazy("Понимаю: ФИО и контакты человека будут удалены безвозвратно"))


def _contact(request: AuthedRequest, pk: int) -> Contact:
    contact = contact_get_for(request.user, pk)
    if not can_handle_personal_data(request.user, contact):
        raise Http404()
    return contact


def _page(request: AuthedRequest, contact: Contact, *, export_form: ExportForm, erase_form: EraseForm,
          status: int = 200) -> HttpResponse:
    data = selectors.contact_personal_data(contact)
    return render(request, "web/clients/personal_data.html", {
        "contact": contact, "client": contact.client, "export_form": export_form, "erase_form": erase_form,
        "counts": {
            _("Версий карточки"): len(data["history"]), _("Взаимодействий"): len(data["interactions"]),
            _("Обращений"): len(data["requests"]), _("Напоминаний об оплате"): len(data["payment_reminders"]),
        },
        "journal": services.personal_data_log(contact_id=contact.pk),
    }, status=status)


@employee_required
def personal_data(request: AuthedRequest, pk: int) -> HttpResponse:
    contact = _contact(request, pk)
    return _page(request, contact, export_form=ExportForm(), erase_form=EraseForm())


@require_POST
@employee_required
def personal_data_export(request: AuthedRequest, pk: int) -> HttpResponse:
    contact = _contact(request, pk)
    form = ExportForm(request.POST)
    if form.is_valid():
        try:
            data = services.contact_data_export(actor=request.user, contact=contact, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            add_domain_error(form, exc)
        else:
            body, mime, ext = services.export_render(data, file_format=form.cleaned_data["format"])
            response = HttpResponse(body, content_type=mime)
            response["Content-Disposition"] = f'attachment; filename="contact-{contact.pk}-personal-data.{ext}"'
            return response
    return _page(request, contact, export_form=form, erase_form=EraseForm(), status=400)


@require_POST
@employee_required
def personal_data_erase(request: AuthedRequest, pk: int) -> HttpResponse:
    contact = _contact(request, pk)
    form = EraseForm(request.POST)
    if form.is_valid():
        try:
            services.contact_erase(actor=request.user, contact=contact, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Персональные данные контакта удалены (обезличены)."))
            return redirect("web:client_detail", contact.client_id)
    return _page(request, contact, export_form=ExportForm(), erase_form=form, status=400)
