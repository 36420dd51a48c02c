"""Claims travel through import and export in a `claims` column, in the API's structure."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from tablib import Dataset

from partnership.models import Claim, Order
from partnership.resources import OrderResource
from tests import factories
from tests.test_imports import export, read_csv

pytestmark = pytest.mark.django_db

HEADER = ["slug", "buyer", "system", "quantity", "claims"]


@pytest.fixture
def order():
    record = factories.order(quantity=123, system=factories.system())
    factories.cite(record)
    return record


def row_of(order, claims):
    return [order.slug, order.buyer.code, order.system.slug, order.quantity, claims]


def run_import(user, order, claims, *, dry_run=False):
    dataset = Dataset(headers=HEADER)
    dataset.append(row_of(order, json.dumps(claims) if isinstance(claims, list) else claims))
    return OrderResource(user=user).import_data(dataset, dry_run=dry_run)


def stored(order):
    return sorted(
        (claim.field, claim.value, claim.rank, sorted(c.source.slug for c in claim.citations.all()))
        for claim in Claim.objects.filter(object_id=order.pk, content_type__model="order")
    )


def test_the_export_writes_claims_in_the_api_structure(admin_client, order):
    claim = factories.claim(order, "quantity", "123", certainty="estimate")
    factories.claim(order, "quantity", "128", rank="normal")
    [row] = read_csv(export(admin_client, Order, query=f"?id__in={order.pk}"))
    claims = json.loads(row["claims"])
    assert claims[0] == {
        "field": "quantity",
        "value": "123",
        "certainty": "estimate",
        "citations": [{"source": claim.citations.get().source.slug}],
    }
    assert claims[1]["value"] == "128" and claims[1]["rank"] == "normal"


def test_an_import_replaces_the_claims_like_the_api(admin_user, order):
    factories.claim(order, "quantity", "123")
    source, other = factories.source(), factories.source()
    result = run_import(
        admin_user,
        order,
        [
            {"field": "quantity", "value": "123", "citations": [{"source": source.slug}]},
            {
                "field": "quantity",
                "value": "128",
                "rank": "normal",
                "citations": [{"source": other.slug, "locator": "§2"}],
            },
        ],
    )
    assert not result.has_errors() and not result.has_validation_errors()
    assert [row.import_type for row in result.rows] == ["update"]
    assert stored(order) == [
        ("quantity", "123", "preferred", [source.slug]),
        ("quantity", "128", "normal", [other.slug]),
    ]


def test_a_file_read_back_unchanged_changes_no_claim(admin_user, admin_client, order):
    factories.claim(order, "quantity", "123")
    before = stored(order)
    exported = export(admin_client, Order, query=f"?id__in={order.pk}")
    dataset = Dataset().load(exported.content.decode("utf-8-sig"), format="csv")
    result = OrderResource(user=admin_user).import_data(dataset)
    assert [row.import_type for row in result.rows] == ["skip"]
    assert stored(order) == before


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("[{not json", "Not a JSON list of claims"),
        ('{"field": "quantity"}', "Not a JSON list of claims"),
        ([{"field": "colour", "value": "red", "citations": [{"source": "x"}]}], "colour"),
        ([{"field": "quantity", "value": "1", "citations": [{"source": "nope"}]}], "nope"),
        ([{"field": "quantity", "value": "1", "certainty": "range", "citations": []}], "0."),
    ],
)
def test_a_bad_claims_cell_is_an_error_naming_the_column_and_changes_nothing(
    admin_user, order, cell, message
):
    factories.claim(order, "quantity", "123")
    before = stored(order)
    result = run_import(admin_user, order, cell)
    [row] = result.invalid_rows
    errors = " ".join(str(m) for m in row.field_specific_errors["claims"])
    assert message in errors
    assert stored(order) == before


def test_a_contributor_cannot_change_live_claims_through_an_import(django_user_model, order):
    from django.contrib.auth.models import Group

    factories.claim(order, "quantity", "123")
    before = stored(order)
    user = django_user_model.objects.create_user("contrib-claims", password="x", is_staff=True)
    user.groups.add(Group.objects.get(name="Contributor"))
    source = factories.source()
    run_import(
        user, order, [{"field": "quantity", "value": "99", "citations": [{"source": source.slug}]}]
    )
    assert stored(order) == before


def test_export_queries_do_not_grow_with_claims(admin_client):
    def count(orders):
        query = "?id__in=" + ",".join(str(o.pk) for o in orders)
        with CaptureQueriesContext(connection) as queries:
            rows = read_csv(export(admin_client, Order, query=query))
        assert len(rows) == len(orders)
        return len(queries)

    orders = [factories.order() for _ in range(2)]
    for order in orders:
        factories.claim(order, "quantity", str(order.quantity))
    few = count(orders)
    for _ in range(3):
        extra = factories.order()
        factories.claim(extra, "quantity", str(extra.quantity), sources=2)
        orders.append(extra)
    assert count(orders) == few
