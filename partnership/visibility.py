"""What readers may see, derived from the schema.

A record is visible when it is published and its publish-at time has come (`Publishable`), and
when every record it cannot exist without is visible: every non-nullable foreign key to a model
whose rows can be hidden ("gated"), plus the nullable links a model names in
`publication_requires` (a participation means nothing without its participant). Any other
nullable link to a hidden record is *masked*: readers get the record as if the link were empty
(`ReaderIterable`), so a published order under a draft agreement shows no agreement rather than
naming it. Nothing here lists fields: a relation added to a model is covered the day it is added.
"""

from __future__ import annotations

import datetime
import functools

from django.db.models import Exists, OuterRef, Q
from django.db.models.query import ModelIterable
from django.utils import timezone


def _is_publishable(model) -> bool:
    from .models.base import Publishable

    return issubclass(model, Publishable)


def _forward_links(model):
    return [
        field
        for field in model._meta.concrete_fields
        if field.is_relation and field.related_model is not None
    ]


@functools.cache
def gated(model) -> bool:
    """Whether rows of `model` can be hidden from readers."""
    return _is_publishable(model) or bool(required_links(model))


@functools.cache
def required_links(model) -> tuple:
    """The links without which a row of `model` is hidden: non-nullable foreign keys to gated
    models, and the nullable ones the model names in `publication_requires`."""
    named = set(getattr(model, "publication_requires", ()))
    return tuple(
        field
        for field in _forward_links(model)
        if (not field.null or field.name in named)
        and field.related_model is not model
        and gated(field.related_model)
    )


@functools.cache
def masked_links(model) -> tuple:
    """Nullable foreign keys to gated models that readers see empty when the target is hidden."""
    required = set(required_links(model))
    return tuple(
        field
        for field in _forward_links(model)
        if field.null and field not in required and gated(field.related_model)
    )


def publication_q(model, *, now: datetime.datetime, prefix: str = "") -> Q:
    """The condition for rows of `model` (reached through `prefix`) to be visible to readers."""
    from .models.base import Status

    condition = Q()
    if _is_publishable(model):
        condition &= Q(**{f"{prefix}status": Status.PUBLISHED}) & (
            Q(**{f"{prefix}publish_at__isnull": True}) | Q(**{f"{prefix}publish_at__lte": now})
        )
    for field in required_links(model):
        required = publication_q(field.related_model, now=now, prefix=f"{prefix}{field.name}__")
        if field.null:
            required = Q(**{f"{prefix}{field.name}__isnull": True}) | required
        condition &= required
    return condition


def visible_rows(model, *, now: datetime.datetime):
    return model._base_manager.filter(publication_q(model, now=now))


def link_visible(lookup: str, model, *, now: datetime.datetime) -> Q:
    """The condition on a filter `lookup` ("appointments__organization__slug") that every gated
    record it passes through is visible, so a filter never matches through a hidden record."""
    condition = Q()
    prefix = ""
    for name in lookup.split("__"):
        try:
            field = model._meta.get_field(name)
        except Exception:
            break
        if not field.is_relation or field.related_model is None:
            break
        prefix = f"{prefix}{name}__"
        model = field.related_model
        if gated(model):
            condition &= publication_q(model, now=now, prefix=prefix)
    return condition


def _selected_paths(model, tree, path=()):
    """(path, model) for the row and every record joined to it by `select_related`."""
    yield path, model
    if not isinstance(tree, dict):
        return
    for name, subtree in tree.items():
        field = model._meta.get_field(name)
        if field.is_relation and (field.many_to_one or field.one_to_one) and field.concrete:
            yield from _selected_paths(field.related_model, subtree, (*path, name))


class ReaderIterable(ModelIterable):
    """Rows as readers get them: a nullable link to a hidden record reads as empty, on the row
    and on every record joined to it with `select_related`. Costs no query: whether each linked
    record is visible comes with the row, as an `EXISTS` column."""

    def __iter__(self):
        queryset = self.queryset
        checks = []
        if not queryset.query.combinator:
            now = getattr(queryset, "_readers_at", None) or timezone.now()
            query = queryset.query.chain()
            for path, model in _selected_paths(queryset.model, query.select_related):
                for field in masked_links(model):
                    alias = f"_link_visible_{len(checks)}"
                    outer = "__".join((*path, field.attname))
                    visible = visible_rows(field.related_model, now=now).filter(pk=OuterRef(outer))
                    query.add_annotation(Exists(visible), alias, select=True)
                    checks.append((alias, path, field))
            if checks:
                queryset = queryset._chain()
                queryset.query = query
        for row in ModelIterable(queryset, self.chunked_fetch, self.chunk_size):
            for alias, path, field in checks:
                visible = row.__dict__.pop(alias)
                owner = row
                for name in path:
                    owner = owner._meta.get_field(name).get_cached_value(owner, default=None)
                    if owner is None:
                        break
                if owner is not None and not visible and owner.__dict__.get(field.attname):
                    setattr(owner, field.attname, None)
                    owner._masked_for_readers = True
            yield row


def gated_models() -> list:
    from django.apps import apps

    return [model for model in apps.get_app_config("partnership").get_models() if gated(model)]


def generic_targets(user=None) -> list:
    """A queryset per gated model for a `GenericPrefetch`: what `user` may see, or what readers
    see without a user. A generic link to any other record reads as empty."""
    return [
        model.objects.published() if user is None else model.objects.visible_to(user)
        for model in gated_models()
        if hasattr(model.objects, "published")
    ]


def _related_model(model, accessor):
    for field in model._meta.get_fields():
        if not field.is_relation:
            continue
        name = field.get_accessor_name() if field.auto_created else field.name
        if name == accessor:
            return field.related_model
    return None


def _first_step(lookup) -> str:
    path = lookup if isinstance(lookup, str) else lookup.prefetch_through
    return path.split("__", 1)[0]


def readers_prefetches(model, lookups, existing, *, at=None) -> list:
    """`prefetch_related` lookups for rows readers get: a lookup through records that can be
    hidden ("participations__country", "parties") prefetches only the visible ones. Lookups
    sharing a first step are grouped into one `Prefetch`; a step already prefetched (by an
    explicit `Prefetch`) is left to it."""
    from django.db.models import Prefetch

    taken = {_first_step(lookup) for lookup in existing}
    taken |= {_first_step(lookup) for lookup in lookups if not isinstance(lookup, str)}
    result, grouped = [], {}
    for lookup in lookups:
        if not isinstance(lookup, str):
            result.append(lookup)
            continue
        first, _, rest = lookup.partition("__")
        related = _related_model(model, first)
        if first in taken or related is None or not hasattr(related.objects, "published"):
            result.append(lookup)
        else:
            grouped.setdefault(first, []).append(rest)
    for first, rests in grouped.items():
        queryset = _related_model(model, first).objects.published(at=at)
        deeper = [rest for rest in rests if rest]
        result.append(Prefetch(first, queryset.prefetch_related(*deeper) if deeper else queryset))
    return result
