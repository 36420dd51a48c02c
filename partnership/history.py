"""Change history as curators read it: what changed in a row between two versions, how to name
a row, and revision comments, stored as keys and shown in the reader's language.

Rows come as the `fields` of Django's JSON serializer (what django-reversion stores): foreign
keys as primary keys, many-to-many as lists of them, dates and decimals as strings. Values are
shown as readers see them: choices by their label, a partial date as one value, related records
by their name, times in the reader's time zone, all in the active language.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime
import functools
import json
import re
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from diff_match_patch import diff_match_patch
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist, ValidationError
from django.core.serializers.base import DeserializationError
from django.core.serializers.python import Deserializer
from django.db import models
from django.db.models import prefetch_related_objects
from django.utils import formats, timezone
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst, format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import records
from .dates import PartialDate, Precision
from .models import Citation
from .models.i18n import LANGUAGE_NAMES, REFERENCE_LANGUAGE, Localizable, translation_columns

EMPTY = "—"

# Bookkeeping no curator edits: never shown in a diff nor in a change message.
INTERNAL = {"created_at", "updated_at", "translation_sources", "outdated_translations", "loaded_at"}

# As in the admin form: the record's own fields, then its uncertainty, then its publication.
LATER = {
    "is_estimate": 1,
    "is_disputed": 1,
    "uncertainty": 1,
    "status": 2,
    "publish_at": 2,
    "withdrawn_reason": 2,
}

# Beyond this length (or over several lines), a changed text is shown as a word-level diff.
LONG_TEXT = 80


@dataclass
class Change:
    field: str  # the label, in the active language
    before: str  # display text ("—" when empty)
    after: str
    html: SafeString  # the change to show, escaped: a word-level diff for long texts


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
            owner=model is Citation,
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


# Related names ---------------------------------------------------------------------------------


class _Names:
    """Names of related records, fetched in one query per model."""

    def __init__(self):
        self.wanted: dict[type[models.Model], set] = defaultdict(set)
        self.found: dict[tuple[type[models.Model], object], str] = {}

    def want(self, item: _Item, fields: dict | None) -> None:
        if fields is None or not _present(item, fields):
            return
        if item.kind == "fk":
            pk = _key(item, fields)
            if pk is not None:
                self.wanted[item.field.related_model].add(pk)
        elif item.kind == "m2m":
            self.wanted[item.field.related_model].update(_key(item, fields) or ())
        elif item.kind == "generic":
            model, pk = self._generic(fields, item)
            if model is not None and pk is not None:
                self.wanted[model].add(pk)

    @staticmethod
    def _generic(fields, item) -> tuple[type[models.Model] | None, object]:
        content_type_id, pk = _key(item, fields)
        if content_type_id is None:
            return None, pk
        try:
            model = ContentType.objects.get_for_id(content_type_id).model_class()
        except ContentType.DoesNotExist:
            return None, pk
        if model is None:
            return None, pk
        return model, _python(model._meta.pk, pk)

    def fetch(self) -> None:
        for model, pks in self.wanted.items():
            for pk, name in names_of(model, pks).items():
                self.found[model, pk] = name
        self.wanted.clear()

    def name(self, model, pk) -> str:
        if (model, pk) in self.found:
            return self.found[model, pk]
        return gettext("deleted %(type)s #%(id)s") % {"type": model._meta.verbose_name, "id": pk}

    def generic(self, item: _Item, fields: dict) -> str:
        model, pk = self._generic(fields, item)
        if pk is None:
            return EMPTY
        if model is None:
            return gettext("deleted record #%(id)s") % {"id": pk}
        return f"{self.name(model, pk)} ({model._meta.verbose_name})"


_shared: contextvars.ContextVar[dict | None] = contextvars.ContextVar("history_names", default=None)


@contextlib.contextmanager
def shared_names():
    """Within it, each related record is named once, however many diffs name it (a history
    page of many versions costs the same queries as one of two)."""
    token = _shared.set({})
    try:
        yield
    finally:
        _shared.reset(token)


def prefetch_names(rows) -> None:
    """Within shared_names(): name at once every record that these (model, fields) rows point
    to, one query per related model."""
    names = _Names()
    for model, fields in rows:
        for item in _items(model):
            names.want(item, fields)
    names.fetch()


def names_of(model, pks) -> dict:
    """{pk: str(row)} for the rows of `model` with these keys that still exist, in one query
    (joined to the records their names are made of)."""
    pks = set(pks)
    cache = _shared.get()
    known = {}
    if cache is not None:
        known = {pk: cache[model, pk] for pk in pks if (model, pk) in cache}
        pks -= set(known)
    found = {}
    if pks:
        joined = [field.name for field in model._meta.concrete_fields if field.many_to_one]
        rows = model._base_manager.all()
        if joined:
            rows = rows.select_related(*joined)
        found = {pk: _text_of(obj) or f"#{pk}" for pk, obj in rows.in_bulk(list(pks)).items()}
        if cache is not None:
            for pk in pks:
                cache[model, pk] = found.get(pk)
    return {pk: name for pk, name in (known | found).items() if name is not None}


def _text_of(obj) -> str:
    """str(obj), or "" when naming it needs a record that no longer exists."""
    try:
        return str(obj)
    except (ObjectDoesNotExist, AttributeError, TypeError, ValueError):
        return ""


# Display ---------------------------------------------------------------------------------------


def _json_text(value) -> str:
    if isinstance(value, dict):
        return "; ".join(f"{key}: {_json_text(item)}" for key, item in value.items())
    if isinstance(value, list):
        return ", ".join(_json_text(item) for item in value)
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, int | float):
        return formats.localize(value)
    return str(value)


def date_text(value: datetime.date) -> str:
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return formats.date_format(value, "DATETIME_FORMAT")
    return PartialDate(value, Precision.DAY).display()


def _display(item: _Item, fields: dict | None, names: _Names) -> str:
    if fields is None or not _present(item, fields):
        return EMPTY
    if item.kind == "generic":
        return names.generic(item, fields)
    value = _key(item, fields)
    if value is None:
        return EMPTY
    if item.kind == "partial_date":
        return value.display() if isinstance(value, PartialDate) else date_text(value)
    if item.kind == "fk":
        return names.name(item.field.related_model, value)
    if item.kind == "m2m":
        return ", ".join(_m2m_names(item, value, names)) or EMPTY
    field = item.field
    if field.flatchoices:
        choices = dict(field.flatchoices)
        if value in choices:
            return str(choices[value])
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, datetime.date):
        return date_text(value)
    if isinstance(field, models.JSONField):
        return _json_text(value) or EMPTY
    if isinstance(value, int | float | Decimal):
        return formats.localize(value)
    return str(value)


def _m2m_names(item: _Item, pks, names: _Names) -> list[str]:
    model = item.field.related_model
    return sorted((names.name(model, pk) for pk in pks), key=str.casefold)


# Diff HTML -------------------------------------------------------------------------------------

_TOKENS = re.compile(r"\w+|\s+|[^\w\s]", re.UNICODE)


def _encode(tokens: list[str], index: dict[str, str], vocabulary: list[str]) -> str:
    chars = []
    for token in tokens:
        if token not in index:
            number = len(vocabulary)
            # Skip the surrogate range, which is no character.
            index[token] = chr(number if number < 0xD800 else number + 0x800)
            vocabulary.append(token)
        chars.append(index[token])
    return "".join(chars)


def word_diff(before: str, after: str) -> SafeString:
    """The two texts as one, removed words in <del>, added words in <ins>, all escaped.

    diff-match-patch compares the texts word by word (each word, space run or punctuation mark
    stands for one character), then merges small unchanged islands (semantic cleanup), so whole
    words are marked and a rewritten sentence reads as one change.
    """
    index: dict[str, str] = {}
    vocabulary: list[str] = []
    left = _encode(_TOKENS.findall(before), index, vocabulary)
    right = _encode(_TOKENS.findall(after), index, vocabulary)
    decode = {char: token for token, char in index.items()}
    dmp = diff_match_patch()
    dmp.Diff_Timeout = 2
    diffs = dmp.diff_main(left, right, False)
    dmp.diff_cleanupSemantic(diffs)
    parts = []
    for operation, chars in diffs:
        text = escape("".join(decode[char] for char in chars))
        if operation == dmp.DIFF_DELETE:
            parts.append(f"<del>{text}</del>")
        elif operation == dmp.DIFF_INSERT:
            parts.append(f"<ins>{text}</ins>")
        else:
            parts.append(text)
    return format_html('<span class="text-diff">{}</span>', mark_safe("".join(parts)))


def _side(text: str, tag: str) -> SafeString:
    if text == EMPTY:
        return format_html('<span class="empty">{}</span>', EMPTY)
    return format_html("<{}>{}</{}>", mark_safe(tag), text, mark_safe(tag))


def _html(item: _Item, before, after, old: str, new: str, names: _Names) -> SafeString:
    if before is None:
        return _side(new, "ins")
    if after is None:
        return _side(old, "del")
    if item.kind == "m2m":
        old_pks, new_pks = _key(item, before) or frozenset(), _key(item, after) or frozenset()
        model = item.field.related_model
        entries = sorted(
            [(names.name(model, pk), "del") for pk in old_pks - new_pks]
            + [(names.name(model, pk), "ins") for pk in new_pks - old_pks]
            + [(names.name(model, pk), "") for pk in old_pks & new_pks],
            key=lambda entry: entry[0].casefold(),
        )
        return mark_safe(
            ", ".join(_side(name, tag) if tag else escape(name) for name, tag in entries)
            or escape(EMPTY)
        )
    long = max(len(old), len(new)) > LONG_TEXT or "\n" in old or "\n" in new
    if long and EMPTY not in (old, new):
        return word_diff(old, new)
    return format_html("{} → {}", _side(old, "del"), _side(new, "ins"))


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
