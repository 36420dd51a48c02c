"""Linked records expanded beside their slugs: name in the language asked for, API URL, page;
an agreement lists its orders."""

import pytest
from rest_framework.test import APIClient

from partnership.models import Order, Status
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def test_a_link_gives_the_name_and_urls_beside_the_unchanged_slug(api):
    order = api.get("/api/v1/orders/be-griffon-camo-1/").json()
    assert order["buyer"] == "BE" and order["system"] == "griffon"
    buyer = order["links"]["buyer"]
    assert buyer["slug"] == "BE"
    assert buyer["name"] == "Belgique"
    assert buyer["api_url"] == "http://testserver/api/v1/countries/belgium/"
    assert api.get(buyer["api_url"]).json()["code"] == "BE"
    assert buyer["html_url"].startswith("http://testserver/fr/")
    assert order["links"]["system"]["api_url"] == "http://testserver/api/v1/systems/griffon/"
    dutch = api.get("/api/v1/orders/be-griffon-camo-1/?lang=nl").json()
    assert dutch["links"]["buyer"]["name"] == "België"


def test_every_link_field_is_expanded_and_lists_stay_lists(api):
    agreement = api.get("/api/v1/agreements/", {"page_size": 100}).json()["results"]
    with_parties = next(row for row in agreement if row["parties"])
    assert [link["slug"] for link in with_parties["links"]["parties"]] == with_parties["parties"]
    assert with_parties["links"]["partnership"]["slug"] == with_parties["partnership"]
    membership = api.get("/api/v1/memberships/").json()["results"][0]
    assert membership["links"]["country"]["slug"] == membership["country"]
    assert membership["links"]["through"] is None or membership["through"]


def test_a_hidden_record_is_never_named_through_a_link(api):
    draft = factories.agreement(status=Status.DRAFT, title="ZZ secret agreement")
    order = factories.order(agreement=draft)
    body = api.get(f"/api/v1/orders/{order.slug}/")
    assert body.status_code == 200
    assert body.json()["links"]["agreement"] is None
    assert "ZZ secret agreement" not in body.content.decode()


def test_an_agreement_lists_its_published_orders(api):
    shown = factories.order()
    agreement = shown.agreement
    factories.order(agreement=agreement, status=Status.DRAFT)
    detail = api.get(f"/api/v1/agreements/{agreement.slug}/").json()
    assert [row["slug"] for row in detail["orders"]] == [shown.slug]
    row = detail["orders"][0]
    assert row["buyer"] == shown.buyer.code and row["system"] == shown.system.slug
    assert row["quantity"] == shown.quantity
    assert api.get(row["api_url"]).json()["slug"] == shown.slug


def test_the_dataset_agreements_list_every_order_under_them(api):
    for row in api.get("/api/v1/agreements/", {"page_size": 100}).json()["results"]:
        expected = set(
            Order.objects.published()
            .filter(agreement__slug=row["slug"])
            .values_list("slug", flat=True)
        )
        assert {order["slug"] for order in row["orders"]} == expected


def test_the_schema_documents_links_and_orders(api):
    schema = api.get("/api/schema/", {"format": "json"}).json()
    components = schema["components"]["schemas"]
    links = components["Order"]["properties"]["links"]
    assert links["readOnly"] is True
    assert "name" in links["additionalProperties"]["oneOf"][0]["properties"]
    assert "orders" in components["Agreement"]["properties"]
    assert "links" in components["Delivery"]["properties"] or "links" in str(components)


def test_the_csv_keeps_the_slugs_only(api):
    header = api.get("/api/v1/orders/?format=csv").content.decode().splitlines()[0].split(",")
    assert "links" not in header and "buyer" in header
