"""Checks on sourcing: which fact-bearing records cite no source."""

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q

from .models import Citation, Fact, Source


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


class Bibliography:
    """The numbered list of published sources behind the records shown on one page.

    Sources are numbered in the order the records are given, so the main record's sources come
    first. One query, whatever the number of records.
    """

    def __init__(self, records):
        records = [record for record in records if record is not None]
        ids_by_type: dict[int, set[int]] = {}
        for record in records:
            content_type = ContentType.objects.get_for_model(type(record))
            ids_by_type.setdefault(content_type.pk, set()).add(record.pk)
        condition = Q(pk__in=[])
        for content_type_id, ids in ids_by_type.items():
            condition |= Q(content_type_id=content_type_id, object_id__in=ids)
        citations = list(
            Citation.objects.filter(condition, source__in=Source.objects.published())
            .select_related("source")
            .order_by("pk")
        )
        by_record: dict[tuple[int, int], list[Citation]] = {}
        for citation in citations:
            by_record.setdefault((citation.content_type_id, citation.object_id), []).append(
                citation
            )
        self.entries: list[dict] = []
        self._numbers: dict[int, int] = {}
        self._refs: dict[tuple[int, int], list[int]] = {}
        for record in records:
            key = (ContentType.objects.get_for_model(type(record)).pk, record.pk)
            for citation in by_record.get(key, []):
                number = self._numbers.get(citation.source_id)
                if number is None:
                    number = self._numbers[citation.source_id] = len(self.entries) + 1
                    self.entries.append({"number": number, "source": citation.source, "claims": []})
                if citation.claimed_value:
                    claim = (
                        f"{citation.field}: {citation.claimed_value}"
                        if citation.field
                        else citation.claimed_value
                    )
                    claims = self.entries[number - 1]["claims"]
                    if claim not in claims:
                        claims.append(claim)
                refs = self._refs.setdefault(key, [])
                if number not in refs:
                    refs.append(number)

    def refs(self, record) -> list[int]:
        if record is None:
            return []
        key = (ContentType.objects.get_for_model(type(record)).pk, record.pk)
        return sorted(self._refs.get(key, []))

    def __len__(self):
        return len(self.entries)

    def __bool__(self):
        return bool(self.entries)
