"""Change history as curators read it: what changed in a row between two versions, how to name
a row, and revision comments, stored as keys and shown in the reader's language.

Rows come as the `fields` of Django's JSON serializer (what django-reversion stores): foreign
keys as primary keys, many-to-many as lists of them, dates and decimals as strings. Values are
shown as readers see them: choices by their label, a partial date as one value, related records
by their name, times in the reader's time zone, all in the active language.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.contrib.contenttypes.fields import GenericForeignKey
from django.core.exceptions import ValidationError
from django.core.serializers.base import DeserializationError
from django.core.serializers.python import Deserializer
from django.db import models
from django.db.models import prefetch_related_objects
from django.utils.safestring import SafeString
from django.utils.text import capfirst

from .display import _display, _html, date_text, word_diff
from .fields import (
    EMPTY,
    INTERNAL,
    _is_empty,
    _item_named,
    _items,
    _key,
    _present,
    field_label,
)
from .names import _Names, _text_of, names_of, prefetch_names, shared_names


@dataclass
class Change:
    field: str  # the label, in the active language
    before: str  # display text ("—" when empty)
    after: str
    html: SafeString  # the change to show, escaped: a word-level diff for long texts


# The API ---------------------------------------------------------------------------------------


def describe_changes(model, before: dict | None, after: dict | None) -> list[Change]:
    """What changed in one row of `model` between two versions (`fields` dicts of the JSON
    serializer). When a side is None the row was added or removed: every non-empty value of
    the other side is listed. Related names cost one query per related model at most."""
    if before is None and after is None:
        return []
    shown = []
    for item in _items(model):
        if before is None or after is None:
            side = after if before is None else before
            if not item.owner and _present(item, side) and not _is_empty(item, side):
                shown.append(item)
        elif (
            _present(item, before)
            and _present(item, after)
            and _key(item, before) != _key(item, after)
        ):
            shown.append(item)
    names = _Names()
    for item in shown:
        names.want(item, before)
        names.want(item, after)
    names.fetch()
    changes = []
    for item in shown:
        old, new = _display(item, before, names), _display(item, after, names)
        changes.append(
            Change(str(item.label), old, new, _html(item, before, after, old, new, names))
        )
    return changes


def describe_value(model, fields: dict, name: str) -> str:
    """One value of a row as readers see it; `name` may be either half of a partial date."""
    item = _item_named(model, name)
    if item is None:
        value = fields.get(name)
        return EMPTY if value in (None, "") else str(value)
    names = _Names()
    names.want(item, fields)
    names.fetch()
    return _display(item, fields, names)


def version_fields(version) -> dict:
    """The `fields` dict of a django-reversion version."""
    return json.loads(version.serialized_data)[0]["fields"]


def _instance(model, fields: dict) -> models.Model | None:
    """An unsaved `model` built from stored fields (unknown fields ignored)."""
    try:
        rows = Deserializer(
            [{"model": model._meta.label_lower, "fields": fields}], ignorenonexistent=True
        )
        return next(iter(rows)).object
    except (DeserializationError, ValidationError, LookupError, TypeError, ValueError):
        return None


def row_labels(model, rows: list[dict]) -> list[str]:
    """row_label for many rows of `model`, reading their related records in one query per
    relation."""
    instances = [_instance(model, fields) for fields in rows]
    built = [instance for instance in instances if instance is not None]
    if len(built) > 1:
        # Name the first row, then read for the others the relations its name needed.
        _text_of(built[0])
        relations = [
            field
            for field in [*model._meta.concrete_fields, *model._meta.private_fields]
            if (field.many_to_one or isinstance(field, GenericForeignKey))
            and field.is_cached(built[0])
        ]
        prefetch_related_objects(built[1:], *[field.name for field in relations])
    type_name = capfirst(model._meta.verbose_name)
    labels = []
    for fields, instance in zip(rows, instances, strict=True):
        text = _text_of(instance) if instance is not None else ""
        if not text:
            values = [
                describe_value(model, fields, item.name)
                for item in _items(model)
                if not item.owner and _present(item, fields) and not _is_empty(item, fields)
            ]
            text = ", ".join(values[:2]) or EMPTY
        labels.append(f"{type_name}: {text}")
    return labels


def row_label(model, fields: dict) -> str:
    """How to name a row in a diff: its type and its name (`Delivery: 20 — October 2026`)."""
    return row_labels(model, [fields])[0]


__all__ = [
    "EMPTY",
    "INTERNAL",
    "Change",
    "date_text",
    "describe_changes",
    "describe_value",
    "field_label",
    "names_of",
    "prefetch_names",
    "row_label",
    "row_labels",
    "shared_names",
    "version_fields",
    "word_diff",
]
