"""The publication workflow: roles, transitions, and no route that lets a Contributor publish."""

import datetime

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from partnership import workflow
from partnership.models import Citation, Organization, Status, System
from tests import factories

pytestmark = pytest.mark.django_db


def cited_system(**kwargs):
    record = factories.system(**kwargs)
    factories.cite(record)
    return record


class TestRoles:
    def test_the_three_roles_exist_with_least_privilege(self):
        contributor = set(
            Group.objects.get(name="Contributor").permissions.values_list("codename", flat=True)
        )
        editor = set(
            Group.objects.get(name="Editor").permissions.values_list("codename", flat=True)
        )
        administrator = set(
            Group.objects.get(name="Administrator").permissions.values_list("codename", flat=True)
        )
        assert {"add_system", "change_system", "view_system"} <= contributor
        assert not {code for code in contributor if code.startswith(("publish_", "delete_"))}
        assert {"publish_system", "delete_system", "publish_order"} <= editor
        assert not {code for code in editor if code.endswith("_user")}
        assert {"add_user", "change_group", "publish_article"} <= administrator


class TestTransitions:
    @pytest.mark.parametrize(
        ("role", "start", "target", "allowed"),
        [
            ("Contributor", Status.DRAFT, Status.REVIEW, True),
            ("Contributor", Status.REVIEW, Status.DRAFT, True),
            ("Contributor", Status.DRAFT, Status.PUBLISHED, False),
            ("Contributor", Status.REVIEW, Status.PUBLISHED, False),
            ("Contributor", Status.PUBLISHED, Status.WITHDRAWN, False),
            ("Editor", Status.DRAFT, Status.REVIEW, True),
            ("Editor", Status.REVIEW, Status.PUBLISHED, True),
            ("Editor", Status.DRAFT, Status.PUBLISHED, True),
            ("Editor", Status.PUBLISHED, Status.WITHDRAWN, True),
            ("Editor", Status.WITHDRAWN, Status.PUBLISHED, True),
            ("Editor", Status.DRAFT, Status.WITHDRAWN, False),
        ],
    )
    def test_permission_matrix(self, django_user_model, role, start, target, allowed):
        user = factories.staff(role)
        record = cited_system(status=start)
        if allowed:
            workflow.transition(
                record, user=user, to=target, reason="Superseded by a better source."
            )
            record.refresh_from_db()
            assert record.status == target
        else:
            with pytest.raises(workflow.TransitionError):
                workflow.transition(record, user=user, to=target, reason="Superseded.")
            record.refresh_from_db()
            assert record.status == start

    def test_publishing_needs_a_citation(self, editor):
        record = factories.system(status=Status.REVIEW)
        with pytest.raises(workflow.TransitionError, match="without citing a source"):
            workflow.transition(record, user=editor, to=Status.PUBLISHED)
        factories.cite(record)
        workflow.transition(record, user=editor, to=Status.PUBLISHED)
        assert record in System.objects.published()

    def test_withdrawing_needs_a_reason_and_records_the_date(self, editor):
        record = cited_system()
        with pytest.raises(workflow.TransitionError, match="reason"):
            workflow.transition(record, user=editor, to=Status.WITHDRAWN)
        workflow.transition(
            record, user=editor, to=Status.WITHDRAWN, reason="Figures corrected by the ministry."
        )
        record.refresh_from_db()
        assert record.withdrawn_reason == "Figures corrected by the ministry."
        assert record.withdrawn_at is not None
        assert record not in System.objects.published()

    def test_scheduling_is_reserved_to_publishers(self, contributor):
        record = cited_system(status=Status.REVIEW)
        with pytest.raises(workflow.TransitionError):
            workflow.transition(
                record, user=contributor, to=Status.PUBLISHED, publish_at=timezone.now()
            )


def admin_post(client, user, record, **changes):
    """The change form as the browser sends it, existing citations included."""
    client.force_login(user)
    inline = factories.citations_inline_data(record)
    data = (
        {
            "slug": record.slug,
            "name": record.name,
            "category": record.category_id,
            "status": record.status,
            "specifications": "{}",
            "variants-TOTAL_FORMS": 0,
            "variants-INITIAL_FORMS": 0,
        }
        | inline
        | changes
    )
    return client.post(reverse("admin:partnership_system_change", args=[record.pk]), data)


class TestAdmin:
    def test_a_contributor_is_not_offered_publish(self, client, contributor):
        record = cited_system(status=Status.DRAFT)
        client.force_login(contributor)
        page = client.get(
            reverse("admin:partnership_system_change", args=[record.pk])
        ).content.decode()
        assert 'value="review"' in page
        assert 'value="published"' not in page

    def test_a_forged_publish_from_a_contributor_is_refused(self, client, contributor):
        record = cited_system(status=Status.DRAFT)
        response = admin_post(client, contributor, record, status=Status.PUBLISHED)
        assert response.status_code == 200  # the form again, with the error
        assert "status" in response.context["adminform"].form.errors
        record.refresh_from_db()
        assert record.status == Status.DRAFT

    def test_a_recovered_published_record_is_not_republished_by_a_contributor(self, contributor):
        from partnership.admin.forms import WorkflowForm

        record = cited_system(status=Status.PUBLISHED)
        record_pk = record.pk
        System.objects.filter(pk=record_pk).delete()
        record.pk = record_pk  # as a recovered version holds it: old status, no row yet
        form_class = type(
            "Form",
            (WorkflowForm,),
            {
                "workflow_user": contributor,
                "Meta": type("Meta", (), {"model": System, "fields": ["status", "name"]}),
            },
        )
        choices = [value for value, _label in form_class(instance=record).fields["status"].choices]
        assert choices == [Status.DRAFT, Status.REVIEW]

    def test_a_contributor_submits_for_review(self, client, contributor):
        record = cited_system(status=Status.DRAFT)
        response = admin_post(client, contributor, record, status=Status.REVIEW)
        assert response.status_code == 302
        record.refresh_from_db()
        assert record.status == Status.REVIEW

    def test_a_contributor_cannot_change_what_readers_see(self, client, contributor):
        record = cited_system(status=Status.PUBLISHED)
        response = admin_post(client, contributor, record, name="Renamed")
        # The change is kept as a proposal for review; readers keep the published record.
        assert response.status_code == 302
        assert "/proposal/" in response["Location"]
        record.refresh_from_db()
        assert record.name != "Renamed"

    def test_an_editor_publishes_in_the_form_only_with_a_source(self, client, editor):
        uncited = factories.system(status=Status.REVIEW)
        response = admin_post(client, editor, uncited, status=Status.PUBLISHED)
        assert response.status_code == 200
        assert "cite at least one source" in response.content.decode()
        uncited.refresh_from_db()
        assert uncited.status == Status.REVIEW
        record = cited_system(status=Status.REVIEW)
        assert admin_post(client, editor, record, status=Status.PUBLISHED).status_code == 302
        record.refresh_from_db()
        assert record.status == Status.PUBLISHED

    def test_bulk_publish_is_not_available_to_a_contributor(self, client, contributor):
        records = [cited_system(status=Status.REVIEW) for _ in range(2)]
        client.force_login(contributor)
        changelist = reverse("admin:partnership_system_changelist")
        assert 'value="publish"' not in client.get(changelist).content.decode()
        client.post(changelist, {"action": "publish", "_selected_action": [r.pk for r in records]})
        assert all(System.objects.get(pk=r.pk).status == Status.REVIEW for r in records)

    def test_bulk_publish_and_withdraw_by_an_editor(self, client, editor):
        records = [cited_system(status=Status.REVIEW) for _ in range(2)]
        client.force_login(editor)
        changelist = reverse("admin:partnership_system_changelist")
        ids = [r.pk for r in records]
        client.post(changelist, {"action": "publish", "_selected_action": ids})
        assert all(System.objects.get(pk=pk).status == Status.PUBLISHED for pk in ids)
        confirm = client.post(changelist, {"action": "withdraw", "_selected_action": ids})
        assert "Reason for withdrawal" in confirm.content.decode()
        client.post(
            changelist,
            {
                "action": "withdraw",
                "_selected_action": ids,
                "confirm": "yes",
                "withdrawn_reason": "Duplicates.",
            },
        )
        assert all(System.objects.get(pk=pk).withdrawn_reason == "Duplicates." for pk in ids)

    def test_bulk_publish_skips_records_without_sources(self, client, editor):
        uncited = factories.system(status=Status.REVIEW)
        client.force_login(editor)
        response = client.post(
            reverse("admin:partnership_system_changelist"),
            {"action": "publish", "_selected_action": [uncited.pk]},
            follow=True,
        )
        assert "without citing a source" in response.content.decode()
        assert System.objects.get(pk=uncited.pk).status == Status.REVIEW

    def test_filters_in_review_and_scheduled(self, client, editor):
        scheduled = cited_system(
            name="Scheduled system", publish_at=timezone.now() + datetime.timedelta(days=2)
        )
        in_review = cited_system(name="Reviewed system", status=Status.REVIEW)
        client.force_login(editor)
        changelist = reverse("admin:partnership_system_changelist")
        assert {
            r.pk for r in client.get(changelist + "?scheduled=yes").context["cl"].result_list
        } == {scheduled.pk}
        assert in_review.pk in {
            r.pk for r in client.get(changelist + "?status__exact=review").context["cl"].result_list
        }


class TestApi:
    def test_a_contributor_cannot_publish_through_the_api(self, contributor):
        api = APIClient()
        api.force_authenticate(contributor)
        record = cited_system(status=Status.DRAFT)
        response = api.patch(
            f"/api/v1/systems/{record.slug}/", {"status": "published"}, format="json"
        )
        assert response.status_code == 400
        assert "status" in response.json()["error"]["fields"]
        created = api.post(
            "/api/v1/systems/",
            {"slug": "x-new", "name": "X", "category": "other", "status": "published"},
            format="json",
        )
        assert created.status_code == 400
        assert not System.objects.filter(slug="x-new").exists()
        scheduled = api.patch(
            f"/api/v1/systems/{record.slug}/", {"publish_at": "2030-01-01T00:00:00Z"}, format="json"
        )
        assert scheduled.status_code == 400
        assert System.objects.get(pk=record.pk).status == Status.DRAFT

    def test_a_contributor_cannot_edit_a_published_record_through_the_api(self, contributor):
        api = APIClient()
        api.force_authenticate(contributor)
        response = api.patch("/api/v1/systems/griffon/", {"role": "changed"}, format="json")
        assert response.status_code == 202  # accepted for review, not applied
        assert System.objects.get(slug="griffon").role != "changed"

    def test_an_editor_withdraws_with_a_reason(self, editor, client):
        api = APIClient()
        api.force_authenticate(editor)
        record = cited_system()
        refused = api.patch(
            f"/api/v1/systems/{record.slug}/", {"status": "withdrawn"}, format="json"
        )
        assert refused.status_code == 400
        done = api.patch(
            f"/api/v1/systems/{record.slug}/",
            {"status": "withdrawn", "withdrawn_reason": "Merged into another record."},
            format="json",
        )
        assert done.status_code == 200, done.content
        assert done.json()["withdrawn_at"]
        page = client.get(record.get_absolute_url())
        assert page.status_code == 200
        assert "Merged into another record." in page.content.decode()


class TestReaders:
    def test_a_withdrawn_record_shows_a_notice_not_a_dead_link(self, client):
        record = cited_system(
            status=Status.WITHDRAWN,
            withdrawn_reason="The order was cancelled.",
            withdrawn_at=timezone.now(),
        )
        page = client.get(record.get_absolute_url())
        assert page.status_code == 200
        html = page.content.decode()
        assert "banner-withdrawn" in html and "The order was cancelled." in html
        assert record.name not in client.get(reverse("partnership:systems")).content.decode()
        assert record.get_absolute_url() not in client.get("/sitemap.xml").content.decode()

    def test_staff_preview_a_draft_under_a_banner_readers_get_a_404(
        self, client, editor, contributor, django_user_model
    ):
        draft = cited_system(status=Status.DRAFT)
        assert client.get(draft.get_absolute_url()).status_code == 404
        client.force_login(editor)
        preview = client.get(draft.get_absolute_url())
        assert preview.status_code == 200
        assert "banner-preview" in preview.content.decode()
        assert preview["Cache-Control"] == "private, no-store"
        outsider = django_user_model.objects.create_user("outsider", password="pw", is_staff=True)
        client.force_login(outsider)
        assert client.get(draft.get_absolute_url()).status_code == 404

    def test_scheduled_publication_appears_on_time_without_a_cron_job(self, client):
        when = timezone.now() + datetime.timedelta(hours=1)
        record = cited_system(name="Scheduled vehicle", publish_at=when)
        with time_machine.travel(when - datetime.timedelta(seconds=1), tick=False):
            assert client.get(record.get_absolute_url()).status_code == 404
            assert (
                "Scheduled vehicle"
                not in client.get(reverse("partnership:systems")).content.decode()
            )
        with time_machine.travel(when + datetime.timedelta(seconds=1), tick=False):
            assert client.get(record.get_absolute_url()).status_code == 200
            assert (
                "Scheduled vehicle" in client.get(reverse("partnership:systems")).content.decode()
            )
            api = client.get("/api/v1/systems/?page_size=100").content.decode()
            assert "Scheduled vehicle" in api

    def test_published_records_in_the_dataset_all_have_sources(self):
        published = Organization.objects.published()
        cited = Citation.objects.filter(content_type__model="organization").values("object_id")
        assert not published.exclude(pk__in=cited).exists()
