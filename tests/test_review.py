"""Every change readers would see passes review: a Contributor's change to a published record,
by any route, is a proposal an Editor publishes or sends back; readers keep the live record."""

import io

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from partnership import review
from partnership.models import Delivery, Order, Proposal, Status, System
from tests import factories
from tests.admin_forms import add_inline_row, change_url, page_form, submit

pytestmark = pytest.mark.django_db


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
        page = client.get(proposal.get_absolute_url()).content.decode()
        # The added row is named, and its values are listed for the reviewer.
        assert "Delivery: 20" in page and "<dt>Quantity delivered</dt><dd><ins>20</ins>" in page
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


def propose_role(client, contributor, system, role):
    client.force_login(contributor)
    response = submit(client, change_url(system), {"role": role})
    assert response.status_code == 302, response
    return Proposal.objects.open().get(object_id=system.pk)


class TestReviewing:
    def test_a_contributor_continues_their_proposal(self, client, contributor, editor):
        system = cited(factories.system(role="Troop transport", designation=""))
        propose_role(client, contributor, system, "Fire support")
        page = client.get(change_url(system)).content.decode()
        assert "You are editing the change proposed by" in page
        assert 'value="Fire support"' in page or ">Fire support<" in page
        response = submit(client, change_url(system), {"designation": "VBMR"})
        assert response.status_code == 302
        assert Proposal.objects.open().count() == 1
        review.publish(Proposal.objects.open().get(), user=editor)
        system.refresh_from_db()
        assert (system.role, system.designation) == ("Fire support", "VBMR")

    def test_an_editor_amends_then_publishes(self, client, contributor, editor):
        system = cited(factories.system(role="Troop transport", designation=""))
        proposal = propose_role(client, contributor, system, "Fire support")
        client.force_login(editor)
        url = change_url(system) + f"?proposal={proposal.pk}"
        response = submit(client, url, {"designation": "Amended by the editor"})
        assert response.status_code == 302
        system.refresh_from_db()
        assert (system.role, system.designation) == ("Fire support", "Amended by the editor")
        proposal.refresh_from_db()
        assert proposal.state == Proposal.State.PUBLISHED and proposal.reviewed_by == editor

    def test_sent_back_with_a_note_the_author_reads(self, client, contributor, editor):
        system = cited(factories.system(role="Troop transport"))
        proposal = propose_role(client, contributor, system, "Fire support")
        client.force_login(editor)
        refused = client.post(proposal.get_absolute_url(), {"action": "send_back", "note": ""})
        assert refused.status_code == 302
        proposal.refresh_from_db()
        assert proposal.state == Proposal.State.PENDING  # a note is required
        client.post(
            proposal.get_absolute_url(), {"action": "send_back", "note": "Cite the DGA page."}
        )
        proposal.refresh_from_db()
        assert proposal.state == Proposal.State.SENT_BACK
        client.force_login(contributor)
        page = client.get(change_url(system)).content.decode()
        assert "Cite the DGA page." in page
        assert "Cite the DGA page." in client.get(reverse("admin:index")).content.decode()
        submit(client, change_url(system), {"role": "Fire support (corrected)"})
        proposal.refresh_from_db()
        assert proposal.state == Proposal.State.PENDING
        system.refresh_from_db()
        assert system.role == "Troop transport"

    def test_discarded_by_its_author(self, client, contributor):
        system = cited(factories.system(role="Troop transport"))
        proposal = propose_role(client, contributor, system, "Fire support")
        client.post(proposal.get_absolute_url(), {"action": "discard"})
        proposal.refresh_from_db()
        assert proposal.state == Proposal.State.DISCARDED
        system.refresh_from_db()
        assert system.role == "Troop transport"

    def test_a_contributor_cannot_publish_their_own_proposal(self, client, contributor):
        system = cited(factories.system(role="Troop transport"))
        proposal = propose_role(client, contributor, system, "Fire support")
        client.post(proposal.get_absolute_url(), {"action": "publish"})
        system.refresh_from_db()
        assert system.role == "Troop transport"
        proposal.refresh_from_db()
        assert proposal.state == Proposal.State.PENDING

    def test_a_live_change_since_the_proposal_is_a_conflict(self, client, contributor, editor):
        system = cited(factories.system(role="Troop transport", designation="A"))
        proposal = propose_role(client, contributor, system, "Fire support")
        client.force_login(editor)
        submit(client, change_url(system), {"role": "Edited live", "designation": "B"})
        page = client.get(proposal.get_absolute_url()).content.decode()
        assert "Changed since the proposal was made" in page
        assert "Edited live" in page
        client.post(proposal.get_absolute_url(), {"action": "publish"})
        system.refresh_from_db()
        assert system.role == "Edited live"  # refused: it would overwrite the live change
        client.post(proposal.get_absolute_url(), {"action": "publish_anyway"})
        system.refresh_from_db()
        # The proposal's value wins where both changed; the live change it did not touch stays.
        assert (system.role, system.designation) == ("Fire support", "B")

    def test_saving_over_someone_elses_newer_proposal_is_refused(
        self, client, contributor, django_user_model
    ):
        from django.test import Client

        system = cited(factories.system(role="Troop transport"))
        propose_role(client, contributor, system, "Fire support")
        other = factories.staff("Contributor")
        mine = page_form(client.get(change_url(system)).content.decode())
        second = Client(HTTP_ACCEPT_LANGUAGE="en")
        second.force_login(other)
        submit(second, change_url(system), {"role": "Their version"})
        mine |= {"role": "My version", "_save": "1"}
        mine.pop("csrfmiddlewaretoken", None)
        response = client.post(change_url(system), mine, follow=True)
        assert "changed this proposal after you opened it" in response.content.decode()
        proposed = Proposal.objects.open().get(object_id=system.pk).proposed
        assert "Their version" in str(proposed) and "My version" not in str(proposed)


class TestSharedReferences:
    def test_a_place_readers_see_is_changed_through_review(self, client, contributor, editor):
        activity = cited(factories.activity())
        place = activity.place
        client.force_login(contributor)
        response = submit(client, change_url(place), {"name": "Renamed place"})
        assert response.status_code == 302
        place.refresh_from_db()
        assert place.name != "Renamed place"
        review.publish(Proposal.objects.open().get(object_id=place.pk), user=editor)
        place.refresh_from_db()
        assert place.name == "Renamed place"

    def test_a_place_no_reader_sees_is_edited_directly(self, client, contributor):
        place = factories.place()
        client.force_login(contributor)
        response = submit(client, change_url(place), {"name": "Renamed place"})
        assert response.status_code == 302
        place.refresh_from_db()
        assert place.name == "Renamed place"
        assert not Proposal.objects.exists()


def test_a_contributor_proposes_removing_a_wrong_child_row(client, contributor, editor, order):
    from partnership.review import ReviewGate

    with ReviewGate(editor):
        wrong = factories.delivery(order=order, quantity=3)
    client.force_login(contributor)
    url = change_url(order)
    data = page_form(client.get(url).content.decode())
    index = next(
        name.split("-")[1]
        for name, value in data.items()
        if name.startswith("deliveries-") and name.endswith("-id") and value == str(wrong.pk)
    )
    data |= {f"deliveries-{index}-DELETE": "on", "_save": "1"}
    data.pop("csrfmiddlewaretoken", None)
    response = client.post(url, data)
    assert response.status_code == 302
    assert Delivery.objects.filter(pk=wrong.pk).exists()
    proposal = Proposal.objects.open().get(object_id=order.pk)
    client.force_login(editor)
    assert "Removed" in client.get(proposal.get_absolute_url()).content.decode()
    review.publish(proposal, user=editor)
    assert not Delivery.objects.filter(pk=wrong.pk).exists()


def test_the_editor_previews_the_public_page_with_the_proposal(client, contributor, editor):
    system = cited(factories.system(role="Troop transport"))
    proposal = propose_role(client, contributor, system, "Fire support")
    client.force_login(editor)
    review_page = client.get(proposal.get_absolute_url()).content.decode()
    preview_url = reverse("admin:partnership_proposal_preview", args=[proposal.pk]) + "?lang=fr"
    assert preview_url in review_page
    preview = client.get(preview_url)
    assert preview.status_code == 200
    assert "no-store" in preview["Cache-Control"]
    page = preview.content.decode()
    with translation.override("fr"):
        banner = translation.gettext("Preview of a proposed change.")
    assert "Fire support" in page and banner in page
    assert proposal.get_absolute_url() in page
    system.refresh_from_db()
    assert system.role == "Troop transport"
    assert "Fire support" not in public(Client(), system)
    assert client.get(preview_url.replace("lang=fr", "lang=xx")).status_code == 404
