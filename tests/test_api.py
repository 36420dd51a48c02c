"""The REST API: the dataset's facts, filters, permissions, drafts, CSV, HTTP caching, errors."""

import csv
import datetime
import io
import re

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts.models import ApiToken
from partnership.api.views import EXPORTS
from partnership.models import Agreement, Order, Organization, Status, System
from tests import factories

pytestmark = pytest.mark.django_db

ENDPOINTS = {
    "partnership": "partnerships",
    "membership": "memberships",
    "agreement": "agreements",
    "programme": "programmes",
    "system": "systems",
    "order": "orders",
    "activity": "activities",
    "organization": "organizations",
    "person": "people",
    "quote": "quotes",
    "article": "articles",
    "event": "events",
    "source": "sources",
    "country": "countries",
    "tag": "tags",
    "agreement-kind": "agreement-kinds",
    "system-category": "system-categories",
    "organization-kind": "organization-kinds",
}


@pytest.fixture
def api():
    return APIClient()


def staff(django_user_model, *codenames):
    user = django_user_model.objects.create_user(
        f"staff-{len(codenames)}-{factories.n()}", password="x", is_staff=True
    )
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="partnership", codename__in=codenames)
    )
    return django_user_model.objects.get(pk=user.pk)  # fresh permission cache


def data_queries(captured):
    """The queries of a request but those of the database cache (when there is no Redis), which
    counts it for the rate limits and reads the content's version (settings.CACHES["throttle"]
    and ["shared"]: one table), a constant number whatever the rows."""
    from django.conf import settings

    table = settings.CACHES["throttle"].get("LOCATION", "")
    return [
        query
        for query in captured.captured_queries
        if table not in query["sql"] and "SAVEPOINT" not in query["sql"]
    ]


def results(response):
    assert response.status_code == 200, response.content[:500]
    return response.json()["results"]


def test_every_record_type_has_an_endpoint():
    assert set(EXPORTS) == set(ENDPOINTS)


class TestFacts:
    @pytest.mark.parametrize("name", ENDPOINTS.values())
    def test_every_list_answers_with_the_dataset(self, api, name):
        rows = results(api.get(f"/api/v1/{name}/"))
        assert rows, name
        detail = api.get(rows[0]["api_url"])
        assert detail.status_code == 200
        assert detail.json()["api_url"] == rows[0]["api_url"]

    def test_belgian_griffon_order_with_its_sources_and_deliveries(self, api):
        order = api.get("/api/v1/orders/be-griffon-camo-1/").json()
        assert order["buyer"] == "BE"
        assert order["system"] == "griffon"
        assert order["quantity"] == 382
        assert order["ordered"] == {
            "value": "2018-11-07",
            "precision": "day",
            "start": "2018-11-07",
            "end": "2018-11-07",
            "display": "7 novembre 2018",
        }
        assert order["citations"] and order["citations"][0]["source"]["title"]
        assert order["deliveries"][0]["delivered"]["value"] == "2025-07-15"
        assert order["deliveries"][0]["quantity"] is None
        assert order["html_url"] == "http://testserver/fr/orders/be-griffon-camo-1/"

    def test_serval_dispute_keeps_both_claims(self, api):
        serval = results(api.get("/api/v1/orders/?country=BE&system=serval"))[0]
        disputed = results(api.get("/api/v1/orders/?country=BE&system=serval&disputed=true"))
        assert serval["slug"] in {order["slug"] for order in disputed}
        claims = {c["value"]: c for c in serval["claims"] if c["field"] == "quantity"}
        assert {"123", "128"} <= set(claims)
        assert claims[str(serval["quantity"])]["rank"] == "preferred"
        assert all(claim["citations"] for claim in claims.values())
        cited = {(c["claim"] or {}).get("value") for c in serval["citations"]}
        assert {"123", "128"} <= cited

    def test_agreement_dates_and_signatories(self, api):
        camo1 = Agreement.objects.get(signed_on="2018-11-07")
        data = api.get(f"/api/v1/agreements/{camo1.slug}/").json()
        assert data["in_force"]["value"] == "2019-06-21"
        assert set(data["signatories"]) == {"florence-parly", "steven-vandeput"}
        assert set(data["parties"]) == {"FR", "BE"}

    def test_partial_dates_at_every_precision(self, api):
        article = results(api.get("/api/v1/articles/?search=coopération franco-belge"))[0]
        assert article["published"]["precision"] == "year"
        claim = next(c for c in article["claims"] if c["field"] == "published_on")
        assert (claim["value"], claim["certainty"]) == ("2025", "estimate")
        estimates = results(api.get("/api/v1/articles/?estimate=true&page_size=100"))
        assert article["slug"] in {row["slug"] for row in estimates}

    def test_people_with_appointments(self, api):
        person = results(api.get("/api/v1/people/?search=Sorbier"))[0]
        assert person["appointments"][0]["organization"]
        assert person["appointments"][0]["citations"]

    def test_activities_with_participations(self, api):
        activity = api.get("/api/v1/activities/celtic-uprise-2023/").json()
        assert activity["start"]["value"] == "2023-11-13"
        assert activity["participations"]
        assert activity["place"]["name"]

    def test_timeline_and_timelinejs(self, api):
        entries = api.get("/api/v1/timeline/?kind=order&country=LU").json()
        assert {entry["title"] for entry in entries} == {
            "Luxembourg commande 38 × Jaguar",
            "Luxembourg commande 16 × Griffon",
        }
        assert all(entry["date"]["value"] == "2025-12-17" for entry in entries)
        timelinejs = api.get("/api/v1/timeline/timelinejs/?kind=agreement").json()
        dates = [event["start_date"] for event in timelinejs["events"]]
        assert {"year": 2019, "month": 6, "day": 21, "display_date": "21 juin 2019"} in dates

    def test_article_links_name_what_it_is_about(self, api):
        article = results(api.get("/api/v1/articles/?search=coopération franco-belge"))[0]
        assert {"kind": "about", "type": "partnership", "slug": "camo"} in article["about"]


class TestFilters:
    @pytest.mark.parametrize(
        ("query", "expected"),
        [
            ("/api/v1/orders/?country=LU", {"lu-jaguar-2025", "lu-griffon-2025"}),
            ("/api/v1/orders/?country=be&category=artillery", None),
            ("/api/v1/activities/?year=2023&kind=exercise", None),
            ("/api/v1/agreements/?kind=letter_of_intent", None),
        ],
    )
    def test_filters_narrow_the_list(self, api, query, expected):
        rows = results(api.get(query))
        assert rows
        if expected:
            assert {row["slug"] for row in rows} == expected

    def test_category_filter_keeps_only_that_category(self, api):
        rows = results(api.get("/api/v1/orders/?country=BE&category=artillery"))
        assert {row["system"] for row in rows} == {"caesar-ng"}

    def test_search_and_ordering(self, api):
        rows = results(api.get("/api/v1/orders/?country=BE&ordering=-quantity"))
        quantities = [row["quantity"] for row in rows]
        assert quantities == sorted(quantities, reverse=True)
        # The Griffon's role names its mortar-carrier version, the MEPAC.
        assert {row["slug"] for row in results(api.get("/api/v1/systems/?search=mortar"))} == {
            "griffon",
            "griffon-mepac",
        }

    def test_unknown_code_matches_nothing(self, api):
        assert results(api.get("/api/v1/orders/?country=ZZ")) == []

    @pytest.mark.parametrize(
        ("query", "parameter"),
        [
            ("/api/v1/activities/?year=abc", "year"),
            ("/api/v1/articles/?year=20000", "year"),
            ("/api/v1/orders/?ordered_after=yesterday", "ordered_after"),
            ("/api/v1/orders/?status=lost", "status"),
            ("/api/v1/orders/?ordering=price", "ordering"),
            ("/api/v1/orders/?disputed=perhaps", "disputed"),
            ("/api/v1/timeline/?kind=war", "kind"),
            ("/api/v1/orders/?contry=BE", "contry"),
            ("/api/v1/orders/?ordering=", "ordering"),
            ("/api/v1/orders/be-griffon-camo-1/?country=BE", "country"),
        ],
    )
    def test_an_invalid_filter_is_a_400_naming_the_parameter(self, api, query, parameter):
        response = api.get(query)
        assert response.status_code == 400
        error = response.json()["error"]
        assert error["status"] == 400
        assert parameter in error["fields"]
        assert parameter in error["message"]

    def test_page_size_is_capped(self, api):
        data = api.get("/api/v1/sources/?page_size=1000").json()
        assert len(data["results"]) == 100
        assert data["next"]

    def test_bad_page_and_unknown_paths_answer_json_errors(self, api):
        for path in [
            "/api/v1/orders/?page=abc",
            "/api/v1/orders/no-such-order/",
            "/api/v1/no-such-thing/",
        ]:
            response = api.get(path)
            assert response.status_code == 404
            assert response.json()["error"]["code"] == "not_found"


class TestQueryCounts:
    @pytest.mark.parametrize(
        ("model", "name"),
        [(EXPORTS[key].serializer_class.Meta.model, value) for key, value in ENDPOINTS.items()],
    )
    def test_queries_do_not_grow_with_rows(self, api, model, name):
        """The dataset already has every kind of child row; five more records, newest first on
        the page, must not add a query."""
        ordering = "" if name in ("tags", "countries", "memberships") else "&ordering=-updated_at"
        path = f"/api/v1/{name}/?page_size=100{ordering}"
        with CaptureQueriesContext(connection) as before:
            assert api.get(path).status_code == 200
        new = [factories.make(model) for _ in range(5)]
        with CaptureQueriesContext(connection) as after:
            response = api.get(path)
        shown = {row["api_url"] for row in response.json()["results"]}
        if ordering:
            assert all(
                any(
                    str(getattr(record, "slug", getattr(record, "code", record.pk))) in url
                    for url in shown
                )
                for record in new
            )
        assert len(data_queries(after)) == len(data_queries(before))
        # The data's queries; rate limiting adds its own, constant (the database cache's).
        assert len(data_queries(before)) <= 20

    def test_csv_export_queries_do_not_grow_with_rows(self, api):
        with CaptureQueriesContext(connection) as before:
            api.get("/api/v1/orders/?format=csv")
        for _ in range(5):
            factories.make(Order)
        with CaptureQueriesContext(connection) as after:
            api.get("/api/v1/orders/?format=csv")
        assert len(data_queries(after)) == len(data_queries(before))


class TestCsv:
    @pytest.mark.parametrize("name", ENDPOINTS.values())
    def test_csv_and_json_agree(self, api, name):
        json_rows = results(api.get(f"/api/v1/{name}/?page_size=100"))
        response = api.get(f"/api/v1/{name}/?format=csv")
        assert response["Content-Type"].startswith("text/csv")
        assert response["Content-Disposition"] == f'attachment; filename="camo-{name}.csv"'
        csv_rows = list(csv.DictReader(io.StringIO(response.content.decode())))
        assert len(csv_rows) == api.get(f"/api/v1/{name}/").json()["count"]
        by_url = {row["api_url"]: row for row in csv_rows}
        for row in json_rows:
            exported = by_url[row["api_url"]]
            for key, value in row.items():
                if isinstance(value, str | int) and not isinstance(value, bool):
                    assert exported[key] == str(value), (key, value)

    def test_csv_follows_filters_and_splits_partial_dates(self, api):
        rows = list(
            csv.DictReader(
                io.StringIO(api.get("/api/v1/orders/?format=csv&country=LU").content.decode())
            )
        )
        assert {row["slug"] for row in rows} == {"lu-jaguar-2025", "lu-griffon-2025"}
        assert {(row["ordered"], row["ordered_precision"]) for row in rows} == {
            ("2025-12-17", "day")
        }
        assert all(row["sources"] for row in rows)

    def test_datapackage_describes_every_csv_table(self, api):
        package = api.get("/api/v1/datapackage.json").json()
        # Every list, and the deliveries and shares flattened (tests/test_api_deliveries.py).
        assert {resource["name"] for resource in package["resources"]} == {
            *ENDPOINTS,
            "delivery",
            "share",
        }
        orders = next(resource for resource in package["resources"] if resource["name"] == "order")
        header = api.get("/api/v1/orders/?format=csv").content.decode().splitlines()[0].split(",")
        assert [field["name"] for field in orders["schema"]["fields"]] == header
        assert {"name": "quantity", "type": "integer"} in orders["schema"]["fields"]


DRAFT = "ZZAPIDRAFTZZ"


class TestPermissions:
    def payload(self):
        return {"slug": "new-system", "name": "New system", "category": "other", "status": "draft"}

    def test_anonymous_reads_but_cannot_write(self, api):
        assert api.get("/api/v1/systems/").status_code == 200
        response = api.post("/api/v1/systems/", self.payload(), format="json")
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "not_authenticated"
        assert api.delete("/api/v1/systems/griffon/").status_code == 401

    def test_staff_without_the_permission_cannot_write(self, api, django_user_model):
        api.force_authenticate(staff(django_user_model, "view_system"))
        assert api.post("/api/v1/systems/", self.payload(), format="json").status_code == 403
        assert (
            api.patch("/api/v1/systems/griffon/", {"name": "X"}, format="json").status_code == 403
        )
        assert System.objects.get(slug="griffon").name == "Griffon"

    def test_staff_with_the_permission_writes(self, api, django_user_model):
        api.force_authenticate(
            staff(django_user_model, "add_system", "change_system", "view_system")
        )
        created = api.post("/api/v1/systems/", self.payload(), format="json")
        assert created.status_code == 201, created.content
        assert System.objects.get(slug="new-system").status == Status.DRAFT
        changed = api.patch("/api/v1/systems/new-system/", {"role": "Testing"}, format="json")
        assert changed.status_code == 200
        assert System.objects.get(slug="new-system").role == "Testing"

    def test_token_authentication(self, api, django_user_model):
        user = staff(django_user_model, "add_country", "view_country")
        _token, key = ApiToken.objects.issue(user)
        api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        response = api.post(
            "/api/v1/countries/",
            {"code": "IS", "slug": "iceland", "name": "Iceland"},
            format="json",
        )
        assert response.status_code == 201, response.content

    def test_writes_are_validated_by_the_model_rules(self, api, django_user_model):
        api.force_authenticate(
            staff(django_user_model, "add_order", "change_order", "view_order", "publish_order")
        )
        order = Order.objects.get(slug="fr-griffon-2017")
        response = api.patch(f"/api/v1/orders/{order.slug}/", {"quantity": 1}, format="json")
        assert response.status_code == 400
        assert "quantity" in response.json()["error"]["fields"]
        bad_date = api.patch(f"/api/v1/orders/{order.slug}/", {"ordered": "2019-13"}, format="json")
        assert bad_date.status_code == 400
        assert "ordered" in bad_date.json()["error"]["fields"]
        partial = api.patch(f"/api/v1/orders/{order.slug}/", {"ordered": "2017-04"}, format="json")
        assert partial.json()["ordered"]["precision"] == "month"

    @pytest.mark.parametrize(
        ("codenames", "sees_draft"),
        [((), False), (("change_system",), False), (("view_system",), True)],
    )
    def test_drafts_are_visible_only_to_staff_allowed_to_view_them(
        self, api, django_user_model, codenames, sees_draft
    ):
        factories.system(slug="draft-system", name=DRAFT, status=Status.DRAFT)
        if codenames:
            api.force_authenticate(staff(django_user_model, *codenames))
        assert (api.get("/api/v1/systems/draft-system/").status_code == 200) is sees_draft
        names = {row["name"] for row in results(api.get("/api/v1/systems/?page_size=100"))}
        assert (DRAFT in names) is sees_draft


class TestNoDraftsForAnonymous:
    def test_no_draft_in_any_anonymous_response(self, api):
        griffon = System.objects.get(slug="griffon")
        factories.order(slug="draft-order", summary=DRAFT, system=griffon, status=Status.DRAFT)
        # A published delivery to a draft unit: listed, the unit not named (reads as empty).
        factories.delivery(
            order=Order.objects.get(slug="be-griffon-camo-1"),
            quantity=1,
            recipient=factories.organization(name=DRAFT, slug="draft-unit", status=Status.DRAFT),
        )
        factories.system(name=DRAFT, status=Status.REVIEW)
        factories.article(title=DRAFT, status=Status.DRAFT)
        factories.person(name=DRAFT, status=Status.WITHDRAWN)
        factories.cite(griffon, source=factories.source(title=DRAFT, status=Status.DRAFT))
        factories.event(title=DRAFT, publish_at="2999-01-01T00:00:00Z")
        for name in [*ENDPOINTS.values(), "timeline"]:
            for suffix in ("", "?format=csv", "?page_size=100"):
                body = api.get(f"/api/v1/{name}/{suffix}").content.decode()
                assert DRAFT not in body, f"{name}{suffix}"
        assert DRAFT not in api.get("/api/v1/systems/griffon/").content.decode()
        assert DRAFT not in api.get("/api/v1/timeline/timelinejs/").content.decode()


class TestHttp:
    def test_etag_and_304(self, api):
        first = api.get("/api/v1/orders/be-griffon-camo-1/")
        assert first["ETag"]
        again = api.get("/api/v1/orders/be-griffon-camo-1/", HTTP_IF_NONE_MATCH=first["ETag"])
        assert again.status_code == 304
        assert again.content == b""

    def test_last_modified_and_304(self, api):
        first = api.get("/api/v1/orders/")
        assert first["Last-Modified"]
        again = api.get("/api/v1/orders/", HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
        assert again.status_code == 304

    def test_cache_control_public_for_anonymous_private_for_staff(self, api, django_user_model):
        assert api.get("/api/v1/systems/")["Cache-Control"] == "public, max-age=60"
        api.force_authenticate(staff(django_user_model, "view_system"))
        assert "private" in api.get("/api/v1/systems/")["Cache-Control"]

    def test_cors_allows_reading_from_any_site(self, api):
        response = api.get("/api/v1/systems/", HTTP_ORIGIN="https://example.org")
        assert response["Access-Control-Allow-Origin"] == "*"
        # A script on that site can read the validators and the throttling delay too.
        exposed = {h.strip().lower() for h in response["Access-Control-Expose-Headers"].split(",")}
        assert {"etag", "last-modified", "retry-after"} <= exposed
        preflight = api.options(
            "/api/v1/systems/",
            HTTP_ORIGIN="https://example.org",
            HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        )
        assert "POST" not in preflight.get("Access-Control-Allow-Methods", "")

    def test_anonymous_clients_are_throttled(self, api, settings):
        settings.REST_FRAMEWORK = {
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {"anon": "3/minute", "user": "100/minute"},
        }
        from rest_framework.throttling import AnonRateThrottle

        # Restored to what it was: the settings above are still overridden in `finally`.
        original = AnonRateThrottle.THROTTLE_RATES
        AnonRateThrottle.THROTTLE_RATES = {"anon": "3/minute", "user": "100/minute"}
        try:
            statuses = [api.get("/api/v1/countries/").status_code for _ in range(4)]
            response = api.get("/api/v1/countries/")
        finally:
            AnonRateThrottle.THROTTLE_RATES = original
        assert statuses == [200, 200, 200, 429]
        assert response.json()["error"]["code"] == "throttled"
        assert int(response["Retry-After"]) > 0


class TestSchemaAndDocs:
    def test_schema_documents_parameters_and_errors(self, api):
        schema = api.get("/api/schema/?format=json").json()
        orders = schema["paths"]["/api/v1/orders/"]["get"]
        names = {parameter["name"] for parameter in orders["parameters"]}
        assert {
            "country",
            "system",
            "category",
            "agreement",
            "ordered_after",
            "search",
            "ordering",
            "page",
            "page_size",
        } <= names
        assert "400" in orders["responses"] and "429" in orders["responses"]
        assert "/api/v1/timeline/" in schema["paths"]
        # The same licence as the Data Package's, and where to send the requests.
        package = api.get("/api/v1/datapackage.json").json()
        assert schema["info"]["license"]["name"] == package["licenses"][0]["name"]
        assert schema["servers"] == [{"url": "/", "description": "This server"}]

    def test_docs_work_offline(self, client):
        page = client.get("/api/docs/").content.decode()
        assets = re.findall(r'(?:src|href)="([^"]+)"', page)
        assert assets
        assert all(not asset.startswith(("http://", "https://", "//")) for asset in assets), assets
        assert "<script>" not in page  # the init script is a separate file, allowed by the CSP
        script = client.get("/api/docs/?script=")
        assert script.status_code == 200
        assert "SwaggerUIBundle" in script.content.decode()


def test_deleting_a_record_others_rest_on_is_refused_with_the_reason(api, admin_user):
    """An organization an appointment names cannot go while the appointment stays: 409, the
    dependent record named, nothing deleted (a fuzzed DELETE once made a 500 of it)."""
    organization = factories.organization()
    appointment = factories.appointment(organization=organization)
    api.force_authenticate(admin_user)
    response = api.delete(f"/api/v1/organizations/{organization.slug}/")
    assert response.status_code == 409, response.content
    error = response.json()["error"]
    assert error["code"] == "still_referenced"
    assert str(appointment) in error["message"]
    assert Organization.objects.filter(pk=organization.pk).exists()
    schema = api.get("/api/schema/?format=json").json()
    delete = schema["paths"]["/api/v1/organizations/{slug}/"]["delete"]["responses"]
    assert {"202", "409"} <= set(delete), "the schema documents both answers a DELETE can give"


def test_writes_are_json_and_the_schema_says_what_a_country_code_is(api, admin_user):
    """A form-encoded body is refused with 415 (a partial date or a claim is an object no form
    carries); a code the database would refuse is refused first with the reason, and the
    schema gives its pattern so a client can check it before sending."""
    api.force_authenticate(admin_user)
    form = api.post("/api/v1/countries/", {"code": "ZZ", "name": "Z"}, format="multipart")
    assert form.status_code == 415, form.content
    assert form.json()["error"]["code"] == "unsupported_media_type"
    bad = api.post("/api/v1/countries/?lang=en", {"code": "0", "name": "Zero"}, format="json")
    assert bad.status_code == 400
    assert "two capital letters" in bad.json()["error"]["fields"]["code"][0]
    taken = api.post("/api/v1/countries/?lang=en", {"code": "BE", "name": "B"}, format="json")
    assert taken.status_code == 400 and "code" in taken.json()["error"]["fields"]
    schema = api.get("/api/schema/?format=json").json()
    assert schema["components"]["schemas"]["CountryRequest"]["properties"]["code"]["pattern"] == (
        "^[A-Z]{2}$"
    )
    post = schema["paths"]["/api/v1/countries/"]["post"]
    assert set(post["requestBody"]["content"]) == {"application/json"}
    assert "415" in post["responses"]


def test_a_new_record_in_another_language_is_asked_for_its_french_name_first(api, admin_user):
    """Its name in English alone would leave the record nameless on French pages: the answer
    says what to do instead of "This field cannot be blank" about a name that was given."""
    api.force_authenticate(admin_user)
    response = api.post(
        "/api/v1/partnerships/?lang=en", {"name": "Zed", "slug": "zed"}, format="json"
    )
    assert response.status_code == 400
    (message,) = response.json()["error"]["fields"]["name"]
    assert "French first (lang=fr)" in message and "in English" in message
    created = api.post(
        "/api/v1/partnerships/?lang=fr", {"name": "Zède", "slug": "zed"}, format="json"
    )
    assert created.status_code == 201, created.content
    slug = created.json()["slug"]
    named = api.patch(f"/api/v1/partnerships/{slug}/?lang=en", {"name": "Zed"}, format="json")
    assert named.status_code == 200 and named.json()["name"] == "Zed"


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/tags/", {"name": 0, "slug": "zero"}, "name"),
        ("/api/v1/tags/", {"name": "Zero", "slug": 0}, "slug"),
        ("/api/v1/sources/", {"title": "T", "slug": "t-0", "notes": 0}, "notes"),
        (
            "/api/v1/sources/",
            {"title": "T", "slug": "t-1", "published": {"value": ""}},
            "published",
        ),
        ("/api/v1/sources/", {"title": "T", "slug": "t-2", "published": " 2019"}, "published"),
        ("/api/v1/sources/", {"title": "T", "slug": "t-3", "published": 2019}, "published"),
        ("/api/v1/sources/", {"title": "T", "slug": "t-4", "published": "2019-13"}, "published"),
        ("/api/v1/sources/", {"title": "T", "slug": "t-5", "published": {}}, "published"),
        (
            "/api/v1/sources/",
            {"title": "T", "slug": "t-6", "url_incomplete": "true"},
            "url_incomplete",
        ),
        ("/api/v1/people/", {"name": "P", "slug": "p-0", "country": 0}, "country"),
        ("/api/v1/people/", {"name": "P", "slug": "p-1", "country": ""}, "country"),
        (
            "/api/v1/sources/",
            {"title": "T", "slug": "t-7", "published": {"value": None}},
            "published",
        ),
        (
            "/api/v1/people/",
            {"name": "P", "slug": "p-2", "publish_at": "0255-03-23T07:40:57Z"},
            "publish_at",
        ),
        (
            "/api/v1/articles/",
            {"title": "A", "slug": "a-1", "published": "2019", "language": "fr", "related": {}},
            "related",
        ),
        (
            "/api/v1/activities/",
            {"name": "A", "slug": "a-0", "kind": "exercise", "strength": "9"},
            "strength",
        ),
    ],
)
def test_a_value_of_the_wrong_type_is_refused_not_converted(api, admin_user, path, body, field):
    """What the schema calls a string is a string: 0 is not the name "0"; a partial date is
    exactly the notation the schema's pattern gives (null clears one)."""
    api.force_authenticate(admin_user)
    response = api.post(path, body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"]


def test_the_schema_gives_the_notation_of_a_partial_date_and_which_may_be_null(api, admin_user):
    schema = api.get("/api/schema/?format=json").json()["components"]["schemas"]
    source, article = schema["SourceRequest"]["properties"], schema["ArticleRequest"]["properties"]
    assert source["published"]["nullable"] is True
    assert "nullable" not in article["published"]
    pattern = re.compile(source["published"]["properties"]["value"]["pattern"])
    for good in ("2019-06-21", "2019-06", "2019", "2010s"):
        assert pattern.match(good)
    for bad in ("", " 2019", "2019-13", "2019-06-32", "19", "0000"):
        assert not pattern.match(bad)
    api.force_authenticate(admin_user)
    created = api.post(
        "/api/v1/sources/", {"title": "T", "slug": "dated", "published": "2019-06"}, format="json"
    )
    assert created.status_code == 201, created.content
    assert created.json()["published"]["precision"] == "month"
    cleared = api.patch("/api/v1/sources/dated/", {"published": None}, format="json")
    assert cleared.status_code == 200 and cleared.json()["published"] is None
    # An article must have its date: a whole write (PUT) without it is refused.
    article = factories.article()
    factories.cite(article)
    body = api.get(f"/api/v1/articles/{article.slug}/").json()
    body = {key: body[key] for key in ("slug", "title", "language", "status")}
    refused = api.put(f"/api/v1/articles/{article.slug}/", body, format="json")
    assert refused.status_code == 400 and "published" in refused.json()["error"]["fields"]
    kept = api.patch(f"/api/v1/articles/{article.slug}/", {"title": "Retitled"}, format="json")
    assert kept.status_code == 200, kept.content
    assert kept.json()["published"] is not None


@pytest.mark.parametrize("name", ENDPOINTS.values())
def test_a_nul_or_broken_character_in_an_address_is_a_404(api, admin_user, name):
    """PostgreSQL refuses NUL in text: an address holding one (or invalid UTF-8) is a plain 404,
    never a 500, for readers and writers alike (CI runs this on both databases)."""
    keys = ["%00", "a%00b", "%C0%80", "%FF%FE"]
    assert {key: api.get(f"/api/v1/{name}/{key}/").status_code for key in keys} == dict.fromkeys(
        keys, 404
    )
    api.force_authenticate(admin_user)
    for key in keys:
        assert api.patch(f"/api/v1/{name}/{key}/", {}, format="json").status_code == 404
        assert api.delete(f"/api/v1/{name}/{key}/").status_code == 404


def test_an_unknown_format_is_a_406_naming_the_formats_there_are(api):
    """As the schema says (406), not an empty 404 that reads as "no such records"."""
    response = api.get("/api/v1/systems/?format=xml")
    assert response.status_code == 406
    message = response.json()["error"]["message"]
    assert "'xml'" in message and "json" in message and "csv" in message
    assert api.get("/api/v1/systems/?format=csv").status_code == 200


def test_the_year_filter_keeps_activities_under_way_that_year(api):
    """An activity from 2019 to 2021 is under way in 2020; one with no end date only in the year
    it started, not in every year after."""
    long = factories.activity(
        start=datetime.date(2019, 3, 1), end=datetime.date(2021, 6, 1), slug="span-2019-2021"
    )
    open_ended = factories.activity(start=datetime.date(2019, 5, 1), slug="open-2019")
    later = factories.activity(start=datetime.date(2022, 5, 1), slug="later-2022")
    for activity in (long, open_ended, later):
        factories.cite(activity)

    def slugs(year):
        rows = results(api.get(f"/api/v1/activities/?year={year}&page_size=100"))
        return {row["slug"] for row in rows} & {"span-2019-2021", "open-2019", "later-2022"}

    assert slugs(2019) == {"span-2019-2021", "open-2019"}
    assert slugs(2020) == {"span-2019-2021"}
    assert slugs(2022) == {"later-2022"}


def test_lists_sort_names_in_the_language_asked_for(api):
    """ "Zèbre" is "Alpha" in English: sorted by name in English it comes first, by default and
    when asked; a name not translated sorts by its French; French sorts by French."""
    zebra = factories.system(name="Zzzèbre", name_en="Aaaalpha", slug="zebra-alpha")
    bee = factories.system(name="Aaaabeille", name_en="Zzzzulu", slug="bee-zulu")
    plain = factories.system(name="Mmmilieu", slug="middle-untranslated")
    for system in (zebra, bee, plain):
        factories.cite(system)
    mine = ["zebra-alpha", "bee-zulu", "middle-untranslated"]

    def order(query):
        rows = results(api.get(f"/api/v1/systems/?page_size=100&{query}"))
        return [row["slug"] for row in rows if row["slug"] in mine]

    assert order("lang=en") == ["zebra-alpha", "middle-untranslated", "bee-zulu"]
    assert order("lang=en&ordering=name") == ["zebra-alpha", "middle-untranslated", "bee-zulu"]
    assert order("lang=en&ordering=-name") == ["bee-zulu", "middle-untranslated", "zebra-alpha"]
    assert order("lang=fr&ordering=name") == ["bee-zulu", "middle-untranslated", "zebra-alpha"]


def test_a_withdrawn_record_is_a_410_tombstone_and_a_draft_a_404(api):
    """A consumer that mirrored the record learns it was withdrawn, why and when, instead of a
    404 that reads as "never existed"; a draft stays unknown."""
    from django.utils import timezone

    from partnership.models import Status, System

    gone = factories.system(slug="gone-system")
    factories.cite(gone)
    System.objects.filter(pk=gone.pk).update(
        status=Status.WITHDRAWN,
        withdrawn_reason="A duplicate of the Griffon.",
        withdrawn_at=timezone.now(),
    )
    response = api.get("/api/v1/systems/gone-system/?lang=en")
    assert response.status_code == 410
    error = response.json()["error"]
    assert error["code"] == "withdrawn"
    assert error["withdrawn_reason"] == "A duplicate of the Griffon."
    assert error["withdrawn_at"] and "A duplicate of the Griffon." in error["message"]
    factories.system(slug="draft-system", status=Status.DRAFT)
    assert api.get("/api/v1/systems/draft-system/").status_code == 404
    assert api.get("/api/v1/systems/no-such-system/").status_code == 404
    schema = api.get("/api/schema/?format=json").json()
    assert "410" in schema["paths"]["/api/v1/systems/{slug}/"]["get"]["responses"]
