"""Who reviews what: which records readers see, and whether they show a source."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from ..models import Publishable, Source, Status
from ..sourcing import visible_on
from ..states import RecordState
from ..workflow import READER_FACING, can_publish


def in_use(model, pk) -> bool:
    """Whether a shared reference (a place, a tag) is shown to readers by a published record."""
    for relation in model._meta.related_objects:
        related = relation.related_model
        if issubclass(related, Publishable) and (
            related.objects.filter(**{relation.field.name: pk}).published().exists()
        ):
            return True
    return False


def reader_facing(model, state: RecordState | None) -> bool:
    if state is None:
        return False
    if issubclass(model, Publishable):
        return state.fields.get("status") in READER_FACING
    return not str(state.pk).startswith("new-") and in_use(model, state.pk)


def reader_facing_now(model, pk, *, obj=None) -> bool:
    """Whether readers see the stored record `model` #`pk` (one query at most; none when
    `obj`, the stored record, is given)."""
    if issubclass(model, Publishable):
        status = (
            obj.status
            if obj is not None
            else model._base_manager.filter(pk=pk).values_list("status", flat=True).first()
        )
        return status in READER_FACING
    return in_use(model, pk)


def source_visible(state: RecordState | None) -> bool:
    if state is None:
        return False
    publish_at = parse_datetime(state.fields.get("publish_at") or "")
    return state.fields.get("status") == Status.PUBLISHED and (
        publish_at is None or publish_at <= timezone.now()
    )


def shows_source(state: RecordState) -> bool:
    """Whether the record in `state` cites a source readers see (now, or when it goes live)."""
    content_type = str(ContentType.objects.get_for_model(state.model).pk)
    sources = [
        fields["source"]
        for key, fields in state.rows.items()
        if key[0] == "partnership.citation"
        and str(fields.get("content_type")) == content_type
        and str(fields.get("object_id")) == state.pk
    ]
    if not sources:
        return False
    publish_at = parse_datetime(state.fields.get("publish_at") or "")
    when = max(timezone.now(), publish_at) if publish_at else timezone.now()
    return Source.objects.filter(visible_on(when), pk__in=sources).exists()


def needs_review(user, model, before: RecordState | None, after: RecordState | None) -> bool:
    """A change to what readers see (or would see) by someone who may not publish it."""
    if user is None or can_publish(user, model):
        return False
    return reader_facing(model, before) or reader_facing(model, after)
