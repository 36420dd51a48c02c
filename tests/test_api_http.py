"""What the API says over HTTP beside its data: the root in the schema, messages in the language
asked for, compressed answers that still validate with ETag/304."""

import gzip
import re

import pytest
from django.test import Client
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def test_the_api_root_is_in_the_schema_and_lists_every_entry_point(api):
    schema = api.get("/api/schema/", {"format": "json"}).json()
    root = schema["paths"]["/api/v1/"]["get"]
    assert root["operationId"] == "api_root"
    answer = root["responses"]["200"]["content"]["application/json"]["schema"]
    assert answer["additionalProperties"] == {"type": "string", "format": "uri"}
    listed = api.get("/api/v1/").json()
    assert {"orders", "deliveries", "countries", "timeline", "datapackage"} <= set(listed)
    for url in listed.values():
        assert api.get(url).status_code == 200, url


# Every message of these answers comes from our code, DRF or django-filter.
BAD_REQUESTS = [
    "/api/v1/orders/?foo=1",
    "/api/v1/orders/?ordering=nope",
    "/api/v1/orders/?ordering=",
    "/api/v1/articles/?year=",
    "/api/v1/orders/?page_size=abc",
    "/api/v1/orders/?page=abc",
    "/api/v1/orders/?country=" + "x" * 101,
    "/api/v1/activities/?year=99999&disputed=maybe",
    "/api/v1/orders/?ordered_after=yesterday",
    "/api/v1/timeline/?kind=nothing",
    "/api/v1/orders/?format=xml",
    "/api/v1/no-such-thing/",
]

# Words that only the English messages use (the Dutch ones are checked to be there).
ENGLISH = re.compile(
    r"\b(Invalid|Unknown|accepts|Cannot|Give|must|characters|whole|Enter|Select|valid|"
    r"required|the|this|not|use|one|of)\b"
)


def messages(body) -> list[str]:
    error = body["error"]
    found = [error["message"]]
    for texts in (error.get("fields") or {}).values():
        found += texts
    return found


@pytest.mark.parametrize("path", BAD_REQUESTS)
@pytest.mark.parametrize("how", ["lang", "accept-language"])
def test_error_messages_are_all_in_the_language_asked_for(api, path, how):
    if how == "lang":
        response = api.get(path + ("&" if "?" in path else "?") + "lang=nl")
    else:
        response = api.get(path, HTTP_ACCEPT_LANGUAGE="nl")
    assert 400 <= response.status_code < 500
    texts = messages(response.json())
    assert all(texts), texts
    english = [text for text in texts if ENGLISH.search(text)]
    assert english == []


def test_a_write_refused_is_in_the_language_asked_for(api, admin_user):
    api.force_authenticate(admin_user)
    response = api.post("/api/v1/orders/?lang=nl", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "De inhoud van het verzoek is geen geldige JSON."
    response = api.post("/api/v1/orders/?lang=nl", {"quantity": "x"}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith("Ongeldige waarde voor: ")
    assert not any(ENGLISH.search(text) for text in messages(response.json()))


def test_english_is_still_english(api):
    response = api.get("/api/v1/orders/?foo=1", HTTP_ACCEPT_LANGUAGE="en")
    assert response.json()["error"]["message"] == "Invalid value for: foo."
    assert response.json()["error"]["fields"]["foo"][0].startswith("Unknown parameter")


COMPRESSED = {
    "page": ("/fr/", "text/html"),
    "api list": ("/api/v1/orders/", "application/json"),
    "csv": ("/api/v1/orders/?format=csv", "text/csv"),
}


@pytest.mark.parametrize("name", COMPRESSED)
def test_answers_are_gzipped_and_still_revalidate(name):
    path, content_type = COMPRESSED[name]
    client = Client()
    plain = client.get(path)
    assert plain.status_code == 200
    assert not plain.has_header("Content-Encoding")
    response = client.get(path, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert response.status_code == 200
    assert response["Content-Type"].startswith(content_type)
    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    assert gzip.decompress(response.content) == plain.content
    etag = response["ETag"]
    assert etag.strip("W/") == plain["ETag"].strip("W/")
    again = client.get(path, HTTP_ACCEPT_ENCODING="gzip", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert client.get(path, HTTP_IF_NONE_MATCH=plain["ETag"]).status_code == 304


@pytest.mark.parametrize(
    ("query", "status"), [("lang=xx", 400), ("colour=red", 400), ("format=csv", 406)]
)
def test_the_root_checks_its_parameters_like_every_other_url(api, query, status):
    response = api.get(f"/api/v1/?{query}")
    assert response.status_code == status
    assert response.json()["error"]


@pytest.mark.parametrize(
    "body, field",
    [
        ({"buyer": "B\x00E", "system": "griffon", "quantity": 1}, "buyer"),
        ({"buyer": "BE", "system": "grif\x00fon", "quantity": 1}, "system"),
        ({"buyer": "BE", "system": "griffon", "quantity": 1, "partnerships": ["ca\x00mo"]}, None),
    ],
    ids=["country-code", "record-slug", "in-a-list"],
)
def test_a_nul_character_in_a_reference_is_a_400_naming_the_field(api, editor, body, field):
    """PostgreSQL refuses a NUL character in a query (Schemathesis found the 500): no slug or
    code holds one, so the record named does not exist."""
    api.force_authenticate(editor)
    response = api.post("/api/v1/orders/", {"slug": "nul-order"} | body, format="json")
    assert response.status_code == 400
    assert (field or "partnerships") in response.json()["error"]["fields"]
