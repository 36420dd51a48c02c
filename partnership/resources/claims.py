"""The `claims` column of an import or export file: the record's claims, as JSON, in the API's
structure (see the API's `claims`), read and written by the same code.

    [{"field": "quantity", "value": "123", "certainty": "exact", "rank": "preferred",
      "citations": [{"source": "brusselstimes-2025-12-griffon-serval", "locator": "§2"}]},
     {"field": "quantity", "value": "128", "rank": "normal",
      "citations": [{"source": "defencebelgium-2025-12-camo-3"}]}]

A file without the column leaves the records' claims as they are; a row whose cell is empty has
no claims (an exported record without claims reads back the same). A reason is the French text,
the reference language; its translations are kept.
"""

from __future__ import annotations

import json
from types import SimpleNamespace

from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext
from import_export.fields import Field

from ..api.provenance import claim_serializer, write_claims
from ..claim_specs import ClaimSpecError
from ..models import Certainty, Rank
from ..models.i18n import REFERENCE_LANGUAGE

COLUMN = "claims"
DEFAULTS = {"upper": "", "certainty": Certainty.EXACT, "rank": Rank.PREFERRED, "reason": ""}
CITATION_DEFAULTS = {"locator": "", "excerpt": ""}


def claims_field() -> Field:
    """The column; its value is written by ClaimsColumn.dehydrate_claims."""
    return Field(column_name=COLUMN, attribute=None)


def as_data(record) -> list[dict]:
    """The claims of `record` (prefetched with their citations' sources), shortest form."""
    items = []
    for claim in sorted(record.claims.all(), key=lambda c: (c.field, c.pk)):
        item = {"field": claim.field, "value": claim.value}
        item |= {
            key: getattr(claim, key)
            for key, default in DEFAULTS.items()
            if getattr(claim, key) != default
        }
        item["citations"] = [
            {"source": citation.source.slug}
            | {key: getattr(citation, key) for key in CITATION_DEFAULTS if getattr(citation, key)}
            for citation in sorted(claim.citations.all(), key=lambda c: c.pk)
        ]
        items.append(item)
    return items


def normalized(items) -> list:
    """`items` with every default filled in, in a stable order: two spellings of the same claims
    compare equal."""
    result = []
    for item in items:
        citations = sorted(
            (CITATION_DEFAULTS | citation for citation in item.get("citations", [])),
            key=lambda citation: str(citation.get("source")),
        )
        result.append(DEFAULTS | item | {"citations": citations})
    return sorted(result, key=lambda item: (str(item.get("field")), str(item.get("value"))))


def messages(errors, where="") -> list[str]:
    """DRF's nested errors as lines a curator can act on: "1.citations.0.source: No source…"."""
    if isinstance(errors, dict):
        return [
            line
            for key, value in errors.items()
            for line in messages(value, f"{where}.{key}" if where else str(key))
        ]
    if isinstance(errors, list) and errors and not isinstance(errors[0], str):
        return [
            line
            for index, value in enumerate(errors)
            if value
            for line in messages(value, f"{where}.{index}" if where else str(index))
        ]
    return [f"{where}: {message}" if where else str(message) for message in errors]


class ClaimsColumn:
    """Import and export of the `claims` column, for a resource of fact-bearing records (the
    resource declares `claims = claims_field()` and lists "claims" in its fields)."""

    def dehydrate_claims(self, record) -> str:
        items = as_data(record)
        return json.dumps(items, ensure_ascii=False) if items else ""

    def filter_export(self, queryset, **kwargs):
        return (
            super().filter_export(queryset, **kwargs).prefetch_related("claims__citations__source")
        )

    def import_instance(self, instance, row, **kwargs):
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        instance._import_claims = None
        if COLUMN in row:
            try:
                instance._import_claims = self.read_claims(row[COLUMN])
            except ValidationError as error:
                errors[COLUMN] = error.messages
        if errors:
            raise ValidationError(errors)

    def read_claims(self, text) -> list[dict]:
        """The claims a cell gives, validated as the API validates them."""
        if text in (None, ""):
            return []
        try:
            data = json.loads(text) if isinstance(text, str) else text
        except ValueError as error:
            raise ValidationError(
                gettext("Not a JSON list of claims: %(error)s") % {"error": error}
            ) from None
        if not isinstance(data, list):
            raise ValidationError(gettext("Not a JSON list of claims."))
        serializer = claim_serializer(self._meta.model)(
            data=data, many=True, context={"request": SimpleNamespace(user=self.user)}
        )
        # A reason is read as the French text, whatever the language of the admin importing.
        with translation.override(REFERENCE_LANGUAGE):
            if not serializer.is_valid():
                raise ValidationError(messages(serializer.errors))
            return serializer.validated_data

    def skip_row(self, instance, original, row, import_validation_errors=None):
        """A row whose only change is to its claims is not unchanged."""
        if self.claims_change(instance, original, row):
            return False
        return super().skip_row(instance, original, row, import_validation_errors)

    def claims_change(self, instance, original, row) -> bool:
        if instance._import_claims is None or original is None or original.pk is None:
            return False
        stored = json.loads(self.dehydrate_claims(original) or "[]")
        given = json.loads(row[COLUMN]) if row[COLUMN] not in (None, "") else []
        return normalized(stored) != normalized(given)

    def after_save_instance(self, instance, row, **kwargs):
        super().after_save_instance(instance, row, **kwargs)
        if instance._import_claims is None:
            return
        try:
            write_claims(instance, instance._import_claims, user=self.user)
        except ClaimSpecError as error:
            raise ValidationError({COLUMN: [str(error)]}) from error
