"""The rows about a record's values (claims, and the citations that back them or the whole
record) follow the same rule as every other row: no route lets a Contributor change what
readers see. Derived from the schema: every model in `records.generic_relations()` is covered,
through the record's form (inline), the row's own admin (add and change), bulk actions, a
revert and a recovery of the record they belong to."""

import pytest
from django.urls import reverse
from reversion.models import Version

from partnership import records
from partnership.models import Citation, Claim, Order, Proposal
from partnership.review import ReviewGate
from tests import factories
from tests.admin_forms import add_inline_row, change_url, form_errors, page_form
from tests.test_review_routes import publish_all, reader_view, sourced

pytestmark = pytest.mark.django_db


def published_order():
    order = sourced(factories.order(quantity=40))
    sourced(order.system)
    return order


# For each kind of row about a record: a new row (as its inline posts it) and a change to an
# existing one, each something a reader would notice on the order's page.
def new_rows():
    return {
        Claim: lambda order: {
            "field": "quantity",
            "value": "45",
            "certainty": "exact",
            "rank": "normal",
            "reason": "A later report gives 45.",
        },
        Citation: lambda order: {"source": factories.source(title="A proposed source").pk},
    }


def changes():
    return {
        Claim: (
            lambda order: factories.claim(order, "quantity", str(order.quantity)),
            {"certainty": "at_least"},
        ),
        Citation: (lambda order: factories.cite(order), {"locator": "p. 12"}),
    }


GENERIC = list(records.generic_relations())


def test_every_kind_of_row_about_a_record_is_covered():
    assert set(GENERIC) == set(new_rows()) == set(changes())


def about(model, pk):
    return model.objects.filter(
        content_type=records.ContentType.objects.get_for_model(Order), object_id=pk
    )


def rows(model, order):
    return sorted(about(model, order.pk).values_list("pk", flat=True))


def stored(model, order):
    return list(about(model, order.pk).order_by("pk").values())


def post(client, url, data):
    data = dict(data)
    data.pop("csrfmiddlewaretoken", None)
    return client.post(url, data | {"_save": "1"})


def held_for_review(response, model, order, kept, before):
    """The form was accepted as a proposal: the rows and what readers see are unchanged."""
    assert response.status_code == 302, form_errors(response)
    assert "/proposal/" in response["Location"]
    assert stored(model, order) == kept
    assert reader_view(order) == before


@pytest.mark.parametrize("model", GENERIC, ids=lambda m: m._meta.model_name)
def test_a_row_added_inline_waits_for_review(client, contributor, editor, model):
    order = published_order()
    before, kept = reader_view(order), stored(model, order)
    client.force_login(contributor)
    url = change_url(order)
    data = page_form(client.get(url).content.decode())
    prefix = f"partnership-{model._meta.model_name}-content_type-object_id"
    assert f"{prefix}-TOTAL_FORMS" in data
    response = post(client, url, add_inline_row(data, prefix, new_rows()[model](order)))
    held_for_review(response, model, order, kept, before)

    publish_all(editor)
    assert len(rows(model, order)) == len(kept) + 1
    assert reader_view(order)["page"] != before["page"]


@pytest.mark.parametrize("model", GENERIC, ids=lambda m: m._meta.model_name)
def test_a_row_added_in_its_own_admin_waits_for_review(client, contributor, editor, model):
    order = published_order()
    before, kept = reader_view(order), stored(model, order)
    client.force_login(contributor)
    opts = model._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_add")
    data = page_form(client.get(url).content.decode()) | new_rows()[model](order)
    data |= {
        "content_type": records.ContentType.objects.get_for_model(Order).pk,
        "object_id": order.pk,
    }
    response = post(client, url, data)
    held_for_review(response, model, order, kept, before)
    publish_all(editor)
    assert len(rows(model, order)) == len(kept) + 1


@pytest.mark.parametrize("model", GENERIC, ids=lambda m: m._meta.model_name)
def test_a_row_changed_in_its_own_admin_waits_for_review(client, contributor, editor, model):
    order = published_order()
    make, change = changes()[model]
    with ReviewGate(editor):
        row = make(order)
    before, kept = reader_view(order), stored(model, order)
    client.force_login(contributor)
    url = change_url(row)
    response = post(client, url, page_form(client.get(url).content.decode()) | change)
    held_for_review(response, model, order, kept, before)
    publish_all(editor)
    changed = model.objects.filter(pk=row.pk).values().get()
    assert {name: changed[name] for name in change} == change
    assert reader_view(order)["page"] != before["page"]


@pytest.mark.parametrize("model", GENERIC, ids=lambda m: m._meta.model_name)
def test_a_contributors_bulk_actions_leave_the_rows_as_they_are(client, contributor, editor, model):
    """Every action an Editor is offered, posted by a Contributor (offered to them or not)."""
    order = published_order()
    make, _change = changes()[model]
    row = make(order)
    before, kept = reader_view(order), stored(model, order)
    opts = model._meta
    changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    client.force_login(editor)
    actions = {
        value
        for name, value in _action_choices(client.get(changelist).content.decode())
        if name == "action" and value
    }
    assert "delete_selected" in actions
    client.force_login(contributor)
    for action in actions:
        client.post(changelist, {"action": action, "_selected_action": [row.pk], "post": "yes"})
    assert stored(model, order) == kept
    assert reader_view(order) == before
    assert not Proposal.objects.exclude(state=Proposal.State.PENDING).exists()


def _action_choices(html):
    from html.parser import HTMLParser

    found = []

    class Options(HTMLParser):
        inside = False

        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if tag == "select" and attrs.get("name") == "action":
                self.inside = True
            elif tag == "option" and self.inside:
                found.append(("action", attrs.get("value", "")))

        def handle_endtag(self, tag):
            if tag == "select":
                self.inside = False

    Options().feed(html)
    return found


def test_a_contributors_revert_restores_claims_only_once_published(client, contributor, editor):
    order = published_order()
    with ReviewGate(editor):
        claim = factories.claim(order, "quantity", "40", certainty="estimate")
        order.save()
    first = Version.objects.get_for_object(order).order_by("pk").last()
    with ReviewGate(editor):
        Claim.objects.filter(pk=claim.pk).update(certainty="exact")
        Claim.objects.get(pk=claim.pk).save()
        order.save()
    before = reader_view(order)
    client.force_login(contributor)
    url = reverse("admin:partnership_order_revision", args=[order.pk, first.pk])
    page = client.get(url)
    assert page.status_code == 200
    response = post(client, url, page_form(page.content.decode()))
    assert response.status_code == 302, form_errors(response)
    assert Claim.objects.get(pk=claim.pk).certainty == "exact"
    assert reader_view(order) == before
    publish_all(editor)
    assert Claim.objects.get(pk=claim.pk).certainty == "estimate"
    assert reader_view(order)["page"] != before["page"]


def test_a_recovered_record_gets_its_claims_and_their_citations_back(client, contributor, editor):
    with ReviewGate(editor):
        order = published_order()
        claim = factories.claim(order, "quantity", "40", certainty="estimate", sources=2)
        order.save()
    pk, sources = order.pk, set(claim.citations.values_list("source", flat=True))
    with ReviewGate(editor):
        order.delete()
    assert not about(Claim, pk).exists()
    version = Version.objects.get_deleted(Order).get(object_id=str(pk))
    client.force_login(contributor)
    url = reverse("admin:partnership_order_recover", args=[version.pk])
    response = post(client, url, page_form(client.get(url).content.decode()))
    assert response.status_code == 302, form_errors(response)
    assert not Order.objects.filter(pk=pk).exists()
    publish_all(editor)
    recovered = about(Claim, pk).get(field="quantity")
    assert recovered.certainty == "estimate"
    assert set(recovered.citations.values_list("source", flat=True)) == sources
