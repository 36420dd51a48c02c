"""Filter sets of the API lists. A malformed value is a 400 naming the parameter; an unknown
slug or code simply matches nothing."""

import django_filters as filters
from django import forms
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone
from django.utils.translation import gettext as _
from django_filters.constants import EMPTY_VALUES
from drf_spectacular.utils import extend_schema_field
from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter, SearchFilter

from ..claims import approximate, disputed
from ..models import (
    Activity,
    Agreement,
    AgreementKind,
    Article,
    Country,
    Event,
    Membership,
    Order,
    OrderShare,
    Organization,
    OrganizationKind,
    Partnership,
    Person,
    Programme,
    Quote,
    Source,
    System,
    SystemCategory,
    Tag,
)
from ..models.base import can_view_unpublished
from ..models.i18n import (
    REFERENCE_LANGUAGE,
    Localizable,
    active_language,
    column,
    with_translations,
)
from ..visibility import link_visible


class StrictOrderingFilter(OrderingFilter):
    """`ordering` on a field the list cannot be sorted by is a 400, not silently ignored."""

    def get_schema_operation_parameters(self, view):
        fields = list(getattr(view, "ordering_fields", None) or [])
        return [
            {
                "name": self.ordering_param,
                "required": False,
                "in": "query",
                "description": "Sort by this field; prefix with - for descending order.",
                "schema": {"type": "string", "enum": [*fields, *(f"-{field}" for field in fields)]},
            }
        ]

    def get_ordering(self, request, queryset, view):
        params = request.query_params.get(self.ordering_param)
        if params is not None and not params.strip():
            raise ValidationError({self.ordering_param: [_("Give a field to sort by.")]})
        if params:
            fields = [param.strip() for param in params.split(",") if param.strip()]
            valid = {
                name for name, _label in self.get_valid_fields(queryset, view, {"request": request})
            }
            unknown = [field for field in fields if field.lstrip("-") not in valid]
            if unknown:
                raise ValidationError(
                    {
                        self.ordering_param: [
                            _("Cannot sort by %(fields)s; use one of: %(valid)s.")
                            % {"fields": ", ".join(unknown), "valid": ", ".join(sorted(valid))}
                        ]
                    }
                )
        return super().get_ordering(request, queryset, view)

    def filter_queryset(self, request, queryset, view):
        """Sorted as asked, or as the list sorts by default, with a translated text (a name)
        sorted in the language asked for (a text not translated sorts by its French)."""
        ordering = self.get_ordering(request, queryset, view) or queryset.query.order_by
        ordering = ordering or queryset.model._meta.ordering
        if not ordering:
            return queryset
        return queryset.order_by(*(localized(queryset.model, term) for term in ordering))


def localized(model, term):
    """The ordering `term` ("name", "-name") on the active language's column of a translated
    field; any other term as it is."""
    if not isinstance(term, str):
        return term
    name = term.lstrip("-")
    language = active_language()
    if (
        language == REFERENCE_LANGUAGE
        or not issubclass(model, Localizable)
        or name not in model.translated_fields()
    ):
        return term
    expression = Coalesce(NullIf(F(column(name, language)), Value("")), F(name))
    return expression.desc() if term.startswith("-") else expression.asc()


class IntegerFilter(filters.NumberFilter):
    field_class = forms.IntegerField


@extend_schema_field({"type": "integer", "minimum": 1000, "maximum": 9999})
class YearFilter(IntegerFilter):
    def __init__(self, **kwargs):
        super().__init__(min_value=1000, max_value=9999, **kwargs)


@extend_schema_field({"type": "integer", "minimum": 0, "maximum": 2**31 - 1})
class QuantityFilter(IntegerFilter):
    def __init__(self, **kwargs):
        super().__init__(min_value=0, max_value=2**31 - 1, **kwargs)


def year_filter(**kwargs):
    return YearFilter(**kwargs)


class StrictFilterSet(filters.FilterSet):
    """A typed parameter given empty (`?year=`) is refused rather than ignored."""

    def is_valid(self):
        valid = super().is_valid()
        for name, value in self.data.items():
            field = self.filters.get(name)
            if value == "" and field is not None and not isinstance(field, filters.CharFilter):
                self.form.add_error(name, _("This parameter cannot be empty."))
                valid = False
        return valid


def true_or_false(method, help_text):
    return filters.ChoiceFilter(
        choices=[("true", "true"), ("false", "false")], method=method, help_text=help_text
    )


class FactFilterSet(StrictFilterSet):
    """Filters every fact-bearing list shares, read from the records' claims."""

    disputed = true_or_false(
        "filter_disputed",
        "true: only records whose sources disagree (a value with a claim competing with the "
        "preferred one); false: only the others.",
    )
    estimate = true_or_false(
        "filter_estimate",
        "true: only records with a value preferred as an estimate, a range or a bound; false: "
        "only the others.",
    )

    @staticmethod
    def matching(queryset, condition, value):
        return queryset.filter(condition if value == "true" else ~condition)

    # The same definitions as the pages' and the admin's (partnership.claims).
    def filter_disputed(self, queryset, name, value):
        return self.matching(queryset, disputed(queryset.model), value)

    def filter_estimate(self, queryset, name, value):
        return self.matching(queryset, approximate(queryset.model), value)


def through_visible(filterset, queryset, condition, *lookups):
    """`condition` on links, for readers only through records they may see (never through a
    draft organization or an unpublished country)."""
    user = getattr(getattr(filterset, "request", None), "user", None)
    if not can_view_unpublished(user, queryset.model):
        now = timezone.now()
        for lookup in lookups:
            condition &= link_visible(lookup, queryset.model, now=now)
    return condition


class LinkFilter(filters.CharFilter):
    """A filter on a linked record's slug or code, matching through visible records only."""

    def filter(self, qs, value):
        if value in EMPTY_VALUES:
            return qs
        condition = Q(**{f"{self.field_name}__{self.lookup_expr}": value})
        qs = qs.filter(through_visible(self.parent, qs, condition, self.field_name))
        return qs.distinct() if self.distinct else qs


class InPartnershipFilter(filters.CharFilter):
    """`?partnership=<slug>`: only the records of that partnership, whether they name it or
    are in it through their links (partnership.scope); readers only through records they may
    see. An unknown slug matches nothing, as the other slug filters do."""

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "help_text",
            "Slug of a partnership, e.g. camo: only the records that belong to it, directly or "
            "through their links.",
        )
        super().__init__(**kwargs)

    def filter(self, qs, value):
        if value in EMPTY_VALUES:
            return qs
        user = getattr(getattr(self.parent, "request", None), "user", None)
        return qs.in_partnership(value, readers=not can_view_unpublished(user, qs.model))


def in_partnership(**kwargs):
    return InPartnershipFilter(**kwargs)


def code(field_name, **kwargs):
    return LinkFilter(field_name=field_name, lookup_expr="iexact", **kwargs)


def slug(field_name, **kwargs):
    return LinkFilter(field_name=field_name, **kwargs)


def term(vocabulary, field_name=None, *, listed_at: str):
    """A vocabulary term, named by its code (the column holds the code). Vocabularies are open
    lists curators extend: an unknown code matches nothing, as an unknown slug does."""
    return filters.CharFilter(
        field_name=field_name,
        lookup_expr="exact",
        help_text=f"Code of a term listed at /api/v1/{listed_at}/.",
    )


class CountryFilter(StrictFilterSet):
    partnership = in_partnership(
        help_text="Slug of a partnership: its members, the parties to its agreements and the "
        "buyers of its orders."
    )

    class Meta:
        model = Country
        fields = []


class TagFilter(StrictFilterSet):
    class Meta:
        model = Tag
        fields = []


def vocabulary_filter(vocabulary):
    return type(
        f"{vocabulary.__name__}Filter",
        (StrictFilterSet,),
        {"Meta": type("Meta", (), {"model": vocabulary, "fields": []})},
    )


class SourceFilter(StrictFilterSet):
    kind = filters.ChoiceFilter(choices=Source.Kind.choices)
    language = filters.CharFilter()
    publisher = filters.CharFilter(lookup_expr="icontains")
    published_after = filters.DateFilter(field_name="published_on", lookup_expr="gte")
    published_before = filters.DateFilter(field_name="published_on", lookup_expr="lte")

    class Meta:
        model = Source
        fields = []


class OrganizationFilter(FactFilterSet):
    kind = term(OrganizationKind, listed_at="organization-kinds")
    country = code("country__code", help_text="ISO country code, e.g. BE.")
    parent = slug("parent__slug", help_text="Slug of the parent organization.")
    partnership = in_partnership(
        help_text="Slug of a partnership: organizations taking part in its activities, leading "
        "its programmes, placing, supplying or receiving its orders."
    )

    class Meta:
        model = Organization
        fields = []


class PersonFilter(FactFilterSet):
    country = code("country__code", help_text="ISO country code, e.g. BE.")
    organization = slug(
        "appointments__organization__slug",
        distinct=True,
        help_text="Slug of an organization the person held a post in.",
    )
    partnership = in_partnership(
        help_text="Slug of a partnership: people with a post in one of its organizations, "
        "signatories of its agreements, quoted about it, or commanding in its activities."
    )

    class Meta:
        model = Person
        fields = []


class PartnershipFilter(FactFilterSet):
    country = code(
        "memberships__country__code", distinct=True, help_text="ISO code of a member country."
    )
    organization = slug(
        "memberships__organization__slug",
        distinct=True,
        help_text="Slug of a member organization.",
    )

    class Meta:
        model = Partnership
        fields = []


class MembershipFilter(FactFilterSet):
    partnership = slug("partnership__slug")
    country = code("country__code", help_text="ISO country code, e.g. LU.")
    organization = slug("organization__slug", help_text="Slug of a member organization.")
    role = filters.ChoiceFilter(choices=Membership.Role.choices)

    class Meta:
        model = Membership
        fields = []


class AgreementFilter(FactFilterSet):
    partnership = slug("partnership__slug")
    kind = term(AgreementKind, listed_at="agreement-kinds")
    country = code("parties__code", distinct=True, help_text="ISO code of a party.")
    organization = slug(
        "organization_parties__slug",
        distinct=True,
        help_text="Slug of an organization party to it.",
    )
    signed_after = filters.DateFilter(field_name="signed_on", lookup_expr="gte")
    signed_before = filters.DateFilter(field_name="signed_on", lookup_expr="lte")

    class Meta:
        model = Agreement
        fields = []


class ProgrammeFilter(FactFilterSet):
    country = code(
        "participants__country__code",
        distinct=True,
        help_text="ISO code of a participating country.",
    )
    partnership = in_partnership()

    class Meta:
        model = Programme
        fields = []


class SystemFilter(FactFilterSet):
    category = term(SystemCategory, listed_at="system-categories")
    programme = slug("programme__slug")
    manufacturer = slug("manufacturers__slug", distinct=True, help_text="Slug of a manufacturer.")
    partnership = in_partnership(
        help_text="Slug of a partnership: systems of its programmes or of its orders."
    )

    class Meta:
        model = System
        fields = []


class OrderFilter(FactFilterSet):
    country = filters.CharFilter(
        method="filter_country",
        help_text="ISO code of a country the order is for: its buyer, or a country holding a "
        "share of a pooled order, e.g. BE.",
    )
    buying_organization = slug(
        "buying_organization__slug",
        help_text="Slug of the organization buying on behalf of others, e.g. occar.",
    )
    system = slug("system__slug")
    category = term(SystemCategory, "system__category", listed_at="system-categories")
    agreement = slug("agreement__slug")
    status = filters.ChoiceFilter(field_name="order_status", choices=Order.Status.choices)
    ordered_after = filters.DateFilter(field_name="ordered_on", lookup_expr="gte")
    ordered_before = filters.DateFilter(field_name="ordered_on", lookup_expr="lte")
    min_quantity = QuantityFilter(field_name="quantity", lookup_expr="gte")
    partnership = in_partnership(
        help_text="Slug of a partnership: orders attached to it or under one of its agreements."
    )

    class Meta:
        model = Order
        fields = []

    def filter_country(self, queryset, name, value):
        user = getattr(self.request, "user", None)
        shares = OrderShare.objects.visible_to(user).filter(country__code__iexact=value)
        bought = through_visible(self, queryset, Q(buyer__code__iexact=value), "buyer__code")
        return queryset.filter(bought | Q(pk__in=shares.values("order")))


class ActivityFilter(FactFilterSet):
    kind = filters.ChoiceFilter(choices=Activity.Kind.choices)
    country = filters.CharFilter(
        method="filter_country", help_text="ISO code of the host or of a participant."
    )
    year = year_filter(method="filter_year", help_text="Activities under way during that year.")
    parent = slug("parent__slug", help_text="Slug of the series or operation.")
    start_after = filters.DateFilter(field_name="start", lookup_expr="gte")
    start_before = filters.DateFilter(field_name="start", lookup_expr="lte")
    partnership = in_partnership()

    class Meta:
        model = Activity
        fields = []

    def filter_country(self, queryset, name, value):
        user = getattr(self.request, "user", None)
        return queryset.in_country(value, readers=not can_view_unpublished(user, Activity))

    def filter_year(self, queryset, name, value):
        year = int(value)
        return queryset.filter(start__year__lte=year).filter(
            Q(end__year__gte=year) | Q(end=None, start__year=year)
        )


class QuoteFilter(FactFilterSet):
    person = slug("person__slug")
    article = slug("article__slug")
    language = filters.CharFilter()
    partnership = in_partnership()

    class Meta:
        model = Quote
        fields = []


class ArticleFilter(FactFilterSet):
    tag = slug("tags__slug", distinct=True)
    year = year_filter(field_name="published_on", lookup_expr="year")
    language = filters.CharFilter()
    published_after = filters.DateFilter(field_name="published_on", lookup_expr="gte")
    published_before = filters.DateFilter(field_name="published_on", lookup_expr="lte")
    partnership = in_partnership()

    class Meta:
        model = Article
        fields = []


class EventFilter(FactFilterSet):
    kind = filters.ChoiceFilter(choices=Event.Kind.choices)
    country = code("countries__code", distinct=True, help_text="ISO code of a country concerned.")
    partnership = in_partnership()
    date_after = filters.DateFilter(field_name="date", lookup_expr="gte")
    date_before = filters.DateFilter(field_name="date", lookup_expr="lte")

    class Meta:
        model = Event
        fields = []


class TranslatedSearchFilter(SearchFilter):
    """`?search=` finds a record by its text in any language, not only the French."""

    def get_search_fields(self, view, request):
        fields = super().get_search_fields(view, request)
        if not fields:
            return fields
        return with_translations(view.get_queryset().model, fields)
