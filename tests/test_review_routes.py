"""No route lets a Contributor change what readers see: for every record type with child rows,
a change through the record's form (inline), the child's own admin, the API, an import, a revert
or a recovery leaves the public page, the API, the home figures and the charts as they were until
an Editor publishes the proposal; then readers see it."""

import io

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from partnership import records, review
from partnership.api.views import EXPORTS
from partnership.models import (
    Activity,
    Appointment,
    Citation,
    Delivery,
    Membership,
    Milestone,
    Order,
    OrderShare,
    Participation,
    Partnership,
    Person,
    Programme,
    ProgrammeParticipant,
    Proposal,
    System,
    Variant,
)
from tests import factories
from tests.admin_forms import add_inline_row, change_url, form_errors, page_form

pytestmark = pytest.mark.django_db


def sourced(record):
    factories.cite(record)
    return record


# A published, sourced parent for each kind of child row, and a new row for its inline.
def parents():
    return {
        Appointment: (
            lambda: sourced(factories.person()),
            lambda: {
                "organization": sourced(factories.organization()).pk,
                "title": "Chief of staff",
                "start": "2020-01-01",
                "start_precision": "4",
            },
        ),
        Membership: (
            lambda: sourced(factories.partnership()),
            lambda: {
                "country": factories.country().pk,
                "role": "member",
                "since": "2025-01-01",
                "since_precision": "4",
            },
        ),
        ProgrammeParticipant: (
            lambda: sourced(factories.programme()),
            lambda: {
                "country": factories.country().pk,
                "role": "partner",
                "joined_on": "2024-01-01",
                "joined_on_precision": "2",
            },
        ),
        Variant: (
            lambda: sourced(factories.system()),
            lambda: {"name": "Proposed variant", "slug": f"proposed-{factories.n()}"},
        ),
        Delivery: (
            lambda: sourced(factories.order(quantity=40)),
            lambda: {"delivered_on": "2026-10-01", "delivered_on_precision": "3", "quantity": "20"},
        ),
        OrderShare: (
            lambda: sourced(factories.order(quantity=40)),
            lambda: {"country": factories.country().pk, "quantity": "10"},
        ),
        Milestone: (
            lambda: sourced(factories.order(quantity=40)),
            lambda: {
                "kind": "deliveries",
                "planned_on": "2027-01-01",
                "planned_on_precision": "2",
                "quantity": "10",
            },
        ),
        Participation: (
            lambda: sourced(factories.activity()),
            lambda: {"organization": sourced(factories.organization()).pk, "role": "participant"},
        ),
    }


CHILD_TYPES = [
    model
    for model in records.app_models()
    if records.parent_field(model) is not None and model in parents()
]


def test_every_kind_of_child_row_is_covered():
    """Derived from the schema: a new kind of child row must be added to `parents()`."""
    derived = {model for model in records.app_models() if records.parent_field(model)}
    # Article links are covered by tests/test_article_links_admin.py and below.
    assert derived - set(parents()) <= {records.apps.get_model("partnership", "ArticleLink")}


def reader_view(record) -> dict[str, str]:
    """What an anonymous reader gets: the record's page, its API twin, the home page."""
    reader = Client(HTTP_ACCEPT_LANGUAGE="en")
    with translation.override("en"):
        views = {"page": record.get_absolute_url(), "home": "/en/"}
    name = type(record)._meta.model_name
    if name in EXPORTS:
        views["api"] = reverse(f"api:{name}-detail", kwargs={"slug": record.slug})
    if isinstance(record, Order):
        with translation.override("en"):
            views["chart"] = record.system.get_absolute_url()
    seen = {}
    for key, url in views.items():
        response = reader.get(url)
        assert response.status_code == 200, url
        seen[key] = response.content.decode()
    return seen


def rows_of(parent, child):
    field = records.parent_field(child)
    return sorted(child.objects.filter(**{field.name: parent}).values_list("pk", flat=True))


def publish_all(editor):
    for proposal in Proposal.objects.filter(state=Proposal.State.PENDING):
        review.publish(proposal, user=editor)


@pytest.mark.parametrize("child", CHILD_TYPES, ids=lambda m: m._meta.model_name)
def test_a_row_added_inline_waits_for_review(client, contributor, editor, child):
    make_parent, row = parents()[child]
    parent = make_parent()
    if child in (Delivery, OrderShare):
        sourced(parent.system)
    before = reader_view(parent)
    client.force_login(contributor)
    url = change_url(parent)
    data = page_form(client.get(url).content.decode())
    # An inline formset's prefix is the name of the relation from the parent.
    prefix = records.parent_field(child).remote_field.get_accessor_name(model=False)
    assert f"{prefix}-TOTAL_FORMS" in data
    data = add_inline_row(data, prefix, row())
    data.pop("csrfmiddlewaretoken", None)
    data["_save"] = "1"
    response = client.post(url, data)
    assert response.status_code == 302, form_errors(response)
    assert "/proposal/" in response["Location"]
    assert rows_of(parent, child) == []
    assert reader_view(parent) == before

    publish_all(editor)
    assert len(rows_of(parent, child)) == 1
    assert reader_view(parent) != before


@pytest.mark.parametrize("child", CHILD_TYPES, ids=lambda m: m._meta.model_name)
def test_a_row_added_in_its_own_admin_waits_for_review(client, contributor, editor, child):
    make_parent, row = parents()[child]
    parent = make_parent()
    if child in (Delivery, OrderShare):
        sourced(parent.system)
    before = reader_view(parent)
    client.force_login(contributor)
    opts = child._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_add")
    data = page_form(client.get(url).content.decode())
    data.pop("csrfmiddlewaretoken", None)
    data |= row() | {records.parent_field(child).name: parent.pk, "_save": "1"}
    response = client.post(url, data)
    assert response.status_code == 302, form_errors(response)
    assert "/proposal/" in response["Location"]
    assert rows_of(parent, child) == []
    assert reader_view(parent) == before
    publish_all(editor)
    assert len(rows_of(parent, child)) == 1


@pytest.mark.parametrize("child", CHILD_TYPES, ids=lambda m: m._meta.model_name)
def test_a_row_changed_in_its_own_admin_waits_for_review(client, contributor, editor, child):
    make_parent, _row = parents()[child]
    parent = make_parent()
    if child is Delivery:
        sourced(parent.system)
        existing = factories.delivery(order=parent, quantity=3)
        changes = {"quantity": "4"}
    else:
        if child is OrderShare:
            sourced(parent.system)
        existing = factories.make(child, **{records.parent_field(child).name: parent})
        changes = {
            Appointment: {"title": "Proposed title"},
            Membership: {"role": "observer"},
            ProgrammeParticipant: {"role": "user"},
            Variant: {"designation": "Proposed designation"},
            Participation: {"strength": "250"},
            Milestone: {"quantity": "12"},
            OrderShare: {"quantity": "12"},
        }[child]
    stored = child.objects.filter(pk=existing.pk).values().get()
    before = reader_view(parent)
    client.force_login(contributor)
    url = change_url(existing)
    data = page_form(client.get(url).content.decode()) | changes | {"_save": "1"}
    data.pop("csrfmiddlewaretoken", None)
    response = client.post(url, data)
    assert response.status_code == 302, form_errors(response)
    assert "/proposal/" in response["Location"]
    assert child.objects.filter(pk=existing.pk).values().get() == stored
    assert reader_view(parent) == before
    publish_all(editor)
    changed = child.objects.filter(pk=existing.pk).values().get()
    assert {name: str(changed[name]) for name in changes} == changes


def test_a_citation_added_in_its_own_admin_waits_for_review(client, contributor, editor):
    system = sourced(factories.system())
    source = factories.source()
    before = reader_view(system)
    client.force_login(contributor)
    url = reverse("admin:partnership_citation_add")
    data = page_form(client.get(url).content.decode())
    data.pop("csrfmiddlewaretoken", None)
    data |= {
        "source": source.pk,
        "content_type": records.ContentType.objects.get_for_model(System).pk,
        "object_id": system.pk,
        "_save": "1",
    }
    response = client.post(url, data)
    assert response.status_code == 302, form_errors(response)
    assert not Citation.objects.filter(source=source).exists()
    assert reader_view(system) == before
    publish_all(editor)
    assert Citation.objects.filter(source=source, object_id=system.pk).exists()


def test_a_membership_posted_to_the_api_waits_for_review(contributor, editor):
    partnership = sourced(factories.partnership())
    country = factories.country()
    before = reader_view(partnership)
    api = APIClient()
    api.force_authenticate(contributor)
    response = api.post(
        "/api/v1/memberships/",
        {"partnership": partnership.slug, "country": country.code, "role": "member"},
        format="json",
    )
    assert response.status_code == 202, response.content
    assert not Membership.objects.filter(partnership=partnership).exists()
    assert reader_view(partnership) == before
    publish_all(editor)
    assert Membership.objects.filter(partnership=partnership, country=country).exists()


@pytest.mark.parametrize(
    ("child", "header", "line"),
    [
        (Delivery, "order,delivered,quantity", "{parent.slug},2026-10,20"),
        (
            Participation,
            "activity,organization,country,role",
            "{parent.slug},,{country.code},participant",
        ),
    ],
    ids=["delivery", "participation"],
)
def test_an_import_by_a_contributor_waits_for_review(
    client, contributor, editor, child, header, line
):
    make_parent, _row = parents()[child]
    parent = make_parent()
    if child is Delivery:
        sourced(parent.system)
    country = factories.country()
    before = reader_view(parent)
    client.force_login(contributor)
    opts = child._meta
    upload = io.BytesIO(f"{header}\n{line.format(parent=parent, country=country)}\n".encode())
    upload.name = "rows.csv"
    preview = client.post(
        reverse(f"admin:{opts.app_label}_{opts.model_name}_import"),
        {"import_file": upload, "format": "0", "resource": "0"},
    )
    assert preview.status_code == 200
    assert "1 record readers see" in preview.content.decode()
    assert "confirm_form" in preview.context, [
        (row.number, row.error_dict) for row in preview.context["result"].invalid_rows
    ] + [str(e.error) for e in preview.context["result"].base_errors]
    form = preview.context["confirm_form"]
    done = client.post(
        reverse(f"admin:{opts.app_label}_{opts.model_name}_process_import"),
        {name: form[name].value() for name in form.fields},
        follow=True,
    )
    assert "await review" in done.content.decode() or "awaits review" in done.content.decode()
    assert rows_of(parent, child) == []
    assert reader_view(parent) == before
    publish_all(editor)
    assert len(rows_of(parent, child)) == 1


def test_a_contributors_revert_of_a_published_record_waits_for_review(client, contributor, editor):
    from reversion.models import Version

    from partnership.comments import comment
    from partnership.review import ReviewGate

    order = sourced(factories.order(quantity=40))
    sourced(order.system)
    with ReviewGate(editor, comment=comment("loaded")):
        factories.delivery(order=order, quantity=5)
    first = Version.objects.get_for_object(order).order_by("pk").first()
    with ReviewGate(editor):
        Delivery.objects.filter(order=order).update(quantity=7)
        Delivery.objects.get(order=order).save()
    before = reader_view(order)
    client.force_login(contributor)
    url = reverse("admin:partnership_order_revision", args=[order.pk, first.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "Propose restoring this version" in page.content.decode()
    data = page_form(page.content.decode()) | {"_save": "1"}
    data.pop("csrfmiddlewaretoken", None)
    response = client.post(url, data)
    assert response.status_code == 302, form_errors(response)
    assert list(Delivery.objects.filter(order=order).values_list("quantity", flat=True)) == [7]
    assert reader_view(order) == before
    publish_all(editor)
    assert list(Delivery.objects.filter(order=order).values_list("quantity", flat=True)) == [5]


def test_a_contributors_recovery_of_a_deleted_row_waits_for_review(client, contributor, editor):
    from reversion.models import Version

    from partnership.review import ReviewGate

    order = sourced(factories.order(quantity=40))
    sourced(order.system)
    with ReviewGate(editor):
        delivery = factories.delivery(order=order, quantity=5)
    pk = delivery.pk
    with ReviewGate(editor):
        delivery.delete()
    before = reader_view(order)
    version = Version.objects.get_deleted(Delivery).get(object_id=str(pk))
    client.force_login(contributor)
    url = reverse("admin:partnership_delivery_recover", args=[version.pk])
    page = client.get(url)
    assert page.status_code == 200
    data = page_form(page.content.decode()) | {"_save": "1"}
    data.pop("csrfmiddlewaretoken", None)
    response = client.post(url, data)
    assert response.status_code == 302, form_errors(response)
    assert not Delivery.objects.filter(pk=pk).exists()
    assert reader_view(order) == before
    publish_all(editor)
    assert Delivery.objects.filter(order=order, quantity=5).exists()


def test_the_parents_covered_are_published_record_types():
    for model in (Person, Partnership, Programme, System, Order, Activity):
        assert records.is_root(model)


def test_an_article_link_added_by_a_contributor_waits_for_review(client, contributor, editor):
    article = sourced(factories.article(title="Article about equipment"))
    system = sourced(factories.system(name="Linked system"))
    reader = Client(HTTP_ACCEPT_LANGUAGE="en")
    feed = "/en/news/atom.xml"
    before = reader_view(article) | {"feed": reader.get(feed).content.decode()}
    client.force_login(contributor)
    url = change_url(article)
    data = page_form(client.get(url).content.decode())
    data = add_inline_row(data, "links", {"kind": "about", "record": f"system:{system.pk}"})
    data.pop("csrfmiddlewaretoken", None)
    data["_save"] = "1"
    response = client.post(url, data)
    assert response.status_code == 302, form_errors(response)
    assert "/proposal/" in response["Location"]
    assert not article.links.exists()
    assert reader_view(article) | {"feed": reader.get(feed).content.decode()} == before
    # Its own admin too.
    add = reverse("admin:partnership_articlelink_add")
    data = page_form(client.get(add).content.decode())
    data.pop("csrfmiddlewaretoken", None)
    other = sourced(factories.system(name="Other linked system"))
    data |= {"article": article.pk, "kind": "about", "record": f"system:{other.pk}", "_save": "1"}
    response = client.post(add, data)
    assert response.status_code == 302, form_errors(response)
    assert not article.links.exists()
    assert Proposal.objects.open().count() == 1  # both changes in the article's proposal
    publish_all(editor)
    assert set(article.links.values_list("object_id", flat=True)) == {system.pk, other.pk}
    page = reader_view(article)["page"]
    assert "Linked system" in page and "Other linked system" in page


def test_a_proposal_that_would_break_a_unique_rule_is_refused_clearly(client, contributor, editor):
    system = sourced(factories.system(slug="taken-elsewhere-not"))
    proposal = factories.proposal(record=system)
    proposed = proposal.proposed
    root = next(row for row in proposed["rows"] if row["model"] == "partnership.system")
    factories.system(slug="taken-slug")
    root["fields"]["slug"] = "taken-slug"
    proposal.proposed = proposed
    proposal.save()
    client.force_login(editor)
    response = client.post(proposal.get_absolute_url(), {"action": "publish"}, follow=True)
    assert response.status_code == 200
    assert "with this Slug already exists" in response.content.decode()
    system.refresh_from_db()
    assert system.slug == "taken-elsewhere-not"


def test_a_contributors_bulk_actions_leave_published_records_as_they_are(client, contributor):
    system = sourced(factories.system(role="Troop transport"))
    stored = System.objects.filter(pk=system.pk).values().get()
    client.force_login(contributor)
    changelist = reverse("admin:partnership_system_changelist")
    for action in ("submit_for_review", "confirm_translations", "publish", "withdraw"):
        client.post(
            changelist,
            {
                "action": action,
                "_selected_action": [system.pk],
                "confirm": "yes",
                "withdrawn_reason": "No.",
            },
        )
    assert System.objects.filter(pk=system.pk).values().get() == stored
    assert not Proposal.objects.exists()


def test_a_contributors_recovery_of_a_deleted_record_is_published_by_an_editor(
    client, contributor, editor
):
    from reversion.models import Version

    from partnership.review import ReviewGate

    with ReviewGate(editor):
        order = sourced(factories.order(quantity=10, summary="Recover me"))
        factories.delivery(order=order, quantity=4)
    pk = order.pk
    with ReviewGate(editor):
        order.delete()
    version = Version.objects.get_deleted(Order).get(object_id=str(pk))
    client.force_login(contributor)
    url = reverse("admin:partnership_order_recover", args=[version.pk])
    page = client.get(url)
    assert "Propose recovering this record" in page.content.decode()
    data = page_form(page.content.decode()) | {"_save": "1"}
    data.pop("csrfmiddlewaretoken", None)
    response = client.post(url, data)
    assert response.status_code == 302, form_errors(response)
    assert not Order.objects.filter(pk=pk).exists()
    proposal = Proposal.objects.get(object_id=pk)
    client.force_login(editor)
    assert "publishing recovers it" in client.get(proposal.get_absolute_url()).content.decode()
    review.publish(proposal, user=editor)
    assert Order.objects.get(pk=pk).summary == "Recover me"
    assert list(Delivery.objects.filter(order_id=pk).values_list("quantity", flat=True)) == [4]
