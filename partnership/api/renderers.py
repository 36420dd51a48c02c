"""CSV exports: one row per record, the same fields as the JSON, flattened."""

import csv
import io
import json

from django.http import Http404
from django.utils.text import slugify
from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.exceptions import NotAcceptable
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer

from .fields import PartialDateField
from .links import LinksField
from .provenance import CitationSerializer

_TYPES = {
    serializers.IntegerField: "integer",
    serializers.DecimalField: "number",
    serializers.FloatField: "number",
    serializers.BooleanField: "boolean",
    serializers.DateTimeField: "datetime",
    serializers.DateField: "date",
}


def _kind(field) -> str:
    for klass, kind in _TYPES.items():
        if isinstance(field, klass):
            return kind
    return "string"


def csv_columns(serializer) -> list[tuple[str, str, object]]:
    """(column, Frictionless type, extractor) for each CSV column of a list serializer's rows."""
    columns = []
    for name, field in serializer.fields.items():
        if isinstance(field, LinksField):
            continue  # names and URLs of the linked records: the CSV gives their slugs
        if isinstance(field, PartialDateField):
            columns.append(
                (name, "string", lambda row, name=name: (row.get(name) or {}).get("value"))
            )
            columns.append(
                (
                    f"{name}_precision",
                    "string",
                    lambda row, name=name: (row.get(name) or {}).get("precision"),
                )
            )
        elif isinstance(field, serializers.ListSerializer) and isinstance(
            field.child, CitationSerializer
        ):
            columns.append(
                (
                    "sources",
                    "string",
                    lambda row, name=name: " ".join(
                        c["source"]["slug"] for c in row.get(name) or []
                    ),
                )
            )
        elif isinstance(
            field, serializers.ListSerializer | serializers.DictField | serializers.Serializer
        ) or (isinstance(field, serializers.SerializerMethodField) and name == "about"):
            # Nested rows as a JSON cell: an array for a list, an object for one record or a
            # mapping; an empty cell (not "null") where there is none, as for any other column.
            kind = (
                "object"
                if isinstance(field, serializers.DictField | serializers.Serializer)
                else "array"
            )
            columns.append((name, kind, lambda row, name=name: _json(row.get(name))))
        elif isinstance(field, serializers.ManyRelatedField | serializers.ListField):
            columns.append(
                (
                    name,
                    "string",
                    lambda row, name=name: " ".join(str(v) for v in row.get(name) or []),
                )
            )
        else:
            columns.append((name, _kind(field), lambda row, name=name: row.get(name)))
    return columns


class CSVRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        renderer_context = renderer_context or {}
        response = renderer_context.get("response")
        columns = renderer_context.get("csv_columns")
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        if columns is None and isinstance(data, list):
            # A list without a serializer (the timeline): one column per key of its rows.
            keys = list(dict.fromkeys(key for row in data for key in row))
            columns = [(key, "string", lambda row, key=key: _flat(row.get(key))) for key in keys]
        if columns is None or (response is not None and response.status_code >= 400):
            # Not a list (an error or a single record): a two-column key/value table.
            writer.writerow(["key", "value"])
            for key, value in (data or {}).items():
                writer.writerow(
                    [
                        key,
                        json.dumps(value, ensure_ascii=False)
                        if isinstance(value, dict | list)
                        else value,
                    ]
                )
            return buffer.getvalue().encode(self.charset)
        if response is not None:
            # A download, named after what it holds: camo-orders.csv.
            request = renderer_context.get("request")
            path = request.path if request is not None else ""
            name = slugify(path.rstrip("/").rsplit("/", 1)[-1]) or "export"
            response["Content-Disposition"] = f'attachment; filename="camo-{name}.csv"'
        rows = data["results"] if isinstance(data, dict) and "results" in data else data
        writer.writerow([name for name, _kind, _extract in columns])
        for row in rows:
            writer.writerow([_cell(extract(row)) for _name, _kind, extract in columns])
        return buffer.getvalue().encode(self.charset)


def _json(value):
    return None if value is None else json.dumps(value, ensure_ascii=False)


def _flat(value):
    if isinstance(value, dict) and "value" in value:
        return value["value"]
    if isinstance(value, list):
        return " ".join(str(item) for item in value)
    return value


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


class ContentNegotiation(DefaultContentNegotiation):
    """An unknown `?format=` is a 406 naming the formats there are (DRF answers an empty 404)."""

    def select_renderer(self, request, renderers, format_suffix=None):
        try:
            return super().select_renderer(request, renderers, format_suffix)
        except Http404:
            wanted = format_suffix or request.query_params.get(self.settings.URL_FORMAT_OVERRIDE)
            known = ", ".join(renderer.format for renderer in renderers)
            raise NotAcceptable(
                _("No format %(format)r here; the formats are: %(formats)s.")
                % {"format": wanted, "formats": known}
            ) from None
