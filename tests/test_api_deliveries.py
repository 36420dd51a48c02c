"""/api/v1/deliveries/: one flat row per delivery, as SIPRI's register gives them, and only
the deliveries readers may see."""

import csv
import datetime
import io

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from partnership import caching
from partnership.models import Delivery, Status
from tests import factories

pytestmark = pytest.mark.django_db

LIST = "/api/v1/deliveries/"


@pytest.fixture
def api():
    return APIClient()


def rows(response):
    assert response.status_code == 200, response.content[:500]
    return response.json()["results"]


def test_a_delivery_is_one_flat_row_with_its_order_buyer_and_system(api):
    found = rows(api.get(LIST, {"order": "be-griffon-camo-1"}))
    assert len(found) == 1
    row = found[0]
    assert row["order"] == "be-griffon-camo-1"
    assert row["buyer"] == "BE"
    assert row["system"] == "griffon"
    assert row["delivered"]["value"] == "2025-07-15"
    assert row["delivered"]["precision"] == "day"
    assert row["quantity"] is None  # not disclosed
    assert row["recipient"] == "belgian-defence"
    assert row["citations"]
    assert row["html_url"].endswith("/orders/be-griffon-camo-1/")
    detail = api.get(row["api_url"])
    assert detail.status_code == 200
    assert detail.json()["id"] == row["id"]


def test_every_visible_delivery_is_listed_once(api):
    listed = rows(api.get(LIST, {"page_size": 100}))
    assert sorted(row["id"] for row in listed) == sorted(
        Delivery.objects.published().values_list("pk", flat=True)
    )
    nested = sum(
        len(order["deliveries"])
        for order in api.get("/api/v1/orders/", {"page_size": 100}).json()["results"]
    )
    assert len(listed) == nested


@pytest.mark.parametrize(
    "hidden",
    [
        {"order": {"status": Status.DRAFT}},
        {"order": {"status": Status.WITHDRAWN, "withdrawn_reason": "Wrong"}},
        {"order": {"publish_at": datetime.datetime(2999, 1, 1, tzinfo=datetime.UTC)}},
    ],
    ids=["draft-order", "withdrawn-order", "scheduled-order"],
)
def test_a_delivery_readers_may_not_see_is_nowhere(api, hidden):
    order = factories.order(**hidden.get("order", {}))
    recipient = factories.organization(**hidden.get("recipient", {}))
    delivery = factories.delivery(order=order, recipient=recipient)
    assert delivery.pk not in {row["id"] for row in rows(api.get(LIST, {"page_size": 100}))}
    assert api.get(f"{LIST}{delivery.pk}/").status_code == 404
    exported = api.get(LIST, {"format": "csv"}).content.decode()
    assert f"/deliveries/{delivery.pk}/" not in exported
    assert order.slug not in exported


def test_staff_who_may_view_drafts_see_them(api, editor):
    delivery = factories.delivery(order=factories.order(status=Status.DRAFT))
    api.force_authenticate(editor)
    assert api.get(f"{LIST}{delivery.pk}/").status_code == 200


@pytest.mark.parametrize(
    ("query", "check"),
    [
        ({"country": "be"}, lambda row: row["buyer"] == "BE"),
        ({"system": "griffon"}, lambda row: row["system"] == "griffon"),
        ({"order": "be-griffon-camo-1"}, lambda row: row["order"] == "be-griffon-camo-1"),
        ({"year": 2019}, lambda row: row["delivered"]["value"].startswith("2019")),
    ],
)
def test_filters_narrow_the_list(api, query, check):
    everything = rows(api.get(LIST, {"page_size": 100}))
    matching = rows(api.get(LIST, {**query, "page_size": 100}))
    assert matching
    assert all(check(row) for row in matching)
    assert len(matching) == sum(check(row) for row in everything)


@pytest.mark.parametrize("query", [{"year": "soon"}, {"year": 12}, {"colour": "red"}])
def test_a_bad_filter_is_a_400_naming_it(api, query):
    response = api.get(LIST, query)
    assert response.status_code == 400
    assert set(query) <= set(response.json()["error"]["fields"])


def test_the_csv_twin_has_a_row_per_delivery_and_splits_the_date(api):
    response = api.get(LIST, {"format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == 'attachment; filename="camo-deliveries.csv"'
    table = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(table) == api.get(LIST).json()["count"]
    row = next(row for row in table if row["order"] == "be-griffon-camo-1")
    assert (row["delivered"], row["delivered_precision"]) == ("2025-07-15", "day")
    assert row["quantity"] == ""  # undisclosed: an empty cell
    assert row["buyer"] == "BE"
    assert row["sources"]


def test_it_is_read_only(api, admin_user):
    delivery = Delivery.objects.published().first()
    assert api.post(LIST, {}, format="json").status_code == 405
    api.force_authenticate(admin_user)
    assert api.post(LIST, {}, format="json").status_code == 405
    assert api.patch(f"{LIST}{delivery.pk}/", {"quantity": 1}, format="json").status_code == 405
    assert api.delete(f"{LIST}{delivery.pk}/").status_code == 405
    assert Delivery.objects.filter(pk=delivery.pk).exists()


@pytest.mark.parametrize("asked", ["?format=csv", "?format=xml"])
def test_a_method_that_does_not_apply_is_a_405_whatever_the_format(api, admin_user, asked):
    """Found by Schemathesis: a POST asking for CSV answered 406 (formats are negotiated first)."""
    api.force_authenticate(admin_user)
    assert api.post(f"{LIST}{asked}", {}, format="json").status_code == 405
    assert api.put(f"/api/v1/orders/{asked}", {}, format="json").status_code == 405


def test_a_delivery_to_a_hidden_recipient_shows_no_recipient(api):
    """The delivery happened and is published; only the unit it went to is not (yet)."""
    recipient = factories.organization(status=Status.REVIEW)
    delivery = factories.delivery(recipient=recipient)
    row = api.get(f"{LIST}{delivery.pk}/").json()
    assert row["recipient"] is None
    exported = api.get(LIST, {"format": "csv"}).content.decode()
    assert f"/deliveries/{delivery.pk}/" in exported
    assert recipient.slug not in exported


def test_queries_do_not_grow_with_rows(api):
    path = f"{LIST}?page_size=100"

    def measured():
        caching.stamp()  # the content's version and schedule, read once per change
        cache.clear()  # no answer kept from before
        with CaptureQueriesContext(connection) as queries:
            assert api.get(path).status_code == 200
        return len(queries)

    before = measured()
    for _ in range(5):
        factories.cite(factories.delivery(order=factories.order(variant=None)))
    assert measured() == before


def test_the_schema_documents_it(api):
    schema = api.get("/api/schema/", {"format": "json"}).json()
    listing = schema["paths"]["/api/v1/deliveries/"]
    assert set(listing) == {"get"}
    names = {parameter["name"] for parameter in listing["get"]["parameters"]}
    assert {"country", "system", "order", "year", "recipient"} <= names
    assert set(schema["paths"]["/api/v1/deliveries/{id}/"]) == {"get"}
