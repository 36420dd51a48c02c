"""The dataset's claims: a value written with its own sources and certainty.

In the YAML dataset a value is either plain (`quantity: 382`) or a mapping that cites it:

    quantity: {value: 1000, upper: 1200, certainty: range, sources: [source-a]}
    amount:
      value: "1500000000"
      certainty: estimate
      reason: {fr: "...", nl: "...", en: "..."}     # why this value is preferred
      sources: [{source: dga-x, locator: "§3", excerpt: "..."}]
      others:                                          # competing values, each with its sources
        - {value: "1600000000", rank: normal, sources: [vandeput-y]}

`unwrap` replaces such mappings by their value before a section reads the record, and keeps
the claims aside; `write_claims` then stores them, with their citations, once the record is
saved. A record-level source item naming a `field` (and a `value` when it differs) is the older
spelling of the same thing and is read the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType

from .claims import claimable_fields, current_value
from .models import Certainty, Citation, Claim, Rank

CLAIM_KEYS = {"value", "upper", "certainty", "rank", "reason", "sources", "others"}
OTHER_KEYS = CLAIM_KEYS - {"others"}
CITATION_KEYS = {"source", "field", "value", "locator", "excerpt"}


class ClaimSpecError(ValueError):
    """A claim in the dataset is malformed; the message says why (the caller adds where)."""


def is_claim(value) -> bool:
    return isinstance(value, dict) and "value" in value and set(value) <= CLAIM_KEYS


@dataclass
class ClaimSpec:
    """One claimed value with the citations that state it, as read from the dataset."""

    field: str
    value: object = None  # None: the record's own value
    upper: object = None
    certainty: str = Certainty.EXACT
    rank: str | None = Rank.PREFERRED  # None: preferred if it is the record's value, else normal
    reason: object = ""
    sources: list = field(default_factory=list)


def unwrap(spec: dict) -> tuple[dict, list[ClaimSpec]]:
    """`spec` with every cited value replaced by the value itself, and the claims it held."""
    plain, found = {}, []
    for name, value in spec.items():
        if not is_claim(value):
            plain[name] = value
            continue
        if "rank" in value:
            raise ClaimSpecError(
                f"{name}: rank must be one of the competing values' (under others); "
                "the value given is the preferred one."
            )
        plain[name] = value["value"]
        found.append(
            ClaimSpec(
                field=name,
                upper=value.get("upper"),
                certainty=value.get("certainty", Certainty.EXACT),
                reason=value.get("reason", ""),
                sources=list(value.get("sources") or []),
            )
        )
        for index, other in enumerate(value.get("others") or []):
            if not isinstance(other, dict) or "value" not in other:
                raise ClaimSpecError(f"{name}.others[{index}]: give the competing value.")
            unknown = set(other) - OTHER_KEYS
            if unknown:
                raise ClaimSpecError(
                    f"{name}.others[{index}]: unknown key(s) {', '.join(sorted(unknown))}."
                )
            found.append(
                ClaimSpec(
                    field=name,
                    value=other["value"],
                    upper=other.get("upper"),
                    certainty=other.get("certainty", Certainty.EXACT),
                    rank=other.get("rank", Rank.NORMAL),
                    reason=other.get("reason", ""),
                    sources=list(other.get("sources") or []),
                )
            )
    return plain, found


def from_source_items(items) -> tuple[list, list[ClaimSpec]]:
    """Split a record's `sources:` into record-level items and the claims that name a field."""
    whole, claims = [], {}
    for item in items:
        if isinstance(item, dict) and item.get("field"):
            key = (item["field"], None if item.get("value") in (None, "") else item["value"])
            spec = claims.setdefault(
                key,
                # An item restating the record's own value cites the preferred claim.
                ClaimSpec(
                    field=key[0], value=key[1], rank=Rank.PREFERRED if key[1] is None else None
                ),
            )
            spec.sources.append(
                {name: value for name, value in item.items() if name not in {"field", "value"}}
            )
        else:
            whole.append(item)
    return whole, list(claims.values())


@dataclass
class ClaimWriter:
    """Stores the claims of one record and their citations (`cite` writes one citation)."""

    record: object
    cite: object  # callable(item, where, claim) -> Citation
    where: str

    def write(self, specs: list[ClaimSpec]) -> set[int]:
        """Save `specs` as the record's claims; returns the pks of the claims kept."""
        model = type(self.record)
        allowed = claimable_fields(model)
        merged: dict[tuple[str, str], ClaimSpec] = {}
        for spec in specs:
            if spec.field not in allowed:
                raise ClaimSpecError(
                    f"{self.where}: {spec.field!r} is not a value a source can be cited for "
                    f"(one of: {', '.join(allowed)}); cite the whole record instead."
                )
            held = current_value(self.record, spec.field)
            value = held if spec.value is None else written(spec.value)
            rank = spec.rank or (Rank.PREFERRED if value == held else Rank.NORMAL)
            key = (spec.field, value)
            if key in merged:
                merged[key].sources += spec.sources
                continue
            merged[key] = ClaimSpec(
                spec.field,
                value,
                spec.upper,
                spec.certainty,
                rank,
                spec.reason,
                list(spec.sources),
            )
        kept = set()
        content_type = ContentType.objects.get_for_model(model)
        for (name, value), spec in merged.items():
            if spec.certainty not in Certainty.values:
                raise ClaimSpecError(
                    f"{self.where}.{name}: certainty must be one of {', '.join(Certainty.values)}."
                )
            if spec.rank not in Rank.values:
                raise ClaimSpecError(
                    f"{self.where}.{name}: rank must be one of {', '.join(Rank.values)}."
                )
            if not spec.sources:
                raise ClaimSpecError(f"{self.where}.{name}: a claimed value needs its sources.")
            if (spec.certainty == Certainty.RANGE) != (spec.upper not in (None, "")):
                raise ClaimSpecError(
                    f"{self.where}.{name}: a range gives its upper bound (upper), and only a "
                    "range does."
                )
            claim = self.save_claim(content_type, name, value, spec)
            kept.add(claim.pk)
            for index, item in enumerate(spec.sources):
                self.cite(item, f"{self.where}.{name}.sources[{index}]", claim)
        return kept

    def save_claim(self, content_type, name, value, spec: ClaimSpec) -> Claim:
        from .loading import Loader

        reason = Loader.translated(Claim, {"reason": spec.reason or ""}, f"{self.where}.{name}")
        values = {
            "upper": "" if spec.upper in (None, "") else written(spec.upper),
            "certainty": spec.certainty,
            "rank": spec.rank,
            **reason,
        }
        return store_claim(self.record, content_type, name, value, values)


def store_claim(record, content_type, name, value, values) -> Claim:
    """The claim of `record` that `name` is `value`, created or brought to `values`; when it is
    preferred, the field's previous preferred value becomes a normal one."""
    rows = {"content_type": content_type, "object_id": record.pk, "field": name}
    claim = Claim.objects.filter(**rows, value=value).first() or Claim(**rows, value=value)
    if claim.pk is None or any(getattr(claim, key) != item for key, item in values.items()):
        for key, item in values.items():
            setattr(claim, key, item)
        claim.full_clean(validate_constraints=False)
        if claim.rank == Rank.PREFERRED:
            # Another value may have been the preferred one until now.
            Claim.objects.filter(**rows, rank=Rank.PREFERRED).exclude(pk=claim.pk).update(
                rank=Rank.NORMAL
            )
        claim.save()
    return claim


def written(value) -> str:
    """A value from the YAML file in the notation claims use (dates as strings, digits)."""
    import datetime

    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def forget_others(record, kept_claims: set[int], kept_citations: set[int]) -> None:
    """Delete the claims and citations of `record` the dataset no longer lists: the file is the
    whole truth about the records it describes."""
    content_type = ContentType.objects.get_for_model(type(record))
    rows = {"content_type": content_type, "object_id": record.pk}
    Citation.objects.filter(**rows).exclude(pk__in=kept_citations).delete()
    Claim.objects.filter(**rows).exclude(pk__in=kept_claims).delete()
