import contextlib
from collections import defaultdict

from django import template
from django.contrib.admin.models import DELETION, LogEntry
from django.contrib.admin.utils import quote
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db.models import BooleanField, Case, Count, F, Max, Q, Value, When, Window
from django.db.models.functions import RowNumber
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from reversion.models import Revision, Version

from .. import records
from ..comments import describe_comment
from ..history import names_of
from ..models import Proposal, Publishable, Status
from ..sourcing import fact_models, published_without_visible_source, unsourced_records
from ..workflow import can_publish

register = template.Library()


def publishable_models():
    from django.apps import apps

    return [
        model
        for model in apps.get_app_config("partnership").get_models()
        if issubclass(model, Publishable)
    ]


LISTED = 8


def _rows(queryset, model, limit=LISTED):
    return [
        {
            "record": record,
            "model": model._meta.verbose_name,
            "url_name": f"admin:partnership_{model._meta.model_name}_change",
        }
        for record in queryset[:limit]
    ]


@register.inclusion_tag("admin/partnership/curation_panel.html", takes_context=True)
def curation_panel(context):
    """The editor's desk: what awaits review, what is scheduled, what changed, what lacks a source."""
    user = context["request"].user
    now = timezone.now()
    review, scheduled = [], []
    for model in publishable_models():
        if not user.has_perm(f"partnership.view_{model._meta.model_name}"):
            continue
        # One query a record type for both lists: in review, or published for later.
        waiting = list(
            model.objects.filter(
                Q(status=Status.REVIEW) | Q(status=Status.PUBLISHED, publish_at__gt=now)
            ).order_by("updated_at")[: LISTED * 2]
        )
        review += _rows([r for r in waiting if r.status == Status.REVIEW], model)
        scheduled += _rows([r for r in waiting if r.status == Status.PUBLISHED], model)
    unsourced = (
        unsourced_records()
        if any(user.has_perm(f"partnership.view_{m._meta.model_name}") for m in fact_models())
        else []
    )
    hidden_sources = (
        published_without_visible_source()
        if any(user.has_perm(f"partnership.view_{m._meta.model_name}") for m in fact_models())
        else []
    )
    deletions = (
        LogEntry.objects.filter(action_flag=DELETION, content_type__app_label="partnership")
        .select_related("user", "content_type")
        .order_by("-action_time")[:10]
    )
    return {
        "review": review,
        "scheduled": sorted(scheduled, key=lambda row: row["record"].publish_at),
        "unsourced": [
            {
                "record": record,
                "model": record._meta.verbose_name,
                "url_name": f"admin:partnership_{record._meta.model_name}_change",
            }
            for record in unsourced[:10]
        ],
        "unsourced_count": len(unsourced),
        "hidden_sources": [_row(record) for record in hidden_sources[:10]],
        "hidden_sources_count": len(hidden_sources),
        **proposals_for(user),
        "revisions": recent_changes(user),
        "deletions": deletions,
    }


def _row(record) -> dict:
    return {
        "record": record,
        "model": record._meta.verbose_name,
        "url_name": f"admin:partnership_{record._meta.model_name}_change",
    }


def proposals_for(user, limit: int = 10) -> dict:
    """Proposed changes: those awaiting the user's review (for whoever may publish them), and
    the user's own open ones (sent back ones first, with the reviewer's note)."""
    if not user.has_perm("partnership.view_proposal"):
        return {}
    open_ = Proposal.objects.open().select_related("content_type", "created_by", "reviewed_by")
    reviewable = [
        content_type.pk
        for model, content_type in ContentType.objects.get_for_models(
            *records.root_models()
        ).items()
        if can_publish(user, model)
    ]
    to_review = open_.filter(state=Proposal.State.PENDING, content_type__in=reviewable)
    mine = open_.filter(created_by=user).order_by("-state", "-updated_at")
    return {
        "to_review": list(to_review.order_by("updated_at")[:limit]),
        "to_review_count": to_review.count(),
        "mine": list(mine[:limit]),
        "may_review": bool(reviewable),
    }


register.filter("describe_comment", describe_comment)

SHOWN_PER_REVISION = 3


def recent_changes(user, limit: int = 10) -> list[dict]:
    """The latest saves: the records each changed (each record's root; a save of many records,
    such as the dataset load or an import, is one line naming three of them and how many more),
    who, when and why.

    A constant number of queries: the saves, their revisions, the revisions' first versions
    (three per revision, with the count), the authors, then the names of the records still
    there, one query per record type.
    """
    saves = list(
        Revision.objects.values("date_created", "user_id", "comment")
        .annotate(latest=Max("pk"), count=Count("pk"))
        .order_by("-date_created", "-latest")[:limit]
    )
    if not saves:
        return []
    same_save = Q(pk__in=[])
    for save in saves:
        same_save |= Q(
            date_created=save["date_created"], user_id=save["user_id"], comment=save["comment"]
        )
    by_save = defaultdict(list)
    for revision in (
        Revision.objects.filter(same_save)
        .order_by("pk")
        .only("pk", "date_created", "user_id", "comment")
    ):
        shown = by_save[(revision.date_created, revision.user_id, revision.comment)]
        if len(shown) < SHOWN_PER_REVISION:
            shown.append(revision.pk)
    revision_ids = [pk for ids in by_save.values() for pk in ids]
    roots = ContentType.objects.get_for_models(*records.root_models())
    root_types = {content_type.pk for content_type in roots.values()}
    group = [F("revision_id"), F("is_root")]
    versions = (
        Version.objects.filter(revision__in=revision_ids)
        .annotate(
            is_root=Case(
                When(content_type_id__in=root_types, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
        .annotate(
            rank=Window(RowNumber(), partition_by=group, order_by=F("pk").asc()),
            total=Window(Count("pk"), partition_by=group),
        )
        .filter(rank__lte=SHOWN_PER_REVISION)
        .only("revision_id", "content_type_id", "object_id", "object_repr")
        .order_by("revision_id", "pk")
    )
    by_revision = defaultdict(lambda: {True: [], False: []})
    for version in versions:
        by_revision[version.revision_id][version.is_root].append(version)
    wanted = defaultdict(set)
    for version in versions:
        if version.is_root and (model := _model(version)) is not None:
            wanted[model].add(model._meta.pk.to_python(version.object_id))
    names = {
        (model, pk): name
        for model, pks in wanted.items()
        for pk, name in names_of(model, pks).items()
    }
    authors = get_user_model().objects.in_bulk([s["user_id"] for s in saves if s["user_id"]])
    changes = []
    for save in saves:
        key = (save["date_created"], save["user_id"], save["comment"])
        shown, more = [], save["count"] - len(by_save[key])
        for revision_id in by_save[key]:
            versions_shown = by_revision[revision_id][True] or by_revision[revision_id][False]
            shown += versions_shown
            more += (versions_shown[0].total - len(versions_shown)) if versions_shown else 0
        author = authors.get(save["user_id"])
        changes.append(
            {
                "date": save["date_created"],
                "user": author.get_username() if author else "",
                "comment": describe_comment(save["comment"]),
                "records": [_record(user, version, names) for version in shown],
                "more": more,
            }
        )
    return changes


def _model(version):
    return ContentType.objects.get_for_id(version.content_type_id).model_class()


def _record(user, version, names) -> dict:
    model = _model(version)
    if model is None:
        return {"name": version.object_repr, "type": "", "url": None, "deleted": True}
    opts = model._meta
    pk = opts.pk.to_python(version.object_id)
    row = {"name": version.object_repr, "type": opts.verbose_name, "url": None, "deleted": False}
    if not version.is_root:
        return row
    if (model, pk) not in names:
        return row | {"deleted": True}
    row["name"] = names[model, pk]
    if user.has_perm(f"{opts.app_label}.view_{opts.model_name}") or user.has_perm(
        f"{opts.app_label}.change_{opts.model_name}"
    ):
        with contextlib.suppress(NoReverseMatch):  # a record type without an admin page
            row["url"] = reverse(
                f"admin:{opts.app_label}_{opts.model_name}_change", args=[quote(pk)]
            )
    return row
