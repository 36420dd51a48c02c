"""One revision per record: whatever saved many records at once (the dataset load, an import, a
bulk action), each record's history gets a revision of its own, holding the record with every
row it owns as they stood after the change. So a version can be reverted alone, and a record's
history shows the changes made to its child rows and citations too."""

from __future__ import annotations

import json
from collections import defaultdict

from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.db import transaction
from django.utils.encoding import force_str
from reversion.models import Revision, Version
from reversion.revisions import _get_options
from reversion.signals import post_revision_commit

from . import records
from .states import Key, label, model_of


def row_root(data: dict) -> Key | None:
    """The root of one serialized row (a version's data), or None for an orphan."""
    model = model_of((data["model"], ""))
    if model is None:
        return None
    if records.is_generic_row(model):
        fields = data["fields"]
        cited = ContentType.objects.get_for_id(fields["content_type"]).model_class()
        found = records.owner_key(cited, fields["object_id"])
    elif (parent := records.parent_field(model)) is not None:
        parent_id = data["fields"].get(parent.name)
        found = (parent.related_model, parent_id) if parent_id is not None else None
    else:
        found = (model, data["pk"])
    if found is None:
        return None
    return label(found[0]), str(found[1])


def split(revision: Revision, *, completing: bool = True) -> list[Revision]:
    """Give each root record in `revision` a revision of its own (same user, date and comment).
    With `completing` (as the revision is saved), each is completed with the rows the record
    owns that the revision lacks, as they are stored now."""
    versions = list(revision.version_set.all())
    groups: dict[Key, list[Version]] = defaultdict(list)
    for version in versions:
        root = row_root(json.loads(version.serialized_data)[0])
        groups[root].append(version)
    result = []
    for index, (root, members) in enumerate(sorted(groups.items(), key=group_order)):
        target = revision
        if index > 0:
            target = Revision.objects.create(
                date_created=revision.date_created, user=revision.user, comment=revision.comment
            )
            Version.objects.filter(pk__in=[v.pk for v in members]).update(revision=target)
        if completing and root is not None:
            complete(target, root, {(v.content_type_id, v.object_id) for v in members})
        result.append(target)
    return result


def group_order(item):
    root, _members = item
    return (root is None, root or ("", ""))


def complete(revision: Revision, root: Key, present: set) -> None:
    """Add to `revision` a version of each stored row of `root` it has none of."""
    model = model_of(root)
    missing = []
    for obj in records.owned_rows(model, root[1]):
        content_type = ContentType.objects.get_for_model(type(obj))
        if (content_type.pk, str(obj.pk)) in present:
            continue
        options = _get_options(type(obj))
        missing.append(
            Version(
                revision=revision,
                content_type=content_type,
                object_id=str(obj.pk),
                db=revision._state.db or "default",
                format=options.format,
                serialized_data=serializers.serialize(
                    options.format, (obj,), fields=options.fields
                ),
                object_repr=force_str(obj),
            )
        )
    Version.objects.bulk_create(missing)


def split_on_commit(sender, revision, versions, **kwargs):
    split(revision)


def split_all() -> int:
    """Split every revision holding several records (databases loaded before revisions were
    per record). Returns the number of revisions added."""
    added = 0
    with transaction.atomic():
        for revision in Revision.objects.order_by("pk").iterator():
            roots = {
                row_root(json.loads(data)[0])
                for data in revision.version_set.values_list("serialized_data", flat=True)
            }
            if len(roots) > 1:
                added += len(split(revision, completing=False)) - 1
    return added


def connect() -> None:
    post_revision_commit.connect(split_on_commit, dispatch_uid="partnership.split_revision")


def versions_of(model, pk):
    """The versions of one record, oldest first, with their revision and its author."""
    return (
        Version.objects.get_for_object_reference(model, pk)
        .select_related("revision__user")
        .order_by("revision__date_created", "pk")
    )


def record_history(model, pk) -> list[dict]:
    """The versions of a record, oldest first, each with what changed since the one before: its
    own fields and its rows (two queries, whatever the number of versions)."""
    from . import history
    from .comparison import compare, label_rows
    from .states import RecordState, owned

    versions = list(versions_of(model, pk))
    rows_by_revision: dict[int, dict] = defaultdict(dict)
    for data, revision_id in Version.objects.filter(
        revision__in=[version.revision_id for version in versions]
    ).values_list("serialized_data", "revision_id"):
        row = json.loads(data)[0]
        rows_by_revision[revision_id][(row["model"], str(row["pk"]))] = row["fields"]
    root = (label(model), str(pk))
    states = [
        RecordState(root=root, rows=owned(root, rows_by_revision[version.revision_id]))
        for version in versions
    ]
    # Every row of every version named in one batch per kind of row, every related record once.
    labels = label_rows([(key, fields) for state in states for key, fields in state.rows.items()])
    entries, previous = [], None
    with history.shared_names():
        history.prefetch_names(
            (model_of(key), fields) for state in states for key, fields in state.rows.items()
        )
        for version, state in zip(versions, states, strict=True):
            entries.append(
                {
                    "version": version,
                    "revision": version.revision,
                    "diff": (
                        compare(previous, state, labels=labels) if previous is not None else None
                    ),
                    "created": previous is None,
                }
            )
            previous = state
    return entries
