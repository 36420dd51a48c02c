"""Names of related records, read in as few queries as possible."""

from __future__ import annotations

import contextlib
import contextvars
from collections import defaultdict

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.utils.translation import gettext

from ..models.vocabularies import Vocabulary
from .fields import EMPTY, _Item, _items, _key, _present, _python

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
        # Records name a vocabulary's term by its code, not its number.
        key = "code" if issubclass(model, Vocabulary) else "pk"
        found = {
            pk: _text_of(obj) or f"#{pk}"
            for pk, obj in rows.in_bulk(list(pks), field_name=key).items()
        }
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
