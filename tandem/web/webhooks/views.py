"""Settings → Вебхуки (admins): endpoints with the events they receive, the signing secret shown
once, a test ping, and each endpoint's delivery log with «отправить снова»."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from tandem.core.events import EVENTS
from tandem.org.models import User
from tandem.web.decorators import AuthedRequest, employee_required
from tandem.web.forms_util import add_domain_error
from tandem.webhooks import permissions, selectors, services
from tandem.webhooks.models import DeliveryStatus

DELIVERY_PAGE_SIZE = 50


class EndpointForm(forms.Form):
    url = forms.CharField(label=gettext_lazy("Адрес (URL)"), max_length=500,
                          help_text=gettext_lazy("Сюда придёт POST с JSON и подписью X-Tandem-Signature."))
    description = forms.CharField(label=gettext_lazy("Описание"), max_length=200, required=False)
    events = forms.MultipleChoiceField(label=gettext_lazy("События"), widget=forms.CheckboxSelectMultiple,
                                       choices=lambda: [(k, f"{k} — {v}") for k, v in EVENTS.items() if k != "ping"])
    is_active = forms.BooleanField(label=gettext_lazy("Включён"), required=False, initial=True)


def _manager(request: AuthedRequest) -> User:
    if not permissions.can_manage_webhooks(request.user):
        raise Http404()
    return request.user


@employee_required
def webhook_list(request: AuthedRequest) -> HttpResponse:
    actor = _manager(request)
    form = EndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            endpoint, secret = services.endpoint_create(actor=actor, url=d["url"], events=d["events"],
                                                        description=d["description"])
        except ValidationError as exc:
            add_domain_error(form, exc)
        else:
            request.session["webhook_secret"] = {"id": endpoint.pk, "secret": secret}
            return redirect("web:webhook_detail", pk=endpoint.pk)
    return render(request, "web/webhooks/list.html", {
        "form": form, "endpoints": selectors.endpoint_list(actor=actor),
    }, status=400 if request.method == "POST" else 200)


@employee_required
def webhook_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    actor = _manager(request)
    endpoint = permissions.endpoint_get_for(actor, pk)
    shown = request.session.pop("webhook_secret", None)
    secret = shown["secret"] if shown and shown.get("id") == endpoint.pk else None
    form = EndpointForm(request.POST or None, initial={
        "url": endpoint.url, "description": endpoint.description, "events": endpoint.events,
        "is_active": endpoint.is_active})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.endpoint_update(actor=actor, endpoint=endpoint, url=d["url"], events=d["events"],
                                     description=d["description"], is_active=d["is_active"])
        except ValidationError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Вебхук сохранён."))
            return redirect("web:webhook_detail", pk=endpoint.pk)
    status = request.GET.get("status", "")
    status = status if status in DeliveryStatus.values else ""
    page = Paginator(selectors.delivery_list(actor=actor, endpoint=endpoint, status=status),
                     DELIVERY_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "web/webhooks/detail.html", {
        "endpoint": endpoint, "form": form, "secret": secret, "page": page, "deliveries": page.object_list,
        "status": status, "statuses": DeliveryStatus.choices,
    }, status=400 if request.method == "POST" else 200)


@require_POST
@employee_required
def webhook_test(request: AuthedRequest, pk: int) -> HttpResponse:
    actor = _manager(request)
    delivery = services.endpoint_send_test(actor=actor, endpoint=permissions.endpoint_get_for(actor, pk))
    if delivery.status == DeliveryStatus.SUCCEEDED:
        messages.success(request, _("Тест доставлен: ответ %(code)s.") % {"code": delivery.last_status_code})
    else:
        messages.error(request, _("Тест не доставлен: %(error)s") % {"error": delivery.last_error})
    return redirect("web:webhook_detail", pk=pk)


@require_POST
@employee_required
def webhook_rotate(request: AuthedRequest, pk: int) -> HttpResponse:
    actor = _manager(request)
    endpoint = permissions.endpoint_get_for(actor, pk)
    request.session["webhook_secret"] = {"id": endpoint.pk,
                                         "secret": services.endpoint_rotate_secret(actor=actor, endpoint=endpoint)}
    messages.warning(request, _("Новый секрет действует сразу: обновите его в принимающей системе."))
    return redirect("web:webhook_detail", pk=pk)


@require_POST
@employee_required
def webhook_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    actor = _manager(request)
    services.endpoint_delete(actor=actor, endpoint=permissions.endpoint_get_for(actor, pk))
    messages.success(request, _("Вебхук удалён."))
    return redirect("web:webhook_list")


@require_POST
@employee_required
def delivery_resend(request: AuthedRequest, pk: int) -> HttpResponse:
    actor = _manager(request)
    delivery = permissions.delivery_get_for(actor, pk)
    try:
        delivery = services.delivery_resend(actor=actor, delivery=delivery)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if delivery.status == DeliveryStatus.SUCCEEDED:
            messages.success(request, _("Доставлено."))
        else:
            messages.error(request, _("Не доставлено: %(error)s") % {"error": delivery.last_error})
    return redirect("web:webhook_detail", pk=delivery.endpoint_id)
