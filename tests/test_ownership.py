"""Contributors change and submit only their own drafts, by every route (admin form and inlines,
bulk actions, API, import), unless an Editor gives the draft to them; Editors change any."""

import pytest
import tablib
from django.contrib import admin
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.ownership import owner_id, set_owner
from partnership.models import Order, Status, System
from tests import factories
from tests.admin_forms import add_inline_row, change_url, page_form
from tests.test_api import staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def author():
    return factories.staff("Contributor")


@pytest.fixture
def other():
    return factories.staff("Contributor")


@pytest.fixture
def draft(author):
    record = factories.system(status=Status.DRAFT, role="Original")
    set_owner(System, record.pk, author)
    return record


def api_as(user):
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    api.force_authenticate(user)
    return api


def signed_in(client, user):
    client.force_login(user)
    return client


def stored(record):
    return type(record).objects.get(pk=record.pk)


class TestAdmin:
    def test_the_owner_changes_the_draft_in_its_form(self, client, author, draft):
        url = change_url(draft)
        data = page_form(signed_in(client, author).get(url).content.decode())
        data.pop("csrfmiddlewaretoken", None)
        response = client.post(url, data | {"role": "Mine", "_save": "1"})
        assert response.status_code == 302
        assert stored(draft).role == "Mine"

    def test_another_contributor_sees_it_but_cannot_change_it(self, client, author, other, draft):
        url = change_url(draft)
        form = page_form(signed_in(client, author).get(url).content.decode())
        form.pop("csrfmiddlewaretoken", None)
        page = signed_in(client, other).get(url)
        assert page.status_code == 200
        assert 'name="role"' not in page.content.decode()  # read-only
        response = client.post(url, form | {"role": "Theirs", "_save": "1"})
        assert response.status_code == 403
        assert stored(draft).role == "Original"

    def test_nor_through_its_inlines(self, client, author, other, draft):
        url = change_url(draft)
        form = page_form(signed_in(client, author).get(url).content.decode())
        form.pop("csrfmiddlewaretoken", None)
        prefix = next(
            name.removesuffix("-TOTAL_FORMS")
            for name in form
            if name.endswith("-TOTAL_FORMS") and "variant" in name
        )
        data = add_inline_row(form, prefix, {"slug": "sneaked-in", "name": "Sneaked in"})
        response = signed_in(client, other).post(url, data | {"_save": "1"})
        assert response.status_code == 403
        assert not draft.variants.filter(slug="sneaked-in").exists()

    def test_nor_submit_it_with_a_bulk_action(self, client, author, other, draft):
        mine = factories.system(status=Status.DRAFT)
        set_owner(System, mine.pk, other)
        signed_in(client, other).post(
            reverse("admin:partnership_system_changelist"),
            {"action": "submit_for_review", "_selected_action": [draft.pk, mine.pk]},
        )
        assert stored(draft).status == Status.DRAFT
        assert stored(mine).status == Status.REVIEW

    def test_nor_confirm_its_translations(self, client, other, draft):
        System.objects.filter(pk=draft.pk).update(outdated_translations="role:en")
        signed_in(client, other).post(
            reverse("admin:partnership_system_changelist"),
            {"action": "confirm_translations", "_selected_action": [draft.pk]},
        )
        assert stored(draft).outdated_in("en") == ["role"]

    def test_an_editor_changes_any_draft(self, client, draft):
        url = change_url(draft)
        signed_in(client, factories.staff("Editor"))
        data = page_form(client.get(url).content.decode())
        data.pop("csrfmiddlewaretoken", None)
        assert client.post(url, data | {"role": "Edited", "_save": "1"}).status_code == 302
        assert stored(draft).role == "Edited"

    def test_an_editor_gives_a_draft_to_another_contributor(self, client, author, other, draft):
        changelist = reverse("admin:partnership_system_changelist")
        signed_in(client, factories.staff("Editor"))
        page = client.post(changelist, {"action": "reassign", "_selected_action": [draft.pk]})
        assert page.status_code == 200
        assert author.username in page.content.decode()  # the current owner
        client.post(
            changelist,
            {
                "action": "reassign",
                "_selected_action": [draft.pk],
                "owner": other.pk,
                "confirm": "yes",
            },
        )
        assert owner_id(System, draft.pk) == other.pk
        assert (
            api_as(other).patch(f"/api/v1/systems/{draft.slug}/", {"role": "Now mine"}).status_code
            == 200
        )
        assert (
            api_as(author).patch(f"/api/v1/systems/{draft.slug}/", {"role": "Lost"}).status_code
            == 403
        )

    def test_a_contributor_cannot_reassign(self, client, other, draft):
        signed_in(client, other).post(
            reverse("admin:partnership_system_changelist"),
            {
                "action": "reassign",
                "_selected_action": [draft.pk],
                "owner": other.pk,
                "confirm": "yes",
            },
        )
        assert owner_id(System, draft.pk) != other.pk


class TestApi:
    def url(self, draft):
        return f"/api/v1/systems/{draft.slug}/"

    def test_the_owner_changes_and_submits_the_draft(self, author, draft):
        api = api_as(author)
        assert api.patch(self.url(draft), {"role": "Mine"}).status_code == 200
        assert api.patch(self.url(draft), {"status": Status.REVIEW}).status_code == 200
        assert stored(draft).status == Status.REVIEW

    @pytest.mark.parametrize("body", [{"role": "Theirs"}, {"status": Status.REVIEW}])
    def test_another_contributor_cannot_patch_nor_submit_it(self, other, draft, body):
        response = api_as(other).patch(self.url(draft), body)
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "permission_denied"
        assert stored(draft).role == "Original" and stored(draft).status == Status.DRAFT

    def test_nor_put_it(self, author, other, draft):
        body = api_as(author).get(self.url(draft)).json()
        response = api_as(other).put(self.url(draft), body | {"role": "Theirs"})
        assert response.status_code == 403
        assert stored(draft).role == "Original"

    def test_nor_delete_it_even_with_the_delete_permission(self, django_user_model, draft):
        deleter = staff(django_user_model, "view_system", "change_system", "delete_system")
        assert api_as(deleter).delete(self.url(draft)).status_code == 403
        assert System.objects.filter(pk=draft.pk).exists()

    def test_a_record_created_through_the_api_is_its_authors(self, author, other):
        api = api_as(author)
        created = api.post(
            "/api/v1/systems/?lang=fr",
            {"slug": "owned-system", "name": "Owned system", "category": "other"},
        )
        assert created.status_code == 201, created.content
        record = System.objects.get(slug="owned-system")
        assert owner_id(System, record.pk) == author.pk
        assert api_as(other).patch(self.url(record), {"role": "X"}).status_code == 403


class TestImport:
    def import_quantity(self, owner, user, quantity):
        order = factories.order(status=Status.DRAFT, quantity=100)
        set_owner(Order, order.pk, owner)
        resource = admin.site._registry[Order].resource_classes[0]()
        dataset = resource.export(queryset=Order.objects.filter(pk=order.pk))
        rows = [list(row) for row in dataset]
        rows[0][dataset.headers.index("quantity")] = str(quantity)
        changed = tablib.Dataset(*rows, headers=dataset.headers)
        return order, resource.import_data(changed, dry_run=False, user=user)

    def test_another_contributors_import_cannot_change_the_draft(self, author, other):
        order, result = self.import_quantity(author, other, 7)
        assert result.has_errors()
        assert stored(order).quantity == 100

    def test_the_owners_import_changes_it(self, author):
        order, result = self.import_quantity(author, author, 7)
        assert not result.has_errors()
        assert stored(order).quantity == 7
