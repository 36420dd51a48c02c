"""The Data Package validates with Frictionless (types, primary and foreign keys), offline: the
descriptor and every CSV are fetched through the test client and written to a directory."""

import csv
import io
import json
import socket

import pytest
from frictionless import Package
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def no_network(monkeypatch):
    """Validation must not fetch anything (a profile, a schema): CI may be offline."""

    def refuse(*args, **kwargs):
        raise AssertionError("the validation tried to reach the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def download(api, directory):
    """The package as a consumer saves it: the descriptor, each resource a local CSV file."""
    package = api.get("/api/v1/datapackage.json").json()
    for resource in package["resources"]:
        response = api.get(resource["path"])
        assert response.status_code == 200, resource["path"]
        (directory / f"{resource['name']}.csv").write_bytes(response.content)
        resource["path"] = f"{resource['name']}.csv"
    (directory / "datapackage.json").write_text(json.dumps(package), encoding="utf-8")
    return package


def validate(directory):
    report = Package(str(directory / "datapackage.json")).validate()
    errors = [
        (task.name, error.type, getattr(error, "field_name", None), error.message[:200])
        for task in report.tasks
        for error in task.errors
    ]
    return report, errors


def test_the_package_validates(api, tmp_path, no_network):
    package = download(api, tmp_path)
    report, errors = validate(tmp_path)
    assert errors == []
    assert report.valid
    assert len(report.tasks) == len(package["resources"])


def test_every_resource_has_a_primary_key_and_links_are_foreign_keys(api):
    package = api.get("/api/v1/datapackage.json").json()
    resources = {resource["name"]: resource for resource in package["resources"]}
    for name, resource in resources.items():
        columns = [field["name"] for field in resource["schema"]["fields"]]
        assert resource["schema"]["primaryKey"], name
        assert set(resource["schema"]["primaryKey"]) <= set(columns), name
    links = {
        (name, key["fields"][0]): (key["reference"]["resource"] or name, key["reference"]["fields"])
        for name, resource in resources.items()
        for key in resource["schema"].get("foreignKeys", [])
    }
    assert links[("order", "buyer")] == ("country", ["code"])
    assert links[("order", "system")] == ("system", ["slug"])
    assert links[("order", "agreement")] == ("agreement", ["slug"])
    assert links[("organization", "parent")] == ("organization", ["slug"])
    assert links[("membership", "partnership")] == ("partnership", ["slug"])
    assert links[("quote", "person")] == ("person", ["slug"])
    assert links[("delivery", "order")] == ("order", ["slug"])
    assert links[("delivery", "recipient")] == ("organization", ["slug"])
    for (_name, _column), (target, fields) in links.items():
        assert resources[target]["schema"]["primaryKey"] == fields


def test_a_link_to_a_missing_row_fails_validation(api, tmp_path, no_network):
    """The foreign keys are checked: an order naming a system the systems table lacks."""
    download(api, tmp_path)
    path = tmp_path / "system.csv"
    table = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    slug = table[0].index("slug")
    kept = [row for row in table if row[slug] != "griffon"]
    assert len(kept) == len(table) - 1
    buffer = io.StringIO()
    csv.writer(buffer).writerows(kept)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    _report, errors = validate(tmp_path)
    assert {(name, kind) for name, kind, _field, _message in errors} >= {
        ("order", "foreign-key"),
        ("delivery", "foreign-key"),
    }


def test_lists_are_json_arrays_and_nothing_is_written_null(api):
    package = api.get("/api/v1/datapackage.json").json()
    orders = next(resource for resource in package["resources"] if resource["name"] == "order")
    types = {field["name"]: field["type"] for field in orders["schema"]["fields"]}
    assert types["deliveries"] == types["claims"] == "array"
    table = list(
        csv.DictReader(io.StringIO(api.get("/api/v1/events/?format=csv").content.decode()))
    )
    assert any(row["place"] == "" for row in table)
    assert all(value != "null" for row in table for value in row.values())


def test_the_deliveries_are_a_flat_resource(api):
    package = api.get("/api/v1/datapackage.json").json()
    deliveries = next(
        resource for resource in package["resources"] if resource["name"] == "delivery"
    )
    assert deliveries["path"].endswith("/api/v1/deliveries/?format=csv")
    columns = [field["name"] for field in deliveries["schema"]["fields"]]
    assert {
        "order",
        "buyer",
        "system",
        "variant",
        "quantity",
        "delivered",
        "delivered_precision",
        "recipient",
    } <= set(columns)
    header = api.get(deliveries["path"]).content.decode().splitlines()[0].split(",")
    assert header == columns
