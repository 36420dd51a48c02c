"""Deliveries as a flat list, one row per delivery as SIPRI's trade register gives them: the
order it belongs to, its buyer and system, the date (with its precision), the quantity and
the recipient. Read-only: deliveries are written inside their order (admin, dataset)."""

import django_filters as django_filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..models import Delivery, Order, Organization, System, Variant
from . import filters
from .fields import PartialDateField, PlainHyperlink, absolute
from .links import LinksField
from .serializers import ChildSerializer, country_code, slug_of
from .views import RecordViewSet


class DeliveryRowSerializer(ChildSerializer):
    """One delivery, with what SIPRI's register gives beside it (read-only)."""

    api_url = PlainHyperlink(view_name="api:delivery-detail", lookup_field="pk")
    html_url = serializers.SerializerMethodField(help_text="The order's page, which lists it.")
    order = slug_of(Order, read_only=True)
    buyer = country_code(source="order.buyer", read_only=True, help_text="The buyer's code.")
    buying_organization = slug_of(
        Organization,
        source="order.buying_organization",
        read_only=True,
        help_text="The organization that bought for several, instead of a country.",
    )
    system = slug_of(System, source="order.system", read_only=True)
    variant = slug_of(Variant, source="order.variant", read_only=True)
    delivered = PartialDateField("delivered_on", read_only=True)
    recipient = slug_of(Organization, read_only=True)
    links = LinksField()

    class Meta:
        model = Delivery
        fields = [
            "api_url",
            "html_url",
            "id",
            "order",
            "buyer",
            "buying_organization",
            "system",
            "variant",
            "delivered",
            "quantity",
            "recipient",
            "summary",
            "links",
            "updated_at",
            "uncertainty",
            "claims",
            "citations",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_html_url(self, delivery):
        return absolute(self.context, delivery.order.get_absolute_url())


class DeliveryFilter(filters.FactFilterSet):
    country = filters.code("order__buyer__code", help_text="ISO code of the buyer, e.g. BE.")
    system = filters.slug("order__system__slug", help_text="Slug of the system delivered.")
    order = filters.slug("order__slug", help_text="Slug of the order.")
    recipient = filters.slug("recipient__slug", help_text="Slug of the receiving organization.")
    year = filters.year_filter(
        field_name="delivered_on", lookup_expr="year", help_text="Deliveries made that year."
    )
    delivered_after = django_filters.DateFilter(field_name="delivered_on", lookup_expr="gte")
    delivered_before = django_filters.DateFilter(field_name="delivered_on", lookup_expr="lte")
    partnership = filters.in_partnership(
        help_text="Slug of a partnership: deliveries of its orders."
    )

    class Meta:
        model = Delivery
        fields = []


class DeliveryViewSet(RecordViewSet):
    """Deliveries readers may see: those of published orders (and of published recipients).
    Listed by date; CSV with `?format=csv`."""

    serializer_class = DeliveryRowSerializer
    filterset_class = DeliveryFilter
    http_method_names = ["get", "head", "options"]
    lookup_field = "pk"
    lookup_value_regex = r"[0-9]+"
    related = (
        "order__buyer",
        "order__buying_organization",
        "order__system",
        "order__variant",
        "recipient",
    )
    search_fields = ["summary", "order__slug", "order__system__name", "recipient__name"]
    ordering_fields = ["delivered_on", "quantity", "updated_at"]

    def get_queryset(self):
        return super().get_queryset().order_by("delivered_on", "pk")
