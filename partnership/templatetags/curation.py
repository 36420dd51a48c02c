from django import template
from django.contrib.admin.models import DELETION, LogEntry
from django.utils import timezone
from reversion.models import Revision

from ..models import Publishable, Status
from ..sourcing import fact_models, unsourced_records

register = template.Library()


def publishable_models():
    from django.apps import apps

    return [
        model
        for model in apps.get_app_config("partnership").get_models()
        if issubclass(model, Publishable)
    ]


def _rows(queryset, model, limit=8):
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
        review += _rows(model.objects.filter(status=Status.REVIEW).order_by("updated_at"), model)
        scheduled += _rows(
            model.objects.filter(status=Status.PUBLISHED, publish_at__gt=now).order_by(
                "publish_at"
            ),
            model,
        )
    unsourced = (
        unsourced_records()
        if any(user.has_perm(f"partnership.view_{m._meta.model_name}") for m in fact_models())
        else []
    )
    deletions = (
        LogEntry.objects.filter(action_flag=DELETION, content_type__app_label="partnership")
        .select_related("user", "content_type")
        .order_by("-action_time")[:10]
    )
    revisions = (
        Revision.objects.select_related("user")
        .prefetch_related("version_set__content_type")
        .order_by("-date_created")[:10]
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
        "revisions": revisions,
        "deletions": deletions,
    }
