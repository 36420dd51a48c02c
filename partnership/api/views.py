"""API views: one viewset per public record type, built on the models' visibility querysets."""

from django.contrib.admin.models import DELETION, LogEntry
from django.contrib.contenttypes.prefetch import GenericPrefetch
from django.db.models import Max, Prefetch, ProtectedError, RestrictedError
from django.http import Http404
from django.utils import translation
from django.utils.http import http_date
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.exceptions import MethodNotAllowed, NotAcceptable, ValidationError
from rest_framework.permissions import (
    AllowAny,
    DjangoModelPermissionsOrAnonReadOnly,
)
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import comments, timeline
from ..figures import with_progress
from ..models import (
    AgreementKind,
    Appointment,
    Article,
    ArticleLink,
    Citation,
    Claim,
    Country,
    Delivery,
    Fact,
    Membership,
    Order,
    OrderShare,
    Organization,
    OrganizationKind,
    Participation,
    Partnership,
    Person,
    ProgrammeParticipant,
    Proposal,
    Publishable,
    SiteSettings,
    Source,
    Status,
    SystemCategory,
    Tag,
    Variant,
)
from ..models.i18n import LANGUAGE_CODES
from ..review import ReviewGate
from ..sourcing import SourcingError
from ..visibility import generic_targets
from . import (
    filters,
    schema,  # noqa: F401  (registers the schema's extensions with drf-spectacular)
    serializers,
)
from .errors import StillReferenced, Withdrawn
from .freshness import FreshAnswers
from .ownership import OwnsTheDraft
from .renderers import CSVRenderer, csv_columns


def proposal_payload(request, proposal) -> dict:
    return {
        "detail": (
            "Accepted for review: this record is published, and your account may not publish "
            "it, so the change was kept as a proposal for an Editor. Readers keep seeing the "
            "published version until it is published."
        ),
        "proposal": {
            "id": proposal.pk,
            "state": proposal.state,
            "record": proposal.object_repr,
            "review_url": request.build_absolute_uri(proposal.get_absolute_url()),
        },
    }


def citations_for(user):
    """The citations of a record the user may see (their source visible), with the value each
    backs; and the record's claims with their own citations."""
    visible = Citation.objects.filter(source__in=Source.objects.visible_to(user))
    return (
        Prefetch("citations", visible.select_related("source", "claim")),
        Prefetch(
            "claims",
            Claim.objects.select_related("content_type").prefetch_related(
                Prefetch("citations", visible.select_related("source"))
            ),
        ),
    )


class HttpMixin(FreshAnswers):
    """Errors always in JSON; Last-Modified, Cache-Control and Vary on successful reads;
    anonymous reads cached until the content changes (FreshAnswers)."""

    last_modified = None
    max_parameter_length = 100
    parameters: frozenset = frozenset()

    def allowed_parameters(self) -> set[str]:
        return {"format", "lang", *self.parameters}

    def initial(self, request, *args, **kwargs):
        method = request.method.lower()
        if method not in self.http_method_names or getattr(self, method, None) is None:
            # Before the format is negotiated: a method that does not apply is a 405 whatever
            # the ?format= or Accept header says.
            raise MethodNotAllowed(request.method)
        # ?lang= chooses the language of texts and messages; without it, Accept-Language does
        # (LocaleMiddleware), and French, the reference language, is the default.
        language = request.query_params.get("lang")
        if language in LANGUAGE_CODES:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        super().initial(request, *args, **kwargs)
        if language is not None and language not in LANGUAGE_CODES:
            raise ValidationError(
                {
                    "lang": [
                        _("Unknown language; use one of: %(codes)s.")
                        % {"codes": ", ".join(LANGUAGE_CODES)}
                    ]
                }
            )
        unknown = sorted(set(request.query_params) - self.allowed_parameters())
        if unknown:
            allowed = ", ".join(sorted(self.allowed_parameters()))
            raise ValidationError(
                {
                    name: [
                        _("Unknown parameter; this URL accepts: %(names)s.") % {"names": allowed}
                    ]
                    for name in unknown
                }
            )
        if "format" in request.query_params:
            formats = {renderer.format for renderer in self.get_renderers()}
            if request.query_params["format"] not in formats:
                raise NotAcceptable(
                    _("format must be one of: %(formats)s.")
                    % {"formats": ", ".join(sorted(formats))}
                )
        for name, values in request.query_params.lists():
            for value in values:
                if len(value) > self.max_parameter_length or "\x00" in value:
                    raise ValidationError(
                        {
                            name: [
                                _("At most %(count)s characters, no NUL character.")
                                % {"count": self.max_parameter_length}
                            ]
                        }
                    )

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if response.status_code >= 400:
            response.accepted_renderer = JSONRenderer()
            response.accepted_media_type = "application/json"
            response["Content-Type"] = "application/json"
        elif request.method in ("GET", "HEAD"):
            if self.last_modified:
                response["Last-Modified"] = http_date(self.last_modified.timestamp())
            if request.user.is_authenticated:
                response["Cache-Control"] = "private, no-cache"
            else:
                response["Cache-Control"] = "public, max-age=60"
            response["Vary"] = "Accept, Accept-Language, Authorization, Cookie, Origin"
        return response


class RecordViewSet(HttpMixin, viewsets.ModelViewSet):
    """Common behaviour: visibility, citations prefetched, CSV for lists.

    Every write runs in a review gate: a change to what readers see by someone who may not
    publish it is kept as a proposal for an Editor (202 Accepted), and readers keep the live
    record meanwhile."""

    permission_classes = [DjangoModelPermissionsOrAnonReadOnly, OwnsTheDraft]

    lookup_field = "slug"
    # What a slug may hold (Django's SlugField): any other address is a 404 before the database
    # sees it (PostgreSQL refuses a NUL in a query).
    lookup_value_regex = r"[-a-zA-Z0-9_]+"
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]
    related: tuple = ()
    prefetch: tuple = ()
    # Child rows shown inside each record: {relation: (model, related fields to join)}.
    nested: dict = {}

    def get_queryset(self):
        model = self.serializer_class.Meta.model
        queryset = model.objects.visible_to(self.request.user)
        if self.related:
            queryset = queryset.select_related(*self.related)
        if self.prefetch:
            queryset = queryset.prefetch_related(*self.prefetch)
        if hasattr(model, "partnerships"):
            partnerships = Partnership.objects.visible_to(self.request.user)
            queryset = queryset.prefetch_related(Prefetch("partnerships", partnerships))
        if issubclass(model, Fact):
            queryset = queryset.prefetch_related(*citations_for(self.request.user))
        elif hasattr(model, "citations"):
            queryset = queryset.prefetch_related(citations_for(self.request.user)[0])
        for relation, (child, joined) in self.nested.items():
            queryset = queryset.prefetch_related(Prefetch(relation, self.children(child, *joined)))
        return queryset.order_by(*model._meta.ordering, "pk")

    def children(self, model, *related, **filters):
        """A Prefetch of child rows the user may see, with their own citations."""
        queryset = model.objects.visible_to(self.request.user).filter(**filters)
        if related:
            queryset = queryset.select_related(*related)
        return queryset.prefetch_related(*citations_for(self.request.user))

    def allowed_parameters(self):
        if self.action != "list":
            return super().allowed_parameters()
        filters_ = set(self.filterset_class.base_filters) if self.filterset_class else set()
        return {*super().allowed_parameters(), *filters_, "search", "ordering", "page", "page_size"}

    def create(self, request, *args, **kwargs):
        return self.reviewed(request, "created_api", super().create, *args, **kwargs)

    def update(self, request, *args, **kwargs):
        return self.reviewed(request, "changed_api", super().update, *args, **kwargs)

    def destroy(self, request, *args, **kwargs):
        return self.reviewed(request, "deleted_api", super().destroy, *args, **kwargs)

    def reviewed(self, request, key, write, *args, **kwargs):
        gate = ReviewGate(request.user, route=Proposal.Route.API, comment=comments.comment(key))
        try:
            with gate:
                response = write(request, *args, **kwargs)
        except SourcingError as error:
            raise ValidationError({"sources": [str(error)]}) from error
        except (ProtectedError, RestrictedError) as error:
            raise StillReferenced.by(error) from error
        if gate.proposals:
            return Response(proposal_payload(request, gate.proposals[0]), status=202)
        return response

    def perform_create(self, serializer):
        super().perform_create(serializer)
        self.reload(serializer)

    def perform_update(self, serializer):
        super().perform_update(serializer)
        self.reload(serializer)

    def reload(self, serializer):
        """Answer with the record as stored, read as a GET reads it: claims and citations
        written with it, values the database computes."""
        stored = self.get_queryset().filter(pk=serializer.instance.pk).first()
        if stored is not None:
            serializer.instance = stored

    def perform_destroy(self, instance):
        # Deletions go to the admin's log too, so the editor's desk shows who deleted what.
        LogEntry.objects.log_actions(
            self.request.user.pk, [instance], DELETION, "Deleted through the API"
        )
        super().perform_destroy(instance)

    def get_renderers(self):
        # Lists export CSV too. (An unrouted method has no action: it must reach its 405.)
        if self.action in ("list", None):
            return [JSONRenderer(), CSVRenderer()]
        return [JSONRenderer()]

    def paginate_queryset(self, queryset):
        paging = {"page", "page_size"} & set(self.request.query_params)
        if isinstance(getattr(self.request, "accepted_renderer", None), CSVRenderer) and not paging:
            return None  # CSV exports every matching row unless a page is asked for
        return super().paginate_queryset(queryset)

    def get_renderer_context(self):
        context = super().get_renderer_context()
        if self.action == "list":
            context["csv_columns"] = csv_columns(self.get_serializer())
        return context

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        if "updated_at" in {field.name for field in queryset.model._meta.fields}:
            self.last_modified = queryset.order_by().aggregate(latest=Max("updated_at"))["latest"]
        return super().list(request, *args, **kwargs)

    def retrieve(self, request, *args, **kwargs):
        try:
            instance = self.get_object()
        except Http404:
            raise self.tombstone(kwargs.get(self.lookup_field)) or Http404 from None
        self.last_modified = getattr(instance, "updated_at", None)
        return Response(self.get_serializer(instance).data)

    def tombstone(self, key):
        """A Withdrawn (410) for a record that was published and then withdrawn: what readers
        saw is gone, and they are told why and since when. None for any other missing record."""
        model = self.serializer_class.Meta.model
        if not issubclass(model, Publishable) or key is None:
            return None
        found = (
            model.objects.filter(**{self.lookup_field: key}, status=Status.WITHDRAWN)
            .values("withdrawn_reason", "withdrawn_at")
            .first()
        )
        return Withdrawn(**found) if found else None


class CountryViewSet(RecordViewSet):
    serializer_class = serializers.CountrySerializer
    filterset_class = filters.CountryFilter
    search_fields = ["name", "code"]
    ordering_fields = ["name", "code"]


class TagViewSet(RecordViewSet):
    serializer_class = serializers.TagSerializer
    filterset_class = filters.TagFilter
    search_fields = ["name"]
    ordering_fields = ["name", "slug"]

    def get_queryset(self):
        return Tag.objects.visible_to(self.request.user)


class VocabularyViewSet(RecordViewSet):
    """Terms of a vocabulary, always public; Editors add, change and delete them. A term still
    used by a record cannot be deleted (409, naming the records)."""

    lookup_field = "code"
    search_fields = ["code", "name", "description"]
    ordering_fields = ["position", "code", "name", "updated_at"]

    def get_queryset(self):
        model = self.serializer_class.Meta.model
        return model.objects.order_by(*model._meta.ordering, "pk")


class AgreementKindViewSet(VocabularyViewSet):
    serializer_class = serializers.AgreementKindSerializer
    filterset_class = filters.vocabulary_filter(AgreementKind)


class SystemCategoryViewSet(VocabularyViewSet):
    serializer_class = serializers.SystemCategorySerializer
    filterset_class = filters.vocabulary_filter(SystemCategory)


class OrganizationKindViewSet(VocabularyViewSet):
    serializer_class = serializers.OrganizationKindSerializer
    filterset_class = filters.vocabulary_filter(OrganizationKind)


class SourceViewSet(RecordViewSet):
    serializer_class = serializers.SourceSerializer
    filterset_class = filters.SourceFilter
    search_fields = ["title", "publisher", "url"]
    ordering_fields = ["publisher", "title", "published_on", "updated_at"]


class OrganizationViewSet(RecordViewSet):
    serializer_class = serializers.OrganizationSerializer
    filterset_class = filters.OrganizationFilter
    related = ("country", "parent", "kind")
    search_fields = ["name", "short_name", "location", "summary"]
    ordering_fields = ["name", "founded_on", "updated_at"]


class PersonViewSet(RecordViewSet):
    serializer_class = serializers.PersonSerializer
    filterset_class = filters.PersonFilter
    related = ("country",)
    search_fields = ["name", "rank", "summary"]
    ordering_fields = ["name", "updated_at"]
    nested = {"appointments": (Appointment, ("organization",))}


class PartnershipViewSet(RecordViewSet):
    serializer_class = serializers.PartnershipSerializer
    filterset_class = filters.PartnershipFilter
    search_fields = ["name", "acronym", "summary"]
    ordering_fields = ["name", "updated_at"]
    nested = {"memberships": (Membership, ("partnership", "country", "organization", "through"))}


class MembershipViewSet(RecordViewSet):
    serializer_class = serializers.MembershipSerializer
    filterset_class = filters.MembershipFilter
    lookup_field = "pk"
    lookup_value_regex = r"[0-9]+"
    related = ("partnership", "country", "organization", "through")
    search_fields = ["country__name", "organization__name", "partnership__name"]
    ordering_fields = ["since", "id"]


class AgreementViewSet(RecordViewSet):
    serializer_class = serializers.AgreementSerializer
    filterset_class = filters.AgreementFilter
    related = ("partnership", "parent", "kind")
    search_fields = ["title", "short_title", "official_title", "summary"]
    ordering_fields = ["signed_on", "in_force_on", "title", "updated_at"]

    def get_queryset(self):
        user = self.request.user
        return (
            super()
            .get_queryset()
            .prefetch_related(
                Prefetch("signatories", Person.objects.visible_to(user)),
                Prefetch("parties", Country.objects.visible_to(user)),
                Prefetch("organization_parties", Organization.objects.visible_to(user)),
                Prefetch(
                    "orders",
                    Order.objects.visible_to(user)
                    .select_related("buyer", "buying_organization", "system")
                    .order_by("ordered_on", "pk"),
                ),
            )
        )


class ProgrammeViewSet(RecordViewSet):
    serializer_class = serializers.ProgrammeSerializer
    filterset_class = filters.ProgrammeFilter
    related = ("lead_organization",)
    search_fields = ["name", "summary"]
    ordering_fields = ["name", "launched_on", "updated_at"]
    nested = {"participants": (ProgrammeParticipant, ("country",))}


class SystemViewSet(RecordViewSet):
    serializer_class = serializers.SystemSerializer
    filterset_class = filters.SystemFilter
    related = ("programme", "category")
    search_fields = ["name", "designation", "role", "summary"]
    ordering_fields = ["name", "category", "updated_at"]
    nested = {"variants": (Variant, ())}

    def get_queryset(self):
        user = self.request.user
        return (
            super()
            .get_queryset()
            .prefetch_related(
                Prefetch("manufacturers", Organization.objects.visible_to(user)),
            )
        )


class OrderViewSet(RecordViewSet):
    serializer_class = serializers.OrderSerializer
    filterset_class = filters.OrderFilter
    related = (
        "buyer",
        "buying_organization",
        "system",
        "variant",
        "agreement",
        "contracting_authority",
        "supplier",
    )
    search_fields = ["slug", "system__name", "buyer__name", "buying_organization__name", "summary"]
    ordering_fields = ["ordered_on", "quantity", "updated_at"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema needs no database
            return Order.objects.none()
        deliveries = self.children(Delivery, "recipient").order_by("delivered_on")
        shares = self.children(OrderShare, "country", "organization")
        return with_progress(super().get_queryset()).prefetch_related(
            Prefetch("shares", shares), Prefetch("deliveries", deliveries)
        )


class ActivityViewSet(RecordViewSet):
    serializer_class = serializers.ActivitySerializer
    filterset_class = filters.ActivityFilter
    related = ("parent", "place__country", "country")
    search_fields = ["name", "edition", "location", "summary"]
    ordering_fields = ["start", "name", "updated_at"]
    nested = {"participations": (Participation, ("organization", "country", "commander"))}


class QuoteViewSet(RecordViewSet):
    serializer_class = serializers.QuoteSerializer
    filterset_class = filters.QuoteFilter
    related = ("person", "article")
    search_fields = ["text", "occasion", "person__name"]
    ordering_fields = ["said_on", "updated_at"]


class ArticleViewSet(RecordViewSet):
    serializer_class = serializers.ArticleSerializer
    filterset_class = filters.ArticleFilter
    search_fields = ["title", "standfirst", "body"]
    ordering_fields = ["published_on", "title", "updated_at"]

    def get_queryset(self):
        user = self.request.user
        links = ArticleLink.objects.select_related("content_type").prefetch_related(
            GenericPrefetch("target", generic_targets(user))
        )
        return (
            super()
            .get_queryset()
            .prefetch_related(
                "tags",
                Prefetch("related", Article.objects.visible_to(user)),
                Prefetch("links", links),
            )
        )


class EventViewSet(RecordViewSet):
    serializer_class = serializers.EventSerializer
    filterset_class = filters.EventFilter
    related = ("place__country",)
    search_fields = ["title", "summary"]
    ordering_fields = ["date", "title", "updated_at"]

    def get_queryset(self):
        countries = Country.objects.visible_to(self.request.user)
        return super().get_queryset().prefetch_related(Prefetch("countries", countries))


TIMELINE_PARAMETERS = [
    OpenApiParameter(
        "kind",
        OpenApiTypes.STR,
        many=True,
        enum=list(timeline.KINDS),
        description="Kinds of fact; repeat for several.",
    ),
    OpenApiParameter(
        "country", OpenApiTypes.STR, description="ISO code of a country concerned, e.g. BE."
    ),
    OpenApiParameter(
        "partnership",
        OpenApiTypes.STR,
        description="Slug of a partnership, e.g. camo: only the facts of its records.",
    ),
]


class TimelineView(HttpMixin, APIView):
    """Every published dated fact, in order, as JSON or CSV."""

    permission_classes = [AllowAny]
    renderer_classes = [JSONRenderer, CSVRenderer]
    parameters = frozenset({"kind", "country", "partnership"})

    def entries(self, request):
        kinds = request.query_params.getlist("kind")
        unknown = [kind for kind in kinds if kind not in timeline.KINDS]
        if unknown:
            raise ValidationError(
                {
                    "kind": [
                        _("Unknown kind %(kinds)s; use: %(known)s.")
                        % {"kinds": ", ".join(unknown), "known": ", ".join(timeline.KINDS)}
                    ]
                }
            )
        code = request.query_params.get("country")
        country = Country.objects.published().filter(code__iexact=code).first() if code else None
        if code and country is None:
            return []
        slug = request.query_params.get("partnership")
        partnership = Partnership.objects.published().filter(slug=slug).first() if slug else None
        if slug and partnership is None:
            return []
        return timeline.build(kinds=kinds or None, country=country, partnership=partnership)

    @extend_schema(
        parameters=TIMELINE_PARAMETERS, responses=serializers.TimelineEntrySerializer(many=True)
    )
    def get(self, request):
        entries = self.entries(request)
        data = serializers.TimelineEntrySerializer(
            entries, many=True, context={"request": request}
        ).data
        return Response(data)


class TimelineJSView(TimelineView):
    """The timeline in TimelineJS's JSON format (https://timeline.knightlab.com)."""

    renderer_classes = [JSONRenderer]

    @extend_schema(parameters=TIMELINE_PARAMETERS, responses=OpenApiTypes.OBJECT)
    def get(self, request):
        events = []
        for entry in self.entries(request):
            when = entry.when
            start = {"year": when.value.year, "display_date": when.display()}
            if when.precision >= 3:
                start["month"] = when.value.month
            if when.precision >= 4:
                start["day"] = when.value.day
            link = request.build_absolute_uri(entry.url) if entry.url else ""
            events.append(
                {
                    "start_date": start,
                    "text": {
                        "headline": entry.title,
                        "text": f'<a href="{link}">{link}</a>' if link else "",
                    },
                    "group": str(entry.kind_label),
                    "unique_id": f"{entry.kind}-{entry.record.pk}-{when.isoformat()}",
                }
            )
        headline = str(SiteSettings.current().t.title)
        return Response({"title": {"text": {"headline": headline}}, "events": events})


EXPORTS = {
    "partnership": PartnershipViewSet,
    "membership": MembershipViewSet,
    "agreement": AgreementViewSet,
    "programme": ProgrammeViewSet,
    "system": SystemViewSet,
    "order": OrderViewSet,
    "activity": ActivityViewSet,
    "organization": OrganizationViewSet,
    "person": PersonViewSet,
    "quote": QuoteViewSet,
    "article": ArticleViewSet,
    "event": EventViewSet,
    "source": SourceViewSet,
    "country": CountryViewSet,
    "tag": TagViewSet,
    "agreement-kind": AgreementKindViewSet,
    "system-category": SystemCategoryViewSet,
    "organization-kind": OrganizationKindViewSet,
}
