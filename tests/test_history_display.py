"""History as curators read it: values as readers see them, full texts with word-level
highlighting, no internal field, comments in the reader's language, and the desk's recent
changes naming the record changed."""

import json
import re

import pytest
import reversion
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import capfirst
from reversion.models import Revision, Version

from partnership.comments import comment, describe_comment
from partnership.history import (
    describe_changes,
    describe_value,
    row_label,
    row_labels,
)
from partnership.models import Citation, Country, Delivery, Order, Organization, Status, System
from partnership.templatetags.curation import recent_changes
from tests import factories

pytestmark = pytest.mark.django_db


def fields_of(obj) -> dict:
    """What django-reversion stores for `obj`."""
    return json.loads(serializers.serialize("json", [obj]))[0]["fields"]


def changes(model, before, after) -> dict:
    return {change.field: change for change in describe_changes(model, before, after)}


@pytest.fixture
def order():
    return factories.order(quantity=40, summary="Forty vehicles.")


class TestValues:
    def test_choices_show_their_label_and_fields_their_verbose_name(self, order):
        before = fields_of(order)
        after = before | {"status": "review", "order_status": "completed"}
        shown = changes(Order, before, after)
        assert shown["Status"].before == "Published"
        assert shown["Status"].after == "In review"
        assert shown["Order status"].after == "Completed"
        assert str(shown["Status"].html) == "<del>Published</del> → <ins>In review</ins>"

    def test_translated_columns_are_named_with_their_language(self, order):
        before = fields_of(order)
        after = before | {"summary": "Quarante véhicules.", "summary_nl": "Veertig voertuigen."}
        assert list(changes(Order, before, after)) == ["Summary (French)", "Summary (Dutch)"]

    def test_a_partial_date_is_one_value_in_the_readers_language(self, order):
        before = fields_of(order) | {"ordered_on": "2019-06-21", "ordered_on_precision": 4}
        after = before | {"ordered_on": "2019-06-01", "ordered_on_precision": 3}
        shown = describe_changes(Order, before, after)
        assert [(c.field, c.before, c.after) for c in shown] == [
            ("Ordered on", "21 June 2019", "June 2019")
        ]
        with translation.override("fr"):
            (change,) = describe_changes(Order, before, after)
            assert (change.field, change.before, change.after) == (
                "Commandé le",
                "21 juin 2019",
                "juin 2019",
            )
        decade = before | {"ordered_on": "2010-01-01", "ordered_on_precision": 1}
        assert describe_value(Order, decade, "ordered_on") == "2010s"
        assert describe_value(Order, decade, "ordered_on_precision") == "2010s"

    def test_a_change_of_precision_alone_is_a_change_of_the_date(self, order):
        before = fields_of(order) | {"ordered_on": "2019-01-01", "ordered_on_precision": 4}
        after = before | {"ordered_on_precision": 2}
        (change,) = describe_changes(Order, before, after)
        assert (change.field, change.before, change.after) == (
            "Ordered on",
            "1 January 2019",
            "2019",
        )

    def test_times_in_the_readers_time_zone_and_format(self, order):
        before = fields_of(order)
        after = before | {"publish_at": "2024-05-01T10:00:00Z"}
        (change,) = describe_changes(Order, before, after)
        assert (change.field, change.before) == ("Publish at", "—")
        assert change.after == "May 1, 2024, noon"  # Paris: UTC+2
        with translation.override("fr"):
            assert describe_value(Order, after, "publish_at") == "1 mai 2024 12:00"

    def test_booleans_numbers_and_empty_values(self, order):
        before = fields_of(order)
        after = before | {"deliveries_tracked": False, "amount": "1500000.50", "quantity": 1200}
        shown = changes(Order, before, after)
        tracked = shown[capfirst(Order._meta.get_field("deliveries_tracked").verbose_name)]
        assert (tracked.before, tracked.after) == ("Yes", "No")
        assert (shown["Value"].before, shown["Value"].after) == ("—", "1,500,000.50")
        assert shown["Quantity ordered"].after == "1,200"

    def test_related_records_by_name_deleted_ones_by_number(self, order):
        supplier = factories.organization(name="Arquus", short_name="")
        before = fields_of(order)
        after = before | {"supplier": supplier.pk, "buyer": 999999}
        shown = changes(Order, before, after)
        assert (shown["Supplier"].before, shown["Supplier"].after) == ("—", "Arquus")
        assert shown["Buyer"].before == str(order.buyer)
        assert shown["Buyer"].after == "deleted country #999999"

    def test_many_to_many_by_names_marking_who_left_and_who_came(self):
        stays, leaves, comes = (
            factories.organization(name=name, short_name="")
            for name in ("Arquus", "KNDS", "Thales")
        )
        system = factories.system()
        system.manufacturers.set([stays, leaves])
        before = fields_of(system)
        after = before | {"manufacturers": [stays.pk, comes.pk]}
        (change,) = describe_changes(System, before, after)
        assert (change.field, change.before, change.after) == (
            "Manufacturers",
            "Arquus, KNDS",
            "Arquus, Thales",
        )
        assert str(change.html) == "Arquus, <del>KNDS</del>, <ins>Thales</ins>"

    def test_specifications_read_as_label_value_pairs(self):
        system = factories.system(specifications={"Crew": 2, "Main armament": "120 mm mortar"})
        assert describe_value(System, fields_of(system), "specifications") == (
            "Crew: 2; Main armament: 120 mm mortar"
        )

    def test_related_names_cost_one_query_per_related_model(
        self, order, django_assert_max_num_queries
    ):
        order.supplier = factories.organization()
        order.contracting_authority = factories.organization()
        order.save()
        fields = fields_of(order)
        # Buyer (country), system, agreement, and both organizations in one query.
        with django_assert_max_num_queries(4):
            shown = changes(Order, None, fields)
        assert shown["Supplier"].after == str(order.supplier)
        assert shown["Contracting authority"].after == str(order.contracting_authority)


class TestHiddenFields:
    def test_bookkeeping_never_shows(self, order):
        before = fields_of(order)
        after = before | {
            "created_at": "2030-01-01T00:00:00Z",
            "updated_at": "2030-01-01T00:00:00Z",
            "translation_sources": {"summary:nl": "0000"},
            "outdated_translations": "summary:nl",
            "withdrawn_at": "2030-01-01T00:00:00Z",
        }
        assert describe_changes(Order, before, after) == []

    def test_an_added_row_lists_its_values_not_its_bookkeeping_nor_its_parent(self, order):
        delivery = factories.delivery(order=order, quantity=20, recipient=None)
        shown = changes(Delivery, None, fields_of(delivery))
        assert list(shown) == ["Delivered on", "Quantity delivered"]
        assert str(shown["Quantity delivered"].html) == "<ins>20</ins>"
        removed = changes(Delivery, fields_of(delivery), None)
        assert str(removed["Quantity delivered"].html) == "<del>20</del>"

    def test_django_change_messages_drop_internal_fields(self):
        stored = json.dumps([{"changed": {"fields": ["loaded_at", "Role", "Updated"]}}])
        assert describe_comment(stored) == "Changed Role."
        stored = json.dumps([{"changed": {"fields": ["loaded_at", "Role (French)"]}}])
        with translation.override("fr"):
            assert describe_comment(stored) == "Modification de Rôle (Français)."
        assert describe_comment(json.dumps([{"changed": {"fields": ["loaded_at"]}}])) == (
            "No fields changed."
        )


LONG_BEFORE = (
    "The Griffon carries ten soldiers and a remote weapon station armed with a machine gun, "
    "and it shares its electronics with the Jaguar and the Serval of the Scorpion programme."
)
LONG_AFTER = LONG_BEFORE.replace("ten soldiers", "eight <script>alert(1)</script> soldiers")


class TestLongTexts:
    def test_whole_text_with_only_the_changed_words_marked_and_escaped(self, order):
        before = fields_of(order) | {"summary": LONG_BEFORE}
        after = before | {"summary": LONG_AFTER}
        (change,) = describe_changes(Order, before, after)
        html = str(change.html)
        assert change.before == LONG_BEFORE and change.after == LONG_AFTER  # not truncated
        assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "<del>ten</del>" in html
        assert "<ins>eight &lt;script&gt;alert(1)&lt;/script&gt;</ins>" in html
        # Unchanged words, to the last one, are there unmarked.
        assert "The Griffon carries " in html and "the Scorpion programme.</span>" in html
        assert re.sub(r"</?(del|ins|span)[^>]*>", "", html).count("Scorpion") == 1

    def test_a_changed_word_is_marked_whole(self, order):
        before = fields_of(order) | {"summary": LONG_BEFORE}
        after = before | {"summary": LONG_BEFORE.replace("shares", "shared")}
        (change,) = describe_changes(Order, before, after)
        assert "<del>shares</del><ins>shared</ins>" in str(change.html)

    def test_the_history_page_shows_full_texts_and_their_diff(self, client, django_user_model):
        editor = factories.staff("Editor", "editor-long")
        with reversion.create_revision():
            system = factories.system(summary=LONG_BEFORE)
            factories.cite(system)
        with reversion.create_revision():
            system.summary = LONG_AFTER
            system.save()
        client.force_login(editor)
        page = client.get(reverse("admin:partnership_system_history", args=[system.pk]))
        html = page.content.decode()
        assert "<del>ten</del>" in html and "the Scorpion programme." in html
        assert "<script>alert" not in html
        assert 'class="history-changes"' in html and "css/admin.css" in html
        assert "style=" not in html.split('id="content-main"')[1]


class TestRowLabels:
    def test_a_row_is_named_by_its_type_and_name(self, order):
        delivery = factories.delivery(order=order, quantity=20, recipient=None)
        with translation.override("en"):
            label = row_label(Delivery, fields_of(delivery))
        assert label == f"Delivery: 20 — {delivery.delivered}"

    def test_citations_are_named_by_their_source_in_one_query_per_relation(
        self, order, django_assert_max_num_queries
    ):
        cited = [
            factories.cite(order, source=factories.source(title=f"Report {i}")) for i in range(5)
        ]
        rows = [fields_of(citation) for citation in cited]
        # The first row's source, then the others' in one query.
        with django_assert_max_num_queries(2):
            labels = row_labels(Citation, rows)
        assert labels == [f"Citation: {citation.source}" for citation in cited]

    def test_a_row_whose_related_record_is_gone_still_gets_a_name(self, order):
        appointment = factories.appointment(title="Chief of staff")
        fields = fields_of(appointment) | {"organization": 999999}
        assert row_label(type(appointment), fields).startswith("Appointment: ")


class TestComments:
    def test_our_comments_are_stored_as_keys_and_read_in_the_readers_language(self):
        stored = comment("status", status=Status.PUBLISHED)
        assert json.loads(stored) == {"comment": "status", "params": {"status": "published"}}
        assert describe_comment(stored) == "Status: Published"
        with translation.override("fr"):
            assert describe_comment(stored) == "Statut : Publié"
            assert describe_comment(comment("imported", file="x.csv")) == "Importé depuis x.csv"
        assert describe_comment(comment("imported", file=None)) == "Imported from a file"
        assert describe_comment(comment("loaded")) == "Loaded from the dataset files"
        with pytest.raises(ValueError):
            comment("no-such-comment")

    def test_a_revert_names_the_date_in_the_readers_time_zone(self):
        stored = comment("reverted", date="2024-05-01T10:00:00+00:00")
        assert describe_comment(stored) == (
            "Reverted to previous version, saved on May 1, 2024, noon"
        )

    def test_old_plain_comments_show_as_they_are(self):
        assert describe_comment("Fixed the date after a call") == "Fixed the date after a call"
        assert describe_comment("") == ""

    def test_the_dataset_load_is_a_keyed_comment(self):
        loads = Revision.objects.filter(comment=comment("loaded"))
        assert loads.exists()

    def test_saved_by_a_french_admin_read_by_an_english_one(self, django_user_model):
        french_editor = factories.staff("Editor", "redacteur")
        english_editor = factories.staff("Editor", "editor-en")
        with reversion.create_revision():
            system = factories.system(role="Transport", status=Status.DRAFT)
            factories.cite(system)
        french = Client(HTTP_ACCEPT_LANGUAGE="fr")
        french.force_login(french_editor)
        url = reverse("admin:partnership_system_change", args=[system.pk])
        page = french.get(url).content.decode()
        assert 'lang="fr"' in page
        loaded = re.search(r'name="loaded_at" value="([^"]*)"', page).group(1)
        data = {
            "slug": system.slug,
            "name": system.name,
            "category": system.category_id,
            "role": "Appui feu",
            "status": system.status,
            "programme": system.programme_id,
            "specifications": "{}",
            "loaded_at": loaded,
            "variants-TOTAL_FORMS": 0,
            "variants-INITIAL_FORMS": 0,
        } | factories.citations_inline_data(system)
        assert french.post(url, data).status_code == 302
        action = french.post(
            reverse("admin:partnership_system_changelist"),
            {"action": "publish", "_selected_action": [system.pk]},
        )
        assert action.status_code == 302
        system.refresh_from_db()
        assert (system.role, system.status) == ("Appui feu", Status.PUBLISHED)
        english = Client(HTTP_ACCEPT_LANGUAGE="en")
        english.force_login(english_editor)
        history = english.get(
            reverse("admin:partnership_system_history", args=[system.pk])
        ).content.decode()
        assert "Changed Role (French)" in history
        assert "Status: Published" in history
        assert "Modification" not in history and "Statut" not in history
        assert "loaded" not in re.sub(r"<[^>]+>", "", history.split('id="change-history"')[1])
        desk = english.get(reverse("admin:index")).content.decode()
        assert "Status: Published" in desk and "Changed Role (French)" in desk


def in_revision(record, *, user=None, text=""):
    with reversion.create_revision():
        if user is not None:
            reversion.set_user(user)
        reversion.set_comment(text)
        reversion.add_to_revision(record)


def revision_from_before_the_split(records, text):
    """A revision holding several records, as saved before each record had its own."""
    revision = Revision.objects.create(date_created=timezone.now(), comment=text)
    for record in records:
        Version.objects.create(
            revision=revision,
            object_id=str(record.pk),
            content_type=ContentType.objects.get_for_model(record),
            db="default",
            format="json",
            serialized_data=serializers.serialize("json", [record]),
            object_repr=str(record),
        )
    return revision


class TestEditorsDesk:
    def test_names_and_links_the_record_changed_who_and_why(
        self, client, django_user_model, django_assert_max_num_queries
    ):
        editor = factories.staff("Editor", "desk-editor")
        systems = [factories.system(name=f"Desk system {i}") for i in range(9)]
        for system in systems:
            factories.cite(system)
            in_revision(system, user=editor, text=comment("status", status="review"))
        countries = [factories.country(name=f"Desk country {i}") for i in range(5)]
        revision_from_before_the_split(countries, comment("imported", file="countries.csv"))
        Country.objects.filter(pk=countries[0].pk).delete()
        # Ten saves, naming records of two types: a constant number of queries (the saves, their
        # revisions, their versions, the authors, one query per record type for the names).
        with django_assert_max_num_queries(8):
            rows = recent_changes(editor)
        assert [record["name"] for record in rows[1]["records"]] == ["Desk system 8"]
        client.force_login(editor)
        page = client.get(reverse("admin:index")).content.decode()
        panel = page.split("Recently changed")[1].split("Recently deleted")[0]
        link = reverse("admin:partnership_system_change", args=[systems[-1].pk])
        assert f'<a href="{link}">Desk system 8</a> <span class="quiet">(system)</span>' in panel
        assert "by desk-editor" in panel and "Status: In review" in panel
        # The citation saved with each system is not what the desk names.
        assert "Citation" not in panel and "Publisher" not in panel
        assert "Imported from countries.csv" in panel
        assert 'Desk country 0 <span class="quiet">(country, deleted)</span>' in panel
        link = reverse("admin:partnership_country_change", args=[countries[2].pk])
        assert f'<a href="{link}">Desk country 2</a>' in panel
        assert "and 2 more" in panel and "Desk country 3" not in panel

    def test_the_desk_page_stays_within_its_query_budget(
        self, client, django_user_model, django_assert_max_num_queries
    ):
        editor = factories.staff("Editor", "desk-budget")
        made = [factories.make((Order, Organization, System)[i % 3]) for i in range(10)]
        for record in made:
            in_revision(record, user=editor)
        client.force_login(editor)
        with django_assert_max_num_queries(60):
            page = client.get(reverse("admin:index")).content.decode()
        for record in made:
            name = record._meta.model_name
            link = reverse(f"admin:partnership_{name}_change", args=[record.pk])
            assert f'<a href="{link}">' in page


def test_a_save_of_many_records_is_one_line_on_the_desk(client):
    """The dataset load gave each record its own revision; the desk shows it as one save."""
    editor = factories.staff("Editor")
    client.force_login(editor)
    panel = client.get(reverse("admin:index")).content.decode()
    panel = panel.split("Recently changed")[1].split("Recently deleted")[0]
    assert panel.count("Loaded from the dataset files") == 1
    assert "more" in panel
