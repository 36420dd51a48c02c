"""The shape of a record, derived from the schema.

A *root* is a record that stands on its own: a publishable record (system, order, source...) or
a shared reference (place, tag). Every other row belongs to one root:

- a *child row* has a cascading foreign key to a publishable record (an order's deliveries, a
  person's appointments, an article's links);
- a *generic row* (a citation, a claim) belongs to the fact it is about, through a generic
  relation, and so to that fact's root.

History, revert, recovery and review all work on one root with the rows it owns, never on
whatever else was saved at the same time.
"""

from __future__ import annotations

import functools

from django.apps import apps
from django.contrib.contenttypes.fields import GenericRelation
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q

from .models import Fact, Proposal, Publishable


@functools.cache
def app_models() -> tuple[type[models.Model], ...]:
    """The record types of the knowledge base (not the review machinery around them)."""
    return tuple(
        model for model in apps.get_app_config("partnership").get_models() if model is not Proposal
    )


@functools.cache
def generic_relations() -> dict[type[models.Model], str]:
    """{model: accessor} of the rows about a fact through a generic relation (claims,
    citations), parents first: a claim before the citations that point at it."""
    found = {}
    for model in app_models():
        if issubclass(model, Fact):
            for f in model._meta.private_fields:
                if isinstance(f, GenericRelation):
                    found.setdefault(f.related_model, f.name)

    def depth(model):
        return sum(1 for f in model._meta.fields if f.many_to_one and f.related_model in found)

    return {model: found[model] for model in sorted(found, key=depth)}


def generic_row_models() -> tuple[type[models.Model], ...]:
    return tuple(generic_relations())


def is_generic_row(model) -> bool:
    return model in generic_row_models()


@functools.cache
def parent_field(model) -> models.ForeignKey | None:
    """The foreign key that makes `model` a child row of a publishable record, if any."""
    if issubclass(model, Publishable) or is_generic_row(model):
        return None
    for field in model._meta.fields:
        if (
            field.many_to_one
            and field.remote_field.on_delete is models.CASCADE
            and issubclass(field.related_model, Publishable)
        ):
            return field
    return None


def is_root(model) -> bool:
    return not is_generic_row(model) and parent_field(model) is None


def root_models() -> list[type[models.Model]]:
    return [model for model in app_models() if is_root(model)]


@functools.cache
def child_relations(model) -> tuple[tuple[str, type[models.Model]], ...]:
    """(accessor, child model) for each kind of child row of `model`."""
    relations = []
    for child in app_models():
        field = parent_field(child)
        if field is not None and field.related_model is model:
            relations.append((field.remote_field.get_accessor_name(), child))
    return tuple(relations)


def follows(model) -> tuple[str, ...]:
    """What a version of `model` carries besides the record: its child rows, claims and
    citations."""
    names = tuple(accessor for accessor, _child in child_relations(model))
    if issubclass(model, Fact):
        names += tuple(accessor for accessor in generic_relations().values())
    return names


def root_key(obj) -> tuple[type[models.Model], int] | None:
    """(root model, root pk) of the root `obj` belongs to; None when it cannot be told (a
    citation of a row already deleted)."""
    model = type(obj)
    if is_generic_row(model):
        if obj.content_type_id is None or obj.object_id is None:
            return None
        cited = ContentType.objects.get_for_id(obj.content_type_id).model_class()
        return owner_key(cited, obj.object_id)
    field = parent_field(model)
    if field is None:
        return (model, obj.pk) if obj.pk is not None else None
    parent_id = getattr(obj, field.attname)
    return (field.related_model, parent_id) if parent_id is not None else None


def owner_key(model, pk) -> tuple[type[models.Model], int] | None:
    """The root of the row `model` #`pk`, reading its parent from the database if need be."""
    field = parent_field(model)
    if field is None:
        return model, pk
    parent_id = model._base_manager.filter(pk=pk).values_list(field.attname, flat=True).first()
    return (field.related_model, parent_id) if parent_id is not None else None


def owned_rows(model, pk) -> list[models.Model]:
    """The root `model` #`pk` as stored, then its child rows, then the claims and citations
    of both."""
    root = model._base_manager.filter(pk=pk).first()
    if root is None:
        return []
    rows = [root]
    for _accessor, child in child_relations(model):
        field = parent_field(child)
        rows += list(child._base_manager.filter(**{field.attname: pk}).order_by("pk"))
    cited = about([row for row in rows if isinstance(row, Fact)])
    for generic in generic_row_models():
        rows += list(generic.objects.filter(cited).order_by("pk"))
    return rows


def key_of(record) -> tuple[int, int]:
    """(content type id, pk): how a claim or citation names the record it is about."""
    return ContentType.objects.get_for_model(type(record)).pk, record.pk


def about(records) -> Q:
    """Matches the claims or citations about any of `records`, one clause per record type."""
    ids_by_type: dict[int, set[int]] = {}
    for record in records:
        content_type_id, pk = key_of(record)
        ids_by_type.setdefault(content_type_id, set()).add(pk)
    condition = Q(pk__in=[])
    for content_type_id, ids in ids_by_type.items():
        condition |= Q(content_type_id=content_type_id, object_id__in=ids)
    return condition


def by_record(rows) -> dict[tuple[int, int], list]:
    """The claims or citations `rows`, grouped under the `key_of` the record they are about."""
    grouped: dict[tuple[int, int], list] = {}
    for row in rows:
        grouped.setdefault((row.content_type_id, row.object_id), []).append(row)
    return grouped


def register_models() -> None:
    """Register every record type with django-reversion, each version carrying the child rows,
    claims and citations the record owns, so its history, a revert or a recovery covers them."""
    from reversion import is_registered, register

    for model in app_models():
        if not is_registered(model):
            register(model, follow=follows(model))
