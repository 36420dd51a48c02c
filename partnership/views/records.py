"""Public pages of the records: lists and details, published records only."""

import datetime
from collections import defaultdict

from django import forms
from django.contrib.contenttypes.models import ContentType
from django.contrib.contenttypes.prefetch import GenericPrefetch
from django.db.models import Count, Prefetch, Q
from django.shortcuts import render
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from .. import records, timeline
from ..charts import delivery_chart
from ..figures import (
    Progress,
    chart_series,
    context_pairs,
    key_figures,
    orders_of,
    split_figures,
    with_progress,
    with_shares,
)
from ..members import by_member
from ..models import (
    Activity,
    Agreement,
    Appointment,
    Article,
    ArticleLink,
    Citation,
    Country,
    Delivery,
    Event,
    Membership,
    Milestone,
    Order,
    OrderShare,
    Organization,
    Participation,
    Partnership,
    Person,
    Programme,
    ProgrammeParticipant,
    Quote,
    SiteSettings,
    Source,
    System,
    SystemCategory,
    Tag,
    Variant,
)
from ..sourcing import Bibliography, claim_statement, fact_querysets, visible_citations
from ..visibility import generic_targets
from . import structured
from .common import (
    PublishedDetailView,
    PublishedListView,
    ScopedListMixin,
    YearField,
    clean_filters,
    partnership_in_scope,
    scope_context,
)


def featured_partnership(site: SiteSettings):
    """The partnership the home page presents first: the one the site's settings name, when
    readers may see it, else the first published."""
    readable = Partnership.objects.published()
    chosen = site.featured_partnership_id
    return (chosen and readable.filter(pk=chosen).first()) or readable.order_by("pk").first()


def home(request):
    site = SiteSettings.current()
    featured = featured_partnership(site)
    # The featured partnership's figures, never every order of every partnership added up.
    orders = orders_of(featured) if featured else Order.objects.none()
    camo_figures, context_figures = split_figures(key_figures(orders, context_pairs(featured)))
    others = Partnership.objects.published().exclude(pk=getattr(featured, "pk", None))
    today = timezone.localdate()
    # Single activities and editions of a series, not the series themselves.
    activities = (
        Activity.objects.published()
        .exclude(start=None)
        .filter(editions=None)
        .select_related("place", "country")
    )
    entries = timeline.build()
    context = {
        "site": site,  # read once: the page's header and title use it too
        "partnership": featured,
        "other_partnerships": list(others.order_by("name")),
        "figures": camo_figures,
        "context_figures": context_figures,
        "news": Article.objects.published()[:4],
        "recent": list(activities.filter(start__lte=today).order_by("-start")[:4]),
        "upcoming": list(activities.filter(start__gt=today).order_by("start")[:4]),
        "milestones": [
            entry for entry in entries if entry.kind in {"agreement", "order", "delivery"}
        ][-6:],
        "og_type": "website",
    }
    if context["partnership"]:
        context["structured_data"] = structured.organization_like(request, context["partnership"])
    return render(request, "partnership/home.html", context)


# The partnership, agreements, programmes -------------------------------------------------------


class PartnershipDetail(PublishedDetailView):
    model = Partnership
    template_name = "partnership/partnership_detail.html"

    def get_context_data(self, **kwargs):
        partnership = self.object
        self.memberships = list(
            Membership.objects.published()
            .filter(partnership=partnership)
            .select_related("partnership", "country", "organization", "through")
        )
        self.agreements = list(
            Agreement.objects.published()
            .filter(partnership=partnership)
            .select_related("parent", "kind")
            .prefetch_related(
                Prefetch("parties", Country.objects.published()),
                Prefetch("organization_parties", Organization.objects.published()),
                Prefetch("signatories", Person.objects.published()),
            )
        )
        # Its own programmes, figures, activities and facts only, never another partnership's.
        readers = partnership.is_published
        self.programmes = list(
            Programme.objects.published()
            .in_partnership(partnership, readers=readers)
            .select_related("lead_organization")
            .prefetch_related(Prefetch("systems", System.objects.published()))
        )
        figures, context_figures = split_figures(
            key_figures(orders_of(partnership), context_pairs(partnership))
        )
        activities = (
            Activity.objects.published()
            .in_partnership(partnership, readers=readers)
            .exclude(start=None)
            .filter(editions=None)
            .select_related("place")
            .order_by("-start", "name")
        )
        entries = timeline.build(partnership=partnership)
        return super().get_context_data(
            memberships=self.memberships,
            members=by_member(self.memberships),
            agreements=self.agreements,
            programmes=self.programmes,
            figures=figures,
            context_figures=context_figures,
            activities=list(activities[:6]),
            milestones=entries[-8:],
            fact_count=len(entries),
            **kwargs,
        )

    def cited_records(self, context):
        return [self.object, *self.memberships, *self.agreements, *self.programmes]

    def structured_data(self):
        return structured.organization_like(self.request, self.object)


class PartnershipList(PublishedListView):
    model = Partnership
    template_name = "partnership/partnership_list.html"


class AgreementDetail(PublishedDetailView):
    model = Agreement
    template_name = "partnership/agreement_detail.html"

    def get_queryset(self):
        return super().get_queryset().select_related("partnership", "parent", "kind")

    def get_context_data(self, **kwargs):
        self.orders = list(
            with_progress(Order.objects.published().filter(agreement=self.object)).select_related(
                "buyer", "buying_organization", "system"
            )
        )
        return super().get_context_data(
            parties=Country.objects.published().filter(agreements=self.object),
            organization_parties=Organization.objects.published().filter(
                agreements_party_to=self.object
            ),
            signatories=Person.objects.published().filter(agreements_signed=self.object),
            tranches=Agreement.objects.published().filter(parent=self.object),
            orders=self.orders,
            **kwargs,
        )

    def cited_records(self, context):
        return [self.object, *self.orders]


class ProgrammeDetail(PublishedDetailView):
    model = Programme
    template_name = "partnership/programme_detail.html"

    def get_queryset(self):
        return super().get_queryset().select_related("lead_organization")

    def get_context_data(self, **kwargs):
        self.participants = list(
            ProgrammeParticipant.objects.published()
            .filter(programme=self.object)
            .select_related("country")
        )
        return super().get_context_data(
            participants=self.participants,
            systems=System.objects.published().filter(programme=self.object),
            **kwargs,
        )

    def cited_records(self, context):
        return [self.object, *self.participants]


# Systems and orders ---------------------------------------------------------------------------


class SystemFilter(forms.Form):
    category = forms.ModelChoiceField(
        required=False, queryset=SystemCategory.objects.all(), to_field_name="code"
    )


class SystemList(ScopedListMixin, PublishedListView):
    model = System
    template_name = "partnership/system_list.html"
    section = "systems"

    def get_queryset(self):
        self.filters = clean_filters(self.request, SystemFilter)
        queryset = super().get_queryset().select_related("programme", "category")
        if self.filters["category"]:
            queryset = queryset.filter(category=self.filters["category"])
        return queryset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        systems = {system.pk for system in context["object_list"]}
        orders = orders_of(self.scope).filter(system__in=systems)
        figures = defaultdict(list)
        for row in key_figures(orders, context_pairs(self.scope)):
            figures[row["system"].pk].append(row)
        context["rows"] = [(system, figures[system.pk]) for system in context["object_list"]]
        # The categories of the equipment readers can see, not every term of the vocabulary.
        context["categories"] = SystemCategory.objects.filter(
            code__in=System.objects.published().values("category")
        ).for_listing()
        context["filters"] = self.filters
        return context


class SystemDetail(PublishedDetailView):
    model = System
    template_name = "partnership/system_detail.html"

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("programme", "category")
            .prefetch_related(Prefetch("manufacturers", Organization.objects.published()))
        )

    def get_context_data(self, **kwargs):
        system = self.object
        self.variants = list(Variant.objects.published().filter(system=system))
        self.orders = list(
            with_shares(with_progress(Order.objects.published().filter(system=system)))
            .select_related("buyer", "buying_organization", "system", "variant", "agreement")
            .prefetch_related(
                Prefetch("deliveries", Delivery.objects.published().order_by("delivered_on"))
            )
        )
        self.deliveries = [delivery for order in self.orders for delivery in order.deliveries.all()]
        self.shares = [share for order in self.orders for share in order.shares.all()]
        return super().get_context_data(
            variants=self.variants,
            orders=self.orders,
            figures=key_figures(self.orders, context_pairs()),
            chart=self.chart(system, self.orders),
            **kwargs,
        )

    @staticmethod
    def chart(system, orders):
        return delivery_chart(
            chart_series(orders),
            title=_("%(system)s: ordered and delivered over time") % {"system": system.t.name},
            today=timezone.localdate(),
        )

    def cited_records(self, context):
        return [self.object, *self.variants, *self.orders, *self.deliveries, *self.shares]

    def structured_data(self):
        return structured.product(self.request, self.object)


class OrderDetail(PublishedDetailView):
    model = Order
    template_name = "partnership/order_detail.html"

    def get_queryset(self):
        return with_progress(super().get_queryset()).select_related(
            "buyer",
            "buying_organization",
            "system",
            "variant",
            "agreement",
            "contracting_authority",
            "supplier",
        )

    def get_context_data(self, **kwargs):
        self.shares = list(
            OrderShare.objects.published()
            .filter(order=self.object)
            .select_related("country", "organization")
        )
        self.deliveries = list(
            Delivery.objects.published().filter(order=self.object).select_related("recipient")
        )
        # What is planned stays apart from what happened, until a delivery meets it.
        self.milestones = list(
            Milestone.objects.published().filter(order=self.object).select_related("met_by")
        )
        return super().get_context_data(
            shares=self.shares,
            deliveries=self.deliveries,
            planned=[milestone for milestone in self.milestones if not milestone.is_met],
            met=[milestone for milestone in self.milestones if milestone.is_met],
            progress=Progress.of(self.object),
            **kwargs,
        )

    def cited_records(self, context):
        return [self.object, *self.shares, *self.deliveries, *self.milestones]


# Activities --------------------------------------------------------------------------------------


class ActivityFilter(forms.Form):
    kind = forms.ChoiceField(required=False, choices=[("", ""), *Activity.Kind.choices])
    year = YearField()
    country = forms.ModelChoiceField(
        required=False, queryset=Country.objects.published(), to_field_name="code"
    )


def related_articles(record, *, limit=5):
    """Published articles linked to `record`."""
    content_type = ContentType.objects.get_for_model(type(record))
    links = ArticleLink.objects.filter(content_type=content_type, object_id=record.pk)
    return Article.objects.published().filter(links__in=links).distinct()[:limit]


class ActivityList(ScopedListMixin, PublishedListView):
    model = Activity
    template_name = "partnership/activity_list.html"
    section = "activities"

    def get_queryset(self):
        self.filters = clean_filters(self.request, ActivityFilter)
        queryset = super().get_queryset().select_related("place", "country", "parent")
        if self.filters["kind"]:
            queryset = queryset.filter(kind=self.filters["kind"])
        if self.filters["year"]:
            year = self.filters["year"]
            queryset = queryset.filter(start__lte=datetime.date(year, 12, 31)).filter(
                Q(end__gte=datetime.date(year, 1, 1))
                | Q(end=None, start__gte=datetime.date(year, 1, 1))
            )
        if self.filters["country"]:
            country = self.filters["country"]
            queryset = queryset.in_country(country)
        return queryset.order_by("-start", "name")

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            kinds=Activity.Kind.choices,
            countries=Country.objects.published(),
            filters=self.filters,
            **kwargs,
        )


class ActivityDetail(PublishedDetailView):
    model = Activity
    template_name = "partnership/activity_detail.html"

    def get_queryset(self):
        return super().get_queryset().select_related("place__country", "country", "parent")

    def get_context_data(self, **kwargs):
        self.participations = list(
            Participation.objects.published()
            .filter(activity=self.object)
            .select_related("organization__country", "country", "commander")
        )
        return super().get_context_data(
            participations=self.participations,
            editions=Activity.objects.published().filter(parent=self.object),
            articles=related_articles(self.object),
            **kwargs,
        )

    def cited_records(self, context):
        return [self.object, *self.participations]

    def structured_data(self):
        return structured.event(self.request, self.object)


# Organizations, people, countries ----------------------------------------------------------------


class OrganizationList(ScopedListMixin, PublishedListView):
    model = Organization
    template_name = "partnership/organization_list.html"
    section = "organizations"
    paginate_by = None

    def get_queryset(self):
        return super().get_queryset().select_related("country", "kind")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        organizations = list(context["object_list"])
        visible = {organization.pk for organization in organizations}
        children = defaultdict(list)
        roots = []
        for organization in organizations:
            if organization.parent_id in visible:
                children[organization.parent_id].append(organization)
            else:
                roots.append(organization)

        def tree(nodes):
            return [(node, tree(children[node.pk])) for node in nodes]

        context["tree"] = tree(roots)
        return context


class OrganizationDetail(PublishedDetailView):
    model = Organization
    template_name = "partnership/organization_detail.html"

    def get_queryset(self):
        return super().get_queryset().select_related("country", "parent", "kind")

    def get_context_data(self, **kwargs):
        organization = self.object
        parent = organization.parent if organization.parent_id else None
        if parent and not Organization.objects.published().filter(pk=parent.pk).exists():
            parent = None
        self.appointments = list(
            Appointment.objects.published()
            .filter(organization=organization)
            .select_related("person")
        )
        self.participations = list(
            Participation.objects.published()
            .filter(organization=organization)
            .select_related("activity")
        )
        self.memberships = list(
            Membership.objects.published()
            .filter(organization=organization)
            .select_related("partnership", "organization", "through")
        )
        self.orders = list(
            Order.objects.published()
            .filter(
                Q(buying_organization=organization)
                | Q(
                    pk__in=OrderShare.objects.published()
                    .filter(organization=organization)
                    .values("order")
                )
            )
            .select_related("buyer", "buying_organization", "system")
        )
        return super().get_context_data(
            parent=parent,
            members=by_member(self.memberships),
            agreements=Agreement.objects.published().filter(organization_parties=organization),
            orders=self.orders,
            children=Organization.objects.published().filter(parent=organization),
            appointments=self.appointments,
            participations=self.participations,
            systems=System.objects.published().filter(manufacturers=organization),
            **kwargs,
        )

    def cited_records(self, context):
        return [
            self.object,
            *self.appointments,
            *self.participations,
            *self.memberships,
            *self.orders,
        ]

    def structured_data(self):
        return structured.organization_like(self.request, self.object)


class PersonList(ScopedListMixin, PublishedListView):
    model = Person
    template_name = "partnership/person_list.html"
    section = "people"

    def get_queryset(self):
        return super().get_queryset().select_related("country")


class PersonDetail(PublishedDetailView):
    model = Person
    template_name = "partnership/person_detail.html"

    def get_queryset(self):
        return super().get_queryset().select_related("country")

    def get_context_data(self, **kwargs):
        self.appointments = list(
            Appointment.objects.published()
            .filter(person=self.object)
            .select_related("organization")
        )
        self.quotes = list(
            Quote.objects.published().filter(person=self.object).select_related("article")
        )
        return super().get_context_data(
            appointments=self.appointments,
            quotes=self.quotes,
            agreements=Agreement.objects.published().filter(signatories=self.object),
            **kwargs,
        )

    def cited_records(self, context):
        return [self.object, *self.appointments, *self.quotes]

    def structured_data(self):
        return structured.person(self.request, self.object, self.appointments)


class CountryList(PublishedListView):
    model = Country
    template_name = "partnership/country_list.html"


class CountryDetail(PublishedDetailView):
    model = Country
    template_name = "partnership/country_detail.html"

    def get_context_data(self, **kwargs):
        country = self.object
        # Its own orders, and pooled orders in which it holds a share.
        bought = Q(buyer=country) | Q(
            pk__in=OrderShare.objects.published().filter(country=country).values("order")
        )
        self.orders = list(
            with_shares(
                with_progress(Order.objects.published().filter(bought)).select_related(
                    "buyer", "buying_organization", "system", "agreement"
                )
            )
        )
        for order in self.orders:
            order.share_of_country = next(
                (share for share in order.shares.all() if share.country_id == country.pk), None
            )
        self.memberships = list(
            Membership.objects.published()
            .filter(country=country)
            .select_related("partnership", "country", "through")
        )
        self.programmes = list(
            ProgrammeParticipant.objects.published()
            .filter(country=country)
            .select_related("programme")
        )
        activities = (
            Activity.objects.published()
            .in_country(country)
            .select_related("place")
            .order_by("start")
        )
        return super().get_context_data(
            orders=self.orders,
            figures=key_figures(self.orders, party=country) if self.orders else [],
            memberships=by_member(self.memberships),
            programmes=self.programmes,
            activities=activities,
            **kwargs,
        )

    def cited_records(self, context):
        return [*self.memberships, *self.programmes, *self.orders]


# News, quotes, events ----------------------------------------------------------------------------


class NewsFilter(forms.Form):
    tag = forms.ModelChoiceField(
        required=False, queryset=Tag.objects.in_use(), to_field_name="slug"
    )
    year = YearField()


class ArticleList(ScopedListMixin, PublishedListView):
    model = Article
    template_name = "partnership/article_list.html"
    section = "news"
    paginate_by = 20

    def get_queryset(self):
        self.filters = clean_filters(self.request, NewsFilter)
        queryset = super().get_queryset().prefetch_related("tags")
        if self.filters["tag"]:
            queryset = queryset.filter(tags=self.filters["tag"])
        if self.filters["year"]:
            queryset = queryset.filter(published_on__year=self.filters["year"])
        return queryset

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            filters=self.filters,
            tags=Tag.objects.in_use(),
            **kwargs,
        )


def related_content(article, *, limit=6) -> list[Article]:
    """Explicit picks first, then published articles sharing the most links and tags."""
    picks = list(Article.objects.published().filter(pk__in=article.related.values("pk")))
    links = article.links.values_list("content_type_id", "object_id")
    link_match = Q(pk__in=[])
    for content_type_id, object_id in links:
        link_match |= Q(links__content_type_id=content_type_id, links__object_id=object_id)
    shared = (
        Article.objects.published()
        .exclude(pk=article.pk)
        .exclude(pk__in=[pick.pk for pick in picks])
        .annotate(
            shared_links=Count("links", filter=link_match, distinct=True),
            shared_tags=Count("tags", filter=Q(tags__in=article.tags.all()), distinct=True),
        )
        .filter(Q(shared_links__gt=0) | Q(shared_tags__gt=0))
        .order_by("-shared_links", "-shared_tags", "-published_on")
    )
    return (picks + list(shared[:limit]))[:limit]


class ArticleDetail(PublishedDetailView):
    model = Article
    template_name = "partnership/article_detail.html"

    def get_context_data(self, **kwargs):
        article = self.object
        links = (
            ArticleLink.objects.published()
            .filter(article=article)
            .prefetch_related(GenericPrefetch("target", generic_targets()))
        )
        targets = [(link, link.target) for link in links if link.target is not None]
        return super().get_context_data(
            tags=article.tags.all(),
            about=targets,
            quotes=Quote.objects.published().filter(article=article).select_related("person"),
            related=related_content(article),
            **kwargs,
        )

    def structured_data(self):
        return structured.news_article(self.request, self.object)


class QuoteDetail(PublishedDetailView):
    model = Quote
    template_name = "partnership/quote_detail.html"

    def get_queryset(self):
        return super().get_queryset().select_related("person", "article")

    def structured_data(self):
        return structured.quotation(self.request, self.object)


class EventDetail(PublishedDetailView):
    model = Event
    template_name = "partnership/event_detail.html"

    def get_queryset(self):
        return super().get_queryset().select_related("place__country")

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            countries=Country.objects.published().filter(events=self.object),
            partnerships=Partnership.objects.published().filter(events=self.object),
            **kwargs,
        )

    def structured_data(self):
        return structured.event(self.request, self.object)


# Timeline and sources ----------------------------------------------------------------------------


class TimelineFilter(forms.Form):
    kind = forms.MultipleChoiceField(required=False, choices=list(timeline.KINDS.items()))
    country = forms.ModelChoiceField(
        required=False, queryset=Country.objects.published(), to_field_name="code"
    )


def timeline_page(request, partnership=None):
    scope = partnership_in_scope(request, partnership)
    filters = clean_filters(request, TimelineFilter)
    entries = timeline.build(
        kinds=filters["kind"] or None, country=filters["country"], partnership=scope
    )
    planned = (
        timeline.planned(country=filters["country"], partnership=scope)
        if not filters["kind"]
        else []
    )
    return render(
        request,
        "partnership/timeline.html",
        {
            **scope_context(request, scope, "timeline"),
            "periods": timeline.by_period(entries),
            "planned": planned,
            "count": len(entries),
            "kinds": list(timeline.KINDS.items()),
            "countries": Country.objects.published(),
            "filters": filters,
            "bibliography": Bibliography([entry.record for entry in [*entries, *planned]]),
        },
    )


class SourceList(PublishedListView):
    model = Source
    template_name = "partnership/source_list.html"
    paginate_by = 100

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .annotate(
                cited=Count("citations", filter=Q(citations__in=visible_citations().values("pk")))
            )
            .order_by("publisher", "title")
        )


def page_of(record) -> str | None:
    """The public page showing `record`: its own, or its parent's for a child row."""
    if hasattr(record, "get_absolute_url"):
        return record.get_absolute_url()
    parent = records.parent_field(type(record))
    return getattr(record, parent.name).get_absolute_url() if parent else None


class SourceDetail(PublishedDetailView):
    model = Source
    template_name = "partnership/source_detail.html"

    def get_context_data(self, **kwargs):
        citations = (
            Citation.objects.filter(source=self.object)
            .select_related("claim")
            .prefetch_related(
                GenericPrefetch("content_object", [q.published() for q in fact_querysets()])
            )
        )
        cited = [c for c in citations if c.content_object is not None]
        for citation in cited:
            target = citation.content_object
            citation.page, citation.label = page_of(target), capfirst(str(target))
            if not hasattr(target, "get_absolute_url"):
                # A delivery or a milestone is shown on its order's page.
                citation.label = f"{capfirst(target._meta.verbose_name)}: {target}"
            # What this source states about the value it is cited for, in readers' words.
            citation.statement = (
                claim_statement(
                    citation.content_object, citation.claim, language=self.object.language
                )
                if citation.claim
                else ""
            )
        return super().get_context_data(citations=cited, **kwargs)

    def cited_records(self, context):
        return []


def methodology(request):
    return render(
        request,
        "partnership/methodology.html",
        {
            "source_count": Source.objects.published().count(),
            "citation_count": visible_citations().count(),
        },
    )
