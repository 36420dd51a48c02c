"""API representations. Every nested list is prefetched by the views: no query per row."""

import copy
import datetime

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.validators import UniqueValidator

from .. import figures, workflow
from ..models import (
    Activity,
    Agreement,
    AgreementKind,
    Appointment,
    Article,
    Country,
    Delivery,
    Event,
    Membership,
    Order,
    OrderShare,
    Organization,
    OrganizationKind,
    Participation,
    Partnership,
    Person,
    Place,
    Programme,
    ProgrammeParticipant,
    Quote,
    Source,
    Status,
    System,
    SystemCategory,
    Tag,
    Variant,
)
from .fields import (
    PARTIAL_DATE_SCHEMA,
    ModelSerializer,
    PartialDateField,
    PlainHyperlink,
    SlugReference,
    StrictCharField,
    TermReference,
    TranslatedFieldsMixin,
    absolute,
    partial_date_data,
)
from .links import LinksField, OrderLinkSerializer
from .provenance import (
    ClaimSerializer,
    FactFields,
)


class ChildSerializer(TranslatedFieldsMixin, FactFields, ModelSerializer):
    """A child row shown inside its parent (deliveries in an order, appointments in a person)."""

    claims = ClaimSerializer(many=True, read_only=True)


class ModelRulesMixin:
    """Run the model's own validation (clean(), constraints) on the instance about to be saved,
    and report its errors under the API's field names."""

    def validate(self, attrs):
        attrs = super().validate(attrs)
        model = self.Meta.model
        many = {field.name for field in model._meta.many_to_many}
        generic = {field.name for field in model._meta.private_fields}  # claims, citations
        instance = copy.copy(self.instance) if self.instance is not None else model()
        for name, value in attrs.items():
            if name not in many | generic:
                setattr(instance, name, value)
        api_names = {
            field.date_field: name
            for name, field in self.fields.items()
            if isinstance(field, PartialDateField)
        }
        try:
            instance.full_clean(exclude=[*many, *generic], validate_unique=False)
        except DjangoValidationError as error:
            if not hasattr(error, "error_dict"):
                raise serializers.ValidationError({"non_field_errors": error.messages}) from error
            raise serializers.ValidationError(
                {
                    api_names.get(name.removesuffix("_precision"), name): messages
                    for name, messages in error.message_dict.items()
                }
            ) from error
        return attrs


class RecordSerializer(TranslatedFieldsMixin, ModelRulesMixin, ModelSerializer):
    """A public record: its API URL, its public page, and its publication state.

    Status changes follow the workflow (partnership.workflow): a Contributor can write drafts
    and submit them, only those who may publish can publish, schedule or withdraw."""

    api_url = PlainHyperlink(view_name="api:placeholder", lookup_field="slug")
    html_url = serializers.SerializerMethodField()
    status = serializers.ChoiceField(
        choices=Source._meta.get_field("status").choices, required=False
    )
    # Before 1912 Paris kept local mean time (+00:09:21), an offset no RFC 3339 date carries.
    publish_at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        validators=[
            MinValueValidator(
                datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC),
                gettext_lazy("A publication is scheduled in this century (2000 or later)."),
            )
        ],
    )
    updated_at = serializers.DateTimeField(read_only=True)

    withdrawn_reason = StrictCharField(required=False, allow_blank=True)
    withdrawn_at = serializers.DateTimeField(read_only=True, allow_null=True)
    links = LinksField()

    record_fields = [
        "api_url",
        "html_url",
        "slug",
        "status",
        "publish_at",
        "withdrawn_reason",
        "withdrawn_at",
        "updated_at",
        "links",
    ]

    def validate(self, attrs):
        request = self.context.get("request")
        user = getattr(request, "user", None)
        model = self.Meta.model
        previous = self.instance.status if self.instance is not None else Status.DRAFT
        target = attrs.get("status", previous)
        if "publish_at" in attrs and not workflow.can_publish(user, model):
            raise serializers.ValidationError(
                {"publish_at": [_("Only those who may publish can schedule.")]}
            )
        record = self.instance if self.instance is not None else model()
        try:
            workflow.check_transition(
                user, record, target, previous=previous, reason=attrs.get("withdrawn_reason", "")
            )
        except workflow.TransitionError as error:
            raise serializers.ValidationError({"status": [str(error)]}) from error
        if target == Status.WITHDRAWN and previous != Status.WITHDRAWN:
            attrs["withdrawn_at"] = timezone.now()
        elif target != Status.WITHDRAWN:
            attrs["withdrawn_at"] = None
        return super().validate(attrs)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["api_url"].view_name = f"api:{self.Meta.model._meta.model_name}-detail"

    @extend_schema_field(OpenApiTypes.URI)
    def get_html_url(self, record):
        return absolute(self.context, record.get_absolute_url())


class FactRecordSerializer(FactFields, RecordSerializer):
    pass


def slug_of(model, **kwargs):
    if kwargs.get("read_only"):
        kwargs.setdefault("allow_null", True)
    else:
        kwargs.setdefault("queryset", model.objects.all())
    return SlugReference(slug_field="slug", **kwargs)


def country_code(**kwargs):
    if kwargs.get("read_only"):
        kwargs.setdefault("allow_null", True)
    else:
        kwargs.setdefault("queryset", Country.objects.all())
    return SlugReference(slug_field="code", **kwargs)


def term(vocabulary, listed_at):
    return TermReference(
        queryset=vocabulary.objects.all(),
        help_text=f"Code of a term listed at /api/v1/{listed_at}/.",
    )


FACT = ["uncertainty", "claims", "citations"]


class VocabularySerializer(TranslatedFieldsMixin, ModelRulesMixin, ModelSerializer):
    """A term of a vocabulary: its code (what records and filters use), its name and
    description in the request's language."""

    class Meta:
        fields = ["api_url", "code", "name", "description", "position"]
        extra_kwargs = {"position": {"required": False}}

    def validate_code(self, value):
        if self.instance is not None and value != self.instance.code:
            raise serializers.ValidationError(
                _("A term's code cannot change: records and the dataset name the term by it.")
            )
        return value


def vocabulary_serializer(vocabulary, basename):
    return type(
        f"{vocabulary.__name__}Serializer",
        (VocabularySerializer,),
        {
            "api_url": PlainHyperlink(view_name=f"api:{basename}-detail", lookup_field="code"),
            "Meta": type("Meta", (VocabularySerializer.Meta,), {"model": vocabulary}),
        },
    )


AgreementKindSerializer = vocabulary_serializer(AgreementKind, "agreement-kind")
SystemCategorySerializer = vocabulary_serializer(SystemCategory, "system-category")
OrganizationKindSerializer = vocabulary_serializer(OrganizationKind, "organization-kind")


class CountrySerializer(RecordSerializer):
    class Meta:
        model = Country
        fields = [*RecordSerializer.record_fields, "code", "name", "summary"]
        # What the database's check constraint holds, said where a client can read it.
        extra_kwargs = {
            "code": {
                "validators": [
                    RegexValidator(
                        r"^[A-Z]{2}$",
                        gettext_lazy("The code must be two capital letters (ISO 3166-1)."),
                    ),
                    UniqueValidator(queryset=Country.objects.all()),
                ]
            }
        }


class TagSerializer(ModelSerializer):
    api_url = PlainHyperlink(view_name="api:tag-detail", lookup_field="slug")

    class Meta:
        model = Tag
        fields = ["api_url", "slug", "name"]


class SourceSerializer(RecordSerializer):
    published = PartialDateField("published_on")

    class Meta:
        model = Source
        fields = [
            *RecordSerializer.record_fields,
            "title",
            "publisher",
            "url",
            "url_incomplete",
            "language",
            "kind",
            "published",
            "retrieved_on",
            "notes",
        ]
        # DRF's own unique check would answer before validate_url, without naming the source.
        extra_kwargs = {"url": {"validators": []}}

    def validate_url(self, value):
        """A URL another source already has: name that source (the database constraint would
        only give its own name)."""
        if value:
            others = Source.objects.filter(url=value)
            if self.instance is not None:
                others = others.exclude(pk=self.instance.pk)
            existing = others.values_list("slug", flat=True).first()
            if existing is not None:
                raise serializers.ValidationError(
                    _("A source with this URL already exists: %(slug)s.") % {"slug": existing}
                )
        return value


class OrganizationSerializer(FactRecordSerializer):
    kind = term(OrganizationKind, "organization-kinds")
    country = country_code(required=False, allow_null=True)
    parent = slug_of(Organization, required=False, allow_null=True)
    founded = PartialDateField("founded_on")

    class Meta:
        model = Organization
        fields = [
            *RecordSerializer.record_fields,
            "name",
            "short_name",
            "kind",
            "country",
            "parent",
            "founded",
            "location",
            "summary",
            *FACT,
        ]


class AppointmentSerializer(ChildSerializer):
    organization = slug_of(Organization, read_only=True)
    start = PartialDateField("start", read_only=True)
    end = PartialDateField("end", read_only=True)

    class Meta:
        model = Appointment
        fields = ["organization", "title", "start", "end", *FACT]


class PersonSerializer(FactRecordSerializer):
    country = country_code(required=False, allow_null=True)
    appointments = AppointmentSerializer(many=True, read_only=True)

    class Meta:
        model = Person
        fields = [
            *RecordSerializer.record_fields,
            "name",
            "rank",
            "country",
            "summary",
            "appointments",
            *FACT,
        ]


class MembershipSerializer(ModelRulesMixin, FactFields, ModelSerializer):
    api_url = PlainHyperlink(view_name="api:membership-detail")
    partnership = slug_of(Partnership)
    country = country_code(
        required=False, allow_null=True, help_text="The member country (or `organization`)."
    )
    organization = slug_of(
        Organization,
        required=False,
        allow_null=True,
        help_text="The member organization, when the member is not a country.",
    )
    through = country_code(required=False, allow_null=True)
    since = PartialDateField("since")
    until = PartialDateField("until")
    links = LinksField()

    class Meta:
        model = Membership
        fields = [
            "api_url",
            "id",
            "partnership",
            "country",
            "organization",
            "role",
            "through",
            "since",
            "until",
            "links",
            *FACT,
        ]


class PartnershipSerializer(FactRecordSerializer):
    memberships = MembershipSerializer(many=True, read_only=True)

    class Meta:
        model = Partnership
        fields = [
            *RecordSerializer.record_fields,
            "name",
            "acronym",
            "summary",
            "objectives",
            "memberships",
            *FACT,
        ]


class AgreementSerializer(FactRecordSerializer):
    partnership = slug_of(Partnership)
    kind = term(AgreementKind, "agreement-kinds")
    parent = slug_of(Agreement, required=False, allow_null=True)
    signed = PartialDateField("signed_on")
    in_force = PartialDateField("in_force_on")
    signatories = slug_of(Person, many=True, required=False)
    parties = country_code(many=True, required=False)
    organization_parties = slug_of(
        Organization,
        many=True,
        required=False,
        help_text="Parties that are not countries (international organizations...).",
    )
    orders = OrderLinkSerializer(
        many=True, read_only=True, help_text="The published orders placed under it."
    )

    class Meta:
        model = Agreement
        fields = [
            *RecordSerializer.record_fields,
            "partnership",
            "title",
            "short_title",
            "official_title",
            "kind",
            "parent",
            "signed",
            "signed_at",
            "in_force",
            "signatories",
            "parties",
            "organization_parties",
            "amount",
            "currency",
            "summary",
            "orders",
            *FACT,
        ]


class ProgrammeParticipantSerializer(ChildSerializer):
    country = country_code(read_only=True)
    joined = PartialDateField("joined_on", read_only=True)

    class Meta:
        model = ProgrammeParticipant
        fields = ["country", "role", "joined", *FACT]


def partnership_slugs():
    return slug_of(
        Partnership,
        many=True,
        required=False,
        help_text="Slugs of the partnerships this record belongs to.",
    )


class ProgrammeSerializer(FactRecordSerializer):
    launched = PartialDateField("launched_on")
    partnerships = partnership_slugs()
    lead_organization = slug_of(Organization, required=False, allow_null=True)
    participants = ProgrammeParticipantSerializer(many=True, read_only=True)

    class Meta:
        model = Programme
        fields = [
            *RecordSerializer.record_fields,
            "name",
            "launched",
            "lead_organization",
            "partnerships",
            "summary",
            "participants",
            *FACT,
        ]


class VariantSerializer(ChildSerializer):
    class Meta:
        model = Variant
        fields = ["slug", "name", "designation", "summary", *FACT]


class SystemSerializer(FactRecordSerializer):
    category = term(SystemCategory, "system-categories")
    programme = slug_of(Programme, required=False, allow_null=True)
    manufacturers = slug_of(Organization, many=True, required=False)
    variants = VariantSerializer(many=True, read_only=True)
    specifications = serializers.DictField(child=StrictCharField(), required=False)

    class Meta:
        model = System
        fields = [
            *RecordSerializer.record_fields,
            "name",
            "designation",
            "category",
            "role",
            "programme",
            "manufacturers",
            "specifications",
            "summary",
            "variants",
            *FACT,
        ]


class DeliverySerializer(ChildSerializer):
    delivered = PartialDateField("delivered_on", read_only=True)
    recipient = slug_of(Organization, read_only=True)

    class Meta:
        model = Delivery
        fields = ["delivered", "quantity", "recipient", "summary", *FACT]


class OrderShareSerializer(ChildSerializer):
    country = country_code(read_only=True)
    organization = slug_of(Organization, read_only=True)

    class Meta:
        model = OrderShare
        fields = ["country", "organization", "quantity", "amount", *FACT]


class OrderSerializer(FactRecordSerializer):
    buyer = country_code(
        required=False,
        allow_null=True,
        help_text="ISO code of the buying country; null when an organization buys for several.",
    )
    buying_organization = slug_of(
        Organization,
        required=False,
        allow_null=True,
        help_text="The organization buying on behalf of several (OCCAR, NSPA...); their parts "
        "are in `shares`.",
    )
    system = slug_of(System)
    variant = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    ordered = PartialDateField("ordered_on")
    agreement = slug_of(Agreement, required=False, allow_null=True)
    contracting_authority = slug_of(Organization, required=False, allow_null=True)
    supplier = slug_of(Organization, required=False, allow_null=True)
    partnerships = partnership_slugs()
    delivered_quantity = serializers.IntegerField(
        read_only=True,
        help_text="Sum of the disclosed delivered quantities: the whole count only when "
        "`delivery_state` is `disclosed`.",
    )
    undisclosed_deliveries = serializers.IntegerField(
        read_only=True, help_text="How many recorded deliveries did not disclose their quantity."
    )
    delivery_state = serializers.SerializerMethodField(
        help_text="`disclosed`: `delivered_quantity` is the whole count delivered; "
        "`undisclosed`: deliveries started but some numbers were not disclosed; "
        "`not_tracked`: this knowledge base does not follow this order's deliveries."
    )
    shares = OrderShareSerializer(
        many=True,
        read_only=True,
        help_text="What each country or organization gets of a pooled order (amounts in the "
        "order's currency).",
    )
    deliveries = DeliverySerializer(many=True, read_only=True)

    @extend_schema_field(
        serializers.ChoiceField(
            choices=[figures.DISCLOSED, figures.UNDISCLOSED, figures.NOT_TRACKED]
        )
    )
    def get_delivery_state(self, order) -> str:
        return figures.Progress.of(order).state

    class Meta:
        model = Order
        fields = [
            *RecordSerializer.record_fields,
            "buyer",
            "buying_organization",
            "system",
            "variant",
            "quantity",
            "ordered",
            "order_status",
            "agreement",
            "contracting_authority",
            "supplier",
            "partnerships",
            "amount",
            "currency",
            "expected_delivery",
            "deliveries_tracked",
            "summary",
            "delivered_quantity",
            "undisclosed_deliveries",
            "delivery_state",
            "shares",
            "deliveries",
            *FACT,
        ]


class PlaceSerializer(ModelSerializer):
    country = country_code(read_only=True)

    class Meta:
        model = Place
        fields = ["slug", "name", "country", "latitude", "longitude"]


class ParticipationSerializer(ChildSerializer):
    organization = slug_of(Organization, read_only=True)
    country = country_code(read_only=True)
    commander = slug_of(Person, read_only=True)

    class Meta:
        model = Participation
        fields = ["organization", "country", "role", "strength", "description", "commander", *FACT]


class ActivitySerializer(FactRecordSerializer):
    parent = slug_of(Activity, required=False, allow_null=True)
    start = PartialDateField("start")
    end = PartialDateField("end")
    place = PlaceSerializer(read_only=True, allow_null=True)
    country = country_code(required=False, allow_null=True)
    participations = ParticipationSerializer(many=True, read_only=True)
    partnerships = partnership_slugs()

    class Meta:
        model = Activity
        fields = [
            *RecordSerializer.record_fields,
            "name",
            "kind",
            "parent",
            "edition",
            "start",
            "end",
            "place",
            "location",
            "country",
            "strength",
            "is_cancelled",
            "partnerships",
            "summary",
            "participations",
            *FACT,
        ]


class QuoteSerializer(FactRecordSerializer):
    person = slug_of(Person)
    said = PartialDateField("said_on")
    article = slug_of(Article, required=False, allow_null=True)
    partnerships = partnership_slugs()

    class Meta:
        model = Quote
        fields = [
            *RecordSerializer.record_fields,
            "text",
            "language",
            "person",
            "said",
            "occasion",
            "article",
            "partnerships",
            *FACT,
        ]


class ArticleLinkSerializer(serializers.Serializer):
    kind = serializers.CharField()
    type = serializers.CharField(help_text="Record type: system, order, activity...")
    slug = serializers.CharField()


class ArticleSerializer(FactRecordSerializer):
    published = PartialDateField("published_on", required=True, allow_null=False)
    tags = slug_of(Tag, many=True, required=False)
    related = slug_of(Article, many=True, required=False)
    partnerships = partnership_slugs()
    about = serializers.SerializerMethodField()

    class Meta:
        model = Article
        fields = [
            *RecordSerializer.record_fields,
            "title",
            "standfirst",
            "body",
            "language",
            "published",
            "tags",
            "related",
            "partnerships",
            "about",
            *FACT,
        ]

    @extend_schema_field(ArticleLinkSerializer(many=True))
    def get_about(self, article):
        return [
            {"kind": link.kind, "type": link.content_type.model, "slug": link.target.slug}
            for link in article.links.all()
            if link.target is not None and hasattr(link.target, "slug")
        ]


class EventSerializer(FactRecordSerializer):
    date = PartialDateField("date", required=True, allow_null=False)
    end = PartialDateField("end")
    place = PlaceSerializer(read_only=True, allow_null=True)
    partnerships = partnership_slugs()
    countries = country_code(many=True, required=False)

    class Meta:
        model = Event
        fields = [
            *RecordSerializer.record_fields,
            "title",
            "kind",
            "date",
            "end",
            "place",
            "partnerships",
            "countries",
            "summary",
            *FACT,
        ]


class TimelineEntrySerializer(serializers.Serializer):
    date = serializers.SerializerMethodField()
    kind = serializers.CharField()
    title = serializers.CharField()
    html_url = serializers.SerializerMethodField()
    countries = serializers.ListField(child=serializers.CharField())
    is_uncertain = serializers.BooleanField()

    @extend_schema_field(PARTIAL_DATE_SCHEMA)
    def get_date(self, entry):
        return partial_date_data(entry.when)

    @extend_schema_field(OpenApiTypes.URI)
    def get_html_url(self, entry):
        return absolute(self.context, entry.url) if entry.url else None

    def to_representation(self, entry):
        data = super().to_representation(entry)
        data["countries"] = sorted(entry.countries)
        return data
