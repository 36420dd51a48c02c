"""Checks on sourcing: which fact-bearing records cite no source, and the rule that a record
readers see shows at least one source readers see."""

from __future__ import annotations

import datetime

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from .claims import provenance
from .models import Citation, Claim, Fact, Publishable, Source, Status
from .records import about, key_of
from .records import by_record as group


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


def visible_citations():
    """Citations readers see: of a published source, on a record they may see (one query)."""
    of_visible_records = Q()
    for model in fact_models():
        if hasattr(model.objects, "published"):
            of_visible_records |= Q(
                content_type=ContentType.objects.get_for_model(model),
                object_id__in=model.objects.published().values("pk"),
            )
    return Citation.objects.filter(of_visible_records, source__in=Source.objects.published())


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
        condition = about(records)
        by_record = group(
            Citation.objects.filter(condition, source__in=Source.objects.published())
            .select_related("source", "claim")
            .order_by("pk")
        )
        claims_by_record = group(Claim.objects.filter(condition).order_by("pk"))
        keys = {id(record): key_of(record) for record in records}
        self._provenance = {
            keys[id(record)]: provenance(
                record,
                citations=by_record.get(keys[id(record)], []),
                claims=claims_by_record.get(keys[id(record)], []),
            )
            for record in records
        }
        self.entries: list[dict] = []
        self._numbers: dict[int, int] = {}
        self._refs: dict[tuple[int, int], list[int]] = {}
        self._value_refs: dict[tuple[int, int, int], list[int]] = {}
        for record in records:
            key = keys[id(record)]
            for citation in by_record.get(key, []):
                number = self._numbers.get(citation.source_id)
                if number is None:
                    number = self._numbers[citation.source_id] = len(self.entries) + 1
                    self.entries.append(
                        {"number": number, "source": citation.source, "claims": [], "passages": []}
                    )
                entry = self.entries[number - 1]
                if citation.claim_id:
                    said = claim_statement(
                        record, citation.claim, language=citation.source.language
                    )
                    said = format_html("{}{}", said, passage(citation))
                    if record is not records[0]:
                        # Another record shown on the page: say which one the value is of.
                        said = format_html("{} — {}", record, said)
                    if said not in entry["claims"]:
                        entry["claims"].append(said)
                    refs = self._value_refs.setdefault((*key, citation.claim_id), [])
                else:
                    if (citation.locator or citation.excerpt) and (
                        said := mark_safe(passage(citation).strip())
                    ) not in entry["passages"]:
                        entry["passages"].append(said)
                    refs = self._refs.setdefault(key, [])
                if number not in refs:
                    refs.append(number)

    def refs(self, record) -> list[int]:
        """The numbers of the sources behind `record` as a whole (all its sources when none
        backs it as a whole)."""
        if record is None:
            return []
        key = key_of(record)
        whole = self._refs.get(key)
        if whole:
            return sorted(whole)
        return sorted(
            {
                n
                for (ct, pk, _claim), numbers in self._value_refs.items()
                if (ct, pk) == key
                for n in numbers
            }
        )

    def value(self, record, name):
        """The ValueProvenance of the value `name` of `record`, or None when no claim is about
        it."""
        if record is None:
            return None
        key = key_of(record)
        return self._provenance.get(key, {}).get(name)

    def claim_refs(self, record, claim) -> list[int]:
        """The numbers of the sources that state `claim` (one value of `record`)."""
        if record is None or claim is None:
            return []
        key = (*key_of(record), claim.pk)
        return sorted(self._value_refs.get(key, []))

    def __len__(self):
        return len(self.entries)

    def __bool__(self):
        return bool(self.entries)


def passage(citation) -> str:
    """Where in the source, and in its words: " (§3) «…»", or ""."""
    parts = []
    if citation.locator:
        parts.append(format_html(' <span class="locator">({})</span>', citation.locator))
    if citation.excerpt:
        language = citation.source.language
        parts.append(
            format_html(' <q lang="{}">{}</q>', language, citation.excerpt)
            if language
            else format_html(" <q>{}</q>", citation.excerpt)
        )
    return mark_safe("".join(parts))


def claim_statement(record, claim, *, language: str = "") -> str:
    """What a source states, for readers: "Signed on: 22 June 2017". A text in French (the
    only language claims are written in) is marked as such on other languages' pages."""
    from .claims import display_claim, field_label
    from .models.i18n import LocalizedText, active_language
    from .templatetags.camo import tr

    model = type(record)
    label = field_label(model, claim.field)
    if claim.field in model.translated_fields():
        if claim.value == getattr(record, claim.field):
            text = record.localized(claim.field)
        else:
            text = LocalizedText(claim.value, "fr", fallback=active_language() != "fr")
        return mark_safe(statement(conditional_escape(label), conditional_escape(tr(text))))
    shown = display_claim(model, claim)
    if language and is_free_text(model, claim.field):
        # A name or title as the source writes it, in the source's language.
        return mark_safe(
            statement(
                conditional_escape(label), format_html('<span lang="{}">{}</span>', language, shown)
            )
        )
    return statement(label, shown)


def is_free_text(model, name: str) -> bool:
    """Whether the value `name` of `model` is words (a title, a name) rather than a date, a
    number, a choice or a related record."""
    from django.db import models

    try:
        f = model._meta.get_field(name)
    except Exception:
        return False
    return isinstance(f, (models.CharField, models.TextField)) and not f.choices


def statement(label, value) -> str:
    # Translators: what a source states about one value ("Quantity ordered: 123").
    return _("%(label)s: %(value)s") % {"label": label, "value": value}
