"""Checks on sourcing: which fact-bearing records cite no source, and the rule that a record
readers see shows at least one source readers see."""

from __future__ import annotations

import datetime

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Citation, Fact, Publishable, Source, Status


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


def sourced_facts() -> list[type[Fact]]:
    """The fact-bearing record types readers see on their own: each must show a source."""
    return [model for model in fact_models() if issubclass(model, Publishable)]


def visible_on(when: datetime.datetime) -> Q:
    """Sources readers see at `when` (published, and their publish-at time come by then)."""
    return Q(status=Status.PUBLISHED) & (Q(publish_at__isnull=True) | Q(publish_at__lte=when))


def goes_live(record, now: datetime.datetime | None = None) -> datetime.datetime:
    """When `record`, published, is (or will be) visible to readers."""
    now = now or timezone.now()
    return max(now, record.publish_at) if record.publish_at else now


def shows_a_source(record, *, citations=None) -> bool:
    """Whether `record` cites at least one source readers see by the time they see it.

    `citations`, when given, are the (source, ...) pairs to judge instead of the stored ones
    (a form about to save its citations)."""
    when = goes_live(record)
    if citations is not None:
        return any(
            source.status == Status.PUBLISHED
            and (source.publish_at is None or source.publish_at <= when)
            for source in citations
        )
    if record.pk is None:
        return False
    return record.citations.filter(source__in=Source.objects.filter(visible_on(when))).exists()


def published_without_visible_source(*, records=None) -> list:
    """Records published (now or scheduled) that show no source readers can see.

    Without `records`, every such record of the database, two queries per record type."""
    now = timezone.now()
    if records is not None:
        return [
            record
            for record in records
            if isinstance(record, Fact)
            and isinstance(record, Publishable)
            and record.status == Status.PUBLISHED
            and not shows_a_source(record)
        ]
    missing = []
    for model in sourced_facts():
        content_type = ContentType.objects.get_for_model(model)
        visible = Citation.objects.filter(
            content_type=content_type,
            object_id=OuterRef("pk"),
            source__status=Status.PUBLISHED,
        ).filter(
            Q(source__publish_at__isnull=True)
            | Q(source__publish_at__lte=now)
            | (Q(source__publish_at__lte=OuterRef("publish_at")))
        )
        missing.extend(
            model.objects.filter(status=Status.PUBLISHED).exclude(Exists(visible)).order_by("pk")
        )
    return missing


def dependants(source: Source, *, when: datetime.datetime | None = None) -> list:
    """Published records for which `source` is the only source readers see: they would show
    none if it were hidden (withdrawn, unpublished, or scheduled for later than `when`)."""
    by_type: dict[int, set[int]] = {}
    for content_type_id, object_id in Citation.objects.filter(source=source).values_list(
        "content_type_id", "object_id"
    ):
        by_type.setdefault(content_type_id, set()).add(object_id)
    found = []
    for content_type_id, ids in by_type.items():
        model = ContentType.objects.get_for_id(content_type_id).model_class()
        if not (issubclass(model, Fact) and issubclass(model, Publishable)):
            continue
        for record in model.objects.filter(pk__in=ids, status=Status.PUBLISHED):
            others = record.citations.exclude(source=source).filter(
                source__in=Source.objects.filter(visible_on(goes_live(record)))
            )
            if not others.exists():
                found.append(record)
    return found


class SourcingError(Exception):
    """A change would leave records readers see without a source readers see."""

    def __init__(self, records):
        self.records = list(records)
        names = "; ".join(f"{r._meta.verbose_name} “{r}”" for r in self.records[:10])
        more = len(self.records) - 10
        if more > 0:
            names += " " + _("and %(count)s more") % {"count": more}
        super().__init__(
            _(
                "Readers would see no source for: %(records)s. Each published record must cite "
                "at least one published source; publish a source for it first, or take it back "
                "to review."
            )
            % {"records": names}
        )


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
