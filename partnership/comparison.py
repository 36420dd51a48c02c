"""What differs between two states of a record, as curators read it: the record's own fields,
then its child rows and citations added, removed or changed (history, revert and recovery
previews, the review of a proposed change)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from . import history
from .states import BOOKKEEPING, Key, RecordState, model_of
from .writing import Conflict, order


@dataclass
class RowDiff:
    key: Key
    kind: str  # "added", "removed" or "changed"
    label: str
    type_name: str
    changes: list = field(default_factory=list)

    KIND_LABELS = {"added": _("Added"), "removed": _("Removed"), "changed": _("Changed")}

    @property
    def kind_label(self):
        return self.KIND_LABELS[self.kind]


@dataclass
class StateDiff:
    record: list  # history.Change for the record's own fields
    rows: list[RowDiff]
    created: bool = False
    deleted: bool = False

    def __bool__(self):
        return bool(self.record or self.rows or self.created or self.deleted)


def compare(
    before: RecordState | None, after: RecordState | None, *, labels: dict | None = None
) -> StateDiff:
    """The differences from `before` to `after` (either may be None: not existing).

    `labels` ({(key, fields as JSON): label}, see `label_rows`) names rows already named."""
    reference = after or before
    if reference is None:
        return StateDiff(record=[], rows=[])
    root = reference.root
    model = model_of(root)
    before_rows = before.rows if before else {}
    after_rows = after.rows if after else {}
    record = history.describe_changes(model, before_rows.get(root), after_rows.get(root))
    rows = []
    keys = [key for key in before_rows if key != root] + [
        key for key in after_rows if key != root and key not in before_rows
    ]
    differing = []
    for key in sorted(keys, key=lambda k: (order(k, root), k[0], str(k[1]))):
        old, new = before_rows.get(key), after_rows.get(key)
        if old is not None and new is not None:
            if {k: v for k, v in old.items() if k not in BOOKKEEPING} == {
                k: v for k, v in new.items() if k not in BOOKKEEPING
            }:
                continue
            kind = "changed"
        else:
            kind = "added" if old is None else "removed"
        differing.append((key, kind, old, new))
    if labels is None:
        labels = label_rows(
            [(key, new if new is not None else old) for key, _k, old, new in differing]
        )
    for key, kind, old, new in differing:
        row_model = model_of(key)
        shown = new if new is not None else old
        rows.append(
            RowDiff(
                key=key,
                kind=kind,
                label=labels[label_key(key, shown)],
                type_name=str(row_model._meta.verbose_name),
                changes=history.describe_changes(row_model, old, new),
            )
        )
    return StateDiff(
        record=record,
        rows=rows,
        created=before is None and after is not None,
        deleted=after is None,
    )


def label_key(key: Key, fields: dict) -> tuple:
    return key, json.dumps(fields, sort_keys=True, default=str)


def label_rows(rows) -> dict:
    """{label_key: label} for (key, fields) pairs, one batch per kind of row."""
    by_model: dict = {}
    for key, fields in rows:
        by_model.setdefault(key[0], []).append((key, fields))
    labels = {}
    for name, pairs in by_model.items():
        names = history.row_labels(model_of((name, "")), [fields for _key, fields in pairs])
        for (key, fields), text in zip(pairs, names, strict=True):
            labels[label_key(key, fields)] = text
    return labels


@dataclass
class ConflictView:
    row: str
    field: str
    live: str
    proposed: str


def describe_conflicts(found: list[Conflict], target: RecordState) -> list[ConflictView]:
    views = []
    for conflict in found:
        model = model_of(conflict.key)
        fields = target.rows.get(conflict.key) or conflict.base or {}
        row = history.row_label(model, fields)
        if conflict.field is None:
            views.append(
                ConflictView(
                    row=row,
                    field="",
                    live=str(_("changed or deleted since the proposal was made")),
                    proposed=str(
                        _("keeps it") if conflict.proposed is not None else _("removes it")
                    ),
                )
            )
            continue
        name = conflict.field
        label = capfirst(model._meta.get_field(name).verbose_name)
        views.append(
            ConflictView(
                row=row,
                field=str(label),
                live=history.describe_value(model, {**fields, name: conflict.live}, name),
                proposed=history.describe_value(model, {**fields, name: conflict.proposed}, name),
            )
        )
    return views
