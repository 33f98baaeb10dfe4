"""Field history in words: who changed which field of a record, when, from what to what.

Built on django-simple-history records (`Model.history`). Each change is told as a person reads
it: the employee's full name (never a login), the field's name, old → new value with choice
labels instead of codes, related records by name, money as «1 234,50», dates as «03.12.2026».

Who: simple-history takes `history_user` from the web or API request (HistoryRequestMiddleware)
or from `instance._history_user`, which services set when they run outside a request; a record
without a user was written by the system (a job, an import at go-live).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import models
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

# Not worth telling: the row's identity and bookkeeping columns.
SKIPPED_FIELDS = frozenset({"id", "agency", "created_at", "updated_at"})
# At most this many records of one object (its whole life in practice).
MAX_RECORDS = 500
TEXT_LIMIT = 200


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: str
    new: str


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    who: str
    action: str  # «Создание», «Изменение», «Удаление»
    subject: str  # what was changed when it is not the record itself, e.g. «Разнесение»
    reason: str
    changes: tuple[FieldChange, ...]


def _actions() -> dict[str, str]:
    return {"+": _("Создание"), "~": _("Изменение"), "-": _("Удаление")}


def person_name(user: Any) -> str:
    """A user told by the employee's full name (never the login); no user = the system."""
    if user is None:
        return _("Система")
    employee = getattr(user, "employee", None)
    if employee is not None:
        return str(employee.full_name)
    return str(user.get_full_name()) or _("Администратор")


def _field_label(field: models.Field[Any, Any]) -> str:
    name = str(field.verbose_name)
    if name == field.name.replace("_", " "):  # no verbose name given: a known one, else as is
        name = str(_FIELD_LABELS().get(field.name, name))
    return name[:1].upper() + name[1:]


def _FIELD_LABELS() -> dict[str, str]:  # noqa: N802 - a constant, translated when read
    return {
        "client": _("клиент"), "contract": _("договор"), "invoice": _("счёт"), "payment": _("платёж"),
        "project": _("проект"), "amount": _("сумма"), "created_by": _("кто создал"),
        "statement_import": _("выписка"), "assignee": _("исполнитель"), "reviewer": _("проверяющий"),
        "external_key": _("ключ выписки"),
    }


def _tracked(history_model: type[models.Model], skip: Iterable[str]) -> list[models.Field[Any, Any]]:
    instance_fields = {f.name for f in history_model.instance_type._meta.concrete_fields}  # type: ignore[attr-defined]
    skipped = SKIPPED_FIELDS | set(skip)
    return [
        f for f in history_model._meta.concrete_fields
        if f.name in instance_fields and f.name not in skipped
    ]


Labeller = Callable[[Any], str]


def _label_of_related(model: type[models.Model], ids: set[Any], labels: dict[type[models.Model], Labeller]) -> dict[Any, str]:
    if not ids:
        return {}
    if model is get_user_model():
        return {u.pk: person_name(u) for u in model._default_manager.filter(pk__in=ids).select_related("employee")}
    label = labels.get(model, str)
    return {obj.pk: label(obj) for obj in model._default_manager.filter(pk__in=ids)}


def _format(field: models.Field[Any, Any], value: Any, related: dict[Any, str]) -> str:
    if value is None or value == "":
        return "—"
    if field.is_relation:
        return related.get(value, f"#{value}")
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("да") if value else _("нет")
    if isinstance(value, Decimal):
        return number_format(value, decimal_pos=2, use_l10n=True, force_grouping=True)
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%d.%m.%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    if isinstance(field, models.FileField):
        return str(value).rsplit("/", 1)[-1]
    text = str(value)
    return text if len(text) <= TEXT_LIMIT else text[: TEXT_LIMIT - 1] + "…"


def _raw(record: Any, field: models.Field[Any, Any]) -> Any:
    return getattr(record, field.attname)


def field_history(
    records: Sequence[Any] | models.QuerySet[Any],
    *,
    subject: str = "",
    skip: Iterable[str] = (),
    created_fields: Sequence[str] = (),
    labels: dict[type[models.Model], Labeller] | None = None,
) -> list[HistoryEntry]:
    """The changes told in words, newest first. `records` are the historical rows of one or
    more objects of one model (e.g. `invoice.history.all()`, or the allocation records of a
    payment); each row is compared with the previous row of the same object. A creation or
    deletion lists only `created_fields` (the record's defining values, e.g. an allocation's
    invoice and amount); an edit lists every tracked field that changed, except `skip`.
    Related records are named by `labels[model](obj)` (default `str(obj)`), users by the
    employee's full name. Queries: the records (with their authors), one per related model named."""
    if isinstance(records, models.QuerySet):
        records = list(
            records.select_related("history_user__employee").order_by("history_date", "history_id")[:MAX_RECORDS]
        )
    else:
        records = sorted(records, key=lambda r: (r.history_date, r.history_id))
    if not records:
        return []
    fields = _tracked(type(records[0]), skip)
    shown_on_create = [f for f in fields if f.name in created_fields]

    previous: dict[Any, Any] = {}
    pending: list[tuple[Any, list[tuple[models.Field[Any, Any], Any, Any]]]] = []
    for record in records:
        before = previous.get(record.id)
        if record.history_type == "~" and before is not None:
            diffs = [(f, _raw(before, f), _raw(record, f)) for f in fields if _raw(before, f) != _raw(record, f)]
            if not diffs:
                previous[record.id] = record
                continue
        elif record.history_type == "-":
            diffs = [(f, _raw(record, f), None) for f in shown_on_create]
        else:  # created (or the first record kept of an object changed before history began)
            diffs = [(f, None, _raw(record, f)) for f in shown_on_create]
        previous[record.id] = record
        pending.append((record, diffs))

    wanted: dict[type[models.Model], set[Any]] = {}
    for _record, diffs in pending:
        for f, old, new in diffs:
            if f.is_relation and f.related_model is not None:
                ids = wanted.setdefault(f.related_model, set())  # type: ignore[arg-type]
                ids.update(v for v in (old, new) if v is not None)
    related = {m: _label_of_related(m, ids, labels or {}) for m, ids in wanted.items()}

    actions = _actions()
    entries = [
        HistoryEntry(
            at=record.history_date, who=person_name(record.history_user), action=actions.get(record.history_type, ""),
            subject=subject, reason=record.history_change_reason or "",
            changes=tuple(
                FieldChange(
                    field=_field_label(f),
                    old=_format(f, old, related.get(f.related_model, {})),  # type: ignore[arg-type]
                    new=_format(f, new, related.get(f.related_model, {})),  # type: ignore[arg-type]
                )
                for f, old, new in diffs
            ),
        )
        for record, diffs in pending
    ]
    return sorted(entries, key=lambda e: e.at, reverse=True)


def merged(*histories: list[HistoryEntry]) -> list[HistoryEntry]:
    """Several histories (a record's own and its related rows') as one, newest first."""
    return sorted((e for h in histories for e in h), key=lambda e: e.at, reverse=True)
