"""Small admin fixes curators met in a browser: the styled 403, duplicate source URLs,
"Scheduled for" in lists, breadcrumbs in their bar, and the citations inline's width."""

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory
from django.urls import reverse
from rest_framework.test import APIClient

from partnership.models import Order, Source, Status
from partnership.views.errors import permission_denied
from tests import factories

pytestmark = pytest.mark.django_db

ADMIN_HEADER = "CaMo — curation"


def member(django_user_model, role):
    user = django_user_model.objects.create_user(
        f"{role.lower()}-{factories.n()}", password="pw", is_staff=True
    )
    user.groups.add(Group.objects.get(name=role))
    return django_user_model.objects.get(pk=user.pk)


def as_role(client, django_user_model, role):
    client.force_login(member(django_user_model, role))
    return client


class TestPermissionDenied:
    def test_a_contributor_deleting_a_record_gets_the_admins_403_saying_why(
        self, client, django_user_model
    ):
        order = factories.make(Order)
        delete = reverse("admin:partnership_order_delete", args=[order.pk])
        as_role(client, django_user_model, "Contributor")
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
        client.force_authenticate(member(django_user_model, "Editor"))
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
