"""The client card's «Результаты» panel: connect a Metrica counter or a GA4 property and «Обновить сейчас».

Who may: results are shown to whoever sees the client; settings and refresh follow
`tandem.reports.permissions.can_manage_analytics` (others get 404, as elsewhere on the card).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from tandem.clients import permissions as client_permissions
from tandem.clients.models import Client
from tandem.core.errors import ApplicationError
from tandem.org.models import User
from tandem.reports import permissions, selectors, services
from tandem.reports.models import (
    API_KINDS,
    UPLOAD_KINDS,
    AnalyticsKind,
    AnalyticsSource,
    counter_id_validator,
)
from tandem.web.decorators import AuthedRequest, employee_required
from tandem.web.forms_util import add_domain_error

# «Обновить сейчас» re-reads both windows the panel compares.
REFRESH_NOW_DAYS = 2 * selectors.RESULTS_WINDOW_DAYS


def results_context(*, actor: User, client: Client) -> dict[str, Any]:
    """The card's panel: the sources, the 30-day comparison and what the actor may do (3 queries)."""
    sources = selectors.analytics_sources_of(client=client)
    source = sources[0] if sources else None
    summary = selectors.results_summary(client=client, today=timezone.localdate(), sources=sources) if source else None
    return {
        "source": source,
        "sources": sources,
        "kinds": {s.kind for s in sources},
        "refreshable": any(not s.is_demo and s.kind in API_KINDS for s in sources),
        "summary": summary,
        "chart": summary.chart_data() if summary else None,
        "may_manage": permissions.can_manage_analytics(actor, client),
    }


def _goal_ids(value: str) -> list[int]:
    ids = []
    for part in value.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        if not part.isdigit():
            raise ValidationError(_("Номера целей — числа через запятую, например: 3045424, 3045425."))
        ids.append(int(part))
    return ids


class AnalyticsSourceForm(forms.Form):
    counter_id = forms.CharField(
        label=gettext_lazy("Номер счётчика Метрики"), max_length=12, validators=[counter_id_validator],
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    token = forms.CharField(
        label=gettext_lazy("OAuth-токен"), required=False, max_length=2000,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
    )
    goal_ids = forms.CharField(
        label=gettext_lazy("Цели-заявки"), required=False,
        help_text=gettext_lazy("Номера целей Метрики через запятую: их достижения считаются заявками."),
    )

    def __init__(self, *args: Any, token_set: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["token"].help_text = (
            _("Токен задан. Оставьте поле пустым, чтобы не менять его.") if token_set
            else _("Токен с доступом на чтение статистики счётчика (oauth.yandex.ru).")
        )

    def clean_goal_ids(self) -> list[int]:
        return _goal_ids(self.cleaned_data.get("goal_ids") or "")


class Ga4SourceForm(forms.Form):
    counter_id = forms.CharField(
        label=gettext_lazy("Идентификатор ресурса GA4 (Property ID)"), max_length=12, validators=[counter_id_validator],
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    token = forms.CharField(
        label=gettext_lazy("JSON-ключ сервисного аккаунта"), required=False, max_length=20000,
        widget=forms.Textarea(attrs={"rows": 6, "autocomplete": "off", "spellcheck": "false"}),
    )

    def __init__(self, *args: Any, token_set: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["token"].help_text = (
            _("Ключ задан. Оставьте поле пустым, чтобы не менять его.") if token_set
            else _("Вставьте содержимое JSON-ключа сервисного аккаунта Google Cloud; добавьте e-mail этого "
                   "аккаунта в пользователи ресурса GA4 с ролью «Читатель».")
        )


def _card(client: Client) -> str:
    return reverse("web:client_detail", args=[client.pk]) + "#results"


def _settings(request: AuthedRequest, pk: int, kind: str) -> HttpResponse:
    from .views import _done, _panel  # the card's own helpers

    user = request.user
    client = client_permissions.client_get_for(user, pk)
    if not permissions.can_manage_analytics(user, client):
        raise Http404()
    source: AnalyticsSource | None = selectors.analytics_source_of(client=client, kind=kind)
    token_set = bool(source and source.has_token)
    form: forms.Form
    if kind == AnalyticsKind.GA4:
        form = Ga4SourceForm(request.POST or None, initial={"counter_id": source.counter_id} if source else {},
                             token_set=token_set)
        title, saved, url = _("Ресурс Google Analytics 4"), _("Ресурс Google Analytics сохранён."), "web:client_analytics_ga4"
    else:
        initial = {"counter_id": source.counter_id, "goal_ids": ", ".join(map(str, source.goal_ids))} if source else {}
        form = AnalyticsSourceForm(request.POST or None, initial=initial, token_set=token_set)
        title, saved, url = _("Счётчик Яндекс Метрики"), _("Счётчик Метрики сохранён."), "web:client_analytics_settings"
    if request.method == "POST" and form.is_valid():
        try:
            services.analytics_source_connect(
                actor=user, client=client, kind=kind, counter_id=form.cleaned_data["counter_id"],
                token=form.cleaned_data["token"], goal_ids=form.cleaned_data.get("goal_ids") or [],
            )
        except (ValidationError, ApplicationError) as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, saved)
            return _done(request, _card(client))
    return _panel(
        request, form=form, client=client, title=title, action=reverse(url, args=[client.pk]), submit=_("Сохранить"),
    )


@employee_required
@require_http_methods(["GET", "POST"])
def client_analytics_settings(request: AuthedRequest, pk: int) -> HttpResponse:
    return _settings(request, pk, AnalyticsKind.METRICA)


@employee_required
@require_http_methods(["GET", "POST"])
def client_analytics_ga4(request: AuthedRequest, pk: int) -> HttpResponse:
    return _settings(request, pk, AnalyticsKind.GA4)


@employee_required
@require_POST
def client_analytics_refresh(request: AuthedRequest, pk: int) -> HttpResponse:
    from .views import _done

    user = request.user
    client = client_permissions.client_get_for(user, pk)
    if not permissions.can_manage_analytics(user, client):
        raise Http404()
    sources = [s for s in selectors.analytics_sources_of(client=client) if not s.is_demo and s.kind in API_KINDS]
    if not sources:
        raise Http404()
    end = timezone.localdate()
    for source in sources:
        try:
            result = services.analytics_refresh(
                actor=user, source=source, start=end - timedelta(days=REFRESH_NOW_DAYS), end=end,
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        except ApplicationError as exc:
            messages.error(request, f"{source.get_kind_display()}: {exc.message}")
        else:
            if source.kind == AnalyticsKind.GA4:
                messages.success(request, _("Данные Google Analytics обновлены: %(n)s дн.") % {"n": result.days})
            else:
                messages.success(request, _("Данные Метрики обновлены: %(n)s дн.") % {"n": result.days})
    return _done(request, _card(client))


# --- uploaded results (positions, ad spend, any daily table) -------------------------------------

MAPPING_LABELS = {
    "date": gettext_lazy("Столбец с датой"), "visits": gettext_lazy("Столбец визитов"),
    "goal_conversions": gettext_lazy("Столбец достижений целей"), "leads": gettext_lazy("Столбец заявок"),
    "revenue": gettext_lazy("Столбец выручки"), "ad_spend": gettext_lazy("Столбец расхода"),
    "keyword": gettext_lazy("Столбец с запросами"),
}
ALLOWED_UPLOAD_EXTENSIONS = (".csv", ".xlsx", ".txt")


class AnalyticsUploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Файл CSV или XLSX"))

    def __init__(self, *args: Any, kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in services.upload_mapping_fields(kind):
            self.fields[f"map_{name}"] = forms.CharField(
                label=MAPPING_LABELS[name], required=False, max_length=200,
                help_text=_("Заголовок столбца в файле; пусто — обычное название в этой выгрузке."),
            )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(ALLOWED_UPLOAD_EXTENSIONS):
            raise ValidationError(_("Нужен файл .csv или .xlsx."))
        return upload

    def mapping(self) -> dict[str, str]:
        return {k[4:]: v for k, v in self.cleaned_data.items() if k.startswith("map_")}


@employee_required
@require_http_methods(["GET", "POST"])
def client_analytics_upload(request: AuthedRequest, pk: int, kind: str) -> HttpResponse:
    """Upload positions, ad spend or a daily table for the client (`can_manage_analytics`, else 404)."""
    user = request.user
    client = client_permissions.client_get_for(user, pk)
    if kind not in UPLOAD_KINDS or not permissions.can_manage_analytics(user, client):
        raise Http404()
    source = selectors.analytics_source_of(client=client, kind=kind)
    initial = {f"map_{k}": v for k, v in (source.column_mapping if source else {}).items()}
    form = AnalyticsUploadForm(request.POST or None, request.FILES or None, initial=initial, kind=kind)
    file_errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = services.analytics_upload(
                actor=user, client=client, kind=kind, content=upload.read(), file_name=upload.name,
                mapping=form.mapping(),
            )
        except ValidationError as exc:
            details = getattr(exc, "error_dict", {})
            file_errors = [m for e in details.get("file", []) for m in e.messages] if details else exc.messages
            for name in ("mapping", "kind"):
                for e in details.get(name, []):
                    file_errors.extend(e.messages)
        except ApplicationError as exc:
            file_errors = [exc.message]
        else:
            messages.success(request, _("Файл загружен: %(n)s дн. с %(first)s по %(last)s.") % {
                "n": result.days, "first": result.first_day.strftime("%d.%m.%Y"), "last": result.last_day.strftime("%d.%m.%Y"),
            })
            return redirect(_card(client))
    return render(request, "web/clients/analytics_upload.html", {
        "client": client, "form": form, "kind": kind, "kinds": [(k, AnalyticsKind(k).label) for k in UPLOAD_KINDS],
        "source": source, "file_errors": file_errors, "title": _("Загрузка результатов"),
    })
