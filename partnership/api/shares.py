"""Shares of pooled orders as a flat list, one row per share: the order, who holds the share
(a country or an organization), its quantity and value in the order's currency. Read-only:
shares are written inside their order (admin, dataset)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..models import Order, OrderShare, Organization, System
from . import filters
from .fields import PlainHyperlink, absolute
from .links import LinksField
from .serializers import ChildSerializer, country_code, slug_of
from .views import RecordViewSet


class ShareRowSerializer(ChildSerializer):
    """One share of a pooled order (read-only)."""

    api_url = PlainHyperlink(view_name="api:share-detail", lookup_field="pk")
    html_url = serializers.SerializerMethodField(help_text="The order's page, which lists it.")
    order = slug_of(Order, read_only=True)
    buying_organization = slug_of(
        Organization,
        source="order.buying_organization",
        read_only=True,
        help_text="The organization that placed the order for several, if any.",
    )
    system = slug_of(System, source="order.system", read_only=True)
    country = country_code(read_only=True, help_text="The country holding the share.")
    organization = slug_of(
        Organization, read_only=True, help_text="The organization holding the share."
    )
    currency = serializers.CharField(
        source="order.currency", read_only=True, help_text="The order's currency."
    )
    links = LinksField()

    class Meta:
        model = OrderShare
        fields = [
            "api_url",
            "html_url",
            "id",
            "order",
            "buying_organization",
            "system",
            "country",
            "organization",
            "quantity",
            "amount",
            "currency",
            "links",
            "updated_at",
            "uncertainty",
            "claims",
            "citations",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_html_url(self, share):
        return absolute(self.context, share.order.get_absolute_url())


class ShareFilter(filters.FactFilterSet):
    country = filters.code("country__code", help_text="ISO code of the country holding it.")
    organization = filters.slug(
        "organization__slug", help_text="Slug of the organization holding it."
    )
    order = filters.slug("order__slug", help_text="Slug of the order.")
    buying_organization = filters.slug(
        "order__buying_organization__slug", help_text="Slug of the organization that bought."
    )

    class Meta:
        model = OrderShare
        fields = []


class ShareViewSet(RecordViewSet):
    """Shares readers may see: those of published orders, held by published countries and
    organizations. CSV with `?format=csv`."""

    serializer_class = ShareRowSerializer
    filterset_class = ShareFilter
    http_method_names = ["get", "head", "options"]
    lookup_field = "pk"
    lookup_value_regex = r"[0-9]+"
    related = (
        "order__buying_organization",
        "order__buyer",
        "order__system",
        "country",
        "organization",
    )
    search_fields = ["order__slug", "order__system__name", "country__name", "organization__name"]
    ordering_fields = ["quantity", "amount", "updated_at"]

    def get_queryset(self):
        return super().get_queryset().order_by("order__slug", "pk")
