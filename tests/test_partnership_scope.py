"""Records belong to partnerships (issue 13, part A).

Two partnerships with overlapping members (a country in both), records in each and some in both:
every page, feed, figure, timeline and API list limited to one partnership shows its records only;
the lists covering every partnership show both and say so; the migration attaches the records of
an existing database to its partnership.
"""

import datetime
import re

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client

from partnership import figures, timeline
from partnership.models import (
    Activity,
    Article,
    Country,
    Delivery,
    Event,
    Order,
    Organization,
    Person,
    Programme,
    Quote,
    Status,
    System,
)
from tests import factories

pytestmark = pytest.mark.django_db

ALPHA = "Alphaonly"  # every record of the first partnership only is named with this
BRAVO = "Bravoonly"  # ... of the second only
BOTH = "Bothpartners"  # ... of both


class World:
    """Two partnerships sharing a member country, and records of each and of both."""

    def __init__(self):
        self.shared = factories.country(name="Sharedland")
        self.alpha_country = factories.country(name="Firstland")
        self.bravo_country = factories.country(name="Secondland")
        self.alpha = factories.partnership(slug="alpha", name="Alpha partnership", acronym="ALPHA")
        self.bravo = factories.partnership(slug="bravo", name="Bravo partnership", acronym="BRAVO")
        for partnership, other in (
            (self.alpha, self.alpha_country),
            (self.bravo, self.bravo_country),
        ):
            factories.membership(partnership=partnership, country=self.shared)
            factories.membership(partnership=partnership, country=other)
        self.records = {}
        for label, partnerships in (
            (ALPHA, [self.alpha]),
            (BRAVO, [self.bravo]),
            (BOTH, [self.alpha, self.bravo]),
        ):
            self.records[label] = self.make(label, partnerships)

    def make(self, label, partnerships):
        slug = label.lower()
        organization = factories.organization(
            slug=f"{slug}-unit", name=f"{label} unit", country=self.shared
        )
        person = factories.person(slug=f"{slug}-general", name=f"{label} General")
        factories.appointment(person=person, organization=organization, title="Commander")
        programme = factories.programme(
            slug=f"{slug}-programme", name=f"{label} programme", lead_organization=organization
        )
        system = factories.system(
            slug=f"{slug}-vehicle", name=f"{label} vehicle", programme=programme
        )
        agreement = factories.agreement(
            slug=f"{slug}-agreement", title=f"{label} agreement", partnership=partnerships[0]
        )
        order = factories.order(
            slug=f"{slug}-order",
            buyer=self.shared,
            system=system,
            agreement=agreement,
            quantity=7,
            ordered_on=datetime.date(2021, 3, 1),
        )
        factories.delivery(order=order, recipient=organization, quantity=2)
        activity = factories.activity(
            slug=f"{slug}-exercise",
            name=f"{label} exercise",
            start=datetime.date(2022, 5, 1),
            country=self.shared,
        )
        factories.participation(activity=activity, organization=organization, commander=person)
        article = factories.article(
            slug=f"{slug}-news", title=f"{label} news", published_on=datetime.date(2030, 1, 1)
        )
        event = factories.event(
            slug=f"{slug}-meeting",
            title=f"{label} meeting",
            partnerships=partnerships,
            date=datetime.date(2022, 6, 1),
        )
        quote = factories.quote(slug=f"{slug}-quote", text=f"{label} said", person=person)
        for record in (programme, order, activity, article, quote):
            record.partnerships.set(partnerships)
        return {
            "organization": organization,
            "person": person,
            "programme": programme,
            "system": system,
            "agreement": agreement,
            "order": order,
            "activity": activity,
            "article": article,
            "event": event,
            "quote": quote,
        }


@pytest.fixture
def world():
    return World()


def names_in(text):
    return {label for label in (ALPHA, BRAVO, BOTH) if label in text}


# The querysets ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "model",
    [Activity, Programme, Order, Event, Article, Quote, System, Organization, Person, Delivery],
)
def test_in_partnership_keeps_each_partnerships_own_records(world, model):
    def found(partnership):
        rows = model.objects.in_partnership(partnership)
        return {
            label
            for label, records in world.records.items()
            for record in records.values()
            if isinstance(record, model) and rows.filter(pk=record.pk).exists()
        } | {
            label
            for label, records in world.records.items()
            if model is Delivery and rows.filter(order=records["order"]).exists()
        }

    assert found(world.alpha) == {ALPHA, BOTH}
    assert found("bravo") == {BRAVO, BOTH}


def test_countries_of_a_partnership_are_its_members_parties_and_buyers(world):
    alpha = set(Country.objects.in_partnership(world.alpha))
    assert {world.shared, world.alpha_country} <= alpha
    assert world.bravo_country not in alpha


def test_readers_are_not_in_a_partnership_through_a_hidden_record(world):
    activity = world.records[ALPHA]["activity"]
    activity.partnerships.clear()
    organization = world.records[ALPHA]["organization"]
    # Only through the participation in an activity of BRAVO's... made a draft.
    bravo_activity = world.records[BRAVO]["activity"]
    factories.participation(activity=bravo_activity, organization=organization)
    assert Organization.objects.in_partnership(world.bravo).filter(pk=organization.pk).exists()
    Activity.objects.filter(pk=bravo_activity.pk).update(status=Status.DRAFT)
    Organization.objects.filter(pk=organization.pk)  # unchanged
    readers = Organization.objects.in_partnership(world.bravo)
    staff = Organization.objects.in_partnership(world.bravo, readers=False)
    assert not readers.filter(pk=organization.pk).exists()
    assert staff.filter(pk=organization.pk).exists()


def test_no_record_is_in_a_draft_partnership_for_readers(world):
    world.bravo.status = Status.DRAFT
    world.bravo.save()
    assert not Activity.objects.in_partnership(world.bravo).exists()
    assert Activity.objects.in_partnership(world.bravo, readers=False).count() == 2


# Public pages ----------------------------------------------------------------------------------

SECTIONS = {
    "activities": "Exercises and operations",
    "systems": "Equipment",
    "organizations": "Organizations",
    "people": "People",
    "news": "News",
    "timeline": "Timeline",
}


@pytest.mark.parametrize("section", SECTIONS)
def test_a_scoped_list_shows_only_its_partnerships_records(world, client, section):
    alpha = client.get(f"/en/partnerships/alpha/{section}/")
    assert alpha.status_code == 200
    html = alpha.content.decode()
    assert names_in(html) == {ALPHA, BOTH}
    # Named in the title, the heading and the breadcrumbs.
    assert re.search(r"<title>[^<]*ALPHA", html)
    assert re.search(r"<h1>[^<]*ALPHA</h1>", html)
    assert 'class="breadcrumbs"' in html and 'href="/en/partnerships/alpha/"' in html
    assert "Only the records of ALPHA." in html
    bravo = client.get(f"/en/partnerships/bravo/{section}/").content.decode()
    assert names_in(bravo) == {BRAVO, BOTH}


@pytest.mark.parametrize("section", SECTIONS)
def test_an_unscoped_list_covers_every_partnership_and_says_so(world, client, section):
    html = client.get(f"/en/{section}/").content.decode()
    assert names_in(html) == {ALPHA, BRAVO, BOTH}
    assert "This list covers all partnerships." in html
    assert f'href="/en/partnerships/alpha/{section}/"' in html
    assert f'href="/en/partnerships/bravo/{section}/"' in html
    french = client.get(f"/fr/{section}/").content.decode()
    assert "Cette liste couvre tous les partenariats." in french


def test_scoped_system_figures_count_only_the_partnerships_orders(world, client):
    # An ALPHA vehicle bought for BRAVO too: BRAVO's equipment page counts that order only.
    factories.order(
        slug="bravo-buys-alpha",
        buyer=world.bravo_country,
        system=world.records[ALPHA]["system"],
        agreement=None,
        quantity=13,
    ).partnerships.set([world.bravo])
    bravo = client.get("/en/partnerships/bravo/systems/").content.decode()
    assert f"{ALPHA} vehicle" in bravo
    assert (
        ">13<" in bravo
        and ">7<" not in bravo.split(f"{ALPHA} vehicle", 1)[1].split("</section>")[0]
    )
    alpha = client.get("/en/partnerships/alpha/systems/").content.decode()
    assert ">13<" not in alpha


@pytest.mark.parametrize("feed", ["rss.xml", "atom.xml"])
def test_scoped_news_feeds(world, client, feed):
    alpha = client.get(f"/en/partnerships/alpha/news/{feed}")
    assert alpha.status_code == 200
    text = alpha.content.decode()
    assert names_in(text) == {ALPHA, BOTH}
    assert "ALPHA: news" in text
    assert names_in(client.get(f"/en/news/{feed}").content.decode()) == {ALPHA, BRAVO, BOTH}
    tag = factories.tag(slug="armour")
    world.records[BRAVO]["article"].tags.add(tag)
    world.records[ALPHA]["article"].tags.add(tag)
    tagged = client.get(f"/en/partnerships/bravo/news/tags/armour/{feed}").content.decode()
    assert names_in(tagged) == {BRAVO}


def test_the_partnership_page_shows_only_its_own_programmes_figures_activities_and_facts(
    world, client
):
    html = client.get("/en/partnerships/alpha/").content.decode()
    assert names_in(html) == {ALPHA, BOTH}
    assert "Scorpion" not in html  # CaMo's programme
    assert f"{ALPHA} programme" in html and f"{ALPHA} exercise" in html
    assert f"{ALPHA} vehicle" in html  # its figures
    assert 'href="/en/partnerships/alpha/timeline/"' in html
    camo = client.get("/en/partnerships/camo/").content.decode()
    assert "Scorpion" in camo and not names_in(camo)


def test_the_home_page_figures_are_the_featured_partnerships_only(world, client):
    html = client.get("/en/").content.decode()
    assert "Griffon" in html  # CaMo, the first partnership, is featured
    assert not names_in(html.split('id="figures-heading"', 1)[1].split("</section>", 1)[0])


def test_figures_and_timeline_take_a_partnership(world):
    rows = figures.key_figures(figures.orders_of(world.alpha), figures.context_pairs(world.alpha))
    assert {row["system"].slug for row in rows} == {"alphaonly-vehicle", "bothpartners-vehicle"}
    everything = {row["system"].slug for row in figures.key_figures(figures.orders_of())}
    assert "bravoonly-vehicle" in everything and "griffon" in everything
    titles = " ".join(entry.title for entry in timeline.build(partnership=world.bravo))
    assert names_in(titles) == {BRAVO, BOTH}


@pytest.mark.parametrize(
    "path", ["/en/partnerships/nowhere/activities/", "/en/partnerships/nowhere/news/rss.xml"]
)
def test_an_unknown_partnership_is_a_404(world, client, path):
    assert client.get(path).status_code == 404


def test_a_draft_partnership_is_a_404_for_readers_only(world, client, editor):
    world.bravo.status = Status.DRAFT
    world.bravo.save()
    for path in ("/en/partnerships/bravo/activities/", "/en/partnerships/bravo/timeline/"):
        assert client.get(path).status_code == 404
    staff = Client()
    staff.force_login(editor)
    assert staff.get("/en/partnerships/bravo/activities/").status_code == 200
    # Nor is it offered on the lists covering every partnership.
    assert "/en/partnerships/bravo/" not in client.get("/en/activities/").content.decode()


@pytest.mark.parametrize("section", SECTIONS)
def test_scoped_pages_do_not_grow_with_rows(world, client, section, django_assert_max_num_queries):
    path = f"/en/partnerships/alpha/{section}/"
    client.get(path)
    World.make(world, "Extraone", [world.alpha])
    World.make(world, "Extratwo", [world.alpha])
    with django_assert_max_num_queries(25):
        html = client.get(path).content.decode()
    assert "Extratwo" in html


# API -------------------------------------------------------------------------------------------

LISTS = {
    "activities": "activity",
    "programmes": "programme",
    "orders": "order",
    "events": "event",
    "articles": "article",
    "quotes": "quote",
    "systems": "system",
    "organizations": "organization",
    "people": "person",
}


def api_slugs(client, url):
    response = client.get(url, HTTP_ACCEPT="application/json")
    assert response.status_code == 200, response.content
    return {row.get("slug") or row.get("id") for row in response.json()["results"]}


@pytest.mark.parametrize("name, kind", LISTS.items())
def test_the_api_lists_filter_by_partnership(world, client, name, kind):
    alpha = api_slugs(client, f"/api/v1/{name}/?partnership=alpha&page_size=100")
    mine = {world.records[label][kind].slug for label in (ALPHA, BOTH)}
    theirs = world.records[BRAVO][kind].slug
    assert mine <= alpha and theirs not in alpha
    everything = api_slugs(client, f"/api/v1/{name}/?page_size=100")
    assert theirs in everything
    assert api_slugs(client, f"/api/v1/{name}/?partnership=nowhere") == set()


def test_the_api_filters_deliveries_countries_and_the_timeline(world, client):
    deliveries = client.get("/api/v1/deliveries/?partnership=bravo").json()["results"]
    assert {row["order"] for row in deliveries} == {"bravoonly-order", "bothpartners-order"}
    countries = client.get("/api/v1/countries/?partnership=alpha&page_size=100").json()
    codes = {row["code"] for row in countries["results"]}
    assert world.alpha_country.code in codes and world.bravo_country.code not in codes
    entries = client.get("/api/v1/timeline/?partnership=alpha").json()
    assert names_in(" ".join(entry["title"] for entry in entries)) == {ALPHA, BOTH}
    assert client.get("/api/v1/timeline/?partnership=nowhere").json() == []


def test_the_partnership_filter_is_documented(client):
    schema = client.get("/api/schema/?format=json", HTTP_ACCEPT="application/json").json()
    for name in [*LISTS, "deliveries", "countries"]:
        parameters = schema["paths"][f"/api/v1/{name}/"]["get"]["parameters"]
        assert "partnership" in {parameter["name"] for parameter in parameters}, name
    timeline_parameters = schema["paths"]["/api/v1/timeline/"]["get"]["parameters"]
    assert "partnership" in {parameter["name"] for parameter in timeline_parameters}


def test_records_show_and_take_their_partnerships(world, client, editor):
    both = client.get("/api/v1/activities/bothpartners-exercise/").json()
    assert sorted(both["partnerships"]) == ["alpha", "bravo"]
    factories.cite(world.records[ALPHA]["activity"])
    staff = Client()
    staff.force_login(editor)
    response = staff.patch(
        "/api/v1/activities/alphaonly-exercise/",
        {"partnerships": ["bravo"]},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert list(world.records[ALPHA]["activity"].partnerships.values_list("slug", flat=True)) == [
        "bravo"
    ]
    refused = client.patch(
        "/api/v1/activities/alphaonly-exercise/",
        {"partnerships": ["alpha"]},
        content_type="application/json",
    )
    assert refused.status_code in (401, 403)


def test_a_hidden_partnership_is_not_named_by_the_api(world, client):
    world.bravo.status = Status.DRAFT
    world.bravo.save()
    both = client.get("/api/v1/events/bothpartners-meeting/").json()
    assert both["partnerships"] == ["alpha"]
    assert api_slugs(client, "/api/v1/activities/?partnership=bravo") == set()


def test_the_api_filter_does_not_grow_with_rows(world, client, django_assert_max_num_queries):
    client.get("/api/v1/activities/?partnership=alpha")
    counts = []
    for extra in ("Extraone", "Extratwo"):
        World.make(world, extra, [world.alpha])
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            rows = client.get("/api/v1/activities/?partnership=alpha&page_size=100").json()
        counts.append(len(queries))
    assert extra.lower() + "-exercise" in {row["slug"] for row in rows["results"]}
    assert counts[0] == counts[1]
    with django_assert_max_num_queries(20):
        client.get("/api/v1/orders/?partnership=alpha&page_size=100")


# Admin -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("model", ["activity", "programme", "order", "event", "article", "quote"])
def test_the_admin_edits_and_filters_by_partnership(world, admin_client, model):
    changelist = admin_client.get(
        f"/admin/partnership/{model}/?partnerships__id__exact={world.bravo.pk}"
    )
    assert changelist.status_code == 200
    rows = changelist.content.decode().split('id="result_list"', 1)[1].split("</table>", 1)[0]
    assert names_in(rows) == {BRAVO, BOTH}
    record = world.records[BRAVO][model]
    form = admin_client.get(f"/admin/partnership/{model}/{record.pk}/change/").content.decode()
    assert 'name="partnerships"' in form


# Migration -------------------------------------------------------------------------------------

BEFORE = [("partnership", "0012_merge_0011a_throttle_cache_table_0011c_slug_history")]
AFTER = [("partnership", "0013_scope")]


@pytest.mark.django_db(transaction=True)
def test_the_migration_attaches_existing_records_to_their_partnership():
    """Built at 0012 (an event naming its partnership, an order under an agreement, records
    naming none), migrated to 0013: every record is attached to CaMo, the only partnership."""
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    Partnership = old.get_model("partnership", "Partnership")
    camo = Partnership.objects.get_or_create(slug="camo", defaults={"name": "CaMo"})[0]
    # A database from before 0013 holds CaMo only: the dataset's other partnerships go.
    others = Partnership.objects.exclude(pk=camo.pk)
    old.get_model("partnership", "Event").objects.filter(partnership__in=others).update(
        partnership=None
    )
    old.get_model("partnership", "Order").objects.filter(agreement__partnership__in=others).delete()
    old.get_model("partnership", "Agreement").objects.filter(partnership__in=others).delete()
    others.delete()
    assert Partnership.objects.count() == 1
    country = old.get_model("partnership", "Country").objects.get_or_create(
        code="ZZ", defaults={"slug": "zz", "name": "Zedland"}
    )[0]
    programme = old.get_model("partnership", "Programme").objects.create(slug="m-prog", name="P")
    system = old.get_model("partnership", "System").objects.create(
        slug="m-system", name="S", category="other", programme=programme
    )
    agreement = old.get_model("partnership", "Agreement").objects.create(
        slug="m-agreement", title="A", kind="tranche", partnership=camo
    )
    Order = old.get_model("partnership", "Order")
    under = Order.objects.create(
        slug="m-under", buyer=country, system=system, quantity=1, agreement=agreement
    )
    alone = Order.objects.create(slug="m-alone", buyer=country, system=system, quantity=1)
    # The programme's lead country buying for itself (France's own Scorpion orders): context,
    # not the partnership's.
    lead = old.get_model("partnership", "Country").objects.create(
        code="ZY", slug="zy", name="Leadland"
    )
    old.get_model("partnership", "ProgrammeParticipant").objects.create(
        programme=programme, country=lead, role="lead"
    )
    national = Order.objects.create(slug="m-national", buyer=lead, system=system, quantity=1)
    Event = old.get_model("partnership", "Event")
    named = Event.objects.create(
        slug="m-named", title="E", kind="meeting", date=datetime.date(2020, 1, 1), partnership=camo
    )
    unnamed = Event.objects.create(
        slug="m-unnamed", title="F", kind="meeting", date=datetime.date(2020, 1, 1)
    )
    activity = old.get_model("partnership", "Activity").objects.create(
        slug="m-act", name="X", kind="exercise"
    )
    article = old.get_model("partnership", "Article").objects.create(
        slug="m-article", title="T", published_on=datetime.date(2020, 1, 1)
    )
    person = old.get_model("partnership", "Person").objects.create(slug="m-person", name="N")
    quote = old.get_model("partnership", "Quote").objects.create(
        slug="m-quote", text="Q", person=person
    )

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    for model, pk in (
        ("Order", under.pk),
        ("Order", alone.pk),
        ("Event", named.pk),
        ("Event", unnamed.pk),
        ("Activity", activity.pk),
        ("Programme", programme.pk),
        ("Article", article.pk),
        ("Quote", quote.pk),
    ):
        row = new.get_model("partnership", model).objects.get(pk=pk)
        assert list(row.partnerships.values_list("slug", flat=True)) == ["camo"], (model, pk)
    assert (
        not new.get_model("partnership", "Order").objects.get(pk=national.pk).partnerships.exists()
    )

    # Back and forth: the event names its partnership again, then is attached again.
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    back = executor.loader.project_state(BEFORE).apps
    assert (
        back.get_model("partnership", "Event").objects.get(pk=unnamed.pk).partnership_id == camo.pk
    )
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


# Imports ---------------------------------------------------------------------------------------


def test_imports_and_exports_carry_partnerships(world, admin_client):
    from tests.test_imports import confirm, csv_upload, export, post_import, read_csv

    admin_client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    template = world.records[ALPHA]["order"]
    header = ["slug", "buyer", "system", "quantity", "partnerships"]
    row = ["imported-order", template.buyer.code, template.system.slug, 3]
    refused = post_import(admin_client, Order, csv_upload(header, [[*row, "alpha, nowhere"]]))
    errors = [
        str(e.error)
        for _number, row_errors in refused.context["result"].row_errors()
        for e in row_errors
    ]
    assert errors == ["No partnership has the slug “nowhere”."]
    assert "confirm_form" not in refused.context
    preview = post_import(admin_client, Order, csv_upload(header, [[*row, "alpha, bravo"]]))
    assert confirm(admin_client, Order, preview).status_code == 302
    imported = Order.objects.get(slug="imported-order")
    assert sorted(imported.partnerships.values_list("slug", flat=True)) == ["alpha", "bravo"]
    exported = read_csv(export(admin_client, Order, query=f"?slug={imported.slug}"))
    by_slug = {line["slug"]: line for line in exported}
    assert sorted(by_slug["imported-order"]["partnerships"].split(",")) == ["alpha", "bravo"]
