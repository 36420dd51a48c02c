"""Columns of the import and export files: partial dates as one text column, related records
by natural key, and the preview's diff without inline styles."""

from __future__ import annotations

import datetime
from html import escape

from diff_match_patch import diff_match_patch
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from import_export.fields import Field
from import_export.resources import Diff
from import_export.widgets import CharWidget, ForeignKeyWidget, ManyToManyWidget, Widget

from ..dates import PartialDate, Precision
from ..models import (
    Variant,
)


class PartialDateWidget(Widget):
    """A partial date as text: "2019-06-21", "2019-06", "2019" or "2010s".

    `part` picks what `clean` returns: the PartialDate (default), or only its first day ("value")
    or its precision ("precision"), for lookups on the two model fields.
    """

    def __init__(self, *, required: bool = False, part: str | None = None):
        super().__init__(coerce_to_string=True)
        self.required = required
        self.part = part

    def clean(self, value, row=None, **kwargs):
        partial = self.parse(value)
        if partial is None or self.part is None:
            return partial
        return partial.value if self.part == "value" else int(partial.precision)

    def parse(self, value) -> PartialDate | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            if self.required:
                raise ValueError(gettext("A date is required."))
            return None
        if isinstance(value, datetime.datetime):
            # A spreadsheet turned the text into a date: it is known to the day.
            return PartialDate(value.date(), Precision.DAY)
        if isinstance(value, datetime.date):
            return PartialDate(value, Precision.DAY)
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # a year typed as a number
        text = str(value).strip()
        try:
            return PartialDate.parse(text)
        except ValueError:
            # The pattern matched but the date does not exist ("2019-13"), or it did not match.
            raise ValueError(
                gettext("“%(value)s” is not a date: write 2019-06-21, 2019-06, 2019 or 2010s.")
                % {"value": text}
            ) from None

    def render(self, value, obj=None, **kwargs):
        if isinstance(value, PartialDate):
            return value.isoformat()
        return ""


class PartialDateField(Field):
    """One text column for a partial date, read and written through the model's
    PartialDateAccessor (which sets `<name>` and `<name>_precision` together)."""

    def __init__(self, accessor: str, *, required: bool = False, **kwargs):
        kwargs.setdefault("column_name", accessor)
        super().__init__(attribute=accessor, widget=PartialDateWidget(required=required), **kwargs)

    def clean(self, row, **kwargs):
        try:
            return super().clean(row, **kwargs)
        except ValueError as error:
            raise ValueError(
                gettext("Column “%(column)s”: %(error)s")
                % {"column": self.column_name, "error": error}
            ) from None


class NaturalKeyWidget(ForeignKeyWidget):
    """A foreign key by natural key (slug, ISO code); an unknown key is a clear row error."""

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, str):
            value = value.strip()
        if value in (None, ""):
            return None
        try:
            return super().clean(value, row, **kwargs)
        except self.model.DoesNotExist:
            raise ValueError(
                gettext("No %(model)s has the %(field)s “%(value)s”.")
                % {
                    "model": self.model._meta.verbose_name,
                    "field": self.model._meta.get_field(self.field).verbose_name,
                    "value": value,
                }
            ) from None
        except self.model.MultipleObjectsReturned:
            raise ValueError(
                gettext("Several %(models)s have the %(field)s “%(value)s”.")
                % {
                    "models": self.model._meta.verbose_name_plural,
                    "field": self.model._meta.get_field(self.field).verbose_name,
                    "value": value,
                }
            ) from None


class VariantWidget(NaturalKeyWidget):
    """A variant's slug is unique within its system: look it up among the row's system's."""

    def __init__(self, system_column: str = "system"):
        super().__init__(Variant, "slug")
        self.system_column = system_column

    def get_queryset(self, value, row, *args, **kwargs):
        queryset = super().get_queryset(value, row, *args, **kwargs)
        system = (row or {}).get(self.system_column)
        if system:
            queryset = queryset.filter(system__slug=str(system).strip())
        return queryset


def key(attribute: str, model, field: str = "slug", **kwargs) -> Field:
    return Field(
        attribute=attribute,
        column_name=attribute,
        widget=NaturalKeyWidget(model, field),
        **kwargs,
    )


class NaturalKeysWidget(ManyToManyWidget):
    """Several records by natural key, comma-separated ("camo, benesam"); an unknown key is a
    clear row error rather than silently left out."""

    def clean(self, value, row=None, **kwargs):
        keys = [key.strip() for key in str(value or "").split(self.separator) if key.strip()]
        found = self.model.objects.filter(**{f"{self.field}__in": keys})
        missing = sorted(set(keys) - set(found.values_list(self.field, flat=True)))
        if missing:
            raise ValueError(
                gettext("No %(model)s has the %(field)s “%(value)s”.")
                % {
                    "model": self.model._meta.verbose_name,
                    "field": self.model._meta.get_field(self.field).verbose_name,
                    "value": ", ".join(missing),
                }
            )
        return found if keys else self.model.objects.none()


def keys(attribute: str, model, field: str = "slug", **kwargs) -> Field:
    return Field(
        attribute=attribute,
        column_name=attribute,
        widget=NaturalKeysWidget(model, field=field, separator=","),
        **kwargs,
    )


def status_field() -> Field:
    # An empty cell keeps the record's status (the model default, draft, for a new record).
    return Field(
        attribute="status",
        column_name="status",
        widget=CharWidget(allow_blank=False),
        saves_null_values=False,
    )


class StylelessDiff(Diff):
    """The preview's diff without inline style attributes, which the site's Content-Security-
    Policy refuses; import_export/import.css colours <ins> and <del> instead."""

    def as_html(self):
        cells = []
        matcher = diff_match_patch()
        for before, after in zip(self.left, self.right, strict=False):
            if before != after and self.new:
                before = ""
            diff = matcher.diff_main(str(before), str(after))
            matcher.diff_cleanupSemantic(diff)
            tags = {
                matcher.DIFF_INSERT: "ins",
                matcher.DIFF_DELETE: "del",
                matcher.DIFF_EQUAL: "span",
            }
            html = "".join(
                f"<{tags[op]}>{escape(text, quote=False)}</{tags[op]}>" for op, text in diff if text
            )
            cells.append(mark_safe(html))  # every piece of text is escaped above
        return cells
