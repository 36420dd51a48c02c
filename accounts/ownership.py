"""Who owns each record (RecordOwner): read, given on creation, and handed over by an Editor."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType

from .models import RecordOwner


def owner_id(model, pk) -> int | None:
    """The account owning record `model` #`pk`, or None when nobody does."""
    if pk is None:
        return None
    return (
        RecordOwner.objects.filter(
            content_type=ContentType.objects.get_for_model(model), object_id=pk
        )
        .values_list("owner_id", flat=True)
        .first()
    )


def owners(model, pks) -> dict[int, int]:
    """{pk: owner's id} of the records of `model` that have an owner (one query)."""
    return dict(
        RecordOwner.objects.filter(
            content_type=ContentType.objects.get_for_model(model), object_id__in=list(pks)
        ).values_list("object_id", "owner_id")
    )


def set_owner(model, pk, user) -> None:
    RecordOwner.objects.update_or_create(
        content_type=ContentType.objects.get_for_model(model),
        object_id=pk,
        defaults={"owner": user},
    )
