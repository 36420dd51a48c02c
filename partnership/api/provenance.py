"""Provenance in the API: citations, and claims read and written in the loader's structure."""

import functools

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Q
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..claim_specs import ClaimSpec, ClaimSpecError, ClaimWriter, forget_others, store_claim
from ..claims import claimable_fields, field_label
from ..models import (
    Certainty,
    Citation,
    Claim,
    Rank,
    Source,
)
from .fields import (
    REASON_COLUMNS,
    ItemList,
    ModelSerializer,
    PartialDateField,
    SlugReference,
    StrictCharField,
    TranslatedFieldsMixin,
    absolute,
)


class SourceSummarySerializer(ModelSerializer):
    published = PartialDateField("published_on", read_only=True)
    html_url = serializers.SerializerMethodField()

    class Meta:
        model = Source
        fields = ["slug", "title", "publisher", "url", "url_incomplete", "published", "html_url"]

    @extend_schema_field(OpenApiTypes.URI)
    def get_html_url(self, source):
        return absolute(self.context, source.get_absolute_url())


class ClaimReferenceSerializer(ModelSerializer):
    """Which value a citation backs: the field and the value its source states."""

    class Meta:
        model = Claim
        fields = ["field", "value"]


class CitationSerializer(ModelSerializer):
    source = SourceSummarySerializer(read_only=True)
    claim = ClaimReferenceSerializer(
        read_only=True, allow_null=True, help_text="The value it backs; null: the whole record."
    )

    class Meta:
        model = Citation
        fields = ["source", "claim", "locator", "excerpt"]


class ClaimCitationList(ItemList):
    def check(self, items):
        seen, errors = set(), {}
        for index, item in enumerate(items):
            if item["source"].pk in seen:
                errors[index] = {
                    "source": ["This source is already cited for this value; cite it once."]
                }
            seen.add(item["source"].pk)
        return errors


class ClaimList(ItemList):
    def check(self, items):
        seen, preferred, errors = set(), {}, {}
        for index, item in enumerate(items):
            name, value = item["field"], item["value"]
            if (name, value) in seen:
                errors[index] = {
                    "value": [
                        f"{name} {value} is already listed: give each value once, with all its "
                        "citations."
                    ]
                }
            elif item.get("rank", Rank.PREFERRED) == Rank.PREFERRED and name in preferred:
                errors[index] = {
                    "rank": [
                        f"{name} already has a preferred value ({preferred[name]}): a field has "
                        "one preferred value at most; rank the others normal or deprecated."
                    ]
                }
            elif item.get("rank", Rank.PREFERRED) == Rank.PREFERRED:
                preferred[name] = value
            seen.add((name, value))
        return errors


class VisibleSourceField(SlugReference):
    """A source named by its slug, among those the user may see."""

    default_error_messages = {"does_not_exist": "No source {value!r} that you may see."}

    def __init__(self, **kwargs):
        super().__init__(slug_field="slug", queryset=Source.objects.all(), **kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        return Source.objects.visible_to(getattr(request, "user", None))


def require(serializer, attrs, *names):
    """A PATCH makes DRF skip the fields left out, those of nested items too: an item of a
    list still needs its own."""
    missing = [name for name in names if name not in attrs]
    if missing:
        raise serializers.ValidationError(
            {name: [serializer.fields[name].error_messages["required"]] for name in missing}
        )
    return attrs


class ClaimCitationSerializer(ModelSerializer):
    """A source stating the value: where in it (`locator`) and in what words (`excerpt`)."""

    source = VisibleSourceField(help_text="The slug of the source.")

    class Meta:
        model = Citation
        fields = ["source", "locator", "excerpt"]
        list_serializer_class = ClaimCitationList

    def validate(self, attrs):
        return require(self, attrs, "source")


def choice_message(name, choices) -> str:
    return f'"{{input}}" is not a {name}; use one of: {", ".join(choices.values)}.'


class ClaimSerializer(TranslatedFieldsMixin, ModelSerializer):
    """One value of the record as its sources state it, with its certainty and rank: the
    preferred value is the one the record shows, a normal one a credible value other sources
    give, a deprecated one a value known to be wrong; `reason` says why. `upper` is the upper
    bound of a range. Each value rests on at least one citation."""

    record_model = None  # set by claim_serializer()
    label = serializers.SerializerMethodField()
    citations = ClaimCitationSerializer(
        many=True,
        allow_empty=False,
        error_messages={"empty": "Give at least one citation: a value rests on a source."},
    )

    class Meta:
        model = Claim
        fields = ["field", "label", "value", "upper", "certainty", "rank", "reason", "citations"]
        list_serializer_class = ClaimList
        extra_kwargs = {
            "certainty": {
                "error_messages": {"invalid_choice": choice_message("certainty", Certainty)}
            },
            "rank": {"error_messages": {"invalid_choice": choice_message("rank", Rank)}},
        }

    def get_label(self, claim) -> str:
        return field_label(self.record_model or claim.content_type.model_class(), claim.field)

    def validate(self, attrs):
        require(self, attrs, "field", "value", "citations")
        is_range = attrs.get("certainty", Certainty.EXACT) == Certainty.RANGE
        if is_range and not attrs.get("upper"):
            raise serializers.ValidationError({"upper": ["A range needs its upper bound."]})
        if attrs.get("upper") and not is_range:
            raise serializers.ValidationError(
                {"upper": ["Only a range has an upper bound: give certainty range, or no upper."]}
            )
        return attrs


@functools.cache
def claim_serializer(model) -> type[ClaimSerializer]:
    """The claims of `model`: `field` names one of the values a source can be cited for."""
    names = claimable_fields(model)
    field = serializers.ChoiceField(
        choices=names,
        help_text="The value of the record this claim states (the field's name).",
        error_messages={
            "invalid_choice": (
                f'"{{input}}" is not a value of this record a source can be cited for; use '
                f"one of: {', '.join(names)}."
            )
        },
    )
    attrs = {"__module__": __name__, "__doc__": ClaimSerializer.__doc__, "record_model": model}
    return type(f"{model.__name__}ClaimSerializer", (ClaimSerializer,), attrs | {"field": field})


class ApiClaimWriter(ClaimWriter):
    """The dataset's ClaimWriter, with the API's texts: a `reason` is written in the request's
    language only (spec.reason holds its column), the other translations are kept."""

    def save_claim(self, content_type, name, value, spec):
        values = {"upper": spec.upper, "certainty": spec.certainty, "rank": spec.rank}
        return store_claim(self.record, content_type, name, value, values | spec.reason)


def write_claims(record, claims: list[dict], *, user) -> None:
    """Replace the claims of `record`, and their citations, by `claims` (as ClaimSerializer
    validated them). The citations of the whole record stay, and so do those of a kept claim
    whose source the user may not see: they could not list them."""
    content_type = ContentType.objects.get_for_model(type(record))
    kept_citations = set()

    def cite(item, where, claim):
        rows = {"content_type": content_type, "object_id": record.pk, "claim": claim}
        citation = Citation.objects.filter(**rows, source=item["source"]).first() or Citation(
            **rows, source=item["source"]
        )
        texts = {"locator": item.get("locator", ""), "excerpt": item.get("excerpt", "")}
        if citation.pk is None or any(
            getattr(citation, key) != text for key, text in texts.items()
        ):
            for key, text in texts.items():
                setattr(citation, key, text)
            citation.save()
        kept_citations.add(citation.pk)

    specs = [
        ClaimSpec(
            field=item["field"],
            value=item["value"],
            upper=item.get("upper", ""),
            certainty=item.get("certainty", Certainty.EXACT),
            rank=item.get("rank", Rank.PREFERRED),
            reason={key: text for key, text in item.items() if key in REASON_COLUMNS},
            sources=item["citations"],
        )
        for item in claims
    ]
    kept_claims = ApiClaimWriter(record, cite, "claims").write(specs)
    hidden = ~Q(source__in=Source.objects.visible_to(user))
    kept_citations.update(
        Citation.objects.filter(content_type=content_type, object_id=record.pk)
        .filter(Q(claim=None) | Q(hidden, claim__in=kept_claims))
        .values_list("pk", flat=True)
    )
    forget_others(record, kept_claims, kept_citations)


class FactFields(serializers.Serializer):
    """Uncertainty, claims and citations, shared by every fact-bearing record."""

    uncertainty = StrictCharField(required=False, allow_blank=True, max_length=300)
    citations = CitationSerializer(
        many=True,
        read_only=True,
        help_text="Every citation of the record; one naming a `claim` backs that value only "
        "(write it under `claims`).",
    )
    claims = ClaimSerializer(
        many=True,
        required=False,
        help_text="The record's values as their sources state them. Writing `claims` replaces "
        "them all, with their citations: values listed are created or updated (keyed on field "
        "and value), values not listed are deleted. Leave it out to keep them as they are.",
    )

    def get_fields(self):
        fields = super().get_fields()
        if "claims" in fields:
            declared = fields["claims"]
            fields["claims"] = claim_serializer(self.Meta.model)(
                many=True,
                required=False,
                read_only=declared.read_only,
                help_text=declared.help_text,
            )
        return fields

    def create(self, validated_data):
        claims = validated_data.pop("claims", None)
        with transaction.atomic():
            record = super().create(validated_data)
            self.write_claims(record, claims)
        return record

    def update(self, instance, validated_data):
        claims = validated_data.pop("claims", None)
        with transaction.atomic():
            record = super().update(instance, validated_data)
            self.write_claims(record, claims)
        return record

    def write_claims(self, record, claims):
        if claims is None:
            return
        request = self.context.get("request")
        try:
            write_claims(record, claims, user=getattr(request, "user", None))
        except ClaimSpecError as error:
            raise serializers.ValidationError({"claims": [str(error)]}) from error
        except DjangoValidationError as error:
            raise serializers.ValidationError({"claims": error.messages}) from error
