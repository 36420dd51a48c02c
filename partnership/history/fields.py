"""What each model shows in a diff, and reading its stored (serialized) values."""

from __future__ import annotations

import datetime
import functools
import json
from dataclasses import dataclass

from django.contrib.contenttypes.fields import GenericForeignKey
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.utils.text import capfirst, format_lazy
from django.utils.translation import gettext_lazy as _

from .. import records
from ..dates import PartialDate, Precision
from ..models.i18n import LANGUAGE_NAMES, REFERENCE_LANGUAGE, Localizable, translation_columns

EMPTY = "—"

# Bookkeeping no curator edits: never shown in a diff nor in a change message.
INTERNAL = {"created_at", "updated_at", "translation_sources", "outdated_translations", "loaded_at"}

# As in the admin form: the record's own fields, then its uncertainty, then its publication.
LATER = {
    "uncertainty": 1,
    "status": 2,
    "publish_at": 2,
    "withdrawn_reason": 2,
}

# Beyond this length (or over several lines), a changed text is shown as a word-level diff.
LONG_TEXT = 80


# What a model shows ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Item:
    """One value shown for a row: a field, a partial date (date and precision), or the two
    columns of a generic relation."""

    name: str
    field: models.Field
    label: object  # lazy: translated when shown
    kind: str = "value"  # "value", "partial_date", "fk", "m2m" or "generic"
    companion: models.Field | None = None  # the precision, or the generic content type
    owner: bool = False  # ties the row to its record: shown only when it changes


def field_label(model, field) -> object:
    label = capfirst(field.verbose_name)
    if issubclass(model, Localizable) and field.name in model.translated_fields():
        return format_lazy("{} ({})", label, LANGUAGE_NAMES[REFERENCE_LANGUAGE])
    return label


def _generic_label(field) -> object:
    default = field.name.replace("_", " ")
    return capfirst(field.verbose_name) if str(field.verbose_name) != default else _("Record")


def _make_item(model, field, *, names, generics) -> _Item | None:
    name = field.name
    if field.many_to_many:
        if not field.remote_field.through._meta.auto_created:
            return None  # not serialized: its rows are versioned on their own
        return _Item(name, field, field_label(model, field), "m2m")
    if name in generics:
        generic = generics[name]
        if name == generic.ct_field:
            return None  # shown with the id
        return _Item(
            name,
            field,
            _generic_label(field),
            "generic",
            companion=model._meta.get_field(generic.ct_field),
            owner=records.is_generic_row(model),
        )
    if field.many_to_one:
        owner = field == records.parent_field(model)
        return _Item(name, field, field_label(model, field), "fk", owner=owner)
    precision = f"{name}_precision"
    if isinstance(field, models.DateField) and precision in names:
        companion = model._meta.get_field(precision)
        return _Item(name, field, field_label(model, field), "partial_date", companion=companion)
    return _Item(name, field, field_label(model, field))


@functools.cache
def _items(model) -> tuple[_Item, ...]:
    """What a diff of `model` shows, in form order; the precision of a partial date is part of
    its date, the two columns of a generic relation one value."""
    opts = model._meta
    names = {field.name for field in opts.concrete_fields}
    generics = {}
    for private in opts.private_fields:
        if isinstance(private, GenericForeignKey):
            generics[private.ct_field] = generics[private.fk_field] = private
    items = []
    for field in [*opts.concrete_fields, *opts.many_to_many]:
        name = field.name
        if field.primary_key or name in INTERNAL or not field.editable:
            continue
        if name.endswith("_precision") and name.removesuffix("_precision") in names:
            continue
        item = _make_item(model, field, names=names, generics=generics)
        if item is not None:
            items.append(item)
    return tuple(sorted(items, key=lambda item: _group(model, item.name)))


def _group(model, name: str) -> int:
    if issubclass(model, Localizable):
        for translated in model.translated_fields():
            if name in translation_columns(translated):
                name = translated
    return LATER.get(name, 0)


def _item_named(model, name: str) -> _Item | None:
    for item in _items(model):
        companion = item.companion.name if item.companion is not None else None
        if name in (item.name, item.field.attname, companion):
            return item
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    if not field.concrete and not field.many_to_many:
        return None
    return _make_item(model, field, names=set(), generics={})


# Reading stored values ----------------------------------------------------------------------

_MISSING = object()


def _raw(fields: dict, field: models.Field):
    """The stored value; the attribute name is accepted too (`programme_id`)."""
    if field.name in fields:
        return fields[field.name]
    return fields.get(field.attname, _MISSING)


def _python(field: models.Field, value):
    if value is None or value is _MISSING:
        return None
    if isinstance(field, models.JSONField):
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                return value
        return value
    if field.many_to_many:
        target = field.related_model._meta.pk
        return frozenset(_python(target, pk) for pk in value or ())
    try:
        return field.to_python(value)
    except (ValidationError, TypeError, ValueError):
        return value


def _partial_date(item: _Item, fields: dict) -> PartialDate | datetime.date | None:
    value = _python(item.field, _raw(fields, item.field))
    if not isinstance(value, datetime.date):
        return value
    precision = _raw(fields, item.companion)
    if precision is _MISSING or precision is None:
        precision = item.companion.default
    try:
        return PartialDate(value, Precision(int(precision)))
    except (TypeError, ValueError):
        return value


def _key(item: _Item, fields: dict):
    """The value to compare two versions on."""
    if item.kind == "partial_date":
        return _partial_date(item, fields)
    if item.kind == "generic":
        return (
            _python(item.companion, _raw(fields, item.companion)),
            _python(item.field, _raw(fields, item.field)),
        )
    value = _python(item.field, _raw(fields, item.field))
    return None if value in ("", [], {}, frozenset()) else value


def _present(item: _Item, fields: dict) -> bool:
    return _raw(fields, item.field) is not _MISSING


def _is_empty(item: _Item, fields: dict) -> bool:
    key = _key(item, fields)
    if item.kind == "generic":
        return key[1] is None
    return key is None or key is False
