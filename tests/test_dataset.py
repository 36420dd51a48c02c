"""The real CaMo dataset: key facts present with their sources, loaded idempotently."""

import datetime

import pytest
import yaml
from django.apps import apps
from django.core.management import call_command

from partnership.claims import disputed
from partnership.dates import Precision
from partnership.loading import DEFAULT_PATH, DatasetError, Loader
from partnership.models import (
    Activity,
    Agreement,
    Article,
    Certainty,
    Country,
    Event,
    Order,
    Organization,
    Partnership,
    Person,
    Quote,
    Source,
    Status,
)
from partnership.sourcing import fact_models, unsourced_records
from tests import factories

pytestmark = pytest.mark.django_db


def row_counts():
    return {
        model._meta.label: model.objects.count()
        for model in apps.get_app_config("partnership").get_models()
    }


def sources_of(record):
    return {citation.source.url for citation in record.citations.select_related("source")}


def order(buyer, system, quantity):
    return Order.objects.get(buyer__code=buyer, system__slug=system, quantity=quantity)


class TestLoader:
    def test_a_second_run_changes_nothing(self):
        before = row_counts()
        stats = Loader.from_file().run()
        assert row_counts() == before
        assert sum(counts["created"] + counts["updated"] for counts in stats.values()) == 0
        assert sum(counts["unchanged"] for counts in stats.values()) > 500

    def test_the_command_reports_what_it_did(self, capsys):
        call_command("load_dataset")
        assert "0 created, 0 updated" in capsys.readouterr().out

    def test_an_edited_field_is_restored_and_reported(self):
        griffon = order("BE", "griffon", 382)
        Order.objects.filter(pk=griffon.pk).update(quantity=383)
        stats = Loader.from_file().run()
        assert Order.objects.get(pk=griffon.pk).quantity == 382
        assert stats["orders"]["updated"] == 1

    def test_a_bad_record_aborts_the_whole_load(self, tmp_path):
        data = {
            "sources": [
                {"slug": "brand-new-source", "title": "New", "url": "https://example.org/new"}
            ],
            "organizations": [
                {
                    "slug": "orphan",
                    "name": "Orphan",
                    "kind": "unit",
                    "parent": "missing",
                    "sources": ["brand-new-source"],
                }
            ],
        }
        path = tmp_path / "bad.yaml"
        path.write_text(yaml.safe_dump(data))
        before = row_counts()
        with pytest.raises(
            DatasetError, match=r"organizations\[0\]\.parent: no organization 'missing'"
        ):
            Loader.from_file(path).run()
        assert row_counts() == before
        assert not Source.objects.filter(slug="brand-new-source").exists()

    @pytest.mark.parametrize(
        ("record", "message"),
        [
            (
                {"slug": "x", "name": "X", "kind": "unit", "colour": "red", "sources": ["s"]},
                "unknown key",
            ),
            ({"slug": "x", "name": "X", "kind": "unit"}, "needs at least one source"),
            ({"slug": "x", "name": "X", "kind": "castle", "sources": ["s"]}, "kind"),
            (
                {
                    "slug": "x",
                    "name": "X",
                    "kind": "unit",
                    "founded_on": "22/11/2018",
                    "sources": ["s"],
                },
                "not a partial date",
            ),
        ],
    )
    def test_bad_records_are_named_with_their_place_in_the_file(self, tmp_path, record, message):
        data = {
            "sources": [{"slug": "s", "title": "S", "url": "https://example.org/s"}],
            "organizations": [record],
        }
        path = tmp_path / "bad.yaml"
        path.write_text(yaml.safe_dump(data))
        with pytest.raises(DatasetError, match=message) as error:
            Loader.from_file(path).run()
        assert str(error.value).startswith("organizations[0]")

    def test_loaded_records_are_published(self):
        assert not Organization.objects.exclude(status=Status.PUBLISHED).exists()
        assert Order.objects.published().count() == Order.objects.count()

    def test_the_file_is_valid_yaml_with_known_sections(self):
        data = Loader.from_file(DEFAULT_PATH).data
        assert {"sources", "organizations", "orders", "activities", "quotes"} <= set(data)


class TestSourcing:
    def test_every_fact_bearing_record_cites_a_source(self):
        assert unsourced_records() == []

    def test_the_check_catches_an_unsourced_record(self):
        record = factories.organization()
        assert unsourced_records() == [record]

    def test_the_check_covers_every_fact_model(self):
        names = {model.__name__ for model in fact_models()}
        assert {
            "Order",
            "Delivery",
            "Activity",
            "Participation",
            "Quote",
            "Appointment",
            "Agreement",
        } <= names

    def test_every_citation_points_at_an_existing_record(self):
        for model in fact_models():
            for record in model.objects.prefetch_related("citations"):
                for citation in record.citations.all():
                    assert citation.content_object == record

    def test_every_source_has_a_url_or_says_why_not(self):
        for source in Source.objects.all():
            assert source.url or source.notes, source.slug


class TestKeyFacts:
    def test_letter_of_intent(self):
        letter = Agreement.objects.get(kind="letter_of_intent")
        assert letter.signed_on == datetime.date(2017, 6, 29)
        assert {p.name for p in letter.signatories.all()} == {"Florence Parly", "Steven Vandeput"}
        assert (
            "https://be.ambafrance.org/Rencontre-entre-les-Ministres-S-Vandeput-et-F-Parly"
            in sources_of(letter)
        )

    def test_camo_1_signed_and_in_force(self):
        camo1 = Agreement.objects.get(
            kind="intergovernmental_agreement", signed_on=datetime.date(2018, 11, 7)
        )
        assert camo1.in_force_on == datetime.date(2019, 6, 21)
        assert camo1.in_force_on_precision == Precision.DAY
        assert {p.name for p in camo1.signatories.all()} == {"Florence Parly", "Steven Vandeput"}
        assert set(camo1.parties.values_list("code", flat=True)) == {"FR", "BE"}
        assert camo1.citations.count() >= 2
        assert camo1.official_title.startswith(
            "Accord entre le Gouvernement de la République française"
        )

    def test_camo_2(self):
        camo2 = Agreement.objects.get(signed_on=datetime.date(2022, 5, 13))
        assert {p.name for p in camo2.signatories.all()} == {"Ludivine Dedonder", "Florence Parly"}
        assert order("BE", camo2.orders.get().system.slug, 9).agreement == camo2

    @pytest.mark.parametrize(
        ("system", "quantity"),
        [("griffon", 382), ("jaguar", 60), ("griffon", 92)],
    )
    def test_belgian_orders(self, system, quantity):
        placed = order("BE", system, quantity)
        assert placed.citations.exists()

    def test_caesar_and_mepac(self):
        assert Order.objects.get(buyer__code="BE", quantity=9).system.name.startswith("CAESAR")
        mepac = Order.objects.get(buyer__code="BE", quantity=24)
        assert "MEPAC" in str(mepac.system)
        assert mepac.ordered_on == datetime.date(2023, 12, 8)

    def test_the_december_2025_order(self):
        griffon = order("BE", "griffon", 92)
        assert griffon.ordered_on == datetime.date(2025, 12, 30)
        assert griffon.amount == 495_600_000

    def test_serval_keeps_both_disputed_counts_with_their_sources(self):
        serval = Order.objects.get(buyer__code="BE", system__slug="serval")
        assert Order.objects.filter(disputed(Order, "quantity"), pk=serval.pk).exists()
        claims = {
            claim.value: [citation.source.publisher for citation in claim.citations.all()]
            for claim in serval.claims.filter(field="quantity")
        }
        assert {"123", "128"} <= set(claims)
        assert all(claims.values()), "each competing count keeps its own sources"
        preferred = serval.claims.get(field="quantity", rank="preferred")
        assert preferred.value == str(serval.quantity)

    def test_luxembourg_order(self):
        assert order("LU", "jaguar", 38).ordered_on == datetime.date(2025, 12, 17)
        assert order("LU", "griffon", 16).ordered_on == datetime.date(2025, 12, 17)
        luxembourg = Country.objects.get(code="LU").memberships.get()
        assert luxembourg.through.code == "BE"

    def test_french_scorpion_orders_for_context(self):
        assert order("FR", "griffon", 319).ordered_on == datetime.date(2017, 4, 21)
        assert order("FR", "jaguar", 42).ordered_on == datetime.date(2020, 9, 15)

    def test_first_deliveries(self):
        belgian = order("BE", "griffon", 382).deliveries.get()
        assert belgian.delivered_on == datetime.date(2025, 7, 15)
        assert belgian.citations.exists()
        french = order("FR", "griffon", 319).deliveries.get(delivered_on=datetime.date(2019, 7, 4))
        assert french.quantity == 6

    def test_staden_site_inauguration(self):
        event = Event.objects.get(date=datetime.date(2024, 4, 23))
        assert "Staden" in f"{event.title} {event.summary} {event.place}"
        assert event.citations.exists()

    def test_celtic_uprise_editions_2019_to_2025(self):
        editions = Activity.objects.filter(name__startswith="Celtic Uprise").exclude(parent=None)
        years = sorted(e.start.year if e.start else int(e.edition) for e in editions)
        assert years == [2019, 2020, 2021, 2022, 2023, 2024, 2025]
        assert editions.get(is_cancelled=True).edition.startswith("2020")
        assert all(e.citations.exists() for e in editions)

    def test_mission_aigle_rotations_name_their_units(self):
        aigle = Activity.objects.filter(name__icontains="Aigle", parent=None).get()
        rotations = aigle.editions.all()
        assert rotations.count() >= 3
        units = {
            p.organization.name
            for r in rotations
            for p in r.participations.exclude(organization=None)
        }
        assert any("Lanciers" in u for u in units)

    def test_organizations_hierarchy(self):
        brigade = Organization.objects.get(name_en="Motorised Brigade")
        assert brigade.founded_on == datetime.date(2018, 11, 22)
        assert brigade.children.count() >= 5

    def test_people_and_appointments(self):
        de_sorbier = Person.objects.get(name__contains="de Sorbier")
        assert de_sorbier.appointments.exists()
        assert Person.objects.get(name__contains="Verstraelen").appointments.exists()

    def test_the_three_quotes_of_the_source_article(self):
        quotes = Quote.objects.select_related("person", "article")
        assert quotes.count() >= 3
        speakers = sorted(q.person.name for q in quotes)
        assert sum("de Sorbier" in s for s in speakers) == 2
        assert sum("Verstraelen" in s for s in speakers) == 1
        assert any("Ce partenariat est incarné" in q.text for q in quotes)
        assert all(q.citations.exists() and q.article for q in quotes)

    def test_the_source_article_and_its_related_content(self):
        main = Article.objects.get(title__startswith="CaMo : une coopération franco-belge")
        assert main.related.count() == 3
        # its publication date is not shown by our copy: the year is an estimate
        assert main.claims.get(field="published_on").certainty == Certainty.ESTIMATE
        assert main.links.exists()
        dates = sorted(a.published_on for a in main.related.all())
        assert dates == [
            datetime.date(2025, 3, 13),
            datetime.date(2025, 3, 28),
            datetime.date(2025, 5, 9),
        ]

    def test_partnership_members(self):
        camo = Partnership.objects.get(acronym="CaMo")
        roles = dict(camo.memberships.values_list("country__code", "role"))
        assert roles == {"FR": "founding_member", "BE": "founding_member", "LU": "joined_through"}

    def test_unverified_facts_are_flagged(self):
        joined = Country.objects.get(code="BE").programmes.get(programme__slug="scorpion")
        assert joined.claims.get(field="joined_on").certainty == Certainty.ESTIMATE
        assert joined.uncertainty
