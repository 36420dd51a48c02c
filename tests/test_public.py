"""The public site: the dataset's facts on every page type, no drafts, no broken links, bounded queries."""

import datetime
import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.text import capfirst

from partnership.models import (
    RECORD_TYPES,
    Activity,
    Agreement,
    Article,
    Order,
    Organization,
    Person,
    Quote,
    Source,
    Status,
    System,
)
from partnership.sitemaps import PageSitemap
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def french():
    with translation.override("fr"):
        yield


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "a" and attributes.get("href"):
            self.links.append(attributes["href"])


def links_of(html):
    parser = Links()
    parser.feed(html)
    return parser.links


def get(client, path, status=200):
    response = client.get(path)
    assert response.status_code == status, f"{path} answered {response.status_code}"
    return response


def crawl(client, start="/fr/"):
    """Every internal page reachable from `start`: {path: html}."""
    seen, queue, pages = {start}, [start], {}
    while queue:
        path = queue.pop()
        response = client.get(path)
        assert response.status_code == 200, f"broken link: {path} answered {response.status_code}"
        if "text/html" not in response["Content-Type"]:
            continue
        html = response.content.decode()
        pages[path] = html
        for href in links_of(html):
            parts = urlsplit(urljoin(f"http://testserver{path}", href))
            if parts.netloc != "testserver" or parts.path.startswith(("/admin/", "/static/")):
                continue
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            if target not in seen:
                seen.add(target)
                queue.append(target)
    return pages


class TestFactsOnPages:
    def test_griffon_page_shows_belgiums_382_with_their_source(self, client):
        order = Order.objects.get(buyer__code="BE", system__slug="griffon", quantity=382)
        html = get(client, reverse("partnership:system", args=["griffon"])).content.decode()
        assert ">382<" in html
        source = order.citations.select_related("source").first().source
        assert escape(source.title) in html
        assert 'id="source-1"' in html

    def test_home_shows_key_figures_news_and_milestones(self, client):
        html = get(client, "/fr/").content.decode()
        assert "Capacité Motorisée" in html
        assert "<progress" in html
        assert escape(Article.objects.published().first().title) in html
        assert "décembre 2025" in html

    def test_partnership_page_lists_members_agreements_programmes(self, client):
        html = get(client, reverse("partnership:partnership", args=["camo"])).content.decode()
        for text in ("Luxembourg", "7 novembre 2018", "21 juin 2019", "Scorpion", "Florence Parly"):
            assert text in html

    def test_agreement_page_shows_signature_and_entry_into_force(self, client):
        camo1 = Agreement.objects.get(signed_on="2018-11-07")
        html = get(client, camo1.get_absolute_url()).content.decode()
        assert "7 novembre 2018" in html and "21 juin 2019" in html
        assert "Steven Vandeput" in html

    def test_serval_shows_the_dispute_and_both_claims(self, client):
        serval = Order.objects.get(buyer__code="BE", system__slug="serval")
        html = get(client, serval.get_absolute_url()).content.decode()
        # The dispute is marked on the quantity, with the competing count and its source.
        competing = re.search(r'class="disputed-claims">(.*?)</span></span>', html).group(1)
        assert "128" in competing and "#source-" in competing
        assert "quantity:" not in html  # never a field name
        text = re.sub(r"<[^>]+>", "", html)
        assert "Quantité commandée : 123" in text and "Quantité commandée : 128" in text

    def test_activity_page_shows_dates_place_and_participants(self, client):
        activity = Activity.objects.get(slug="celtic-uprise-2023")
        html = get(client, activity.get_absolute_url()).content.decode()
        assert "13 novembre 2023" in html
        assert "Participants" in html
        assert escape(activity.participations.first().participant.name) in html

    def test_organization_page_shows_its_hierarchy(self, client):
        brigade = Organization.objects.get(name_en="Motorised Brigade")
        html = get(client, brigade.get_absolute_url()).content.decode()
        child = brigade.children.first()
        assert escape(child.name) in html
        assert escape(brigade.parent.name) in html

    def test_person_page_shows_appointments_and_quotes(self, client):
        person = Person.objects.get(name__contains="de Sorbier")
        html = get(client, person.get_absolute_url()).content.decode()
        assert "Ce partenariat est incarné" in html
        assert escape(person.appointments.first().title) in html

    def test_country_page_shows_orders_membership_and_activities(self, client):
        html = get(client, reverse("partnership:country", args=["luxembourg"])).content.decode()
        assert re.search(r"38 (\[[\d, ]+\] )?× Jaguar", re.sub(r"<[^>]+>", "", html))
        assert "Belgique" in html

    def test_article_page_shows_related_content_and_sources(self, client):
        article = Article.objects.get(title__startswith="CaMo : une coopération")
        html = get(client, article.get_absolute_url()).content.decode()
        for related in article.related.all():
            assert escape(related.title) in html
        assert "Related content" in html or "Contenus associés" in html
        assert 'class="source-list"' in html

    def test_timeline_shows_dates_at_their_precision(self, client):
        html = get(client, reverse("partnership:timeline")).content.decode()
        assert "29 juin 2017" in html  # day
        assert "décembre 2024" in html  # month: first hull, mid-December 2024
        assert re.search(r'class="when">2025<', html)  # year

    def test_timeline_filters_by_kind_and_country(self, client):
        html = get(
            client, reverse("partnership:timeline") + "?kind=order&country=LU"
        ).content.decode()
        assert "Luxembourg commande 38 × Jaguar" in html
        assert "Belgium commande" not in html

    def test_activities_filter_by_kind_year_and_country(self, client):
        html = get(
            client, reverse("partnership:activities") + "?kind=exercise&year=2024&country=BE"
        ).content.decode()
        assert "Celtic Uprise 2024" in html
        assert "Celtic Uprise 2023" not in html

    def test_systems_filter_by_category(self, client):
        html = get(client, reverse("partnership:systems") + "?category=artillery").content.decode()
        assert "CAESAR" in html
        assert "Jaguar" not in html

    def test_news_filters_by_tag_and_year(self, client):
        tagged = Article.objects.published().filter(tags__isnull=False).first()
        tag = tagged.tags.first()
        html = get(
            client, reverse("partnership:news") + f"?tag={tag.slug}&year={tagged.published_on.year}"
        ).content.decode()
        assert escape(tagged.title) in html

    def test_sources_index_and_source_page(self, client):
        source = Source.objects.published().first()
        assert escape(source.title) in get(client, reverse("partnership:sources")).content.decode()
        html = get(client, source.get_absolute_url()).content.decode()
        cited = source.citations.first().content_object
        assert escape(capfirst(str(cited))) in html

    def test_methodology_page(self, client):
        html = get(client, reverse("partnership:methodology")).content.decode()
        assert str(Source.objects.published().count()) in html


class TestLanguages:
    def test_the_switcher_keeps_the_page_and_its_filters(self, client):
        html = get(client, "/fr/activities/?kind=exercise").content.decode()
        assert 'href="/nl/activities/?kind=exercise" hreflang="nl"' in html
        back = get(client, "/nl/activities/?kind=exercise").content.decode()
        assert 'href="/fr/activities/?kind=exercise" hreflang="fr"' in back
        assert 'aria-current="true" lang="nl"' in back

    @pytest.mark.parametrize(
        ("language", "date"),
        [("fr", "21 juin 2019"), ("nl", "21 juni 2019"), ("en", "21 June 2019")],
    )
    def test_dates_follow_the_language_of_the_page(self, client, language, date):
        with translation.override(language):
            url = Agreement.objects.get(signed_on="2018-11-07").get_absolute_url()
        assert url.startswith(f"/{language}/")
        assert date in get(client, url).content.decode()

    def test_every_page_names_its_versions_in_other_languages(self, client):
        html = get(client, reverse("partnership:system", args=["griffon"])).content.decode()
        for code in ("fr", "nl", "en"):
            assert f'hreflang="{code}" href="http://testserver/{code}/systems/griffon/"' in html


class TestBadInput:
    @pytest.mark.parametrize(
        ("path", "parameter"),
        [
            ("/fr/activities/?year=x", "year"),
            ("/fr/activities/?country=ZZ", "country"),
            ("/fr/activities/?kind=party", "kind"),
            ("/fr/systems/?category=castle", "category"),
            ("/fr/news/?year=20x5", "year"),
            ("/fr/news/?tag=no-such-tag", "tag"),
            ("/fr/timeline/?kind=nonsense", "kind"),
        ],
    )
    def test_a_bad_filter_is_a_400_naming_the_parameter(self, client, path, parameter):
        response = client.get(path)
        assert response.status_code == 400
        assert f"{parameter}:" in response.content.decode()

    @pytest.mark.parametrize("page", ["abc", "0", "999", "-1"])
    def test_a_bad_page_number_is_a_404(self, client, page):
        assert client.get(f"/fr/news/?page={page}").status_code == 404

    @pytest.mark.parametrize("name", [*list(RECORD_TYPES), "source"])
    def test_an_unknown_slug_is_a_404(self, client, name):
        response = client.get(reverse(f"partnership:{name}", args=["no-such-record"]))
        assert response.status_code == 404
        assert 'class="site-header"' in response.content.decode()  # our page, not a bare error

    def test_the_root_redirects_to_a_language(self, client):
        response = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 302
        assert response["Location"] == "/en/"


DRAFT_MARK = "ZZDRAFTZZ"


@pytest.fixture
def drafts():
    """One draft of every public record type, each linked from published records where it can be."""
    griffon = System.objects.get(slug="griffon")
    camo = Agreement.objects.get(signed_on="2018-11-07")
    article = Article.objects.published().first()
    records = [
        factories.system(name=f"{DRAFT_MARK} system", status=Status.DRAFT),
        factories.order(
            slug="draft-order",
            system=griffon,
            buyer=factories.country(name=f"{DRAFT_MARK} land", status=Status.DRAFT),
        ),
        factories.order(
            slug="draft-order-2",
            system=griffon,
            agreement=camo,
            status=Status.DRAFT,
            summary=DRAFT_MARK,
        ),
        factories.activity(name=f"{DRAFT_MARK} exercise", status=Status.REVIEW),
        factories.article(title=f"{DRAFT_MARK} article", status=Status.DRAFT),
        factories.person(name=f"{DRAFT_MARK} person", status=Status.WITHDRAWN),
        factories.organization(
            name=f"{DRAFT_MARK} unit",
            status=Status.DRAFT,
            parent=Organization.objects.get(name_en="Motorised Brigade"),
        ),
        factories.event(title=f"{DRAFT_MARK} event", status=Status.DRAFT),
        factories.quote(text=f"{DRAFT_MARK} quote", status=Status.DRAFT, article=article),
        factories.source(title=f"{DRAFT_MARK} source", status=Status.DRAFT),
        factories.agreement(
            title=f"{DRAFT_MARK} agreement", partnership=camo.partnership, status=Status.DRAFT
        ),
    ]
    scheduled = factories.article(
        title=f"{DRAFT_MARK} scheduled", publish_at="2999-01-01T00:00:00Z"
    )
    factories.cite(Organization.objects.get(name_en="Motorised Brigade"), source=records[-2])
    factories.participation(
        activity=Activity.objects.get(slug="celtic-uprise-2023"), organization=records[6]
    )
    article.related.add(records[4], scheduled)
    return [*records, scheduled]


class TestNoDrafts:
    # That no draft shows on any page, feed or the sitemap, linked through any relation, is
    # tests/test_hidden_links.py's crawl.

    def test_a_withdrawn_record_leaves_the_sitemap_at_once(self, client):
        """No cached sitemap keeps listing it (each worker once kept its own for 10 minutes)."""
        system = factories.system(name="Withdrawn soon")
        factories.cite(system)
        with translation.override("fr"):
            url = system.get_absolute_url()
        assert url in get(client, "/sitemap.xml").content.decode()
        System.objects.filter(pk=system.pk).update(
            status=Status.WITHDRAWN, withdrawn_reason="Duplicate."
        )
        assert url not in get(client, "/sitemap.xml").content.decode()

    def test_a_draft_url_is_a_404(self, client, drafts):
        for record in drafts:
            if record.status == Status.WITHDRAWN:
                continue  # a withdrawn record shows a notice instead (tests/test_workflow.py)
            if hasattr(record, "get_absolute_url") and record.get_absolute_url():
                assert client.get(record.get_absolute_url()).status_code == 404, record


@pytest.mark.crawl
class TestCrawl:
    def test_every_published_record_is_reachable_from_the_home_page(self, client):
        pages = crawl(client)
        expected = {
            record.get_absolute_url()
            for model in [*RECORD_TYPES.values(), Source]
            for record in model.objects.published()
        }
        missing = expected - set(pages)
        assert not missing, f"unreachable: {sorted(missing)[:10]}"

    def test_no_page_has_inline_script_or_style(self, client):
        for path, html in crawl(client).items():
            assert not re.search(r"<script(?![^>]*\b(src=|type=\"application/ld\+json\"))", html), (
                path
            )
            assert " style=" not in html and "<style" not in html, path


class TestFeedsAndSitemap:
    def test_rss_and_atom_list_the_news(self, client):
        title = Article.objects.published().first().title
        rss = ET.fromstring(get(client, "/fr/news/rss.xml").content)
        assert title in [item.findtext("title") for item in rss.iter("item")]
        atom = ET.fromstring(get(client, "/fr/news/atom.xml").content)
        names = [
            entry.findtext("{http://www.w3.org/2005/Atom}title")
            for entry in atom.iter("{http://www.w3.org/2005/Atom}entry")
        ]
        assert title in names

    def test_a_tag_feed_lists_only_that_tag(self, client):
        tag = Article.objects.published().filter(tags__isnull=False).first().tags.first()
        atom = ET.fromstring(get(client, f"/fr/news/tags/{tag.slug}/atom.xml").content)
        titles = {
            entry.findtext("{http://www.w3.org/2005/Atom}title")
            for entry in atom.iter("{http://www.w3.org/2005/Atom}entry")
        }
        assert titles == set(
            Article.objects.published().filter(tags=tag).values_list("title", flat=True)
        )
        assert client.get("/fr/news/tags/no-such-tag/atom.xml").status_code == 404

    def test_sitemap_lists_records_in_every_language(self, client):
        sitemap = get(client, "/sitemap.xml").content.decode()
        for language in ("fr", "nl", "en"):
            assert f"/{language}/systems/griffon/" in sitemap
        assert 'hreflang="nl"' in sitemap

    def test_robots_txt_points_at_the_sitemap(self, client):
        text = get(client, "/robots.txt").content.decode()
        assert "Sitemap: http://testserver/sitemap.xml" in text
        assert "Disallow: /admin/" in text


class TestStructuredData:
    @pytest.mark.parametrize(
        ("record", "schema_type"),
        [
            (lambda: Article.objects.published().first(), "NewsArticle"),
            (lambda: Activity.objects.get(slug="celtic-uprise-2023"), "Event"),
            (lambda: Person.objects.get(name__contains="de Sorbier"), "Person"),
            (lambda: Organization.objects.get(name_en="Motorised Brigade"), "Organization"),
            (lambda: Quote.objects.first(), "Quotation"),
        ],
    )
    def test_json_ld_of_each_page_type(self, client, record, schema_type):
        html = get(client, record().get_absolute_url()).content.decode()
        block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
        data = json.loads(block.group(1))
        assert data["@type"] == schema_type
        assert data["url"].startswith("http://testserver/fr/")

    def test_open_graph_tags(self, client):
        article = Article.objects.published().first()
        html = get(client, article.get_absolute_url()).content.decode()
        assert f'<meta property="og:title" content="{article.title}">' in html.replace(
            "&#x27;", "'"
        )
        assert 'property="og:type" content="article"' in html


def count_queries(client, path):
    with CaptureQueriesContext(connection) as queries:
        get(client, path)
    return len(queries)


LIST_PAGES = PageSitemap.names
LIST_ROWS = {
    "home": lambda: (
        factories.order(),
        factories.article(),
        factories.activity(start=datetime.date(2024, 1, 1)),
    ),
    "partnerships": factories.partnership,
    "systems": lambda: factories.order(system=factories.system()),
    "activities": factories.activity,
    "organizations": lambda: factories.organization(parent=factories.organization()),
    "people": factories.person,
    "countries": factories.country,
    "news": factories.article,
    "timeline": lambda: (
        factories.delivery(),
        factories.event(),
        factories.appointment(start=datetime.date(2020, 1, 1)),
    ),
    "sources": factories.source,
    "methodology": factories.source,
}


class TestQueryCounts:
    @pytest.mark.parametrize("name", LIST_PAGES)
    def test_list_pages_do_not_grow_with_rows(self, client, name):
        path = reverse(f"partnership:{name}")
        before = count_queries(client, path)
        for _ in range(3):
            make = LIST_ROWS[name]
            record = make()
            for item in record if isinstance(record, tuple) else [record]:
                if hasattr(item, "citations"):
                    factories.cite(item)
        assert count_queries(client, path) == before
        assert before <= 30

    @pytest.mark.parametrize(
        ("name", "record", "grow"),
        [
            (
                "partnership",
                lambda: factories.partnership(),
                lambda r: (factories.membership(partnership=r), factories.agreement(partnership=r)),
            ),
            ("agreement", lambda: factories.agreement(), lambda r: factories.order(agreement=r)),
            (
                "programme",
                lambda: factories.programme(),
                lambda r: (
                    factories.programme_participant(programme=r),
                    factories.system(programme=r),
                ),
            ),
            (
                "system",
                lambda: factories.system(),
                lambda r: factories.delivery(order=factories.order(system=r)),
            ),
            ("order", lambda: factories.order(), lambda r: factories.delivery(order=r)),
            (
                "activity",
                lambda: factories.activity(),
                lambda r: factories.participation(activity=r),
            ),
            (
                "organization",
                lambda: factories.organization(),
                lambda r: (factories.appointment(organization=r), factories.organization(parent=r)),
            ),
            (
                "person",
                lambda: factories.person(),
                lambda r: (factories.appointment(person=r), factories.quote(person=r)),
            ),
            ("country", lambda: factories.country(), lambda r: factories.order(buyer=r)),
            ("event", lambda: factories.event(), lambda r: factories.cite(r)),
            ("quote", lambda: factories.quote(), lambda r: factories.cite(r)),
            (
                "article",
                lambda: factories.article(),
                lambda r: (factories.article_link(article=r), r.related.add(factories.article())),
            ),
            (
                "source",
                lambda: factories.source(),
                lambda r: factories.cite(factories.organization(), source=r),
            ),
        ],
    )
    def test_detail_pages_do_not_grow_with_related_rows(self, client, name, record, grow):
        instance = record()
        grow(instance)
        before = count_queries(client, instance.get_absolute_url())
        for _ in range(3):
            grow(instance)
        assert count_queries(client, instance.get_absolute_url()) == before
        assert before <= 30
