"""Checks on sourcing: which fact-bearing records cite no source."""

from django.apps import apps
from django.contrib.contenttypes.models import ContentType

from .models import Citation, Fact


def fact_models() -> list[type[Fact]]:
    return [
        model
        for model in apps.get_app_config("partnership").get_models()
        if issubclass(model, Fact)
    ]


def fact_querysets() -> list:
    """A queryset per fact model, joined to what its `__str__` reads, for GenericPrefetch."""
    querysets = []
    for model in fact_models():
        relations = [field.name for field in model._meta.fields if field.many_to_one]
        querysets.append(
            model.objects.select_related(*relations) if relations else model.objects.all()
        )
    return querysets


def unsourced_records() -> list:
    """Every fact-bearing record, draft or published, that cites no source (two queries a model)."""
    missing = []
    for model in fact_models():
        cited = Citation.objects.filter(
            content_type=ContentType.objects.get_for_model(model)
        ).values("object_id")
        missing.extend(model.objects.exclude(pk__in=cited))
    return missing
