"""Small admin fixes curators met in a browser: the styled 403, duplicate source URLs,
"Scheduled for" in lists, breadcrumbs in their bar, and the citations inline's width."""

import datetime

import pytest
import reversion
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient
from reversion.models import Version

from partnership.models import Order, Publishable, Source, Status, System
from partnership.views.errors import permission_denied
from tests import factories

pytestmark = pytest.mark.django_db

ADMIN_HEADER = "Knowledge base — curation"


def as_role(client, django_user_model, role):
    client.force_login(factories.staff(role))
    return client


class TestPermissionDenied:
    def test_a_contributor_deleting_a_record_gets_the_admins_403_saying_why(
        self, client, django_user_model, django_assert_max_num_queries
    ):
        order = factories.make(Order)
        delete = reverse("admin:partnership_order_delete", args=[order.pk])
        as_role(client, django_user_model, "Contributor")
        with django_assert_max_num_queries(8):
            response = client.get(delete)
        page = response.content.decode()
        assert response.status_code == 403
        assert ADMIN_HEADER in page and "admin/css/base.css" in page
        assert "Only Editors and Administrators can delete records." in page
        assert f'href="{reverse("admin:partnership_order_change", args=[order.pk])}"' in page
        assert f'href="{reverse("admin:index")}"' in page
        assert '<ol class="breadcrumbs">' in page

        response = client.post(delete, {"post": "yes"})
        assert response.status_code == 403
        assert Order.objects.filter(pk=order.pk).exists()

    def test_an_editor_may_still_delete(self, client, django_user_model):
        order = factories.make(Order)
        as_role(client, django_user_model, "Editor")
        response = client.get(reverse("admin:partnership_order_delete", args=[order.pk]))
        assert response.status_code == 200

    def test_the_exceptions_message_is_the_reason_given(self, client, django_user_model):
        as_role(client, django_user_model, "Editor")
        response = client.get(reverse("curation:locked-accounts"))
        page = response.content.decode()
        assert response.status_code == 403
        assert "Only Administrators can see and unlock locked accounts." in page
        assert ADMIN_HEADER in page
        assert "Back to the record" not in page

    def test_public_pages_keep_their_own_403(self):
        request = RequestFactory().get("/fr/systems/")
        response = permission_denied(request, PermissionDenied("no"))
        assert response.status_code == 403
        assert ADMIN_HEADER not in response.content.decode()


class TestDuplicateSourceURL:
    URL = "https://example.org/camo-press-release"

    def form_data(self, **overrides):
        return {
            "slug": f"source-{factories.n()}",
            "title": "Another title",
            "publisher": "Publisher",
            "url": self.URL,
            "language": "fr",
            "kind": Source.Kind.NEWS,
            "status": Status.DRAFT,
            "published_on_precision": 4,
        } | overrides

    def test_the_admin_names_and_links_the_source_that_has_the_url(self, client, django_user_model):
        existing = factories.source(url=self.URL, title="Le CaMo en marche")
        as_role(client, django_user_model, "Editor")
        response = client.post(reverse("admin:partnership_source_add"), self.form_data())
        page = response.content.decode()
        assert response.status_code == 200
        assert "source_url_unique" not in page
        link = reverse("admin:partnership_source_change", args=[existing.pk])
        assert f'A source with this URL already exists: <a href="{link}">Le CaMo en marche</a>' in (
            page
        )
        assert Source.objects.filter(url=self.URL).count() == 1

    def test_changing_a_source_to_another_ones_url_is_refused_too(self, client, django_user_model):
        factories.source(url=self.URL, title="Le CaMo en marche")
        source = factories.source(status=Status.DRAFT)
        as_role(client, django_user_model, "Editor")
        response = client.post(
            reverse("admin:partnership_source_change", args=[source.pk]),
            self.form_data(slug=source.slug, loaded_at=source.updated_at.isoformat()),
        )
        assert "A source with this URL already exists" in response.content.decode()
        source.refresh_from_db()
        assert source.url != self.URL

    def test_a_source_keeps_its_own_url_and_sources_without_url_are_many(
        self, client, django_user_model
    ):
        source = factories.source(url=self.URL, status=Status.DRAFT)
        factories.source(url="")
        as_role(client, django_user_model, "Editor")
        response = client.post(
            reverse("admin:partnership_source_change", args=[source.pk]),
            self.form_data(
                slug=source.slug, title="Retitled", loaded_at=source.updated_at.isoformat()
            ),
        )
        assert response.status_code == 302
        response = client.post(reverse("admin:partnership_source_add"), self.form_data(url=""))
        assert response.status_code == 302
        assert Source.objects.filter(url="").count() >= 2

    @pytest.fixture
    def api(self, django_user_model):
        client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
        client.force_authenticate(factories.staff("Editor"))
        return client

    def test_the_api_answers_400_naming_the_existing_sources_slug(self, api):
        existing = factories.source(url=self.URL)
        payload = {"slug": "a-copy", "title": "A copy", "url": self.URL}
        response = api.post("/api/v1/sources/", payload, format="json")
        assert response.status_code == 400
        assert response.json()["error"]["fields"]["url"] == [
            f"A source with this URL already exists: {existing.slug}."
        ]

    @pytest.mark.parametrize("method", ["put", "patch"])
    def test_the_api_refuses_it_on_update_too(self, api, method):
        existing = factories.source(url=self.URL)
        source = factories.source(status=Status.DRAFT)
        payload = {"slug": source.slug, "title": source.title, "url": self.URL}
        response = getattr(api, method)(f"/api/v1/sources/{source.slug}/", payload, format="json")
        assert response.status_code == 400
        assert existing.slug in response.json()["error"]["fields"]["url"][0]
        payload["url"] = source.url
        response = getattr(api, method)(f"/api/v1/sources/{source.slug}/", payload, format="json")
        assert response.status_code == 200


PUBLISHABLE_ADMINS = sorted(
    (model for model in admin.site._registry if issubclass(model, Publishable)),
    key=lambda model: model._meta.model_name,
)
LATER = datetime.datetime(2031, 6, 1, 8, 0, tzinfo=datetime.UTC)  # 10:00 in Paris


def changelist(model):
    return reverse(f"admin:partnership_{model._meta.model_name}_changelist")


def status_column(response):
    """The changelist's rows as {record: text of its status column}."""
    cl = response.context["cl"]
    names = [getattr(column, "__name__", column) for column in cl.list_display]
    assert "status" not in names, "the raw status column is back"
    return names.index("publication_status")


class TestScheduledInLists:
    @pytest.mark.parametrize("model", PUBLISHABLE_ADMINS, ids=lambda m: m._meta.model_name)
    def test_every_publishable_list_shows_scheduled_records_as_such(self, model, admin_client):
        scheduled = factories.make(model, status=Status.PUBLISHED, publish_at=LATER)
        live = factories.make(model, status=Status.PUBLISHED)
        response = admin_client.get(f"{changelist(model)}?id__in={scheduled.pk},{live.pk}")
        status_column(response)
        page = response.content.decode()
        assert "Scheduled for June 1, 2031, 10 a.m." in page
        assert page.count('<td class="field-publication_status">Published</td>') == 1

    def test_the_date_follows_the_admins_language(self, client, admin_user):
        client = type(client)(HTTP_ACCEPT_LANGUAGE="nl")
        client.force_login(admin_user)
        record = factories.make(System, status=Status.PUBLISHED, publish_at=LATER)
        page = client.get(f"{changelist(System)}?id__in={record.pk}").content.decode()
        assert "1 juni 2031 10:00" in page

    def test_a_publish_at_time_gone_by_is_just_published(self, admin_client):
        past = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
        record = factories.make(System, status=Status.PUBLISHED, publish_at=past)
        page = admin_client.get(f"{changelist(System)}?id__in={record.pk}").content.decode()
        assert '<td class="field-publication_status">Published</td>' in page
        assert "Scheduled for 20" not in page

    def test_the_column_still_sorts_by_status(self, admin_client):
        rows = [
            factories.make(System, status=status)
            for status in (Status.REVIEW, Status.DRAFT, Status.PUBLISHED)
        ]
        ids = ",".join(str(row.pk) for row in rows)
        response = admin_client.get(f"{changelist(System)}?id__in={ids}")
        index = status_column(response)
        assert "sortable column-publication_status" in response.content.decode()
        response = admin_client.get(f"{changelist(System)}?id__in={ids}&o={index}")
        assert [row.status for row in response.context["cl"].result_list] == sorted(
            row.status for row in rows
        )

    def test_queries_do_not_grow_with_scheduled_rows(self, admin_client):
        def count(rows):
            path = f"{changelist(System)}?id__in={','.join(str(row.pk) for row in rows)}"
            with CaptureQueriesContext(connection) as queries:
                assert admin_client.get(path).status_code == 200
            return len(queries)

        rows = [factories.make(System, status=Status.PUBLISHED, publish_at=LATER) for _ in range(2)]
        few = count(rows)
        rows += [
            factories.make(System, status=Status.PUBLISHED, publish_at=LATER) for _ in range(3)
        ]
        assert count(rows) == few


class TestBreadcrumbs:
    """Django 6's admin puts breadcrumbs in an <ol class="breadcrumbs"> (the bar); the old
    <div class="breadcrumbs"> of some templates has no style and sits below the bar."""

    @pytest.fixture
    def order(self):
        with reversion.create_revision():
            order = factories.make(Order)
        return order

    def pages(self, order):
        version = Version.objects.get_for_object(order).first()
        with reversion.create_revision():
            gone = factories.make(Order)
        gone_pk = gone.pk
        gone.delete()
        deleted = Version.objects.get_deleted(Order).get(object_id=str(gone_pk))
        return {
            "history": reverse("admin:partnership_order_history", args=[order.pk]),
            "revision": reverse("admin:partnership_order_revision", args=[order.pk, version.pk]),
            "recover list": reverse("admin:partnership_order_recoverlist"),
            "recover form": reverse("admin:partnership_order_recover", args=[deleted.pk]),
            "import": reverse("admin:partnership_order_import"),
            "export": reverse("admin:partnership_order_export"),
        }

    def test_every_page_has_its_breadcrumbs_in_the_bar(self, admin_client, order):
        for name, path in self.pages(order).items():
            response = admin_client.get(path)
            assert response.status_code == 200, name
            page = response.content.decode()
            assert '<div class="breadcrumbs">' not in page, name
            bar = page.split('<ol class="breadcrumbs">', 1)[1].split("</ol>", 1)[0]
            assert f'href="{reverse("admin:index")}"' in bar, name
            assert f'href="{reverse("admin:partnership_order_changelist")}"' in bar, name
            assert 'aria-current="page"' in bar, name
