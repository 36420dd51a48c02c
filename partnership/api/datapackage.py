"""The Data Package (https://datapackage.org) describing the API's CSV exports: one resource per
list, each with its Table Schema, primary key and foreign keys, so that `frictionless validate`
checks the types of every cell and that every link names a row of the table it points to."""

from django.core.exceptions import FieldDoesNotExist
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from ..models import Country, SiteSettings, Vocabulary
from .deliveries import DeliveryViewSet
from .fields import SlugReference
from .renderers import csv_columns
from .shares import ShareViewSet
from .views import EXPORTS, HttpMixin

LICENCE = {
    "name": "CC-BY-4.0",
    "path": "https://creativecommons.org/licenses/by/4.0/",
    "title": "Creative Commons Attribution 4.0",
}


def resources() -> dict:
    """Resource name -> viewset: every record list, and the flat lists of deliveries and of
    the shares of pooled orders."""
    return {**EXPORTS, "delivery": DeliveryViewSet, "share": ShareViewSet}


def linked_model(serializer, field):
    """The model a field's value names, followed from the serializer's model along the
    field's source (`order.buyer`: the order's buyer, a Country); None if it is not a link."""
    model = serializer.Meta.model
    for attribute in field.source_attrs:
        try:
            model = model._meta.get_field(attribute).related_model
        except FieldDoesNotExist:
            return None
        if model is None:
            return None
    return model


def primary_key(columns: list[str], model) -> list[str]:
    """What other tables name a row of this one by: the code of a country or of a vocabulary's
    term, a record's slug, or the row's number (memberships, deliveries)."""
    for name in ("code", "slug", "id"):
        if name in columns and (name != "code" or issubclass(model, Country | Vocabulary)):
            return [name]
    return ["api_url"]


def foreign_keys(serializer, names: dict, keys: dict) -> list[dict]:
    """A foreign key for each column naming one record of another table (a list of records in
    one cell, space-separated, cannot be checked by a Table Schema and has none)."""
    declared = []
    for name, field in serializer.fields.items():
        if not isinstance(field, SlugReference):
            continue
        target = names.get(linked_model(serializer, field))
        if target is None or keys[target] != [field.slug_field]:
            continue
        own = serializer.Meta.model
        declared.append(
            {
                "fields": [name],
                "reference": {
                    # An empty name is the table itself (an organization's parent).
                    "resource": "" if names.get(own) == target else target,
                    "fields": [field.slug_field],
                },
            }
        )
    return declared


def descriptor(request) -> dict:
    viewsets = resources()
    context = {"request": request}
    serializers_ = {
        name: viewset.serializer_class(context=context) for name, viewset in viewsets.items()
    }
    columns = {name: csv_columns(serializer) for name, serializer in serializers_.items()}
    names = {serializer.Meta.model: name for name, serializer in serializers_.items()}
    keys = {
        name: primary_key([column for column, _kind, _ in columns[name]], serializer.Meta.model)
        for name, serializer in serializers_.items()
    }
    listed = []
    for name, serializer in serializers_.items():
        schema = {
            "fields": [{"name": column, "type": kind} for column, kind, _ in columns[name]],
            "primaryKey": keys[name],
        }
        links = foreign_keys(serializer, names, keys)
        if links:
            schema["foreignKeys"] = links
        listed.append(
            {
                "name": name,
                "path": reverse(f"api:{name}-list", request=request) + "?format=csv",
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": schema,
            }
        )
    return {
        "name": "camo-knowledge-base",  # the package's identifier: kept, consumers key on it
        "title": str(SiteSettings.current().t.title),
        "profile": "tabular-data-package",
        "licenses": [LICENCE],
        "resources": listed,
    }


class DataPackageView(HttpMixin, APIView):
    """A Frictionless Data Package describing the CSV exports, with their primary and foreign
    keys."""

    permission_classes = [AllowAny]
    renderer_classes = [JSONRenderer]

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request):
        return Response(descriptor(request))
