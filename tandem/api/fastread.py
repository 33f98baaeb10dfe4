"""Read serializers without DRF's per-field machinery (issue 16: API throughput).

DRF serializes a row by walking `_readable_fields`, calling each field's `get_attribute` (a loop
over `source_attrs` with a callable check and exception handling) and `to_representation`, and it
builds the fields of every serializer (ModelSerializer: from the model's meta, field by field)
anew for every request. For a page of 50 rows with nested people that is most of an API list's
CPU. `FastReadMixin` keeps the serializer class as it is — the same fields, so the OpenAPI schema
and the JSON stay exactly the same — but represents an object with a *plan* made once per class
from a prototype instance: for each readable field a getter and a converter.

- getters: a concrete, non-relation model field is `getattr(obj, attname)`; a primary-key
  related field on a foreign key is `getattr(obj, "<fk>_id")` (what DRF's pk-only optimization
  returns); a nested list reads the rows prefetch_related stored (no related manager per row);
  anything else is DRF's own `field.get_attribute`;
- converters: the prototype field's own `to_representation` (so a Decimal, a date-time in the
  current time zone or a choice comes out exactly as DRF writes it); a nested serializer with
  the mixin uses its own plan; `None` stays `None` as in `Serializer.to_representation`.

An object the plan does not fit (a dict row, another model, a getter that raises) is serialized
by DRF's own `to_representation`, so the result never differs. The plan is shared by all requests,
so it is only made for a class that opts in itself (the mixin among its own bases, or
`fast_read = True` in its body: a subclass does not inherit the plan), does not override
`get_fields` or `to_representation`, has no hyperlinked field, no `SerializerMethodField` whose
method reads `self.context`, and nests only serializers that have a plan themselves. Any other
class serializes with DRF as before. `tandem/api/tests/test_fastread.py` compares both paths.
"""

from __future__ import annotations

import operator
import threading
from collections.abc import Callable, Mapping
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import QuerySet
from rest_framework import serializers
from rest_framework.fields import SkipField
from rest_framework.relations import HyperlinkedIdentityField, HyperlinkedRelatedField, PKOnlyObject

# Set to False (tests) to serialize with DRF's own code path.
ENABLED = True

_Step = tuple[str, Callable[[Any], Any], Callable[[Any], Any] | None, bool]
_Plan = tuple[type[models.Model] | None, list[_Step]]
_plans: dict[type, _Plan | None] = {}
_lock = threading.RLock()  # a plan builds the plans of the serializers it nests


def _identity(value: Any) -> Any:
    return value


def _model_field(model: type[models.Model] | None, name: str) -> models.Field[Any, Any] | None:
    if model is None:
        return None
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return field if isinstance(field, models.Field) and field.concrete else None


class _NoPlan(Exception):
    """This serializer is left to DRF."""


def _has_plan(cls: type) -> bool:
    return issubclass(cls, FastReadMixin) and cls._plan() is not None


def _prefetched_or(name: str, get: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """The rows prefetch_related stored for relation `name` (what `manager.all()` returns), read
    without making a related manager per row; `get` (DRF's getter) when nothing was prefetched."""

    def getter(instance: Any) -> Any:
        cache = getattr(instance, "_prefetched_objects_cache", None)
        if cache is not None and name in cache:
            return cache[name]
        return get(instance)

    return getter


def _converter(field: serializers.Field) -> Callable[[Any], Any]:
    if isinstance(field, serializers.ListSerializer):
        if not _has_plan(type(field.child)):
            raise _NoPlan
        represent = type(field.child).plan_representation  # type: ignore[attr-defined,union-attr]

        def many(value: Any) -> list[Any]:
            iterable = value.all() if isinstance(value, models.manager.BaseManager) else value
            return [represent(item) for item in iterable]

        return many
    if isinstance(field, serializers.BaseSerializer):
        if not _has_plan(type(field)):
            raise _NoPlan
        return type(field).plan_representation  # type: ignore[attr-defined]
    return field.to_representation


def _build(cls: type[FastReadMixin]) -> _Plan | None:
    own = FastReadMixin in cls.__bases__ or cls.__dict__.get("fast_read") is True
    if not own or cls.to_representation is not FastReadMixin.to_representation or any(
            "get_fields" in k.__dict__ for k in cls.__mro__ if k not in (
                serializers.ModelSerializer, serializers.Serializer, serializers.BaseSerializer)):
        return None
    try:
        return _steps(cls)
    except _NoPlan:
        return None


def _steps(cls: type[FastReadMixin]) -> _Plan:
    prototype: Any = cls()
    meta = getattr(cls, "Meta", None)
    model: type[models.Model] | None = getattr(meta, "model", None) if isinstance(prototype, serializers.ModelSerializer) else None
    steps: list[_Step] = []
    for name, field in prototype.fields.items():
        if field.write_only:
            continue
        if isinstance(field, HyperlinkedRelatedField | HyperlinkedIdentityField):
            raise _NoPlan
        attrs = field.source_attrs
        if isinstance(field, serializers.SerializerMethodField):
            method = getattr(prototype, field.method_name)
            if "context" in method.__code__.co_names:
                raise _NoPlan
            steps.append((name, _identity, method, False))
            continue
        if isinstance(field, serializers.ListSerializer) and len(attrs) == 1:
            steps.append((name, _prefetched_or(attrs[0], field.get_attribute), _converter(field), False))
            continue
        model_field = _model_field(model, attrs[0]) if len(attrs) == 1 else None
        if (isinstance(field, serializers.PrimaryKeyRelatedField) and model_field is not None
                and (model_field.many_to_one or model_field.one_to_one) and field.pk_field is None):
            steps.append((name, operator.attrgetter(model_field.attname), None, False))
        elif model_field is not None and not model_field.is_relation:
            steps.append((name, operator.attrgetter(model_field.attname), _converter(field), False))
        else:
            steps.append((name, field.get_attribute, _converter(field), isinstance(field, serializers.RelatedField)))
    return model, steps


def prefetch_lists(instances: list[Any], name: str, queryset: QuerySet[Any]) -> None:
    """Load the to-many relation `name` of `instances` in one query — the query prefetch_related
    sends — and store each instance's rows as a plain list where prefetch_related would put its
    queryset (`_prefetched_objects_cache[name]`). prefetch_related then also makes a related
    manager and a filtered queryset *per instance* (for 50 interactions with contacts and
    employees: 100 managers, 100 `filter()` calls, ~45 % of the request's CPU). The lists are for
    serializing (the plans read the cache directly): `obj.<name>.all()` returns the list."""
    if not instances:
        return
    manager = getattr(instances[0], name)
    qs, rel_obj_attr, instance_attr, _single, cache_name, _descriptor = manager.get_prefetch_querysets(
        instances, [queryset])
    rows: dict[Any, list[Any]] = {}
    for row in qs:
        rows.setdefault(rel_obj_attr(row), []).append(row)
    for instance in instances:
        cache = instance.__dict__.setdefault("_prefetched_objects_cache", {})
        cache[cache_name] = rows.get(instance_attr(instance), [])


class FastReadMixin:
    """Mix into a read-only (Model)Serializer whose output does not depend on the request."""

    @classmethod
    def _plan(cls) -> _Plan | None:
        if cls not in _plans:
            with _lock:
                if cls not in _plans:
                    _plans[cls] = _build(cls)
        return _plans[cls]

    @classmethod
    def plan_representation(cls, instance: Any) -> Any:
        plan = cls._plan()
        if plan is None or not ENABLED or isinstance(instance, Mapping) or (
                plan[0] is not None and not isinstance(instance, plan[0])):
            return cls._drf_representation(instance)
        steps = plan[1]
        ret: dict[str, Any] = {}
        try:
            for name, get, convert, pk_only in steps:
                value = get(instance)
                if value is None or (pk_only and isinstance(value, PKOnlyObject) and value.pk is None):
                    ret[name] = None
                elif convert is None:
                    ret[name] = value
                else:
                    ret[name] = convert(value)
        except (AttributeError, KeyError, SkipField):
            return cls._drf_representation(instance)
        return ret

    @classmethod
    def _drf_representation(cls, instance: Any) -> Any:
        return serializers.Serializer.to_representation(cls(), instance)  # type: ignore[arg-type]

    def to_representation(self, instance: Any) -> Any:
        if not ENABLED or type(self)._plan() is None:
            return super().to_representation(instance)  # type: ignore[misc]
        return type(self).plan_representation(instance)
