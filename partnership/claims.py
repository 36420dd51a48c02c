"""Value-level provenance: which values of a record can be cited, and what each value rests on.

The values a claim can be about are derived from the schema: every field a curator sets that
states a fact (dates, quantities, amounts, places, statuses, the people and organizations a
record names, a title or text the source gives), never bookkeeping, publication state,
translation columns or the texts written in our own words (summaries, descriptions).
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from .dates import PartialDate
from .models import Certainty, Citation, Claim, Fact, Publishable, Rank
from .models.base import Timestamped
from .models.i18n import Translatable, translation_columns

# Fields every fact shares, which describe the record's provenance rather than state a fact.
_NOT_VALUES = {
    field.name
    for base in (Fact, Publishable, Timestamped, Translatable)
    for field in base._meta.get_fields()
    if getattr(field, "concrete", False)
} | {"slug", "id"}


@functools.cache
def claimable_fields(model) -> tuple[str, ...]:
    """The names of the fields of `model` a claim can be about, in declaration order."""
    if not issubclass(model, Fact):
        return ()
    translations = {
        name for base in model.translated_fields() for name in translation_columns(base)
    }
    names = []
    for f in [*model._meta.concrete_fields, *model._meta.many_to_many]:
        if (
            f.name in _NOT_VALUES
            or f.name in translations
            or f.name.endswith("_precision")
            or not f.editable
            or f.auto_created
            or isinstance(f, (models.URLField, models.BooleanField))
            or (isinstance(f, models.TextField) and f.name in model.translated_fields())
            or (f.many_to_one and f.remote_field.on_delete is models.CASCADE)
        ):
            continue
        names.append(f.name)
    return tuple(names)


def field_label(model, name: str) -> str:
    """What readers and curators call the value `name` of `model`, in the active language."""
    try:
        return capfirst(str(model._meta.get_field(name).verbose_name))
    except Exception:  # a claim about a field that no longer exists
        return _("Another value")


def current_value(record, name: str) -> str:
    """The value `name` of `record` written as a claim states it (the dataset's notation)."""
    f = record._meta.get_field(name)
    if f.many_to_many:
        related = getattr(record, name).all()
        return ", ".join(sorted(getattr(obj, "slug", None) or str(obj.pk) for obj in related))
    value = getattr(record, f.attname)
    if value is None or value == "":
        return ""
    if isinstance(f, models.DateField):
        precision = getattr(record, f"{name}_precision", 4)
        return PartialDate(value, precision).isoformat()
    if f.many_to_one:
        target = getattr(record, name)
        return getattr(target, "slug", None) or getattr(target, "code", None) or str(target.pk)
    if isinstance(value, Decimal):
        return str(int(value)) if value == value.to_integral() else format(value.normalize(), "f")
    if isinstance(f, models.JSONField):
        if isinstance(value, dict):
            return "; ".join(f"{key}: {text}" for key, text in value.items())
        return json.dumps(value, ensure_ascii=False)
    return str(value)


@dataclass
class ValueProvenance:
    """One value of a record as readers see it: the claim it rests on, with its sources, and
    the claims that compete with it."""

    name: str
    label: str
    preferred: Claim | None
    citations: list[Citation] = field(default_factory=list)
    competing: list[Claim] = field(default_factory=list)
    deprecated: list[Claim] = field(default_factory=list)

    @property
    def certainty(self) -> str:
        return self.preferred.certainty if self.preferred else Certainty.EXACT

    @property
    def is_disputed(self) -> bool:
        return bool(self.competing)

    @property
    def is_uncertain(self) -> bool:
        return self.certainty != Certainty.EXACT or self.is_disputed


def provenance(record, citations=None, claims=None) -> dict[str, ValueProvenance]:
    """{field name: ValueProvenance} for each value of `record` that has claims.

    `citations` and `claims` are the record's rows when the caller already holds them
    (prefetched); a citation of a claim counts for that claim only.
    """
    claims = list(record.claims.all()) if claims is None else list(claims)
    citations = list(record.citations.all()) if citations is None else list(citations)
    by_claim: dict[int, list[Citation]] = {}
    for citation in citations:
        if citation.claim_id:
            by_claim.setdefault(citation.claim_id, []).append(citation)
    result: dict[str, ValueProvenance] = {}
    model = type(record)
    for claim in sorted(claims, key=lambda c: (c.field, c.pk or 0)):
        claim.cited_by = by_claim.get(claim.pk, [])
        entry = result.setdefault(
            claim.field, ValueProvenance(claim.field, field_label(model, claim.field), None)
        )
        if claim.rank == Rank.PREFERRED:
            entry.preferred = claim
            entry.citations = claim.cited_by
        elif claim.rank == Rank.NORMAL:
            entry.competing.append(claim)
        else:
            entry.deprecated.append(claim)
    return result


def unstated_values(record) -> list[str]:
    """Fields whose preferred claim states another value than the record holds (a value
    changed since it was cited), or that have claims but no preferred one."""
    problems = []
    for name, entry in provenance(record).items():
        if (
            name not in claimable_fields(type(record))
            or entry.preferred is None
            or entry.preferred.value != current_value(record, name)
        ):
            problems.append(name)
    return problems


# Showing values to readers -------------------------------------------------------------------


def display_text(model, name: str, text: str) -> str:
    """A value in claim notation (`2019-06`, `1500000000`, `knds-france`) as readers read it."""
    from django.utils import formats

    try:
        f = model._meta.get_field(name)
    except Exception:
        return text
    if text in (None, ""):
        return ""
    try:
        if isinstance(f, models.DateField):
            return PartialDate.parse(text).display()
        if f.choices:
            return str(dict(f.flatchoices).get(text, text))
        if isinstance(f, (models.IntegerField, models.DecimalField)):
            number = Decimal(text)
            return formats.number_format(
                number, 0 if number == number.to_integral() else 2, force_grouping=True
            )
        if f.many_to_one or f.many_to_many:
            return ", ".join(related_names(f.related_model, text.split(", ")))
    except (ValueError, ArithmeticError):
        return text
    return text


def related_names(model, keys) -> list[str]:
    lookup = "code" if hasattr(model, "code") and not hasattr(model, "slug") else "slug"
    found = {
        str(getattr(obj, lookup)): obj
        for obj in model._base_manager.filter(**{f"{lookup}__in": keys})
    }
    names = []
    for key in keys:
        obj = found.get(key)
        names.append(
            str(obj.localized("name"))
            if obj is not None and hasattr(obj, "localized") and "name" in obj.translated_fields()
            else str(obj)
            if obj is not None
            else key
        )
    return names


def display_claim(model, claim) -> str:
    """The claim's value with its certainty: "≈ 1 500 000 000", "1 000–1 200", "≥ 1"."""
    text = display_text(model, claim.field, claim.value)
    if claim.certainty == Certainty.RANGE:
        return _("≈ %(low)s–%(high)s") % {
            "low": text,
            "high": display_text(model, claim.field, claim.upper),
        }
    prefix = {
        Certainty.ESTIMATE: "≈ ",
        Certainty.AT_LEAST: "≥ ",
        Certainty.AT_MOST: "≤ ",
        Certainty.MORE_THAN: "> ",
        Certainty.LESS_THAN: "< ",
    }.get(claim.certainty, "")
    return f"{prefix}{text}"


# Finding uncertain records -----------------------------------------------------------------


def _claims_of(model, field=None):
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import OuterRef

    claims = Claim.objects.filter(
        content_type=ContentType.objects.get_for_model(model), object_id=OuterRef("pk")
    )
    return claims if field is None else claims.filter(field=field)


def disputed(model, field=None) -> models.Exists:
    """Records of `model` with a value (or the value `field`) sources disagree on: a claim of
    normal rank competes with the preferred one. Use as `queryset.filter(disputed(model))`."""
    return models.Exists(_claims_of(model, field).filter(rank=Rank.NORMAL))


def approximate(model, field=None) -> models.Exists:
    """Records of `model` with a value (or the value `field`) preferred as an estimate, a range
    or a bound."""
    preferred = _claims_of(model, field).filter(rank=Rank.PREFERRED)
    return models.Exists(preferred.exclude(certainty=Certainty.EXACT))
