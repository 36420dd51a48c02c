"""A record's state: one root with the child rows and citations it owns, as serialized data.

The same representation serves a version in the history (django-reversion's JSON), the live
record, and a proposed change awaiting review, so any two can be compared, and any one applied
to the database: `apply` writes a state onto the live record, touching that record's rows only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from reversion.revisions import _get_options

from . import records
from .models import Fact

Key = tuple[str, str]  # ("partnership.delivery", "12"): the model's label and the row's pk

# Bookkeeping the database or the model keeps by itself: never compared, merged or restored.
BOOKKEEPING = frozenset(
    {"created_at", "updated_at", "translation_sources", "outdated_translations"}
)


def label(model) -> str:
    return model._meta.label_lower


def model_of(key: Key):
    return apps.get_model(key[0])


def key_of(obj) -> Key:
    return label(type(obj)), str(obj.pk)


def serialize(objects) -> dict[Key, dict]:
    """{key: fields} as django-reversion stores them (Django's JSON serializer, registered fields)."""
    rows = {}
    for obj in objects:
        options = _get_options(type(obj))
        data = json.loads(serializers.serialize("json", [obj], fields=options.fields))[0]
        rows[(data["model"], str(data["pk"]))] = data["fields"]
    return rows


def meaningful(fields: dict) -> dict:
    return {name: value for name, value in fields.items() if name not in BOOKKEEPING}


@dataclass
class RecordState:
    """The root `root` and the rows it owns. `new` names rows that a proposed change creates:
    their pk is a placeholder, replaced by a fresh one when the state is applied."""

    root: Key
    rows: dict[Key, dict]
    new: set[Key] = field(default_factory=set)

    # Reading ----------------------------------------------------------------------------------

    @classmethod
    def live(cls, model, pk) -> RecordState | None:
        """The record as stored now, or None when it does not exist."""
        rows = records.owned_rows(model, pk)
        if not rows:
            return None
        return cls(root=(label(model), str(pk)), rows=serialize(rows))

    @classmethod
    def from_version(cls, version) -> RecordState:
        """The object of `version` with the rows it owned at the time, taken from its revision
        (and only those: a revision may hold other records too)."""
        versions = version.revision.version_set.select_related("content_type")
        rows = {}
        for item in versions:
            data = json.loads(item.serialized_data)[0]
            rows[(data["model"], str(data["pk"]))] = data["fields"]
        root = (label(version._model), str(version.object_id))
        return cls(root=root, rows=owned(root, rows))

    @property
    def model(self):
        return model_of(self.root)

    @property
    def pk(self) -> str:
        return self.root[1]

    @property
    def fields(self) -> dict:
        return self.rows.get(self.root, {})

    def same_as(self, other: RecordState | None) -> bool:
        if other is None:
            return False
        mine = {key: meaningful(fields) for key, fields in self.rows.items()}
        theirs = {key: meaningful(fields) for key, fields in other.rows.items()}
        return mine == theirs

    # Storage --------------------------------------------------------------------------------

    def to_json(self) -> dict:
        return {
            "root": list(self.root),
            "rows": [
                {"model": key[0], "pk": key[1], "fields": fields, "new": key in self.new}
                for key, fields in self.rows.items()
            ],
        }

    @classmethod
    def from_json(cls, data: dict | None) -> RecordState | None:
        if not data:
            return None
        rows, new = {}, set()
        for row in data["rows"]:
            key = (row["model"], str(row["pk"]))
            rows[key] = row["fields"]
            if row.get("new"):
                new.add(key)
        return cls(root=tuple(data["root"]), rows=rows, new=new)


def owned(root: Key, rows: dict[Key, dict]) -> dict[Key, dict]:
    """The rows among `rows` that belong to `root`: itself, its child rows, their claims and
    citations."""
    kept = {root: rows[root]} if root in rows else {}
    if not kept:
        return kept
    model = model_of(root)
    for _accessor, child in records.child_relations(model):
        name = records.parent_field(child).name
        for key, fields in rows.items():
            if key[0] == label(child) and str(fields.get(name)) == root[1]:
                kept[key] = fields
    generic = {label(model) for model in records.generic_row_models()}
    for key in list(kept):
        cited = model_of(key)
        if not issubclass(cited, Fact):
            continue
        content_type = ContentType.objects.get_for_model(cited).pk
        for other, fields in rows.items():
            if (
                other[0] in generic
                and fields.get("content_type") == content_type
                and str(fields.get("object_id")) == key[1]
            ):
                kept[other] = fields
    return kept


# Changes between states, in memory ------------------------------------------------------------


@dataclass
class Delta:
    """What changed from one state to another: fields per kept row, rows added, rows removed."""

    changed: dict[Key, dict]
    added: dict[Key, dict]
    removed: set[Key]
    new: set[Key]

    @classmethod
    def between(cls, before: RecordState | None, after: RecordState) -> Delta:
        before_rows = before.rows if before else {}
        changed, added = {}, {}
        for key, fields in after.rows.items():
            if key in before_rows and key not in after.new:
                diff = {
                    name: value
                    for name, value in fields.items()
                    if name not in BOOKKEEPING and before_rows[key].get(name) != value
                }
                if diff:
                    changed[key] = diff
            else:
                added[key] = fields
        removed = {key for key in before_rows if key not in after.rows}
        return cls(changed=changed, added=added, removed=removed, new=set(after.new))

    def onto(self, state: RecordState) -> RecordState:
        """`state` with this delta applied (a later change winning over an earlier one)."""
        rows = {key: dict(fields) for key, fields in state.rows.items()}
        for key in self.removed:
            rows.pop(key, None)
        for key, diff in self.changed.items():
            if key in rows:
                rows[key] |= diff
        for key, fields in self.added.items():
            rows[key] = dict(fields)
        new = (set(state.new) | self.new) & set(rows)
        return RecordState(root=state.root, rows=rows, new=new)


def with_placeholders(state: RecordState, created: set[Key]) -> RecordState:
    """`state` with the rows in `created` (made by a change that is being set aside) renamed to
    placeholders, and every reference to them inside the state rewritten, so that they are
    inserted afresh when the state is applied, whatever pk they had."""
    import uuid

    renamed = {
        key: (key[0], f"new-{uuid.uuid4().hex[:12]}") for key in state.rows if key in created
    }
    if not renamed:
        return state
    rows = {}
    for key, fields in state.rows.items():
        fields = dict(fields)
        model = model_of(key)
        for field_ in model._meta.fields:
            if field_.many_to_one and field_.name in fields and field_.name != "content_type":
                target = (label(field_.related_model), str(fields[field_.name]))
                if target in renamed:
                    fields[field_.name] = renamed[target][1]
        if records.is_generic_row(model) and fields.get("content_type") is not None:
            cited = ContentType.objects.get_for_id(fields["content_type"]).model_class()
            target = (label(cited), str(fields.get("object_id")))
            if target in renamed:
                fields["object_id"] = renamed[target][1]
        rows[renamed.get(key, key)] = fields
    new = {renamed.get(key, key) for key in state.new | set(renamed)}
    root = renamed.get(state.root, state.root)
    return RecordState(root=root, rows=rows, new=new)
