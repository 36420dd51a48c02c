from django.contrib import admin
from django.contrib.contenttypes.prefetch import GenericPrefetch
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.urls import path
from django.utils.translation import gettext_lazy as _

from ..models import (
    Activity,
    Agreement,
    AgreementKind,
    Appointment,
    Article,
    ArticleLink,
    Citation,
    Claim,
    Country,
    Delivery,
    Event,
    Membership,
    Milestone,
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
    Proposal,
    Quote,
    Source,
    System,
    SystemCategory,
    Tag,
    Variant,
    check_deliveries_fit,
    check_member_periods,
    check_shares_fit,
)
from ..records import register_models
from ..resources import (
    ActivityResource,
    DeliveryResource,
    OrderResource,
    ParticipationResource,
)
from ..sourcing import fact_querysets
from . import site as _site  # noqa: F401  (registers the site settings' admin)
from . import slugs as _slugs  # noqa: F401  (registers the former slugs' admin)
from .base import FactAdmin, PublishableAdmin, PublishableFactAdmin, RecordAdmin
from .imports import ImportExportAdminMixin
from .inlines import EfficientInline
from .links import ArticleLinkFormSet, RecordLinkAdminMixin, record_autocomplete
from .proposals import ProposalAdmin
from .sources import SourceForm
from .users import StaffUserAdmin  # noqa: F401  (registers the account admin)

# Before the admin classes: VersionAdmin would otherwise register models on its own terms.
register_models()

admin.site.register(Proposal, ProposalAdmin)


@admin.register(Source)
class SourceAdmin(PublishableAdmin):
    form = SourceForm
    list_display = ["title", "publisher", "published", "language", "kind", "status"]
    list_filter = ["kind", "language", "url_incomplete"]
    search_fields = ["title", "publisher", "url", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    date_hierarchy = "published_on"


class RowOfARecordAdmin(RecordAdmin):
    """A citation or a claim: listed with the record it belongs to, fetched once per type."""

    readonly_fields = []

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .prefetch_related(GenericPrefetch("content_object", fact_querysets()))
        )

    @admin.display(description=_("record"))
    def record(self, obj):
        return obj.content_object


@admin.register(Citation)
class CitationAdmin(RowOfARecordAdmin):
    list_display = ["__str__", "content_type", "record", "locator"]
    list_filter = ["content_type"]
    list_select_related = ["source", "content_type", "claim"]
    search_fields = ["source__title", "source__publisher", "claim__value", "excerpt"]
    autocomplete_fields = ["source"]


@admin.register(Country)
class CountryAdmin(PublishableAdmin):
    list_display = ["name", "code", "status"]
    search_fields = ["name", "code"]
    prepopulated_fields = {"slug": ["name"]}


class ChildOrganizationInline(EfficientInline):
    model = Organization
    fk_name = "parent"
    fields = ["name", "short_name", "kind", "status"]
    verbose_name_plural = _("sub-organizations")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Organization)
class OrganizationAdmin(PublishableFactAdmin):
    list_display = ["name", "short_name", "kind", "country", "parent", "sources", "status"]
    list_filter = ["kind", "country"]
    list_select_related = ["country", "parent", "kind"]
    search_fields = ["name", "short_name", "slug", "location"]
    autocomplete_fields = ["country", "parent"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [ChildOrganizationInline]


class AppointmentInline(EfficientInline):
    model = Appointment
    fields = ["organization", "title", "start", "start_precision", "end", "end_precision"]
    autocomplete_fields = ["organization"]


@admin.register(Person)
class PersonAdmin(PublishableFactAdmin):
    list_display = ["name", "rank", "country", "sources", "status"]
    list_filter = ["country"]
    list_select_related = ["country"]
    search_fields = ["name", "rank", "slug"]
    autocomplete_fields = ["country"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [AppointmentInline]


@admin.register(Appointment)
class AppointmentAdmin(FactAdmin):
    list_display = ["person", "title", "organization", "started", "ended", "sources"]
    list_filter = ["organization__country"]
    list_select_related = ["person", "organization"]
    search_fields = ["person__name", "title", "organization__name"]
    autocomplete_fields = ["person", "organization"]


class RowsCheckedTogetherFormSet(BaseInlineFormSet):
    """An inline whose rows obey a rule over all of them (periods that do not overlap, shares
    that fit the order): each row's own clean() leaves the rule to the formset, which checks
    the rows as they are about to be saved, in place of the stored ones."""

    flag = ""

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        setattr(form.instance, self.flag, True)
        return form

    @property
    def empty_form(self):
        form = super().empty_form
        setattr(form.instance, self.flag, True)
        return form

    def kept_forms(self):
        return [
            form
            for form in self.forms
            if form.cleaned_data and not (self.can_delete and self._should_delete_form(form))
        ]

    def replaced(self):
        return [form.instance.pk for form in self.forms if form.instance.pk]

    def check(self, kept):
        raise NotImplementedError

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        try:
            self.check(self.kept_forms())
        except ValidationError as error:
            raise ValidationError(error.messages) from error


class MembershipFormSet(RowsCheckedTogetherFormSet):
    """Refuse periods of one member that overlap, counting the rows being added or changed."""

    flag = "_periods_checked_together"

    def check(self, kept):
        check_member_periods(
            self.instance, [form.instance for form in kept], replacing=self.replaced()
        )


class MembershipInline(EfficientInline):
    model = Membership
    formset = MembershipFormSet
    fk_name = "partnership"
    fields = [
        "country",
        "organization",
        "role",
        "through",
        "since",
        "since_precision",
        "until",
        "until_precision",
    ]
    autocomplete_fields = ["country", "organization", "through"]


@admin.register(Partnership)
class PartnershipAdmin(PublishableFactAdmin):
    list_display = ["name", "acronym", "sources", "status"]
    search_fields = ["name", "acronym"]
    prepopulated_fields = {"slug": ["acronym"]}
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(FactAdmin):
    list_display = ["member", "partnership", "role", "through", "joined", "left", "sources"]
    list_filter = ["role", "partnership"]
    list_select_related = ["country", "organization", "partnership", "through"]
    search_fields = ["country__name", "organization__name", "partnership__name"]
    autocomplete_fields = ["partnership", "country", "organization", "through"]

    @admin.display(description=_("member"), ordering="country__name")
    def member(self, obj):
        return obj.member


class TrancheInline(EfficientInline):
    model = Agreement
    fk_name = "parent"
    fields = ["title", "kind", "signed_on", "signed_on_precision", "status"]
    verbose_name_plural = _("tranches")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Agreement)
class AgreementAdmin(PublishableFactAdmin):
    list_display = [
        "title",
        "short_title",
        "kind",
        "partnership",
        "signed",
        "in_force",
        "sources",
        "status",
    ]
    list_filter = ["kind", "partnership"]
    list_select_related = ["partnership", "kind"]
    search_fields = ["title", "short_title", "official_title", "summary"]
    autocomplete_fields = [
        "partnership",
        "parent",
        "signatories",
        "parties",
        "organization_parties",
    ]
    prepopulated_fields = {"slug": ["title"]}
    date_hierarchy = "signed_on"
    inlines = [TrancheInline]


class ProgrammeParticipantInline(EfficientInline):
    model = ProgrammeParticipant
    fields = ["country", "role", "joined_on", "joined_on_precision"]
    autocomplete_fields = ["country"]


@admin.register(Programme)
class ProgrammeAdmin(PublishableFactAdmin):
    list_display = ["name", "launched", "lead_organization", "sources", "status"]
    list_filter = ["partnerships"]
    list_select_related = ["lead_organization"]
    search_fields = ["name", "summary"]
    autocomplete_fields = ["lead_organization", "partnerships"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [ProgrammeParticipantInline]


@admin.register(ProgrammeParticipant)
class ProgrammeParticipantAdmin(FactAdmin):
    list_display = ["country", "programme", "role", "joined", "sources"]
    list_filter = ["role", "programme"]
    list_select_related = ["country", "programme"]
    search_fields = ["country__name", "programme__name"]
    autocomplete_fields = ["programme", "country"]


class VariantInline(EfficientInline):
    model = Variant
    fields = ["name", "slug", "designation"]


@admin.register(System)
class SystemAdmin(PublishableFactAdmin):
    list_display = ["name", "designation", "category", "programme", "sources", "status"]
    list_filter = ["category", "programme"]
    list_select_related = ["programme", "category"]
    search_fields = ["name", "designation", "role"]
    autocomplete_fields = ["programme", "manufacturers"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [VariantInline]


@admin.register(Variant)
class VariantAdmin(FactAdmin):
    list_display = ["name", "designation", "system", "sources"]
    list_filter = ["system"]
    list_select_related = ["system"]
    search_fields = ["name", "designation", "system__name"]
    autocomplete_fields = ["system"]
    prepopulated_fields = {"slug": ["name"]}


class DeliveryFormSet(BaseInlineFormSet):
    """Refuse a set of deliveries that adds up to more than the order."""

    def clean(self):
        super().clean()
        if any(self.errors) or not self.instance.quantity:
            return
        kept = [
            form
            for form in self.forms
            if form.cleaned_data and not (self.can_delete and self._should_delete_form(form))
        ]
        removed = [form.instance.pk for form in self.forms if form.instance.pk]
        try:
            check_deliveries_fit(
                self.instance,
                [form.cleaned_data.get("quantity") for form in kept],
                replacing=removed,
            )
        except ValidationError as error:
            raise ValidationError(error.messages) from error


class OrderShareFormSet(RowsCheckedTogetherFormSet):
    """Refuse shares that add up to more than the order."""

    flag = "_shares_checked_together"

    def check(self, kept):
        if self.instance.quantity:
            check_shares_fit(
                self.instance,
                [form.cleaned_data.get("quantity") for form in kept],
                replacing=self.replaced(),
            )


class OrderShareInline(EfficientInline):
    model = OrderShare
    formset = OrderShareFormSet
    fields = ["country", "organization", "quantity", "amount"]
    autocomplete_fields = ["country", "organization"]


class DeliveryInline(EfficientInline):
    model = Delivery
    formset = DeliveryFormSet
    fields = ["delivered_on", "delivered_on_precision", "quantity", "recipient"]
    autocomplete_fields = ["recipient"]


class MilestoneInline(EfficientInline):
    model = Milestone
    fk_name = "order"
    fields = [
        "kind",
        "planned_on",
        "planned_on_precision",
        "planned_until",
        "planned_until_precision",
        "quantity",
        "met_by",
    ]
    autocomplete_fields = ["met_by"]


@admin.register(Order)
class OrderAdmin(ImportExportAdminMixin, PublishableFactAdmin):
    resource_classes = [OrderResource]
    list_display = [
        "__str__",
        "buyer",
        "buying_organization",
        "system",
        "quantity",
        "ordered",
        "order_status",
        "agreement",
        "sources",
        "status",
    ]
    list_filter = ["partnerships", "buyer", "system", "order_status", "agreement"]
    list_select_related = ["buyer", "buying_organization", "system", "agreement"]
    search_fields = ["slug", "system__name", "buyer__name", "buying_organization__name", "summary"]
    autocomplete_fields = [
        "buyer",
        "buying_organization",
        "system",
        "variant",
        "agreement",
        "contracting_authority",
        "supplier",
        "partnerships",
    ]
    date_hierarchy = "ordered_on"
    inlines = [OrderShareInline, DeliveryInline, MilestoneInline]


@admin.register(Delivery)
class DeliveryAdmin(ImportExportAdminMixin, FactAdmin):
    resource_classes = [DeliveryResource]
    list_display = ["__str__", "order", "delivered", "quantity", "recipient", "sources"]
    list_filter = ["order__buyer", "order__system"]
    list_select_related = [
        "order__buyer",
        "order__buying_organization",
        "order__system",
        "recipient",
    ]
    search_fields = ["order__slug", "order__system__name", "summary"]
    autocomplete_fields = ["order", "recipient"]
    date_hierarchy = "delivered_on"


@admin.register(OrderShare)
class OrderShareAdmin(FactAdmin):
    list_display = ["__str__", "order", "quantity", "amount", "sources"]
    list_filter = ["country", "order__system"]
    list_select_related = [
        "country",
        "organization",
        "order__buyer",
        "order__buying_organization",
        "order__system",
    ]
    search_fields = ["order__slug", "order__system__name", "country__name", "organization__name"]
    autocomplete_fields = ["order", "country", "organization"]


@admin.register(Milestone)
class MilestoneAdmin(FactAdmin):
    list_display = ["__str__", "order", "planned", "quantity", "met_by", "sources"]
    list_filter = ["kind", "order__buyer", "order__system"]
    list_select_related = [
        "order__buyer",
        "order__buying_organization",
        "order__system",
        "met_by",
    ]
    search_fields = ["order__slug", "order__system__name", "summary"]
    autocomplete_fields = ["order"]
    raw_id_fields = ["met_by"]


@admin.register(Claim)
class ClaimAdmin(RowOfARecordAdmin):
    list_display = ["__str__", "content_type", "record", "certainty", "rank"]
    list_filter = ["content_type", "certainty", "rank"]
    list_select_related = ["content_type"]
    search_fields = ["field", "value", "reason"]


@admin.register(Place)
class PlaceAdmin(RecordAdmin):
    list_display = ["name", "country", "latitude", "longitude"]
    list_filter = ["country"]
    list_select_related = ["country"]
    search_fields = ["name"]
    autocomplete_fields = ["country"]
    prepopulated_fields = {"slug": ["name"]}


class ParticipationInline(EfficientInline):
    model = Participation
    fields = ["organization", "country", "role", "strength", "description", "commander"]
    autocomplete_fields = ["organization", "country", "commander"]


@admin.register(Activity)
class ActivityAdmin(ImportExportAdminMixin, PublishableFactAdmin):
    resource_classes = [ActivityResource]
    list_display = [
        "name",
        "kind",
        "started",
        "ended",
        "place",
        "country",
        "is_cancelled",
        "sources",
        "status",
    ]
    list_filter = ["partnerships", "kind", "country", "is_cancelled"]
    list_select_related = ["place__country", "country"]
    search_fields = ["name", "edition", "location", "summary"]
    autocomplete_fields = ["parent", "place", "country", "partnerships"]
    prepopulated_fields = {"slug": ["name"]}
    date_hierarchy = "start"
    inlines = [ParticipationInline]


@admin.register(Participation)
class ParticipationAdmin(ImportExportAdminMixin, FactAdmin):
    resource_classes = [ParticipationResource]
    list_display = ["__str__", "activity", "organization", "country", "role", "strength", "sources"]
    list_filter = ["role", "country"]
    list_select_related = ["activity", "organization", "country"]
    search_fields = ["activity__name", "organization__name", "description"]
    autocomplete_fields = ["activity", "organization", "country", "commander"]


@admin.register(Quote)
class QuoteAdmin(PublishableFactAdmin):
    list_display = ["__str__", "person", "said", "language", "sources", "status"]
    list_filter = ["partnerships", "language"]
    list_select_related = ["person"]
    search_fields = ["text", "person__name", "occasion"]
    autocomplete_fields = ["person", "article", "partnerships"]


class VocabularyAdmin(RecordAdmin):
    """A vocabulary's terms: Editors add and name them; a term still in use cannot be deleted
    (the admin lists the records using it)."""

    list_display = ["name", "code", "position"]
    list_editable = ["position"]
    search_fields = ["name", "code", "description"]
    fields = [
        "code",
        "name",
        "name_nl",
        "name_en",
        "description",
        "description_nl",
        "description_en",
        "position",
    ]

    def get_readonly_fields(self, request, obj=None):
        # Records, the API and the dataset name a term by its code: it stays once saved.
        return [*super().get_readonly_fields(request, obj), *(["code"] if obj else [])]


admin.site.register(AgreementKind, VocabularyAdmin)
admin.site.register(SystemCategory, VocabularyAdmin)
admin.site.register(OrganizationKind, VocabularyAdmin)


@admin.register(Tag)
class TagAdmin(RecordAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


class ArticleLinkInline(RecordLinkAdminMixin, EfficientInline):
    model = ArticleLink
    formset = ArticleLinkFormSet
    template = "admin/partnership/articlelink/tabular.html"
    fields = ["kind", "record"]
    show_change_link = False


@admin.register(Article)
class ArticleAdmin(PublishableFactAdmin):
    list_display = ["title", "published", "language", "sources", "status"]
    list_filter = ["partnerships", "language", "tags"]
    search_fields = ["title", "standfirst", "body"]
    autocomplete_fields = ["tags", "related", "partnerships"]
    prepopulated_fields = {"slug": ["title"]}
    date_hierarchy = "published_on"
    inlines = [ArticleLinkInline]


@admin.register(ArticleLink)
class ArticleLinkAdmin(RecordLinkAdminMixin, RecordAdmin):
    list_display = ["__str__", "article", "kind", "content_type"]
    list_filter = ["kind", ("content_type", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["article", "content_type"]
    search_fields = ["article__title"]
    autocomplete_fields = ["article"]
    fields = ["article", "kind", "record"]
    readonly_fields = []

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("target")

    def get_urls(self):
        records = path(
            "records/",
            self.admin_site.admin_view(record_autocomplete),
            name="partnership_articlelink_records",
        )
        return [records, *super().get_urls()]


@admin.register(Event)
class EventAdmin(PublishableFactAdmin):
    list_display = ["title", "when", "kind", "place", "sources", "status"]
    list_filter = ["partnerships", "kind", "countries"]
    list_select_related = ["place__country"]
    search_fields = ["title", "summary"]
    autocomplete_fields = ["place", "partnerships", "countries"]
    prepopulated_fields = {"slug": ["title"]}
    date_hierarchy = "date"
