"""Claims through the API: written as the dataset writes them, validated before anything is
stored, reviewed like every other change, and read without a query per claim."""

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema
from rest_framework.test import APIClient

from partnership import review
from partnership.api.views import EXPORTS
from partnership.claims import claimable_fields
from partnership.models import Citation, Claim, Fact, Order, Proposal, Status
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def order():
    """A published order of 123 vehicles, sourced as a whole (so it stays sourced whatever its
    claims become), of a system of its own (so lists can be scoped to it)."""
    record = factories.order(quantity=123, system=factories.system())
    factories.cite(record, locator="whole record")
    return record


def url(record):
    return f"/api/v1/orders/{record.slug}/"


def stored(record) -> dict:
    """The record's claims as the database holds them, with their citations."""
    content_type = ContentType.objects.get_for_model(type(record))
    claims = Claim.objects.filter(content_type=content_type, object_id=record.pk)
    return {
        (claim.field, claim.value): {
            "upper": claim.upper,
            "certainty": claim.certainty,
            "rank": claim.rank,
            "reason": (claim.reason, claim.reason_nl, claim.reason_en),
            "citations": sorted(
                (citation.source.slug, citation.locator, citation.excerpt)
                for citation in claim.citations.all()
            ),
        }
        for claim in claims
    }


def shown(data) -> dict:
    """The claims of an API representation, in the shape written."""
    return {
        (claim["field"], claim["value"]): {
            "upper": claim["upper"],
            "certainty": claim["certainty"],
            "rank": claim["rank"],
            "reason": claim["reason"],
            "citations": sorted(
                (citation["source"], citation["locator"], citation["excerpt"])
                for citation in claim["citations"]
            ),
        }
        for claim in data["claims"]
    }


def record_citations(record) -> list:
    return list(
        Citation.objects.filter(
            content_type=ContentType.objects.get_for_model(type(record)),
            object_id=record.pk,
            claim=None,
        ).values_list("source__slug", "locator")
    )


def claim(value, *sources, field="quantity", **kwargs) -> dict:
    return {
        "field": field,
        "value": value,
        "citations": [{"source": source.slug} for source in sources],
    } | kwargs


class TestReadWrite:
    def test_an_editor_writes_a_disputed_value_and_reads_it_back(self, api, editor, order):
        dga, minister, press = factories.source(), factories.source(), factories.source()
        claims = [
            # The preferred value first, the record's own value after it as a normal one: the
            # ranks stay as given (the dataset's loader would rank the record's value preferred).
            claim(
                "128",
                dga,
                rank="preferred",
                certainty="estimate",
                reason="Chiffre de la DGA",
            ),
            {
                **claim("123", minister, rank="normal", reason="Chiffre du ministre"),
                "citations": [
                    {"source": minister.slug, "locator": "p. 3", "excerpt": "123 véhicules"},
                    {"source": press.slug},
                ],
            },
            claim("2019-06", dga, field="ordered_on", certainty="range", upper="2019-09"),
        ]
        api.force_authenticate(editor)
        response = api.patch(url(order), {"claims": claims}, format="json")
        assert response.status_code == 200, response.content
        expected = {
            ("quantity", "128"): {
                "upper": "",
                "certainty": "estimate",
                "rank": "preferred",
                "reason": "Chiffre de la DGA",
                "citations": [(dga.slug, "", "")],
            },
            ("quantity", "123"): {
                "upper": "",
                "certainty": "exact",
                "rank": "normal",
                "reason": "Chiffre du ministre",
                "citations": sorted(
                    [(minister.slug, "p. 3", "123 véhicules"), (press.slug, "", "")]
                ),
            },
            ("ordered_on", "2019-06"): {
                "upper": "2019-09",
                "certainty": "range",
                "rank": "preferred",
                "reason": "",
                "citations": [(dga.slug, "", "")],
            },
        }
        assert shown(response.json()) == expected
        api.force_authenticate(None)
        read = api.get(url(order)).json()
        assert shown(read) == expected
        assert read["quantity"] == 123
        labels = {c["field"]: c["label"] for c in read["claims"]}
        assert labels["quantity"] == "Quantité commandée"
        # The citation of the whole record is kept, and shown with the others.
        assert record_citations(order) == [
            (order.citations.get(claim=None).source.slug, "whole record")
        ]
        assert {(c["claim"] or {}).get("value") for c in read["citations"]} == {
            None,
            "128",
            "123",
            "2019-06",
        }

    def test_what_a_get_reads_a_put_writes_back_unchanged(self, api, editor):
        """The dataset's disputed Serval order, read and written back as it is."""
        order = Order.objects.get(slug="be-serval-2025")
        before = stored(order)
        assert len(before) >= 2
        api.force_authenticate(editor)
        data = api.get(url(order)).json()
        response = api.put(url(order), data, format="json")
        assert response.status_code == 200, response.content
        assert stored(order) == before
        assert shown(response.json()) == shown(data)

    def test_writing_claims_replaces_them_keyed_on_field_and_value(self, api, editor, order):
        kept = factories.claim(order, "quantity", "123", certainty="estimate")
        kept_citation = kept.citations.get()
        gone = factories.claim(order, "amount", "1000000", sources=2)
        gone_citations = list(gone.citations.values_list("pk", flat=True))
        api.force_authenticate(editor)
        response = api.patch(
            url(order),
            {
                "claims": [
                    {
                        "field": "quantity",
                        "value": "123",
                        "citations": [
                            {"source": kept_citation.source.slug, "locator": "§ 2"},
                        ],
                    }
                ]
            },
            format="json",
        )
        assert response.status_code == 200, response.content
        assert set(stored(order)) == {("quantity", "123")}
        kept.refresh_from_db()  # the same row, brought to what was written
        assert (kept.certainty, kept.rank) == ("exact", "preferred")
        kept_citation.refresh_from_db()
        assert kept_citation.locator == "§ 2"
        assert not Claim.objects.filter(pk=gone.pk).exists()
        assert not Citation.objects.filter(pk__in=gone_citations).exists()
        assert len(record_citations(order)) == 1

    def test_leaving_claims_out_keeps_them(self, api, editor, order):
        factories.claim(order, "quantity", "123")
        before = stored(order)
        api.force_authenticate(editor)
        response = api.patch(url(order), {"summary": "Changed"}, format="json")
        assert response.status_code == 200, response.content
        assert stored(order) == before

    def test_an_empty_list_removes_every_claim(self, api, editor, order):
        factories.claim(order, "quantity", "123")
        api.force_authenticate(editor)
        response = api.patch(url(order), {"claims": []}, format="json")
        assert response.status_code == 200, response.content
        assert response.json()["claims"] == []
        assert stored(order) == {}
        assert len(record_citations(order)) == 1

    def test_a_citation_from_a_source_the_writer_cannot_see_is_kept(
        self, api, django_user_model, order
    ):
        hidden = factories.source(status=Status.DRAFT)
        value = factories.claim(order, "quantity", "123", sources=0)
        factories.cite(order, claim=value, source=hidden)
        visible = factories.source()
        api.force_authenticate(
            staff(django_user_model, "change_order", "view_order", "publish_order")
        )
        response = api.patch(url(order), {"claims": [claim("123", visible)]}, format="json")
        assert response.status_code == 200, response.content
        assert [c["source"] for c in response.json()["claims"][0]["citations"]] == [visible.slug]
        assert {slug for slug, *_ in stored(order)[("quantity", "123")]["citations"]} == {
            hidden.slug,
            visible.slug,
        }

    def test_reason_is_written_in_the_language_of_the_request(self, api, editor, order):
        source = factories.source()
        factories.claim(order, "quantity", "123", reason="Chiffre de la DGA")
        api.force_authenticate(editor)
        response = api.patch(
            f"{url(order)}?lang=en",
            {"claims": [claim("123", source, reason="The DGA's figure")]},
            format="json",
        )
        assert response.status_code == 200, response.content
        assert response.json()["claims"][0]["reason"] == "The DGA's figure"
        assert stored(order)[("quantity", "123")]["reason"] == (
            "Chiffre de la DGA",
            "",
            "The DGA's figure",
        )
        api.force_authenticate(None)
        assert api.get(url(order)).json()["claims"][0]["reason"] == "Chiffre de la DGA"
        english = api.get(f"{url(order)}?lang=en").json()["claims"][0]
        assert (english["reason"], english["languages"]) == ("The DGA's figure", {"reason": "en"})

    def test_the_answer_is_the_record_as_stored(self, api, editor, order):
        """The record's value changed, its claims not: the claims are the writer's to fix, and
        the answer shows them as they are, as a reader's GET would."""
        factories.claim(order, "quantity", "123")
        api.force_authenticate(editor)
        response = api.patch(url(order), {"quantity": 130}, format="json")
        assert response.status_code == 200, response.content
        data = response.json()
        assert data["quantity"] == 130
        assert set(shown(data)) == {("quantity", "123")}
        assert data == api.get(url(order)).json()

    def test_a_record_created_with_its_claims(self, api, editor):
        source, system = factories.source(), factories.system()
        slug = f"claimed-order-{factories.n()}"
        api.force_authenticate(editor)
        response = api.post(
            "/api/v1/orders/",
            {
                "slug": slug,
                "buyer": factories.country().code,
                "system": system.slug,
                "quantity": 40,
                "status": "draft",
                "claims": [claim("40", source, certainty="at_least")],
            },
            format="json",
        )
        assert response.status_code == 201, response.content
        assert shown(response.json()) == {
            ("quantity", "40"): {
                "upper": "",
                "certainty": "at_least",
                "rank": "preferred",
                "reason": "",
                "citations": [(source.slug, "", "")],
            }
        }
        # The answer is the record as a GET reads it, figures computed by the database too.
        assert response.json() == api.get(f"/api/v1/orders/{slug}/").json()


def staff(django_user_model, *codenames):
    user = django_user_model.objects.create_user(
        f"claims-staff-{factories.n()}", password="x", is_staff=True
    )
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="partnership", codename__in=codenames)
    )
    return django_user_model.objects.get(pk=user.pk)


LONG = "x" * 601


def invalid_cases():
    """(claims as written, path of the error under `fields`, words of its message). The
    sources named `ok` and `draft` are made by the test."""
    ok = [{"source": "ok"}]
    return {
        "unknown field": (
            [{"field": "colour", "value": "red", "citations": ok}],
            ["claims", "0", "field"],
            ["colour", "quantity, ordered_on"],
        ),
        "certainty": (
            [{"field": "quantity", "value": "123", "certainty": "roughly", "citations": ok}],
            ["claims", "0", "certainty"],
            ["roughly", "exact, estimate, range, at_least, at_most, more_than, less_than"],
        ),
        "rank": (
            [{"field": "quantity", "value": "123", "rank": "best", "citations": ok}],
            ["claims", "0", "rank"],
            ["best", "preferred, normal, deprecated"],
        ),
        "range without upper": (
            [{"field": "quantity", "value": "120", "certainty": "range", "citations": ok}],
            ["claims", "0", "upper"],
            ["range needs its upper bound"],
        ),
        "upper without range": (
            [{"field": "quantity", "value": "120", "upper": "130", "citations": ok}],
            ["claims", "0", "upper"],
            ["Only a range"],
        ),
        "two preferred": (
            [
                {"field": "quantity", "value": "123", "citations": ok},
                {"field": "quantity", "value": "128", "rank": "preferred", "citations": ok},
            ],
            ["claims", "1", "rank"],
            ["quantity already has a preferred value (123)"],
        ),
        "same value twice": (
            [
                {"field": "quantity", "value": "123", "citations": ok},
                {"field": "quantity", "value": "123", "rank": "normal", "citations": ok},
            ],
            ["claims", "1", "value"],
            ["quantity 123 is already listed"],
        ),
        "no citations": (
            [{"field": "quantity", "value": "123", "citations": []}],
            ["claims", "0", "citations", "non_field_errors"],
            ["at least one citation"],
        ),
        "citations left out": (
            [{"field": "quantity", "value": "123"}],
            ["claims", "0", "citations"],
            ["required"],
        ),
        "value left out": (
            [{"field": "quantity", "citations": ok}],
            ["claims", "0", "value"],
            ["required"],
        ),
        "unknown source": (
            [{"field": "quantity", "value": "123", "citations": [{"source": "no-such-source"}]}],
            ["claims", "0", "citations", "0", "source"],
            ["no-such-source"],
        ),
        "source not visible": (
            [{"field": "quantity", "value": "123", "citations": [{"source": "draft"}]}],
            ["claims", "0", "citations", "0", "source"],
            ["that you may see"],
        ),
        "same source twice": (
            [{"field": "quantity", "value": "123", "citations": [*ok, *ok]}],
            ["claims", "0", "citations", "1", "source"],
            ["already cited"],
        ),
        "excerpt too long": (
            [
                {
                    "field": "quantity",
                    "value": "123",
                    "citations": [{"source": "ok", "excerpt": LONG}],
                }
            ],
            ["claims", "0", "citations", "0", "excerpt"],
            ["600"],
        ),
        "locator too long": (
            [
                {
                    "field": "quantity",
                    "value": "123",
                    "citations": [{"source": "ok", "locator": LONG[:101]}],
                }
            ],
            ["claims", "0", "citations", "0", "locator"],
            ["100"],
        ),
        "value too long": (
            [{"field": "quantity", "value": LONG[:201], "citations": ok}],
            ["claims", "0", "value"],
            ["200"],
        ),
        "not a list": ("quantity: 123", ["claims", "non_field_errors"], ["list"]),
    }


class TestValidation:
    @pytest.mark.parametrize("case", list(invalid_cases()))
    @pytest.mark.parametrize("method", ["patch", "put"])
    def test_an_invalid_claim_is_a_400_and_changes_nothing(
        self, api, django_user_model, order, case, method
    ):
        claims, path, words = invalid_cases()[case]
        ok, draft = factories.source(), factories.source(status=Status.DRAFT)
        if isinstance(claims, list):
            for item in claims:
                for citation in item.get("citations", []):
                    citation["source"] = {"ok": ok.slug, "draft": draft.slug}.get(
                        citation["source"], citation["source"]
                    )
        factories.claim(order, "quantity", "123", certainty="estimate")
        before = stored(order)
        api.force_authenticate(  # may see published sources only
            staff(django_user_model, "change_order", "view_order", "publish_order")
        )
        api.credentials(HTTP_ACCEPT_LANGUAGE="en")  # DRF's own messages are translated
        payload = {"quantity": 999, "claims": claims}
        if method == "put":
            payload |= {
                "slug": order.slug,
                "buyer": order.buyer.code,
                "system": order.system.slug,
                "summary": "Changed",
            }
        response = getattr(api, method)(url(order), payload, format="json")
        assert response.status_code == 400, response.content
        error = response.json()["error"]
        assert error["message"] == "Invalid value for: claims."
        messages = error["fields"]
        for key in path:
            messages = messages[key]
        assert all(word in " ".join(messages) for word in words), messages
        order.refresh_from_db()
        assert (order.quantity, order.summary) == (123, "")
        assert stored(order) == before

    def test_a_write_refused_after_saving_changes_nothing(self, api, editor):
        """Removing the only sources of a published record is refused once the claims are
        written: the record and its claims are as they were."""
        order = factories.order(quantity=123, system=factories.system())
        factories.claim(order, "quantity", "123")
        before = stored(order)
        api.force_authenticate(editor)
        response = api.patch(url(order), {"quantity": 130, "claims": []}, format="json")
        assert response.status_code == 400, response.content
        assert "sources" in response.json()["error"]["fields"]
        order.refresh_from_db()
        assert order.quantity == 123
        assert stored(order) == before


class TestReview:
    def test_a_contributors_claims_wait_for_an_editor(self, api, contributor, editor, order):
        factories.claim(order, "quantity", "123")
        source = factories.source()
        before = api.get(url(order)).json()["claims"]
        api.force_authenticate(contributor)
        response = api.patch(
            url(order),
            {"claims": [claim("128", source), claim("123", source, rank="deprecated")]},
            format="json",
        )
        assert response.status_code == 202, response.content
        assert response.json()["proposal"]["state"] == "pending"
        api.force_authenticate(None)
        assert api.get(url(order)).json()["claims"] == before
        assert set(stored(order)) == {("quantity", "123")}

        review.publish(Proposal.objects.get(object_id=order.pk, state="pending"), user=editor)
        live = shown(api.get(url(order)).json())
        assert {key: value["rank"] for key, value in live.items()} == {
            ("quantity", "128"): "preferred",
            ("quantity", "123"): "deprecated",
        }
        assert live[("quantity", "128")]["citations"] == [(source.slug, "", "")]

    def test_an_editors_claims_are_live(self, api, editor, order):
        source = factories.source()
        api.force_authenticate(editor)
        response = api.patch(url(order), {"claims": [claim("123", source)]}, format="json")
        assert response.status_code == 200, response.content
        assert not Proposal.objects.filter(object_id=order.pk).exists()
        api.force_authenticate(None)
        assert set(shown(api.get(url(order)).json())) == {("quantity", "123")}


class TestFilters:
    def test_disputed_and_estimate_are_read_from_the_claims(self, api):
        system = factories.system()

        def order(*claims):
            record = factories.order(system=system)
            for field, value, kwargs in claims:
                factories.claim(record, field, value, **kwargs)
            return record.slug

        preferred, normal, deprecated = (
            {"rank": "preferred"},
            {"rank": "normal"},
            {"rank": "deprecated"},
        )
        competing = order(("quantity", "1", preferred), ("quantity", "2", normal))
        set_aside = order(("quantity", "1", preferred), ("quantity", "2", deprecated))
        two_fields = order(("quantity", "1", preferred), ("amount", "2", preferred))
        undecided = order(("quantity", "1", normal), ("quantity", "2", normal))
        ranged = order(("quantity", "1", preferred | {"certainty": "range", "upper": "3"}))
        bare = order()

        def slugs(query):
            response = api.get(f"/api/v1/orders/?system={system.slug}&{query}")
            assert response.status_code == 200, response.content
            return {row["slug"] for row in response.json()["results"]}

        assert slugs("disputed=true") == {competing, undecided}
        assert slugs("disputed=false") == {set_aside, two_fields, ranged, bare}
        assert slugs("estimate=true") == {ranged}
        assert slugs("estimate=false") == {competing, set_aside, two_fields, undecided, bare}

    @pytest.mark.parametrize("name", ["systems", "people", "articles"])
    def test_every_fact_list_has_them(self, api, name):
        assert api.get(f"/api/v1/{name}/?disputed=true&estimate=false").status_code == 200
        response = api.get(f"/api/v1/{name}/?estimate=perhaps")
        assert response.status_code == 400
        assert "estimate" in response.json()["error"]["fields"]


FACT_ENDPOINTS = {
    key: viewset
    for key, viewset in EXPORTS.items()
    if issubclass(viewset.serializer_class.Meta.model, Fact)
}


def add_claims(record):
    """Two more claims of one value, each cited twice."""
    field = claimable_fields(type(record))[0]
    factories.claim(record, field, f"first {factories.n()}", sources=2, rank="normal")
    factories.claim(record, field, f"second {factories.n()}", sources=2, rank="deprecated")


class TestQueryCounts:
    @pytest.mark.parametrize("key", list(FACT_ENDPOINTS))
    def test_claims_add_no_query(self, api, key, django_assert_max_num_queries):
        viewset = FACT_ENDPOINTS[key]
        model = viewset.serializer_class.Meta.model
        records = [factories.make(model) for _ in range(2)]
        for record in records:  # a record with no claim needs no query for their citations
            factories.claim(record, claimable_fields(model)[0], "baseline")
        lookup = viewset.lookup_field
        ordering = "" if key == "membership" else "&ordering=-updated_at"
        list_path = f"{api_root(key)}?page_size=100{ordering}"
        detail_path = f"{api_root(key)}{getattr(records[0], lookup)}/"
        with CaptureQueriesContext(connection) as listing:
            assert api.get(list_path).status_code == 200
        with CaptureQueriesContext(connection) as detail:
            assert api.get(detail_path).status_code == 200
        for record in records:
            add_claims(record)
        for _ in range(3):
            add_claims(factories.make(model))
        with django_assert_max_num_queries(len(listing)):
            response = api.get(list_path)
        assert any(row["claims"] for row in response.json()["results"])
        with django_assert_max_num_queries(len(detail)):
            response = api.get(detail_path)
        assert "claims" in response.json(), (response.status_code, response.json())
        claims = response.json()["claims"]
        assert len(claims) == 3
        assert sorted(len(c["citations"]) for c in claims) == [1, 2, 2]


def api_root(key):
    plural = {"person": "people", "activity": "activities"}.get(key, f"{key}s")
    return f"/api/v1/{plural}/"


class TestSchema:
    def test_the_schema_describes_writable_claims_without_warnings(self):
        GENERATOR_STATS.reset()
        schema = SchemaGenerator().get_schema(request=None, public=True)
        validate_schema(schema)
        assert not GENERATOR_STATS, "drf-spectacular warned"
        components = schema["components"]["schemas"]
        claims = components["PatchedOrderRequest"]["properties"]["claims"]
        assert claims["items"] == {"$ref": "#/components/schemas/OrderClaimRequest"}
        written = components["OrderClaimRequest"]
        assert set(written["required"]) == {"field", "value", "citations"}
        assert "label" not in written["properties"]
        assert written["properties"]["citations"]["minItems"] == 1
        assert "quantity" in components["OrderClaimFieldEnum"]["enum"]
        citation = components["ClaimCitationRequest"]
        assert citation["required"] == ["source"]
        assert citation["properties"]["excerpt"]["maxLength"] == 600
        assert set(components["CertaintyEnum"]["enum"]) == {
            "exact",
            "estimate",
            "range",
            "at_least",
            "at_most",
            "more_than",
            "less_than",
        }
        order = components["Order"]["properties"]
        assert "is_estimate" not in order and "is_disputed" not in order
        assert order["citations"]["readOnly"] is True


class TestOtherRecords:
    def test_a_membership_takes_claims_too(self, api, editor):
        membership = factories.membership()
        factories.cite(membership)
        source = factories.source()
        api.force_authenticate(editor)
        response = api.patch(
            f"/api/v1/memberships/{membership.pk}/",
            {"claims": [claim(membership.role, source, field="role")]},
            format="json",
        )
        assert response.status_code == 200, response.content
        assert set(shown(response.json())) == {("role", membership.role)}
        assert set(stored(membership)) == {("role", membership.role)}
