"""Every change readers would see passes review: a Contributor's change to a published record,
by any route, is a proposal an Editor publishes or sends back; readers keep the live record."""

import io

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from rest_framework.test import APIClient

from partnership import review
from partnership.models import Delivery, Order, Proposal, Status, System
from tests import factories
from tests.admin_forms import add_inline_row, change_url, page_form, submit

pytestmark = pytest.mark.django_db


def member(django_user_model, role):
    user = django_user_model.objects.create_user(
        f"{role.lower()}-{factories.n()}", password="pw", is_staff=True
    )
    user.groups.add(Group.objects.get(name=role))
    return django_user_model.objects.get(pk=user.pk)


@pytest.fixture
def contributor(django_user_model):
    return member(django_user_model, "Contributor")


@pytest.fixture
def editor(django_user_model):
    return member(django_user_model, "Editor")


def cited(record):
    factories.cite(record)
    return record


@pytest.fixture
def order():
    record = cited(factories.order(quantity=40))
    cited(record.system)
    return record


def public(client, record) -> str:
    response = client.get(f"/en{record.get_absolute_url()[3:]}")
    assert response.status_code == 200
    return response.content.decode()


class TestAdminForm:
    def test_a_contributors_edit_of_a_published_record_is_a_proposal(
        self, client, contributor, editor
    ):
        system = cited(factories.system(role="Troop transport"))
        client.force_login(contributor)
        response = submit(client, change_url(system), {"role": "Fire support"})
        assert response.status_code == 302
        proposal = Proposal.objects.get(object_id=system.pk)
        assert response["Location"] == proposal.get_absolute_url()
        system.refresh_from_db()
        assert system.role == "Troop transport"
        assert proposal.state == Proposal.State.PENDING
        assert proposal.created_by == contributor

        client.force_login(editor)
        page = client.get(proposal.get_absolute_url()).content.decode()
        assert "Troop transport" in page and "Fire support" in page
        response = client.post(proposal.get_absolute_url(), {"action": "publish"})
        assert response.status_code == 302
        system.refresh_from_db()
        assert system.role == "Fire support"
        proposal.refresh_from_db()
        assert proposal.state == Proposal.State.PUBLISHED
        assert proposal.reviewed_by == editor

    def test_a_delivery_added_inline_waits_for_review(self, client, contributor, editor, order):
        client.force_login(contributor)
        url = change_url(order)
        data = page_form(client.get(url).content.decode())
        data = add_inline_row(
            data,
            "deliveries",
            {"delivered_on": "2026-10-01", "delivered_on_precision": "3", "quantity": "20"},
        )
        data["_save"] = "1"
        data.pop("csrfmiddlewaretoken", None)
        response = client.post(url, data)
        assert response.status_code == 302, response.content.decode()[:3000]
        assert not Delivery.objects.filter(order=order).exists()
        proposal = Proposal.objects.get(object_id=order.pk)
        client.force_login(editor)
        client.post(proposal.get_absolute_url(), {"action": "publish"})
        assert list(Delivery.objects.filter(order=order).values_list("quantity", flat=True)) == [20]

    def test_an_editors_edit_is_live(self, client, editor):
        system = cited(factories.system(role="Troop transport"))
        client.force_login(editor)
        response = submit(client, change_url(system), {"role": "Fire support"})
        assert response.status_code == 302
        system.refresh_from_db()
        assert system.role == "Fire support"
        assert not Proposal.objects.exists()


class TestAPI:
    def test_a_contributors_patch_is_accepted_for_review(self, contributor, editor):
        system = cited(factories.system(role="Troop transport"))
        api = APIClient()
        api.force_authenticate(contributor)
        response = api.patch(
            f"/api/v1/systems/{system.slug}/", {"role": "Fire support"}, format="json"
        )
        assert response.status_code == 202, response.content
        assert response.json()["proposal"]["state"] == "pending"
        system.refresh_from_db()
        assert system.role == "Troop transport"
        proposal = Proposal.objects.get(object_id=system.pk)
        review.publish(proposal, user=editor)
        system.refresh_from_db()
        assert system.role == "Fire support"


class TestImport:
    def test_a_contributors_import_of_deliveries_waits_for_review(self, client, contributor, order):
        client.force_login(contributor)
        csv = f"order,delivered,quantity\n{order.slug},2026-10,20\n"
        url = reverse("admin:partnership_delivery_import")
        upload = io.BytesIO(csv.encode())
        upload.name = "deliveries.csv"
        preview = client.post(url, {"import_file": upload, "format": "0", "resource": "0"})
        assert preview.status_code == 200
        form = preview.context["confirm_form"]
        confirm = reverse("admin:partnership_delivery_process_import")
        data = {name: form[name].value() for name in form.fields}
        response = client.post(confirm, data)
        assert response.status_code == 302
        assert not Delivery.objects.filter(order=order).exists()
        assert Proposal.objects.filter(object_id=order.pk, state="pending").exists()


class TestRevert:
    def test_reverting_one_record_after_the_dataset_load_touches_it_alone(self, client, editor):
        from reversion.models import Version

        system = System.objects.get(slug="griffon")
        version = Version.objects.get_for_object(system).order_by("pk").first()
        others = {o.pk: o.quantity for o in Order.objects.all()}
        client.force_login(editor)
        url = reverse("admin:partnership_system_revision", args=[system.pk, version.pk])
        response = submit(client, url, {"role": "Changed by the revert test"})
        assert response.status_code == 302, response
        assert {o.pk: o.quantity for o in Order.objects.all()} == others
        system.refresh_from_db()
        assert system.role == "Changed by the revert test"
        assert system.status == Status.PUBLISHED
