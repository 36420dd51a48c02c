"""Writing a state onto the live record: a revert, a recovery, a proposed change published.

Only the record's own rows are touched; with a base state, only what changed from it is written,
so live values the change does not touch stay as they are.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from . import records
from .states import BOOKKEEPING, Key, RecordState, key_of, label, meaningful, model_of


@dataclass
class Conflict:
    """A value changed on the live record since the proposal was made, which the proposal
    changes too (or a row the proposal changes that was deleted meanwhile)."""

    key: Key
    field: str | None
    base: object = None
    live: object = None
    proposed: object = None


class ApplyError(Exception):
    """The state cannot be written: the messages say why (invalid values, conflicts)."""

    def __init__(self, messages: list[str]):
        super().__init__(" ".join(messages))
        self.messages = messages


def order(key: Key, root: Key) -> int:
    """Parents before children before claims before citations."""
    if key == root:
        return 0
    generic = [label(model) for model in records.generic_row_models()]
    return 2 + generic.index(key[0]) if key[0] in generic else 1


def conflicts(base: RecordState | None, target: RecordState, live: RecordState | None):
    """What applying the change base → target over `live` would overwrite that changed since."""
    found = []
    base_rows = base.rows if base else {}
    live_rows = live.rows if live else {}
    for key, fields in target.rows.items():
        if key in target.new or key not in base_rows:
            continue
        before = base_rows[key]
        changed = [name for name, value in meaningful(fields).items() if before.get(name) != value]
        if not changed:
            continue
        current = live_rows.get(key)
        if current is None:
            found.append(Conflict(key, None, base=before, proposed=fields))
            continue
        for name in changed:
            if current.get(name) not in (before.get(name), fields.get(name)):
                found.append(
                    Conflict(
                        key,
                        name,
                        base=before.get(name),
                        live=current.get(name),
                        proposed=fields.get(name),
                    )
                )
    for key, before in base_rows.items():
        if key in target.rows:
            continue
        current = live_rows.get(key)
        if current is not None and meaningful(current) != meaningful(before):
            found.append(Conflict(key, None, base=before, live=current))
    return found


def apply(target: RecordState, *, base: RecordState | None = None, validate=True) -> dict:
    """Write `target` onto the live record and return {placeholder key: saved key} for new rows.

    Without `base`, the live record becomes exactly `target` (a revert or a recovery): its rows
    that `target` lacks are deleted. With `base`, only what changed from `base` to `target` is
    written over the live record (a proposed change): live values the change does not touch are
    kept. Rows of other records are never touched. With `validate`, every row written is checked
    with full_clean() once all are written, and ApplyError lists what is wrong.
    """
    live = RecordState.live(target.model, target.pk) if target.root not in target.new else None
    if base is None:
        base = live
    base_rows = base.rows if base else {}
    saved: dict[Key, models.Model] = {}
    remap: dict[Key, Key] = {}
    # Deletions first (a delivery removed before another is enlarged), children before parents.
    for key in sorted(base_rows, key=lambda k: -order(k, target.root)):
        if key not in target.rows:
            model_of(key)._base_manager.filter(pk=key[1]).delete()
    for key in sorted(target.rows, key=lambda k: order(k, target.root)):
        fields = dict(target.rows[key])
        before = base_rows.get(key)
        if key not in target.new and before is not None:
            changes = {
                name: value
                for name, value in fields.items()
                if name not in BOOKKEEPING and before.get(name) != value
            }
            if not changes:
                continue
        else:
            changes = {name: value for name, value in fields.items() if name not in BOOKKEEPING}
        obj = write(key, changes, new=key in target.new, remap=remap)
        if obj is not None:
            saved[key] = obj
            if key in target.new:
                remap[key] = key_of(obj)
    if validate:
        problems = []
        for obj in saved.values():
            try:
                obj.full_clean(validate_unique=True)
            except ValidationError as error:
                problems += [f"{obj._meta.verbose_name} “{obj}”: {m}" for m in error.messages]
        if problems:
            raise ApplyError(problems)
    return remap


def write(key: Key, changes: dict, *, new: bool, remap: dict[Key, Key]):
    """Save one row: `changes` over the stored row (or a new row), references to rows created
    earlier in the same apply pointing to their saved pk."""
    model = model_of(key)
    changes = resolve(model, changes, remap)
    stored = None if new else model._base_manager.filter(pk=key[1]).first()
    data = {"model": key[0], "fields": changes}
    if not new:
        data["pk"] = key[1]
    deserialized = next(serializers.deserialize("python", [data], ignorenonexistent=True))
    m2m = deserialized.m2m_data or {}
    if stored is None:
        obj = deserialized.object
    else:
        # Only the changed values: the others stay exactly as stored.
        obj = stored
        for name in changes:
            field_ = model._meta.get_field(name)
            if not field_.many_to_many:
                setattr(obj, field_.attname, getattr(deserialized.object, field_.attname))
    missing = missing_references(obj)
    if missing:
        raise ApplyError(missing)
    try:
        # Unique rules say which row clashes; the database would only fail the transaction.
        obj.validate_unique()
        obj.validate_constraints()
    except ValidationError as error:
        raise ApplyError(
            [f"{obj._meta.verbose_name} “{obj}”: {m}" for m in error.messages]
        ) from None
    obj.save()
    for name, ids in m2m.items():
        getattr(obj, name).set(ids)
    return obj


def missing_references(obj) -> list[str]:
    """The records `obj` points to that no longer exist (the database checks foreign keys only
    when the transaction ends, too late to say which)."""
    problems = []
    for field_ in obj._meta.fields:
        if not field_.many_to_one:
            continue
        value = getattr(obj, field_.attname)
        if value is None:
            continue
        if not field_.related_model._base_manager.filter(
            **{field_.target_field.name: value}
        ).exists():
            problems.append(
                f"{obj._meta.verbose_name} “{obj}”: {field_.verbose_name} #{value} "
                + str(_("no longer exists."))
            )
    if records.is_generic_row(type(obj)) and obj.content_type_id and obj.object_id:
        cited = ContentType.objects.get_for_id(obj.content_type_id).model_class()
        if not cited._base_manager.filter(pk=obj.object_id).exists():
            problems.append(
                f"{obj._meta.verbose_name} “{obj}”: "
                + str(_("the record it cites no longer exists."))
            )
    return problems


def resolve(model, changes: dict, remap: dict[Key, Key]) -> dict:
    """Point references to placeholder rows at the rows saved for them."""
    if not remap:
        return changes
    changes = dict(changes)
    for field_ in model._meta.fields:
        if field_.many_to_one and field_.name in changes and field_.name != "content_type":
            target = (label(field_.related_model), str(changes[field_.name]))
            if target in remap:
                changes[field_.name] = int(remap[target][1])
    if records.is_generic_row(model) and "object_id" in changes:
        cited = ContentType.objects.get_for_id(changes["content_type"]).model_class()
        target = (label(cited), str(changes["object_id"]))
        if target in remap:
            changes["object_id"] = int(remap[target][1])
    return changes
