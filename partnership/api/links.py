"""Linked records expanded: beside the slugs (or codes) a record gives for the records it links
to, `links` gives each one's name in the language asked for, its API URL and its page, as
GOV.UK's content API does. Read-only; built from the rows the views already join or prefetch,
so it adds no query."""

from django.urls import NoReverseMatch
from django.urls import reverse as django_reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..models import AgreementKind, OrganizationKind, Publishable, SystemCategory
from ..models.base import can_view_unpublished
from ..models.i18n import Localizable
from .fields import SlugReference, StrictList, TermReference, absolute

LINK_SCHEMA = {
    "type": "object",
    "properties": {
        "slug": {"type": "string", "description": "The slug (a country's code) of the field."},
        "name": {"type": "string", "description": "Its name or title, in the language asked."},
        "api_url": {"type": "string", "format": "uri", "nullable": True},
        "html_url": {"type": "string", "format": "uri", "nullable": True},
    },
    "required": ["slug", "name", "api_url", "html_url"],
}

LINKS_SCHEMA = {
    "type": "object",
    "readOnly": True,
    "description": (
        "Each linked field of the record (the ones giving a slug or a code), expanded: its "
        "name in the language asked for, its API URL and its page; a list for a field "
        "naming several records; null where the field is empty or names a record not "
        "published. The slug fields stay as they are: write those."
    ),
    "additionalProperties": {
        "nullable": True,
        "oneOf": [LINK_SCHEMA, {"type": "array", "items": LINK_SCHEMA}],
    },
    "example": {
        "buyer": {
            "slug": "BE",
            "name": "Belgique",
            "api_url": "https://example.org/api/v1/countries/belgium/",
            "html_url": "https://example.org/fr/countries/belgium/",
        }
    },
}


def name_of(record) -> str:
    for attribute in ("name", "title"):
        if hasattr(record, attribute):
            if isinstance(record, Localizable):
                return str(record.localized(attribute))
            return str(getattr(record, attribute))
    return str(record)


# The API's route of each vocabulary, whose terms are addressed by code.
TERM_ROUTES = {
    AgreementKind: "agreement-kind",
    SystemCategory: "system-category",
    OrganizationKind: "organization-kind",
}


def link_to(record, key: str, context) -> dict:
    model = record._meta.model_name
    try:
        if type(record) in TERM_ROUTES:
            route = TERM_ROUTES[type(record)]
            api_path = django_reverse(f"api:{route}-detail", kwargs={"code": record.code})
        else:
            api_path = django_reverse(f"api:{model}-detail", kwargs={"slug": record.slug})
    except NoReverseMatch:
        api_path = None
    html_path = record.get_absolute_url() if hasattr(record, "get_absolute_url") else None
    return {
        "slug": key,
        "name": name_of(record),
        "api_url": absolute(context, api_path) if api_path else None,
        "html_url": absolute(context, html_path) if html_path else None,
    }


@extend_schema_field(LINKS_SCHEMA)
class LinksField(serializers.DictField):
    """The expansion of every slug field of the serializer it sits in (see LINKS_SCHEMA)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", LINKS_SCHEMA["description"])
        super().__init__(read_only=True, source="*", **kwargs)

    def get_attribute(self, instance):
        return instance

    def visible(self, record) -> bool:
        if not isinstance(record, Publishable):
            return True
        request = self.context.get("request")
        user = getattr(request, "user", None)
        return record.is_published or can_view_unpublished(user, type(record))

    def expand(self, field, record):
        if record is None or not self.visible(record):
            return None
        return link_to(record, getattr(record, field.slug_field), self.context)

    def to_representation(self, instance):
        links = {}
        for name, field in self.parent.fields.items():
            if isinstance(field, StrictList) and isinstance(field.child_relation, SlugReference):
                records = field.get_attribute(instance)
                expanded = (self.expand(field.child_relation, record) for record in records)
                links[name] = [link for link in expanded if link is not None]
            elif isinstance(field, TermReference):
                links[name] = self.expand(field, getattr(instance, field.source))
            elif isinstance(field, SlugReference):
                try:
                    record = field.get_attribute(instance)
                except AttributeError:
                    record = None
                links[name] = self.expand(field, record)
        return links


class OrderLinkSerializer(serializers.Serializer):
    """An order an agreement covers, in brief: the order itself is at `api_url`."""

    slug = serializers.SlugField(read_only=True)
    name = serializers.SerializerMethodField()
    buyer = serializers.CharField(source="buyer.code", read_only=True, allow_null=True)
    buying_organization = serializers.CharField(
        source="buying_organization.slug", read_only=True, allow_null=True
    )
    system = serializers.CharField(source="system.slug", read_only=True)
    quantity = serializers.IntegerField(read_only=True)
    api_url = serializers.SerializerMethodField()
    html_url = serializers.SerializerMethodField()

    def get_name(self, order) -> str:
        return str(order)

    def get_api_url(self, order) -> str:
        return absolute(
            self.context, django_reverse("api:order-detail", kwargs={"slug": order.slug})
        )

    def get_html_url(self, order) -> str:
        return absolute(self.context, order.get_absolute_url())
