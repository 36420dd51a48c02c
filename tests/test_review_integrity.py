"""A revert or a recovery touches one record and the rows it owns, nothing else saved with it;
history is one revision per record; a published record shows a published source."""

import io
import json

import pytest
from django.core import serializers
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from rest_framework.test import APIClient
from reversion.models import Revision, Version

from partnership import records, revisions, workflow
from partnership.comments import comment
from partnership.models import (
    RECORD_TYPES,
    Citation,
    Delivery,
    Fact,
    Order,
    Quote,
    Status,
    System,
)
from partnership.review import ReviewGate
from partnership.sourcing import SourcingError, published_without_visible_source
from partnership.states import RecordState
from tests import factories
from tests.admin_forms import change_url, form_errors, page_form, submit

pytestmark = pytest.mark.django_db


def dump(exclude=frozenset()) -> dict:
    """Every row of every record table, serialized, except the (label, pk) keys in `exclude`."""
    rows = {}
    for model in records.app_models():
        for data in json.loads(serializers.serialize("json", model._base_manager.order_by("pk"))):
            key = (data["model"], str(data["pk"]))
            if key not in exclude:
                rows[key] = data["fields"]
    return rows


def owned_keys(model, pk) -> set:
    state = RecordState.live(model, pk)
    return set(state.rows) if state else set()


def post_form(client, url, changes=None):
    page = client.get(url)
    assert page.status_code == 200, url
    data = page_form(page.content.decode()) | (changes or {}) | {"_save": "1"}
    data.pop("csrfmiddlewaretoken", None)
    return client.post(url, data)


class TestOneRevisionPerRecord:
    def test_the_dataset_load_gave_each_record_its_own_revision(self):
        for revision in Revision.objects.prefetch_related("version_set")[:400]:
            roots = {
                revisions.row_root(json.loads(v.serialized_data)[0])
                for v in revision.version_set.all()
            }
            assert len(roots) == 1, (revision.comment, roots)

    def test_a_revision_of_several_records_is_split_with_its_user_date_and_comment(self, editor):
        first, second = factories.system(), factories.system()
        with ReviewGate(editor, comment=comment("loaded")):
            first.save()
            second.save()
        for record in (first, second):
            version = Version.objects.get_for_object(record).get()
            assert version.revision.user == editor
            assert json.loads(version.revision.comment)["comment"] == "loaded"
            assert {v.object_id for v in version.revision.version_set.all()} >= {str(record.pk)}
        assert (
            Version.objects.get_for_object(first).get().revision_id
            != Version.objects.get_for_object(second).get().revision_id
        )

    def test_split_repairs_a_database_loaded_as_one_revision(self):
        first, second = factories.system(), factories.order()
        revision = Revision.objects.create(date_created=timezone.now(), comment="one for all")
        for record in (first, second, *second.citations.all()):
            Version.objects.create(
                revision=revision,
                content_type=records.ContentType.objects.get_for_model(type(record)),
                object_id=str(record.pk),
                db="default",
                format="json",
                serialized_data=serializers.serialize("json", [record]),
                object_repr=str(record),
            )
        assert revisions.split_all() == 1
        assert Revision.objects.filter(comment="one for all").count() == 2
        assert revisions.split_all() == 0  # idempotent

    def test_a_child_row_changed_on_its_own_is_a_new_version_of_its_record(self, editor):
        order = factories.order(quantity=10)
        factories.cite(order)
        with ReviewGate(editor):
            delivery = factories.delivery(order=order, quantity=2)
        with ReviewGate(editor):
            delivery.quantity = 3
            delivery.save()
        history = revisions.record_history(Order, order.pk)
        last = history[-1]["diff"]
        assert [row.kind for row in last.rows] == ["changed"]
        assert last.rows[0].changes[0].before == "2"
        assert last.rows[0].changes[0].after == "3"


class TestRevertTouchesOneRecord:
    def test_revert_after_the_dataset_load_changes_that_record_alone(self, client, editor):
        quote = Quote.objects.filter(status=Status.PUBLISHED).first()
        order = Order.objects.get(slug="be-griffon-camo-1")
        system = System.objects.get(slug="jaguar")
        loaded = Version.objects.get_for_object(system).order_by("pk").first()
        client.force_login(editor)
        # Work done since the load, by others, which the revert must leave alone.
        with ReviewGate(editor):
            workflow.transition(quote, user=editor, to=Status.WITHDRAWN, reason="Misquoted.")
        with ReviewGate(editor):
            order.summary = "Edited after the load"
            order.save()
        with ReviewGate(editor):
            system.role = "Edited after the load"
            system.save()
        before = dump(exclude=owned_keys(System, system.pk))
        url = reverse("admin:partnership_system_revision", args=[system.pk, loaded.pk])
        page = client.get(url)
        assert page.status_code == 200
        assert "Edited after the load" in page.content.decode()  # the preview shows the change
        response = post_form(client, url)
        assert response.status_code == 302, form_errors(response)
        assert dump(exclude=owned_keys(System, system.pk)) == before
        system.refresh_from_db()
        assert system.role == json.loads(loaded.serialized_data)[0]["fields"]["role"]
        # The history stays true: the revert is a new version of this record only.
        newest = Version.objects.get_for_object(system).order_by("-pk").first()
        assert json.loads(newest.revision.comment)["comment"] == "reverted"
        assert {v.content_type.model for v in newest.revision.version_set.all()} <= {
            "system",
            "variant",
            "citation",
        }

    def test_revert_after_an_import_changes_that_order_alone(self, client, editor):
        orders = [factories.order(quantity=50), factories.order(quantity=50)]
        for order in orders:
            factories.cite(order)
            with ReviewGate(editor):
                order.save()
        client.force_login(editor)
        upload = io.BytesIO(
            "order,delivered,quantity\n"
            f"{orders[0].slug},2026-01,5\n{orders[1].slug},2026-02,6\n".encode()
        )
        upload.name = "two-orders.csv"
        preview = client.post(
            reverse("admin:partnership_delivery_import"),
            {"import_file": upload, "format": "0", "resource": "0"},
        )
        form = preview.context["confirm_form"]
        client.post(
            reverse("admin:partnership_delivery_process_import"),
            {name: form[name].value() for name in form.fields},
        )
        assert Delivery.objects.filter(order__in=orders).count() == 2
        first = orders[0]
        before_import = Version.objects.get_for_object(first).order_by("pk").first()
        before = dump(exclude=owned_keys(Order, first.pk))
        url = reverse("admin:partnership_order_revision", args=[first.pk, before_import.pk])
        response = post_form(client, url)
        assert response.status_code == 302, form_errors(response)
        assert not Delivery.objects.filter(order=first).exists()
        assert Delivery.objects.filter(order=orders[1]).count() == 1
        # The imported delivery of the first order is gone with the revert; nothing else moved.
        assert dump(exclude=owned_keys(Order, first.pk)) == before


class TestRecover:
    def test_recover_brings_back_the_record_its_rows_and_citations_and_nothing_else(
        self, client, django_user_model
    ):
        root = django_user_model.objects.create_superuser("root-r", "r@example.org", "pw")
        client.force_login(root)
        order = factories.order(quantity=10)
        factories.cite(order)
        with ReviewGate(root):
            for quantity in (2, 3):
                factories.cite(factories.delivery(order=order, quantity=quantity))
            order.save()
        pk, owned = order.pk, owned_keys(Order, order.pk)
        other = factories.order(quantity=5)
        response = client.post(
            reverse("admin:partnership_order_delete", args=[pk]), {"post": "yes"}
        )
        assert response.status_code == 302
        with ReviewGate(root):
            other.summary = "Changed after the deletion"
            other.save()
        before = dump()
        version = Version.objects.get_deleted(Order).get(object_id=str(pk))
        url = reverse("admin:partnership_order_recover", args=[version.pk])
        page = client.get(url)
        assert page.status_code == 200
        assert "Recover this record" in page.content.decode()
        response = post_form(client, url)
        assert response.status_code == 302, form_errors(response)
        after = dump()
        assert {key: fields for key, fields in after.items() if key not in owned} == before
        assert set(after) - set(before) == owned
        assert sorted(Delivery.objects.filter(order_id=pk).values_list("quantity", flat=True)) == [
            2,
            3,
        ]
        assert (
            Citation.objects.filter(
                content_type__model="delivery", object_id__in=Delivery.objects.filter(order_id=pk)
            ).count()
            == 2
        )
        other.refresh_from_db()
        assert other.summary == "Changed after the deletion"


class TestPublishedMeansSourced:
    def test_publishing_with_only_an_unpublished_source_is_refused(self, editor):
        record = factories.system(status=Status.REVIEW)
        factories.cite(record, source=factories.source(status=Status.REVIEW))
        with pytest.raises(workflow.TransitionError, match="readers see"):
            workflow.transition(record, user=editor, to=Status.PUBLISHED)

    def test_scheduling_needs_a_source_published_by_then(self, editor):
        later = timezone.now() + timezone.timedelta(days=10)
        record = factories.system(status=Status.REVIEW)
        source = factories.source(publish_at=later + timezone.timedelta(days=1))
        factories.cite(record, source=source)
        with pytest.raises(workflow.TransitionError):
            workflow.transition(record, user=editor, to=Status.PUBLISHED, publish_at=later)
        source.publish_at = later
        source.save()
        workflow.transition(record, user=editor, to=Status.PUBLISHED, publish_at=later)

    def test_the_admin_form_refuses_publication_with_an_unpublished_source(self, client, editor):
        record = factories.system(status=Status.REVIEW)
        factories.cite(record, source=factories.source(status=Status.DRAFT))
        client.force_login(editor)
        response = submit(client, change_url(record), {"status": Status.PUBLISHED})
        assert response.status_code == 200
        assert "source that readers see" in response.content.decode()
        record.refresh_from_db()
        assert record.status == Status.REVIEW

    def test_the_api_refuses_publication_with_an_unpublished_source(self, editor):
        record = factories.system(status=Status.REVIEW)
        factories.cite(record, source=factories.source(status=Status.REVIEW))
        api = APIClient()
        api.force_authenticate(editor)
        response = api.patch(
            f"/api/v1/systems/{record.slug}/", {"status": "published"}, format="json"
        )
        assert response.status_code == 400
        record.refresh_from_db()
        assert record.status == Status.REVIEW

    def test_withdrawing_the_only_published_source_is_refused_with_its_records(
        self, client, editor
    ):
        record = factories.system(name="Depends on one source")
        source = factories.source()
        factories.cite(record, source=source)
        client.force_login(editor)
        response = submit(
            client,
            change_url(source),
            {"status": Status.WITHDRAWN, "withdrawn_reason": "Retracted by its publisher."},
        )
        assert response.status_code == 200
        page = response.content.decode()
        assert "Depends on one source" in page and change_url(record) in page
        source.refresh_from_db()
        assert source.status == Status.PUBLISHED
        # Through the API and a bulk action too.
        api = APIClient()
        api.force_authenticate(editor)
        refused = api.patch(
            f"/api/v1/sources/{source.slug}/",
            {"status": "withdrawn", "withdrawn_reason": "Retracted."},
            format="json",
        )
        assert refused.status_code == 400
        assert "Depends on one source" in refused.content.decode()
        client.post(
            reverse("admin:partnership_source_changelist"),
            {
                "action": "withdraw",
                "_selected_action": [source.pk],
                "confirm": "yes",
                "withdrawn_reason": "Retracted.",
            },
        )
        source.refresh_from_db()
        assert source.status == Status.PUBLISHED
        # With another published source, it may go.
        factories.cite(record)
        with ReviewGate(editor):
            workflow.transition(source, user=editor, to=Status.WITHDRAWN, reason="Retracted.")

    def test_deleting_the_last_visible_citation_is_refused(self, editor):
        record = factories.system()
        citation = factories.cite(record)
        pk = citation.pk
        with pytest.raises(SourcingError), ReviewGate(editor):
            citation.delete()
        assert Citation.objects.filter(pk=pk).exists()

    def test_the_desk_lists_published_records_without_a_visible_source(self, client, editor):
        record = factories.system(name="Shows no source")
        factories.cite(record, source=factories.source(status=Status.DRAFT))
        assert record in published_without_visible_source()
        client.force_login(editor)
        desk = client.get(reverse("admin:index")).content.decode()
        assert "Shows no source" in desk

    def test_every_public_record_of_the_dataset_shows_a_source(self):
        assert published_without_visible_source() == []
        reader = Client()
        missing = []
        for name, model in RECORD_TYPES.items():
            if not issubclass(model, Fact):
                continue
            for record in model.objects.published():
                with translation.override("en"):
                    url = record.get_absolute_url()
                page = reader.get(url).content.decode()
                if 'class="sources"' not in page or 'id="source-1"' not in page:
                    missing.append(f"{name} {url}")
        assert missing == []


def test_the_split_command_reports_and_is_idempotent():
    from django.core.management import call_command

    out = io.StringIO()
    call_command("split_revisions", stdout=out)
    assert out.getvalue().startswith("0 revision(s) added")


def test_check_sources_names_a_published_record_whose_sources_are_unpublished():
    from django.core.management import CommandError, call_command

    record = factories.system(name="Cites only a draft source")
    factories.cite(record, source=factories.source(status=Status.DRAFT))
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 published record"):
        call_command("check_sources", stdout=out)
    assert "Cites only a draft source" in out.getvalue()


def test_the_history_page_shows_child_rows_and_costs_the_same_for_more_versions(
    client, editor, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    order = factories.order(quantity=50)
    factories.cite(order)

    def versions(count):
        for index in range(count):
            with ReviewGate(editor):
                factories.cite(factories.delivery(order=order, quantity=1))
                order.summary = f"Summary {index}"
                order.save()

    url = reverse("admin:partnership_order_history", args=[order.pk])
    client.force_login(editor)
    versions(2)
    with CaptureQueriesContext(connection) as few:
        page = client.get(url)
    assert "Added" in page.content.decode() and "Summary 1" in page.content.decode()
    versions(4)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few)
    assert len(few) <= 25


def test_a_deleted_child_row_is_a_new_version_of_its_record(client, editor):
    order = factories.order(quantity=10)
    factories.cite(order)
    with ReviewGate(editor):
        delivery = factories.delivery(order=order, quantity=2)
    client.force_login(editor)
    response = client.post(
        reverse("admin:partnership_delivery_delete", args=[delivery.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    last = revisions.record_history(Order, order.pk)[-1]["diff"]
    assert [row.kind for row in last.rows] == ["removed"]


def test_reverting_a_version_from_a_revision_of_several_records_touches_one(client, editor):
    """A history written before revisions were per record: one revision holds two systems."""
    first, second = factories.system(role="First before"), factories.system(role="Second before")
    for record in (first, second):
        factories.cite(record)
    revision = Revision.objects.create(date_created=timezone.now(), comment="one for all")
    for record in (first, second, *first.citations.all(), *second.citations.all()):
        Version.objects.create(
            revision=revision,
            content_type=records.ContentType.objects.get_for_model(type(record)),
            object_id=str(record.pk),
            db="default",
            format="json",
            serialized_data=serializers.serialize("json", [record]),
            object_repr=str(record),
        )
    System.objects.filter(pk__in=[first.pk, second.pk]).update(role="Changed since")
    version = Version.objects.get(
        revision=revision, object_id=str(first.pk), content_type__model="system"
    )
    client.force_login(editor)
    url = reverse("admin:partnership_system_revision", args=[first.pk, version.pk])
    response = post_form(client, url)
    assert response.status_code == 302, form_errors(response)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.role, second.role) == ("First before", "Changed since")


@pytest.mark.parametrize("view", ["revision", "recover"])
def test_the_revert_and_recover_pages_cost_the_same_for_more_rows(client, editor, view):
    """A revert page costs the same whatever the number of rows the record has. A recovery
    writes each row back (to show it in the form), so it costs a bounded number per row."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def page_queries(rows):
        order = factories.order(quantity=50)
        factories.cite(order)
        with ReviewGate(editor):
            for _ in range(rows):
                factories.cite(factories.delivery(order=order, quantity=1))
            order.save()
        version = Version.objects.get_for_object(order).order_by("-pk").first()
        if view == "revision":
            with ReviewGate(editor):
                order.summary = "Changed since"
                order.save()
            url = reverse("admin:partnership_order_revision", args=[order.pk, version.pk])
        else:
            with ReviewGate(editor):
                order.delete()
            url = reverse("admin:partnership_order_recover", args=[version.pk])
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    client.force_login(editor)
    one, four = page_queries(1), page_queries(4)
    if view == "revision":
        assert one == four
    else:
        assert (four - one) / 3 <= 25  # each delivery and its citation written back, checked
    # A fixed cost per inline of child rows (shares, deliveries, milestones: about 5 each), and
    # an order's partnerships (a many-to-many), written back and shown.
    assert one <= (75 if view == "revision" else 95)
