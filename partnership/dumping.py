"""Write the database back as a dataset (see data/SCHEMA.md) that `load_camo` reads.

Every record the loader can create is written, published or not, in the loader's own keys:
translated texts as `{fr, nl, en}` (a plain string when only the French exists), partial dates as
strings at their precision, amounts as strings of digits, related records by slug (countries by
code). A value with claims is written in the inline claim syntax (`{value, upper, certainty,
reason, sources, others}`); citations of the whole record go to the record's `sources:`.

Loading the dump gives back the same rows, values, translations, claims and citations. What the
format cannot say is reported in `Dumper.warnings` rather than silently dropped (a claim with no
citation, a preferred claim whose value the record no longer holds, a link to a record type
without a dataset name).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import yaml
from django.db import models

from .claims import claimable_fields, current_value
from .dataset_format import ALIASES, CHILDREN, FIELDS, SECTIONS, SELF_PARENTS
from .dates import PartialDate
from .models import (
    RECORD_TYPES,
    Certainty,
    Country,
    Delivery,
    Rank,
)
from .models.i18n import REFERENCE_LANGUAGE, TRANSLATION_LANGUAGES, Localizable, column
from .models.vocabularies import Vocabulary

# The files of the default dataset, and the sections each one holds.
FILES = {
    "00-vocabularies.yaml": ["agreement_kinds", "system_categories", "organization_kinds"],
    "01-sources.yaml": ["sources"],
    "02-countries-tags-places.yaml": ["countries", "tags", "places"],
    "03-organizations.yaml": ["organizations"],
    "04-people.yaml": ["people"],
    "05-partnership-programmes-agreements.yaml": ["partnerships", "programmes", "agreements"],
    "06-systems-orders.yaml": ["systems", "orders"],
    "07-activities.yaml": ["activities"],
    "08-events.yaml": ["events"],
    "09-articles-quotes.yaml": ["articles", "quotes"],
}

EMPTY = (None, "", [], {})


class Dumper:
    def __init__(self):
        self.warnings: list[str] = []

    def run(self) -> dict[str, list]:
        data = {}
        for section, model in SECTIONS.items():
            records = list(model.objects.order_by("pk"))
            if section in SELF_PARENTS:
                records = parents_first(records)
            data[section] = [self.record(section, record) for record in records]
        return data

    # Records ----------------------------------------------------------------------------------

    def record(self, section, record) -> dict:
        spec = self.fields(section, record)
        if section == "articles":
            links = [self.link(link) for link in record.links.order_by("pk")]
            if links := [link for link in links if link]:
                spec["links"] = links
        for key, related in CHILDREN.get(section, []):
            rows = [self.fields(key, row) for row in getattr(record, related).order_by("pk")]
            if rows:
                spec[key] = rows
        return spec

    def fields(self, section, record) -> dict:
        model = type(record)
        spec = {}
        for key in FIELDS[section]:
            name = ALIASES.get((model, key), key)
            value = self.value(record, name)
            if value is not None:
                spec[key] = value
        if hasattr(record, "claims"):
            self.facts(section, record, spec)
        return spec

    def facts(self, section, record, spec):
        """The uncertainty note, the claims written inline and the record-level `sources:`."""
        if (uncertainty := self.value(record, "uncertainty")) is not None:
            spec["uncertainty"] = uncertainty
        model = type(record)
        citations = list(record.citations.select_related("source").order_by("pk"))
        sources = [self.citation(c) for c in citations if c.claim_id is None]
        by_claim: dict[int, list] = {}
        for citation in citations:
            if citation.claim_id:
                by_claim.setdefault(citation.claim_id, []).append(citation)
        by_field: dict[str, list] = {}
        for claim in record.claims.order_by("pk"):
            by_field.setdefault(claim.field, []).append(claim)
        keys = {ALIASES.get((model, key), key): key for key in FIELDS[section]}
        where = f"{model._meta.verbose_name} {record}"
        for name, claims in by_field.items():
            if name not in claimable_fields(model) or name not in keys:
                self.warn(f"{where}: claims about {name!r} cannot be written (not a dataset key).")
                continue
            cited = []
            for claim in claims:
                if by_claim.get(claim.pk):
                    cited.append(claim)
                else:
                    self.warn(f"{where}: the claim {claim} has no citation; it is left out.")
            preferred = next((c for c in cited if c.rank == Rank.PREFERRED), None)
            if preferred and preferred.value == current_value(record, name) and keys[name] in spec:
                written = self.claim(preferred, by_claim[preferred.pk], value=spec[keys[name]])
                if others := [c for c in cited if c is not preferred]:
                    written["others"] = [self.claim(c, by_claim[c.pk]) for c in others]
                spec[keys[name]] = written
                continue
            # No preferred value the record holds: the older spelling keeps each value and its
            # sources, and the loader ranks them itself.
            for claim in cited:
                if claim.certainty != Certainty.EXACT or claim.reason or claim.upper:
                    self.warn(f"{where}: the certainty and reason of {claim} are left out.")
                if claim.rank != Rank.NORMAL:
                    self.warn(f"{where}: {claim} is written as a competing value ({claim.rank}).")
                for citation in by_claim[claim.pk]:
                    item = {"source": citation.source.slug, "field": keys[name]}
                    item |= {"value": claim.value} | self.locator(citation)
                    sources.append(item)
        if sources:
            spec["sources"] = sources

    def claim(self, claim, citations, *, value=None) -> dict:
        """The inline spelling of `claim`: the preferred one with the record's own `value`,
        a competing one (under `others`) with its value as stated and its rank."""
        if value is not None:
            written = {"value": value}
        else:
            written = {"value": claim.value}
            if claim.rank != Rank.NORMAL:
                written["rank"] = claim.rank
        if claim.upper:
            written["upper"] = claim.upper
        if claim.certainty != Certainty.EXACT:
            written["certainty"] = claim.certainty
        if (reason := self.value(claim, "reason")) is not None:
            written["reason"] = reason
        written["sources"] = [self.citation(c) for c in citations]
        return written

    def citation(self, citation):
        located = self.locator(citation)
        return {"source": citation.source.slug} | located if located else citation.source.slug

    @staticmethod
    def locator(citation) -> dict:
        return {
            name: getattr(citation, name)
            for name in ("locator", "excerpt")
            if getattr(citation, name)
        }

    def link(self, link):
        model = link.content_type.model_class()
        names = {target: name for name, target in RECORD_TYPES.items()}
        target = link.target
        if model not in names or target is None:
            self.warn(
                f"article {link.article}: the link to {model} #{link.object_id} cannot be written."
            )
            return None
        key = target.code if model is Country else target.slug
        return {"type": link.kind, "target": f"{names[model]}:{key}"}

    def warn(self, message):
        self.warnings.append(message)

    # Values -----------------------------------------------------------------------------------

    def value(self, record, name):
        """The dataset's spelling of the field `name` of `record`; None to leave the key out."""
        model = type(record)
        field = model._meta.get_field(name)
        if field.many_to_many:
            return sorted(natural_key(obj) for obj in getattr(record, name).all()) or None
        if field.many_to_one and issubclass(field.related_model, Vocabulary):
            return getattr(record, field.attname)  # the term's code, read without a query
        if field.many_to_one:
            target = getattr(record, name)
            if target is None:
                return None
            if isinstance(target, Delivery):  # a milestone met by a delivery names its date
                return PartialDate(target.delivered_on, target.delivered_on_precision).isoformat()
            return natural_key(target)
        if issubclass(model, Localizable) and name in model.translated_fields():
            texts = {REFERENCE_LANGUAGE: getattr(record, name)} | {
                language: getattr(record, column(name, language))
                for language in TRANSLATION_LANGUAGES
            }
            if not any(texts.values()):
                return None
            if not any(texts[language] for language in TRANSLATION_LANGUAGES):
                return texts[REFERENCE_LANGUAGE]
            return {language: text for language, text in texts.items() if text}
        value = getattr(record, name)
        if isinstance(field, models.BooleanField):
            return None if value == field.get_default() else value
        if value in EMPTY:
            return "" if field.has_default() and field.get_default() not in EMPTY else None
        if isinstance(field, models.DateField):
            precision = getattr(record, f"{name}_precision", None)
            if precision is None:
                return value.isoformat()
            return PartialDate(value, precision).isoformat()
        if isinstance(field, models.DecimalField):
            if name in ("latitude", "longitude"):
                return float(value)
            return digits(value)
        return value


def natural_key(record) -> str:
    return record.code if isinstance(record, Country) else record.slug


def digits(value: Decimal) -> str:
    return str(int(value)) if value == value.to_integral() else format(value.normalize(), "f")


def parents_first(records: list) -> list:
    """`records` in their order, except that a record's parent always comes before it."""
    by_pk = {record.pk: record for record in records}
    ordered, seen = [], set()

    def visit(record):
        if record.pk in seen:
            return
        seen.add(record.pk)
        parent = by_pk.get(record.parent_id)
        if parent is not None:
            visit(parent)
        ordered.append(record)

    for record in records:
        visit(record)
    return ordered


# YAML -----------------------------------------------------------------------------------------


class DatasetDumper(yaml.SafeDumper):
    """Short lists and mappings of plain values on one line, long texts as blocks."""

    def represent_str(self, data):
        style = "|" if "\n" in data else None
        return self.represent_scalar("tag:yaml.org,2002:str", data, style=style)

    def represent_dict(self, data):
        node = self.represent_mapping("tag:yaml.org,2002:map", data.items())
        node.flow_style = is_short(data.values())
        return node

    def represent_list(self, data):
        node = self.represent_sequence("tag:yaml.org,2002:seq", data)
        node.flow_style = is_short(data)
        return node


def is_short(values) -> bool:
    values = list(values)
    return (
        all(
            isinstance(value, (str, int, float, bool)) and "\n" not in str(value)
            for value in values
        )
        and sum(len(str(value)) + 4 for value in values) <= 60
    )


DatasetDumper.add_representer(str, DatasetDumper.represent_str)
DatasetDumper.add_representer(dict, DatasetDumper.represent_dict)
DatasetDumper.add_representer(list, DatasetDumper.represent_list)


def to_yaml(data: dict) -> str:
    return yaml.dump(
        data,
        Dumper=DatasetDumper,
        sort_keys=False,
        allow_unicode=True,
        width=100,
        default_flow_style=False,
    )


def write(data: dict, out: Path | str) -> list[Path]:
    """Write `data` to one YAML file (`out` ending in .yaml) or to a folder of files split as
    the default dataset is; returns the files written."""
    out = Path(out)
    header = (
        "# Knowledge base dataset, dumped by `manage.py dump_camo`. Format: see data/SCHEMA.md.\n"
    )
    if out.suffix in (".yaml", ".yml"):
        out.write_text(header + to_yaml(data), encoding="utf-8")
        return [out]
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, sections in FILES.items():
        part = {section: data[section] for section in sections if data.get(section)}
        if part:
            path = out / name
            path.write_text(header + to_yaml(part), encoding="utf-8")
            written.append(path)
    return written
